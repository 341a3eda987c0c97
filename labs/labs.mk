# labs/labs.mk — the lab targets, included by the top-level Makefile.
#
#   make lab            check the first lab not done yet (N=3: check lab 3)
#   make labs           every lab with ✓ / ✗ and "k / 9 done"
#   make hint           the next hint for the current lab (N=3: for lab 3)
#   make labs-verify    instructors and CI: starters fail, solutions pass
#   make handout        build/pipelab-handout.tar.gz, without solutions
#
# RACE=1 builds a lab's checks with ThreadSanitizer. labs/run.sh drives a lab
# (which checks to run, what to tell the learner); the building is done by
# the rules below, which labs/run.sh asks for with make itself:
#
#   make SAN=tsan LAB_DIR=labs/01-bounded-channel LAB_SRC=DIR LAB_OUT=DIR \
#        LAB_FILES="chan.c" LAB_REPLACES="chan.o" lab-checks
#
# builds each check binary of the lab (its lab.mk names them) into LAB_OUT,
# with the kit's own flags (ALL_CFLAGS, so SAN= picks the sanitizer) and its
# library; the learner's files come from LAB_SRC (the lab folder, or a healed
# copy under build/). `lab-pipelab` builds pipelab with the learner's files
# into LAB_PIPELAB_OUT. This file must be included after ALL_CFLAGS, B and
# the kit's rules are defined.

# Whatever the place of the include, `make` alone must still build pipelab:
# remember the default goal and restore it at the end of this file.
LABS_DEFAULT_GOAL := $(.DEFAULT_GOAL)

N    ?=
RACE ?=

# What a lab links: the kit's library (primitives, core, backends), and for
# its pipelab also pipelab's own main and the application library.
LABS_KIT_LIB   = $(B)/libpipelab.a
LABS_APP_LIB   = $(B)/libpipelab-app.a
LABS_MAIN_OBJ  = $(B)/obj/src/app/main.o
LABS_LIB_OBJ   = $(patsubst labs/lib/%.c,$(B)/obj/labs/lib/%.o,$(wildcard labs/lib/*.c))
LABS_CHECK_CFLAGS = $(ALL_CFLAGS) $(LIB_INC) $(CMOCKA_CFLAGS) -Ilabs/lib

LAB_ENV = MAKE="$(MAKE)" RACE="$(RACE)"

.PHONY: lab labs hint labs-verify handout lab-kit lab-checks lab-pipelab lab-list
lab: ## check the first lab not done yet (N=3: check lab 3)
	@$(LAB_ENV) labs/run.sh lab $(N)
labs: ## every lab with ✓ / ✗ and "k / 9 done"
	@$(LAB_ENV) labs/run.sh labs
hint: ## the next hint for the current lab (N=3: for lab 3)
	@$(LAB_ENV) labs/run.sh hint $(N)
labs-verify: ## instructors and CI: starters fail, healed solutions pass
	@$(LAB_ENV) labs/run.sh verify
handout: ## build/pipelab-handout.tar.gz, without the answers
	@$(LAB_ENV) labs/run.sh handout

# The kit a lab links, in this SAN= variant (and the lab helpers).
lab-kit: $(LABS_KIT_LIB) $(LABS_LIB_OBJ) $(if $(SAN),,$(LABS_MAIN_OBJ) $(LABS_APP_LIB)) ## (labs/run.sh) the kit a lab links, in this SAN= variant

# -MMD: a lab helper also depends on the kit headers it includes (a struct
# that grows must rebuild it).
$(B)/obj/labs/lib/%.o: labs/lib/%.c $(wildcard labs/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(LABS_CHECK_CFLAGS) -MMD -MP -c $< -o $@
-include $(LABS_LIB_OBJ:.o=.d)

ifneq ($(LAB_DIR),)
include $(LAB_DIR)/lab.mk
LAB_SRC ?= $(LAB_DIR)
LAB_OUT ?= build/labs/$(notdir $(LAB_DIR))
LAB_PIPELAB_OUT ?= $(LAB_OUT)

# A source a build names: the learner's copy if it is one of LAB_FILES, else
# the lab's own file.
lab_sources = $(foreach f,$(1),$(if $(filter $(f),$(LAB_FILES)),$(LAB_SRC)/$(f),$(LAB_DIR)/$(f)))

# After a link: the kit's own version of a file the learner replaces must
# not have been pulled in next to theirs (the link map says what was).
define lab_no_kit_copy
	@for o in $(LAB_REPLACES); do \
	    if grep -q "libpipelab\.a($$o)" $@.map; then \
	        echo "The kit's own $$o was linked in next to your code: your file must define"; \
	        echo "every function the kit's version defines (see its header in src/ or backends/)."; \
	        rm -f $@; exit 1; \
	    fi; \
	done
endef

define lab_check_rule
$(LAB_OUT)/$(1): $(call lab_sources,$($(1)_SRCS)) $(wildcard $(LAB_DIR)/*.h) $(LABS_LIB_OBJ) $(LABS_KIT_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LABS_CHECK_CFLAGS) $$($(1)_FLAGS) -I$(LAB_DIR) $$(LDFLAGS) -o $$@ \
	    $(call lab_sources,$($(1)_SRCS)) $$(LABS_LIB_OBJ) $$(LABS_KIT_LIB) $$(CMOCKA_LIBS) $$(LDLIBS) \
	    -Wl,-Map,$$@.map
	$$(lab_no_kit_copy)
endef
$(foreach c,$(LAB_CHECKS),$(eval $(call lab_check_rule,$(c))))

lab-checks: $(addprefix $(LAB_OUT)/,$(LAB_CHECKS)) ## (labs/run.sh) build LAB_DIR's checks
lab-list: ## (labs/run.sh) name LAB_DIR's check binaries
	@printf '%s\n' $(addprefix $(LAB_OUT)/,$(LAB_CHECKS))

# pipelab itself with the learner's files in it: always a plain build (it is
# for experiments, and proves the files link into the real program).
ifneq ($(LAB_PIPELAB_SRCS),)
lab-pipelab: $(LAB_PIPELAB_OUT)/pipelab ## (labs/run.sh) pipelab with the learner's files
$(LAB_PIPELAB_OUT)/pipelab: $(call lab_sources,$(LAB_PIPELAB_SRCS)) $(wildcard $(LAB_DIR)/*.h) $(LABS_MAIN_OBJ) $(LABS_APP_LIB) $(LABS_KIT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_INC) -I$(LAB_DIR) $(LDFLAGS) -o $@ $(LABS_MAIN_OBJ) \
	    $(call lab_sources,$(LAB_PIPELAB_SRCS)) $(LABS_APP_LIB) $(LABS_KIT_LIB) $(LDLIBS) -Wl,-Map,$@.map
	$(lab_no_kit_copy)
else
lab-pipelab:
endif
endif

.DEFAULT_GOAL := $(LABS_DEFAULT_GOAL)
