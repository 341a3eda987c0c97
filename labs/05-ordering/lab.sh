# lab.sh — how labs/run.sh builds and checks lab 5.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="Ordering with a bounded window"
LAB_TIME="60 min"
LAB_FILES="reorder.c"       # what you edit
LAB_KIT_ANSWER="src/core/reorder.c"  # its answer is the kit's own file
LAB_REPLACES="reorder.o"    # your file stands in for the kit's src/core/reorder.c
LAB_SAN=""
LAB_EXPECT_FAIL="in_order_arrivals_come_out_at_once scrambled_arrivals_come_out_in_order
    admit_waits_for_the_window cancel_wakes_a_waiting_admit
    window_bounds_memory_under_adversarial_delays real_pipeline_writes_in_order"
LAB_TRY='build/labs/05/pipelab orders chunks with your window. What does order cost?
    build/labs/05/pipelab gen --force /tmp/in.txt --size 128M
    build/labs/05/pipelab process --force --stages compress --backend bounded --workers 4 --metrics table /tmp/in.txt /tmp/out.plab
    build/labs/05/pipelab process --force --stages compress --backend bounded --workers 4 --ordered --window 2 --metrics table /tmp/in.txt /tmp/out.plab
    build/labs/05/pipelab process --force --stages compress --backend bounded --workers 4 --ordered --window 64 --metrics table /tmp/in.txt /tmp/out.plab'
