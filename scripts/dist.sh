#!/bin/sh
# dist.sh dist|check VERSION — what `make dist` and `make distcheck` do.
#
#   dist    write build/pipelab-VERSION.tar.gz: every file of the kit, under a
#           folder pipelab-VERSION/. The list of files is `git ls-files` in a
#           git checkout and, in an unpacked tarball (no .git), the MANIFEST
#           that dist writes into every tarball: so a tarball makes the same
#           tarball again, and nothing built or measured (build/, out/) goes in.
#   check   make that tarball, unpack it in a scratch folder, build it and run
#           `make test` there; then `make install` into a scratch prefix and
#           `make uninstall`, which must leave nothing; then `make dist` again
#           from the unpacked tree, which must list the same files.
set -eu
mode=${1:?usage: scripts/dist.sh dist|check VERSION}
version=${2:?usage: scripts/dist.sh dist|check VERSION}
name=pipelab-$version
tarball=build/$name.tar.gz
make=${MAKE:-make}

# The kit's files, one per line, relative to the top folder.
kit_files() {
    if [ -e .git ]; then
        git ls-files
    elif [ -f MANIFEST ]; then
        cat MANIFEST
    else
        echo "dist.sh: neither a git checkout nor an unpacked tarball (no .git, no MANIFEST)" >&2
        exit 66
    fi
}

dist() {
    stage=build/dist
    rm -rf "$stage" && mkdir -p "$stage/$name"
    kit_files | grep -vx MANIFEST >"$stage/files"
    # Copy through tar so that modes and folders come along; a listed file that
    # is missing stops here with tar's message.
    tar -cf - -T "$stage/files" | tar -xf - -C "$stage/$name"
    cp "$stage/files" "$stage/$name/MANIFEST"
    tar -czf "$tarball.tmp" -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner "$name"
    mv "$tarball.tmp" "$tarball"
    echo "dist.sh: wrote $tarball ($(($(wc -l <"$stage/files") + 1)) files, MANIFEST included)"
    rm -rf "$stage"
}

check() {
    dist
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/pipelab-distcheck.XXXXXX")
    trap 'rm -rf "$scratch"' EXIT
    trap 'exit 130' INT TERM
    tar -xzf "$tarball" -C "$scratch"
    top=$scratch/$name
    prefix=$scratch/prefix
    echo "dist.sh: building and testing $tarball in $top"
    (cd "$top" && "$make" --no-print-directory -j2 && "$make" --no-print-directory test)
    echo "dist.sh: make install / make uninstall PREFIX=$prefix"
    (cd "$top" && "$make" --no-print-directory -s install PREFIX="$prefix" &&
        [ -x "$prefix/bin/pipelab" ] && "$make" --no-print-directory -s uninstall PREFIX="$prefix")
    if [ -e "$prefix" ]; then
        echo "dist.sh: make uninstall left:" >&2
        find "$prefix" >&2
        exit 1
    fi
    echo "dist.sh: make dist from the unpacked tarball"
    (cd "$top" && "$make" --no-print-directory -s dist >/dev/null)
    tar -tzf "$tarball" | sort >"$scratch/first"
    tar -tzf "$top/$tarball" | sort >"$scratch/again"
    if ! cmp -s "$scratch/first" "$scratch/again"; then
        echo "dist.sh: the tarball made from the tarball holds other files:" >&2
        diff "$scratch/first" "$scratch/again" >&2 || true
        exit 1
    fi
    echo "dist.sh: $tarball is ready for distribution"
}

case $mode in
    dist) dist ;;
    check) check ;;
    *) echo "usage: scripts/dist.sh dist|check VERSION" >&2; exit 64 ;;
esac
