/*
 * test_util.c — parse_size and parse_uint, the two functions every numeric
 * command-line option goes through (see util.h and cli.c).
 *
 * The contract: parse_size takes a positive whole number with an optional
 * binary unit (K, M, G, either case) and refuses anything that is not a size
 * from 1 to max; parse_uint takes a plain decimal number in [min, max]. Both
 * refuse signs, spaces and trailing junk, and neither may wrap around on a
 * number too large for 64 bits.
 */
#include "testutil.h"

#include "util.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

/* Accepting parse: the result must be exactly want. */
static void size_ok(const char *text, uint64_t max, uint64_t want)
{
    uint64_t got = 12345;
    if (parse_size(text, max, &got) != 0)
        fail_msg("parse_size(\"%s\", %llu) refused it", text, (unsigned long long)max);
    if (got != want)
        fail_msg("parse_size(\"%s\") gave %llu, want %llu", text, (unsigned long long)got,
                 (unsigned long long)want);
}

/* Refusing parse: -1, and *out left alone. */
static void size_bad(const char *text, uint64_t max)
{
    uint64_t got = 12345;
    if (parse_size(text, max, &got) != -1)
        fail_msg("parse_size(\"%s\", %llu) accepted it as %llu", text ? text : "(null)",
                 (unsigned long long)max, (unsigned long long)got);
    assert_int_equal(got, 12345);
}

static void uint_ok(const char *text, uint64_t min, uint64_t max, uint64_t want)
{
    uint64_t got = 12345;
    if (parse_uint(text, min, max, &got) != 0)
        fail_msg("parse_uint(\"%s\", %llu..%llu) refused it", text, (unsigned long long)min,
                 (unsigned long long)max);
    assert_int_equal(got, want);
}

static void uint_bad(const char *text, uint64_t min, uint64_t max)
{
    uint64_t got = 12345;
    if (parse_uint(text, min, max, &got) != -1)
        fail_msg("parse_uint(\"%s\", %llu..%llu) accepted it as %llu", text ? text : "(null)",
                 (unsigned long long)min, (unsigned long long)max, (unsigned long long)got);
    assert_int_equal(got, 12345);
}

/* ---- parse_size -------------------------------------------------------- */

static void test_size_plain_numbers(void **state)
{
    (void)state;
    test_watchdog(10);
    size_ok("1", UINT64_MAX, 1);
    size_ok("64", UINT64_MAX, 64);
    size_ok("4096", UINT64_MAX, 4096);
    size_ok("007", UINT64_MAX, 7);
    size_ok("18446744073709551615", UINT64_MAX, UINT64_MAX);
}

static void test_size_units(void **state)
{
    (void)state;
    test_watchdog(10);
    size_ok("1K", UINT64_MAX, KIB);
    size_ok("512K", UINT64_MAX, 512 * KIB);
    size_ok("512k", UINT64_MAX, 512 * KIB);
    size_ok("8M", UINT64_MAX, 8 * MIB);
    size_ok("8m", UINT64_MAX, 8 * MIB);
    size_ok("1G", UINT64_MAX, GIB);
    size_ok("3g", UINT64_MAX, 3 * GIB);
    size_ok("256M", 256 * MIB, 256 * MIB);
    /* Units are binary: 1K is 1024, never 1000. */
    size_ok("1000K", UINT64_MAX, 1000 * KIB);
    /* The largest G that fits in 64 bits. */
    size_ok("17179869183G", UINT64_MAX, UINT64_C(17179869183) << 30);
    /* util.c documents "8MiB" and "8MB" as the same binary 8M. */
    size_ok("8MiB", UINT64_MAX, 8 * MIB);
    size_ok("8MB", UINT64_MAX, 8 * MIB);
    size_ok("1KiB", UINT64_MAX, KIB);
}

static void test_size_rejects_zero_and_signs(void **state)
{
    (void)state;
    test_watchdog(10);
    size_bad("0", UINT64_MAX);
    size_bad("00", UINT64_MAX);
    size_bad("0K", UINT64_MAX);
    size_bad("0G", UINT64_MAX);
    size_bad("-1", UINT64_MAX);
    size_bad("-5", UINT64_MAX);
    size_bad("-1K", UINT64_MAX);
    size_bad("+1", UINT64_MAX);
}

static void test_size_rejects_junk(void **state)
{
    (void)state;
    test_watchdog(10);
    size_bad(NULL, UINT64_MAX);
    size_bad("", UINT64_MAX);
    size_bad(" ", UINT64_MAX);
    size_bad(" 1", UINT64_MAX);
    size_bad("1 ", UINT64_MAX);
    size_bad("1 K", UINT64_MAX);
    size_bad("1X", UINT64_MAX);
    size_bad("1T", UINT64_MAX);
    size_bad("1KK", UINT64_MAX);
    size_bad("1KM", UINT64_MAX);
    size_bad("1Kb", UINT64_MAX);
    size_bad("1Bi", UINT64_MAX);
    size_bad("1MiBx", UINT64_MAX);
    size_bad("K", UINT64_MAX);
    size_bad("M1", UINT64_MAX);
    size_bad("1.5M", UINT64_MAX);
    size_bad("1e3", UINT64_MAX);
    size_bad("0x10", UINT64_MAX);
    size_bad("abc", UINT64_MAX);
}

