# lab.mk — how labs.mk builds lab 8: one check binary per variant, each
# with the yield points switched on, and the check of answers.md.
LAB_VARIANTS = a b c d e f
LAB_CHECKS = $(LAB_VARIANTS:%=variant_%) answers
$(foreach v,$(LAB_VARIANTS),$(eval variant_$(v)_SRCS = check_variant.c yield.c chan_$(v).c))
$(foreach v,$(LAB_VARIANTS),$(eval variant_$(v)_FLAGS = -DLAB_YIELD_POINTS -DVARIANT='"$(v)"'))
answers_SRCS = check_answers.c
