#!/bin/sh
# machine.sh — one line naming the machine a figure was measured on:
# CPU model, cores, compiler, library versions. Every benchmark prints it.
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
cc_version=$(${CC:-cc} --version 2>/dev/null | head -n 1)
echo "$cpu, $(nproc) cores, $(uname -sr), $cc_version, zlib $(pkg-config --modversion zlib), libsodium $(pkg-config --modversion libsodium)"
