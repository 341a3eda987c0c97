/*
 * cli.h — the command line: commands, options, help.
 *
 * One table lists every option with its argument, the commands that take it
 * and its help line; parsing, `--help` and the check that lessons only mention
 * real flags all read that table, so they cannot drift apart.
 */
#ifndef PIPELAB_CLI_H
#define PIPELAB_CLI_H

#include "options.h"

/* Parse argv and run the command. Returns the process exit code. */
int cli_main(int argc, char **argv);

#endif
