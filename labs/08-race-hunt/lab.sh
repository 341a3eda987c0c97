# lab.sh — how labs/run.sh builds and checks lab 8.
# Sourced by labs/run.sh, which reads these variables and calls lab_build.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="Race hunt"
LAB_TIME="90 min"
LAB_FILES="chan_a.c chan_b.c chan_c.c chan_d.c chan_e.c chan_f.c answers.md"
LAB_REPLACES=""             # the variants are a small API of their own (vchan.h)
LAB_SAN="tsan"              # always ThreadSanitizer: data races are part of the hunt
LAB_CHECK_TIMEOUT=30
LAB_EXPECT_FAIL="b/receiver_rechecks_after_wakeup c/count_stays_true_after_unlock
    e/close_wakes_every_receiver e/close_wakes_every_sender f/wakeup_reaches_a_waiting_sender
    answers/every_variant_has_a_verdict answers/verdicts_are_right"
LAB_TRY='Every variant now passes every forced interleaving under ThreadSanitizer.
Compare your fixes with the kit'"'"'s src/prim/chan.c, which has none of these bugs:
which of its comments would have warned you about each one?'

lab_build() {
    # One check binary per variant, each with the yield points switched on.
    local v
    for v in a b c d e f; do
        check_binary "variant_$v" -DLAB_YIELD_POINTS "-DVARIANT=\"$v\"" -- \
            check_variant.c yield.c "chan_$v.c"
    done
    check_binary answers -- check_answers.c
}
