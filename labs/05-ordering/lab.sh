# lab.sh — how labs/run.sh builds and checks lab 5.
# Sourced by labs/run.sh, which reads these variables and calls lab_build.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="Ordering with a bounded window"
LAB_TIME="60 min"
LAB_FILES="reorder.c"       # what you edit; solution/ has the same names
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

lab_build() {
    check_binary check -- check.c reorder.c
    pipelab_binary reorder.c
}
