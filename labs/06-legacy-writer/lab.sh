# lab.sh — how labs/run.sh builds and checks lab 6.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="The legacy writer"
LAB_TIME="45 min"
LAB_FILES="mutex.c"         # what you edit; solution.patch heals it
LAB_REPLACES="mutex.o"      # your file stands in for the kit's backends/mutex.c
LAB_SAN=""
LAB_EXPECT_FAIL="lock_wait_and_hold_are_measured nothing_is_compressed_under_the_lock"
LAB_TRY='build/labs/06/pipelab --backend mutex runs your legacy writer. Compare the lock
figures before and after your fix (git stash / git stash pop, or keep a copy):
    build/labs/06/pipelab gen --force --force /tmp/in.txt --size 64M
    build/labs/06/pipelab process --force --force --stages compress --backend mutex --workers 8 --metrics table /tmp/in.txt /tmp/out.plab | grep -E "lock|throughput"
    build/labs/06/pipelab compare --stages compress --workers 8 /tmp/in.txt'
