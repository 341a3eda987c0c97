# lab.sh — how labs/run.sh builds and checks lab 2.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="An unbounded channel and what it costs"
LAB_TIME="45-60 min"
LAB_FILES="chan.c"          # what you edit; solution.patch heals it
LAB_REPLACES="chan.o"       # your file stands in for the kit's src/prim/chan.c
LAB_SAN=""
LAB_EXPECT_FAIL="unbounded_keeps_fifo_order unbounded_send_never_waits
    unbounded_recv_waits_and_close_drains unbounded_many_senders_and_receivers
    memory_grows_with_file_size"
LAB_TRY='Now watch the cost yourself (both backends run on your channel):
    build/labs/02/pipelab gen --force /tmp/in.txt --size 256M
    build/labs/02/pipelab process --force --stages compress --backend unbounded --writer-delay-us 2000 --metrics table /tmp/in.txt /tmp/out.plab
    build/labs/02/pipelab process --force --stages compress --backend bounded   --writer-delay-us 2000 --metrics table /tmp/in.txt /tmp/out.plab
Compare peak_chunks_in_flight and peak_rss.'
