/*
 * main.c — the pipelab program: block the signals the watcher thread will
 * handle, start libsodium, and hand over to the command line.
 */
#include "cli.h"
#include "signals.h"
#include "util.h"

#include <sodium.h>

int main(int argc, char **argv)
{
    signals_block(); /* before any thread exists: every thread inherits it */
    if (sodium_init() < 0) {
        warnx_msg("libsodium failed to initialise");
        return EX_SOFTWARE;
    }
    return cli_main(argc, argv);
}
