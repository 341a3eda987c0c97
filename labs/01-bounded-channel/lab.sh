# lab.sh — how labs/run.sh builds and checks lab 1.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="A bounded channel"
LAB_TIME="60-90 min"
LAB_FILES="chan.c"          # what you edit; solution.patch heals it
LAB_REPLACES="chan.o"       # your file stands in for the kit's src/prim/chan.c
LAB_SAN=""                  # checks are plain builds (RACE=1 adds ThreadSanitizer)
LAB_EXPECT_FAIL="fifo_every_capacity send_waits_while_full recv_waits_while_empty
    close_drains_then_reports_closed close_wakes_blocked_receivers
    close_wakes_blocked_senders many_senders_and_receivers woken_receivers_check_again
    real_pipeline_runs_on_your_channel"
LAB_TRY='Your channel now carries the real pipeline. Try it:
    build/labs/01/pipelab gen --force /tmp/in.txt --size 64M
    build/labs/01/pipelab process --force --stages compress --backend bounded --channel-depth 4 --metrics table /tmp/in.txt /tmp/out.plab
and run it again under ThreadSanitizer: make lab N=1 RACE=1'
