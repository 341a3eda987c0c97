/*
 * commands.h — one function per `pipelab COMMAND`, called by cli.c with the
 * parsed options. Each returns the process exit code (sysexits).
 */
#ifndef PIPELAB_COMMANDS_H
#define PIPELAB_COMMANDS_H

#include "options.h"

int command_process(const struct options *o);
int command_restore(const struct options *o);
int command_verify(const struct options *o);
int command_inspect(const struct options *o);
int command_gen(const struct options *o);
int command_keygen(const struct options *o);
int command_backends(const struct options *o);
int command_compare(const struct options *o);
int command_bench(const struct options *o);
int command_chanbench(const struct options *o);
int command_replay(const struct options *o);

#endif
