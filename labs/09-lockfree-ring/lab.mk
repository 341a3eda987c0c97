# lab.mk — how labs.mk builds lab 9: its check binary and its pipelab.
# A name in LAB_FILES comes from the learner's copy (or the healed one),
# any other from this folder.
LAB_CHECKS = check
check_SRCS = check.c as_chan.c chan_lockfree.c
# Each --wrap routes every call to that function through the check's
# __wrap_ version first, which counts it (see check.c).
check_FLAGS = -Wl,--wrap=pthread_mutex_lock,--wrap=pthread_cond_wait,--wrap=pthread_cond_signal
LAB_PIPELAB_SRCS = chan_lockfree.c
