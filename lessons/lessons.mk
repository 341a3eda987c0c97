# lessons.mk — included by the top-level Makefile.
#
#   make lessons-check    run every runnable block of the course against the
#                         built kit, compare every quoted block of C with the
#                         lines tagged in the source, and check links,
#                         options and the reference pages (lessons/check.sh;
#                         part of `make test`)
#
# LESSONS_SIZE=32M make lessons-check runs the experiments at full size
# (default 4M, to stay well under a minute). SAN=asan checks the course
# against the sanitizer build.

.PHONY: lessons-check
lessons-check: $(B)/pipelab ## run every runnable block of the course, check its code quotes, links, options, references
	@PIPELAB_BIN=$(CURDIR)/$(B) lessons/check.sh
