/*
 * main.c — the pipelab program: make signals remove half-written output,
 * start libsodium, hand over to the command line, and check at the end that
 * standard output got everything.
 */
#include "cli.h"
#include "signals.h"
#include "util.h"

#include <sodium.h>

int main(int argc, char **argv)
{
    /* First, before any file is opened; `process` adds its watcher thread. */
    signals_remove_on_exit();
    if (sodium_init() < 0) {
        warnx_msg("libsodium failed to initialise");
        return EX_SOFTWARE;
    }
    return stdout_finish(cli_main(argc, argv));
}
