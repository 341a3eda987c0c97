# lab.mk — how labs.mk builds lab 7: its check binaries and its pipelab.
# A name in LAB_FILES comes from the learner's copy (or the healed one),
# any other from this folder.
LAB_CHECKS = check
check_SRCS = check.c channel_pipeline.c
# --wrap: pipelab's calls to writer_put and reader_next go through the
# check's __wrap_ versions, which fail on cue (see check.c).
check_FLAGS = -Wl,--wrap=writer_put,--wrap=reader_next
LAB_PIPELAB_SRCS = channel_pipeline.c
