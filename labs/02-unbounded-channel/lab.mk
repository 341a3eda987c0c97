# lab.mk — how labs.mk builds lab 2: its check binaries and its pipelab.
# A name in LAB_FILES comes from the learner's copy (or the healed one),
# any other from this folder.
LAB_CHECKS = check
check_SRCS = check.c chan.c
LAB_PIPELAB_SRCS = chan.c