/* "iB" only qualifies a unit letter, and "i" alone is nothing; a bare "B"
 * means bytes. */
static void test_size_suffix_needs_unit(void **state)
{
    (void)state;
    test_watchdog(10);
    size_bad("1i", UINT64_MAX);
    size_bad("5iB", UINT64_MAX);
    size_bad("8Mi", UINT64_MAX);
    uint64_t v = 0;
    assert_int_equal(parse_size("512B", UINT64_MAX, &v), 0);
    assert_int_equal(v, 512);
}

static void test_size_overflow(void **state)
{
    (void)state;
    test_watchdog(10);
    /* Too large for 64 bits before any unit. */
    size_bad("18446744073709551616", UINT64_MAX);
    size_bad("99999999999999999999999999", UINT64_MAX);
    /* Fits in 64 bits, but not once the unit is applied: must not wrap. */
    size_bad("17179869184G", UINT64_MAX);          /* 2^34 G = 2^64 */
    size_bad("18014398509481984K", UINT64_MAX);    /* 2^54 K = 2^64 */
    size_bad("17592186044416M", UINT64_MAX);       /* 2^44 M = 2^64 */
    size_bad("18446744073709551615K", UINT64_MAX);
    size_bad("18446744073709551615G", UINT64_MAX);
}

static void test_size_max(void **state)
{
    (void)state;
    test_watchdog(10);
    size_ok("1024", 1024, 1024);
    size_bad("1025", 1024);
    size_ok("1K", 1024, 1024);
    size_bad("2K", 2047);
    size_ok("1K", 2047, 1024);
    size_ok("256M", 256 * MIB, 256 * MIB);
    size_bad("257M", 256 * MIB);
    size_bad("1G", 256 * MIB);
    size_bad("99G", 256 * MIB);
    size_bad("268435457", 256 * MIB);
    size_ok("268435456", 256 * MIB, 256 * MIB);
    /* A max that is not a multiple of the unit: 1M is over 1M - 1. */
    size_bad("1M", MIB - 1);
    size_ok("1023K", MIB - 1, 1023 * KIB);
    /* max 0 leaves nothing to accept. */
    size_bad("1", 0);
}

/* ---- parse_uint -------------------------------------------------------- */

static void test_uint_ranges(void **state)
{
    (void)state;
    test_watchdog(10);
    uint_ok("0", 0, 10, 0);
    uint_ok("10", 0, 10, 10);
    uint_bad("11", 0, 10);
    uint_ok("1", 1, 9, 1);
    uint_ok("9", 1, 9, 9);
    uint_bad("0", 1, 9);
    uint_bad("10", 1, 9);
    uint_ok("5", 5, 5, 5);
    uint_bad("4", 5, 5);
    uint_bad("6", 5, 5);
    uint_ok("256", 1, 256, 256);
    uint_bad("257", 1, 256);
    uint_ok("0007", 1, 9, 7);
    uint_ok("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
    uint_ok("9223372036854775807", 0, INT64_MAX, INT64_MAX);
    uint_bad("9223372036854775808", 0, INT64_MAX);
}

static void test_uint_rejects_junk(void **state)
{
    (void)state;
    test_watchdog(10);
    uint_bad(NULL, 0, UINT64_MAX);
    uint_bad("", 0, UINT64_MAX);
    uint_bad("-1", 0, UINT64_MAX);
    uint_bad("-0", 0, UINT64_MAX);
    uint_bad("+1", 0, UINT64_MAX);
    uint_bad(" 1", 0, UINT64_MAX);
    uint_bad("1 ", 0, UINT64_MAX);
    uint_bad("1x", 0, UINT64_MAX);
    uint_bad("1K", 0, UINT64_MAX);
    uint_bad("x", 0, UINT64_MAX);
    uint_bad("1.0", 0, UINT64_MAX);
    uint_bad("0x10", 0, UINT64_MAX);
    /* Larger than 64 bits: strtoull saturates; that must not pass as max. */
    uint_bad("18446744073709551616", 0, UINT64_MAX);
    uint_bad("99999999999999999999999", 0, UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_size_plain_numbers),
        cmocka_unit_test(test_size_units),
        cmocka_unit_test(test_size_rejects_zero_and_signs),
        cmocka_unit_test(test_size_rejects_junk),
        cmocka_unit_test(test_size_suffix_needs_unit),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_size_max),
        cmocka_unit_test(test_uint_ranges),
        cmocka_unit_test(test_uint_rejects_junk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
