# lab.sh — how labs/run.sh builds and checks lab 3.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034,SC2016
LAB_TITLE="Fan-out, fan-in"
LAB_TIME="45-60 min"
LAB_FILES="pool.c"                     # what you edit; solution.patch heals it
LAB_REPLACES="channel_pipeline.o"      # glue.c + your pool stand in for backends/channel_pipeline.c
LAB_SAN=""
LAB_EXPECT_FAIL="every_item_processed_exactly_once workers_really_overlap
    output_closed_after_the_last_worker closed_once_with_one_or_many_workers
    empty_input_closes_output failed_items_are_dropped real_pipeline_with_your_pool"
LAB_TRY='build/labs/03/pipelab runs its workers on your pool. See the fan-out at work:
    build/labs/03/pipelab gen --force /tmp/in.txt --size 128M
    for w in 1 2 4 8; do build/labs/03/pipelab process --force --stages compress --backend bounded --workers $w --metrics table /tmp/in.txt /tmp/out.plab | grep -E "throughput|worker"; done'
