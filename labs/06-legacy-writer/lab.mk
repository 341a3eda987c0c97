# lab.mk — how labs.mk builds lab 6: its check binaries and its pipelab.
# A name in LAB_FILES comes from the learner's copy (or the healed one),
# any other from this folder.
LAB_CHECKS = check
check_SRCS = check.c mutex.c
# Each --wrap routes every call to that function through the check's
# __wrap_ version first (see check.c).
check_FLAGS = -Wl,--wrap=pthread_mutex_lock,--wrap=pthread_mutex_unlock \
	-Wl,--wrap=stage_forward,--wrap=writer_put
LAB_PIPELAB_SRCS = mutex.c
