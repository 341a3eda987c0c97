# lab.sh — how labs/run.sh builds and checks lab 9.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="A lock-free ring"
LAB_TIME="90 min"
LAB_FILES="chan_lockfree.c"                 # what you edit
LAB_GENERATED="chan_lockfree.c"             # written by the first `make lab N=9`:
LAB_GENERATED_BASE="src/prim/chan_lockfree.c"   # the kit's file, minus the ring (variants/)
LAB_KIT_ANSWER="src/prim/chan_lockfree.c"   # its answer is the kit's own file
LAB_REPLACES="chan_lockfree.o"              # your file stands in for the kit's src/prim/chan_lockfree.c
LAB_SAN=""                                  # plain; RACE=1 runs the same checks under ThreadSanitizer
LAB_EXPECT_FAIL="try_forms_and_fifo_every_capacity waits_and_close many_senders_and_receivers
    no_lock_on_the_fast_path
    backs_off_on_one_cpu lockfree_backend_runs_on_your_ring pipelab_round_trips_on_your_ring"
LAB_TRY='Your ring now carries pipelab'"'"'s lockfree backend. Prove it race-free, then compare:
    make lab N=9 RACE=1
    build/labs/09/pipelab gen --force /tmp/in.txt --size 32M
    build/labs/09/pipelab process --force --stages checksum --chunk-size 4K --backend lockfree --workers 2 --metrics table /tmp/in.txt /tmp/out.plab
    build/labs/09/pipelab process --force --stages checksum --chunk-size 4K --backend bounded --workers 2 --metrics table /tmp/in.txt /tmp/out.plab
    taskset -c 0 build/labs/09/pipelab process --force --stages checksum --chunk-size 4K --backend lockfree --workers 8 /tmp/in.txt /tmp/out.plab'
