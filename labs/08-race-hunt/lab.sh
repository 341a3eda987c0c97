# lab.sh — how labs/run.sh builds and checks lab 8.
# Sourced by labs/run.sh; lab.mk says how to build the checks.
# shellcheck shell=bash disable=SC2034
LAB_TITLE="Race hunt"
LAB_TIME="90 min"
LAB_FILES="chan_a.c chan_b.c chan_c.c chan_d.c chan_e.c chan_f.c answers.md"
LAB_GENERATED="chan_a.c chan_b.c chan_c.c chan_d.c chan_e.c chan_f.c"  # made from variants/ (base.c + one patch each)
LAB_REPLACES=""             # the variants are a small API of their own (vchan.h)
LAB_SAN="tsan"              # always ThreadSanitizer: data races are part of the hunt
LAB_CHECK_TIMEOUT=30
LAB_EXPECT_FAIL="b/receiver_rechecks_after_wakeup c/count_stays_true_after_unlock
    e/close_wakes_every_receiver e/close_wakes_every_sender f/wakeup_reaches_a_waiting_sender
    answers/every_variant_has_a_verdict answers/verdicts_are_right"
LAB_TRY='Every variant now passes every forced interleaving under ThreadSanitizer.
Compare your fixes with the kit'"'"'s src/prim/chan.c, which has none of these bugs:
which of its comments would have warned you about each one?'
