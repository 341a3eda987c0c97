/*
 * test_machine.c — the load average line that compare prints (machine.h).
 *
 * What must hold:
 *   - the line names the three load averages and the number of cores;
 *   - it warns exactly when the 1-minute load is half the cores or more
 *     (the rule of plots/report.sh), and stays one line either way;
 *   - on this machine, machine_load_line gives a line of the same form.
 */
#include "testutil.h"

#include "machine.h"

static const char warning[] = "other programs are using the CPUs";

static void test_idle_machine_no_warning(void **state)
{
    (void)state;
    test_watchdog(10);
    char buf[256];
    machine_load_describe(buf, sizeof buf, (const double[3]){ 0.99, 0.50, 0.25 }, 2);
    assert_string_equal(buf, "load average: 0.99, 0.50, 0.25 on 2 cores");
}

static void test_busy_machine_warns(void **state)
{
    (void)state;
    test_watchdog(10);
    char buf[256];
    machine_load_describe(buf, sizeof buf, (const double[3]){ 1.00, 0.10, 0.00 }, 2);
    assert_non_null(strstr(buf, "load average: 1.00, 0.10, 0.00 on 2 cores; "));
    assert_non_null(strstr(buf, warning));
    assert_null(strchr(buf, '\n'));
    machine_load_describe(buf, sizeof buf, (const double[3]){ 3.99, 4.00, 4.00 }, 8);
    assert_null(strstr(buf, warning));   /* the 1-minute figure decides */
}

static void test_this_machine(void **state)
{
    (void)state;
    test_watchdog(10);
    char buf[256];
    machine_load_line(buf, sizeof buf);
    assert_int_equal(strncmp(buf, "load average: ", 14), 0);
    assert_non_null(strstr(buf, " cores"));
    assert_null(strchr(buf, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_machine_no_warning),
        cmocka_unit_test(test_busy_machine_warns),
        cmocka_unit_test(test_this_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
