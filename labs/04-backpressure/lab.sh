# lab.sh — how labs/run.sh builds and checks lab 4.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="Backpressure you can count"
LAB_TIME="45 min"
LAB_FILES="chunk.c bound.c"     # what you edit (solution.patch heals bound.c)
LAB_KIT_ANSWER="src/core/chunk.c"    # the answer for chunk.c is the kit's own file
LAB_REPLACES="chunk.o"          # your chunk.c stands in for the kit's src/core/chunk.c
LAB_SAN=""
LAB_EXPECT_FAIL="counts_follow_new_and_free counts_exact_under_threads peak_sees_every_thread
    peak_never_lost_in_a_race bound_reached_never_exceeded_slow_writer bound_holds_with_a_slow_stage unbounded_goes_past_the_bound"
LAB_TRY='build/labs/04/pipelab counts with your code. Check your bound by hand:
    build/labs/04/pipelab gen --force /tmp/in.txt --size 64M
    build/labs/04/pipelab process --force --stages compress --backend bounded --channel-depth 8 --workers 4 --writer-delay-us 2000 --metrics table /tmp/in.txt /tmp/out.plab | grep peak
and see the figure move with --channel-depth and --workers.'
