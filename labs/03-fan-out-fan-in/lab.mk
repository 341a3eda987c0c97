# lab.mk — how labs.mk builds lab 3: its check binaries and its pipelab.
# A name in LAB_FILES comes from the learner's copy (or the healed one),
# any other from this folder.
LAB_CHECKS = check
check_SRCS = check.c pool.c glue.c
# --wrap: every chan_close goes through the check's __wrap_chan_close first,
# which counts the closes of the pool's output channel.
check_FLAGS = -Wl,--wrap=chan_close
LAB_PIPELAB_SRCS = pool.c glue.c
