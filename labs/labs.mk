# labs/labs.mk — the lab targets, included by the top-level Makefile.
#
#   make lab            check the first lab not done yet (N=3: check lab 3)
#   make labs           every lab with ✓ / ✗ and "k / 8 done"
#   make hint           the next hint for the current lab (N=3: for lab 3)
#   make labs-verify    instructors and CI: starters fail, solutions pass
#   make handout        build/pipelab-handout.tar.gz, without solutions
#
# RACE=1 builds a lab's checks with ThreadSanitizer. Everything is done by
# labs/run.sh; this file only hands it the project's compiler and flags
# (minus any SAN= sanitizer: the runner picks its own per lab). Recipes use
# `=` variables, so it does not matter where the Makefile includes this file.

# Whatever the place of the include, `make` alone must still build pipelab:
# remember the default goal and restore it at the end of this file.
LABS_DEFAULT_GOAL := $(.DEFAULT_GOAL)

N    ?=
RACE ?=

LAB_ENV = MAKE="$(MAKE)" RACE="$(RACE)" LAB_CC="$(CC)" \
	LAB_CFLAGS="$(filter-out -fsanitize=% -fno-sanitize-recover=%,$(ALL_CFLAGS)) $(LIB_INC)" \
	LAB_CMOCKA_CFLAGS="$(CMOCKA_CFLAGS)" LAB_CMOCKA_LIBS="$(CMOCKA_LIBS)" \
	LAB_LDLIBS="$(LDLIBS)"

.PHONY: lab labs hint labs-verify handout
lab: ## check the first lab not done yet (N=3: check lab 3)
	@$(LAB_ENV) labs/run.sh lab $(N)
labs: ## every lab with its mark and "k / 8 done"
	@$(LAB_ENV) labs/run.sh labs
hint: ## the next hint for the current lab (N=3: for lab 3)
	@$(LAB_ENV) labs/run.sh hint $(N)
labs-verify: ## for instructors and CI: starters fail, solutions pass
	@$(LAB_ENV) labs/run.sh verify
handout: ## build/pipelab-handout.tar.gz, the kit without the solutions
	@$(LAB_ENV) labs/run.sh handout

.DEFAULT_GOAL := $(LABS_DEFAULT_GOAL)
