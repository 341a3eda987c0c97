/*
 * main.c — the pipelab program: make signals remove half-written output,
 * start libsodium, and hand over to the command line.
 */
#include "cli.h"
#include "signals.h"
#include "util.h"

#include <sodium.h>

int main(int argc, char **argv)
{
    signals_remove_on_exit(); /* `process` replaces this with its watcher thread */
    if (sodium_init() < 0) {
        warnx_msg("libsodium failed to initialise");
        return EX_SOFTWARE;
    }
    return cli_main(argc, argv);
}
