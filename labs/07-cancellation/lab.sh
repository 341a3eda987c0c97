# lab.sh — how labs/run.sh builds and checks lab 7.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="Cancellation"
LAB_TIME="60 min"
LAB_FILES="channel_pipeline.c"         # what you edit
LAB_KIT_ANSWER="backends/channel_pipeline.c"  # its answer is the kit's own file
LAB_REPLACES="channel_pipeline.o"      # your file stands in for backends/channel_pipeline.c
LAB_SAN="asan"                         # always AddressSanitizer + LeakSanitizer + UBSan
LAB_CHECK_TIMEOUT=15                   # a check takes ~1 s: after 15 s it has hung
LAB_EXPECT_FAIL="worker_failure_stops_everything writer_failure_stops_everything
    reader_failure_stops_everything failure_at_the_first_chunk failure_with_unbounded_channels"
LAB_TRY='build/labs/07/pipelab runs your pipeline. Make it fail, and interrupt it:
    build/labs/07/pipelab gen --force /tmp/in.txt --size 256M
    build/labs/07/pipelab process --force --stages compress --fail-at-chunk 20 --writer-delay-us 2000 /tmp/in.txt /tmp/out.plab; echo "exit $?"; ls /tmp/out.plab
    build/labs/07/pipelab process --force --stages compress --writer-delay-us 2000 /tmp/in.txt /tmp/out.plab   # press Ctrl-C'
