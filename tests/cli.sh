#!/bin/sh
# cli.sh — integration tests of the real pipelab binary, command by command.
#
#   PIPELAB=build/pipelab sh tests/cli.sh      (the default path is relative to
#                                               the repository root)
#
# Every test prints "[       OK ] name" or "[  FAILED  ] name: why"; the last
# line is "N passed, M failed" and the exit status is non-zero if M > 0.
# Everything happens in a fresh `mktemp -d` directory, removed on exit.
#
# What is covered:
#   round trips   process -> verify -> restore gives the input back, byte for
#                 byte, for awkward sizes, chunk sizes, data kinds, keys,
#                 stage lists and every backend; --format gzip against gunzip
#                 and pigz
#   corruption    every class of damage makes verify AND restore exit 65 with
#                 a message naming the problem, and restore leaves no file
#   usage         sysexits codes (64, 65, 66, 73) with one line of message
#   keygen, gen, --help, --version, --fail-at-chunk
#
# Damaged files are made with a tiny python3 helper (flip a bit, cut, splice
# records at the offsets `pipelab inspect` prints).
set -u

. "$(dirname "$0")/lib.sh"
test_pipelab
test_scratch cli
unset PIPELAB_PASSPHRASE

# The first line of a file, for failure messages.
first_line() { head -n 1 "$1" 2>/dev/null | cut -c 1-200; }

# ---- file surgery -----------------------------------------------------------

cat >"$T/surgery.py" <<'EOF'
import sys
op, path = sys.argv[1], sys.argv[2]
a = sys.argv[3:]
data = bytearray(open(path, "rb").read()) if op not in ("splice", "hostile") else None
if op == "flip":                       # flip PATH OFFSET BIT
    data[int(a[0])] ^= 1 << int(a[1])
elif op == "set":                      # set PATH OFFSET HEXBYTES
    b = bytes.fromhex(a[1]); o = int(a[0]); data[o:o + len(b)] = b
elif op == "cut":                      # cut PATH LENGTH
    del data[int(a[0]):]
elif op == "drop":                     # drop PATH START END
    del data[int(a[0]):int(a[1])]
elif op == "dup":                      # dup PATH START END: the range twice
    s, e = int(a[0]), int(a[1]); data[e:e] = data[s:e]
elif op == "append":                   # append PATH TEXT
    data += a[0].encode()
elif op == "splice":                   # splice OUT A B AS AE BS BE: A[AS:AE] replaced by B[BS:BE]
    x = open(a[0], "rb").read(); y = open(a[1], "rb").read()
    s, e, bs, be = map(int, a[2:6]); data = x[:s] + y[bs:be] + x[e:]
elif op == "swap":                     # swap PATH A B C: [A,B) and [B,C) change places
    s, m, e = map(int, a[0:3]); data = data[:s] + data[m:e] + data[s:m] + data[e:]
elif op == "hostile":                  # hostile PATH len|index: a forged file, 256 MiB chunks
    import hashlib, struct, zlib
    b2 = lambda d, n: hashlib.blake2b(d, digest_size=n).digest()
    h = bytearray(116)                 # version 1, no flags, no stages: checksummed, valid
    h[0:8] = b"\x89PLAB\r\n\x1a"; struct.pack_into("<HHI", h, 8, 1, 0, 256 << 20)
    h[100:116] = b2(bytes(h[:100]), 16)
    if a[0] == "len":                  # claims a 256 MiB payload; 64 bytes follow
        rec, count = struct.pack("<cBIIQI", b"R", 1, 1, 256 << 20, 0, 0) + b"A" * 64, 1
    else:                              # chunk 5 alone: would be written at 1.25 GB
        rec, count = struct.pack("<cBIIQI", b"R", 1, 1, 1, 5, zlib.crc32(b"A")) + b"A", 6
    foot = bytearray(72); foot[0:1] = b"F"
    struct.pack_into("<QQ", foot, 8, count, (count - 1) * (256 << 20) + 1)
    foot[56:72] = b2(b2(bytes(h), 32) + bytes(foot[:56]), 16)
    data = bytes(h) + rec + bytes(foot)
elif op == "swapidx":                  # swapidx PATH A B: swap the index fields of two records
    p, q = int(a[0]) + 10, int(a[1]) + 10
    data[p:p + 8], data[q:q + 8] = data[q:q + 8], data[p:p + 8]
open(path, "wb").write(data)
EOF
surgery() { python3 "$T/surgery.py" "$@"; }

# Offsets from `pipelab inspect`: one "index offset raw stored" line per record.
inspect_records() { "$P" inspect "$1" | awk '$1 ~ /^[0-9]+$/ && NF >= 4 { print $1, $2, $4 }'; }
# rec_start FILE I / rec_end FILE I: where the record of chunk I starts, where
# its payload ends. Records may be in any order (arrival order).
rec_start() { inspect_records "$1" | awk -v i="$2" '$1 == i { print $2 }'; }
rec_end()   { inspect_records "$1" | awk -v i="$2" '$1 == i { print $2 + 22 + $3 }'; }
# nth_start FILE N / nth_end FILE N: the same for the N-th record in file order.
nth_start() { inspect_records "$1" | awk -v n="$2" 'NR == n + 1 { print $2 }'; }
nth_end()   { inspect_records "$1" | awk -v n="$2" 'NR == n + 1 { print $2 + 22 + $3 }'; }
footer_at() { "$P" inspect "$1" | sed -n 's/^footer (72 bytes, at byte \([0-9]*\)).*/\1/p'; }
file_size() { wc -c <"$1" | tr -d ' '; }

# ---- checks -----------------------------------------------------------------

# roundtrip NAME INPUT "KEYOPTS" [PROCESS OPTIONS...]: process, verify and
# restore must all exit 0 and give the input back. KEYOPTS go to every command.
roundtrip() {
    name=$1 input=$2 keys=$3
    shift 3
    rm -f rt.c rt.out
    # shellcheck disable=SC2086
    "$P" process "$input" rt.c $keys "$@" >/dev/null 2>rt.err
    rc=$?
    if [ $rc -ne 0 ]; then fail "$name" "process exit $rc: $(first_line rt.err)"; return; fi
    # shellcheck disable=SC2086
    "$P" verify rt.c $keys >rt.vout 2>rt.err
    rc=$?
    if [ $rc -ne 0 ]; then fail "$name" "verify exit $rc: $(first_line rt.err)"; return; fi
    # shellcheck disable=SC2086
    "$P" restore rt.c rt.out $keys >/dev/null 2>rt.err
    rc=$?
    if [ $rc -ne 0 ]; then fail "$name" "restore exit $rc: $(first_line rt.err)"; return; fi
    if ! cmp -s "$input" rt.out; then fail "$name" "restored bytes differ from the input"; return; fi
    ok "$name"
}

# expect_bad NAME FILE PATTERN [OPTIONS...]: verify and restore must both exit
# 65, print a message matching PATTERN (grep -Ei) on stderr, and restore must
# leave neither its output nor a temporary behind.
expect_bad() {
    name=$1 file=$2 pattern=$3
    shift 3
    rm -rf out.d && mkdir out.d
    "$P" verify "$file" "$@" >/dev/null 2>bad.v
    v=$?
    "$P" restore "$file" out.d/plain "$@" >/dev/null 2>bad.r
    r=$?
    why=
    [ $v -eq 65 ] || why="verify exit $v, want 65 ($(first_line bad.v))"
    [ $r -eq 65 ] || why="${why:+$why; }restore exit $r, want 65 ($(first_line bad.r))"
    grep -Eqi "$pattern" bad.v || why="${why:+$why; }verify says '$(first_line bad.v)', want /$pattern/"
    grep -Eqi "$pattern" bad.r || why="${why:+$why; }restore says '$(first_line bad.r)', want /$pattern/"
    left=$(ls -A out.d)
    [ -z "$left" ] || why="${why:+$why; }restore left: $left"
    if [ -n "$why" ]; then fail "$name" "$why"; else ok "$name"; fi
}

# expect_exit NAME CODE COMMAND...: exit CODE with exactly one line on stderr.
expect_exit() {
    name=$1 want=$2
    shift 2
    "$@" >ex.out 2>ex.err
    rc=$?
    lines=$(wc -l <ex.err | tr -d ' ')
    if [ $rc -ne "$want" ]; then
        fail "$name" "exit $rc, want $want ($(first_line ex.err))"
    elif [ "$lines" -ne 1 ]; then
        fail "$name" "$lines lines on stderr, want 1: $(tr '\n' '|' <ex.err | cut -c 1-200)"
    else
        ok "$name"
    fi
}

# no_output_why PATH: prints why PATH is not absent (it exists, or a
# ".name.*" temporary is left beside it); prints nothing if all is clean.
no_output_why() {
    dir=$(dirname "$1") base=$(basename "$1")
    [ -e "$1" ] && { echo "$1 exists"; return; }
    for tmp in "$dir"/."$base".*; do
        if [ -e "$tmp" ]; then echo "temporary $tmp left behind"; return; fi
    done
}

# unchanged NAME FILE ORIGINAL: FILE still holds the bytes of ORIGINAL.
unchanged() {
    if cmp -s "$2" "$3"; then ok "$1"; else fail "$1" "$2 was modified"; fi
}

# ---- fixtures ---------------------------------------------------------------

if ! { "$P" keygen k1 && "$P" keygen k2 &&
       "$P" gen text3000 --size 3000 --kind text --seed 3 &&
       "$P" gen text100k --size 100K --kind text --seed 4 &&
       "$P" gen text64k --size 64K --kind text --seed 5 &&
       "$P" gen text10k --size 10K --kind text --seed 6 &&
       "$P" gen in37k --size 37000 --kind text --seed 7; } >/dev/null 2>&1 ||
   [ ! -s k1 ] || [ ! -s in37k ]; then
    echo "[  FAILED  ] setup: keygen or gen does not work"
    echo "0 passed, 1 failed"
    exit 1
fi
: >empty
printf x >onebyte
for kind in text random zeros mixed; do
    "$P" gen "kind.$kind" --size 300K --kind $kind --seed 11 >/dev/null 2>&1
done

# ============================================================================
# round trips
# ============================================================================

K="--key-file k1"
roundtrip "roundtrip: empty file" empty "$K"
roundtrip "roundtrip: 1-byte file" onebyte "$K"
roundtrip "roundtrip: empty file, compress only" empty "" --stages compress
roundtrip "roundtrip: 1-byte file, encrypt only" onebyte "$K" --stages encrypt
roundtrip "roundtrip: chunk size 1 (3000 chunks)" text3000 "$K" --chunk-size 1
roundtrip "roundtrip: chunk size 7" text3000 "$K" --chunk-size 7
roundtrip "roundtrip: chunk size 4K" text100k "$K" --chunk-size 4K
roundtrip "roundtrip: file an exact multiple of the chunk size" text64k "$K" --chunk-size 4K
roundtrip "roundtrip: chunk size equal to the file" text64k "$K" --chunk-size 64K
roundtrip "roundtrip: chunk larger than the file" text10k "$K" --chunk-size 1M
roundtrip "roundtrip: chunk size 1 byte more than the file" text64k "$K" --chunk-size 65537
for kind in text random zeros mixed; do
    roundtrip "roundtrip: kind $kind" "kind.$kind" "$K" --chunk-size 64K
done
roundtrip "roundtrip: stages compress" kind.mixed "" --stages compress --chunk-size 32K
roundtrip "roundtrip: stages compress,encrypt" kind.mixed "$K" --stages compress,encrypt --chunk-size 32K
roundtrip "roundtrip: stages checksum,compress,spin:1,encrypt" kind.mixed "$K" \
    --stages checksum,compress,spin:1,encrypt --chunk-size 32K
roundtrip "roundtrip: stages encrypt" kind.mixed "$K" --stages encrypt --chunk-size 32K
roundtrip "roundtrip: level 1" kind.text "$K" --level 1 --chunk-size 64K
roundtrip "roundtrip: level 9" kind.text "$K" --level 9 --chunk-size 64K

export PIPELAB_PASSPHRASE="correct horse battery staple"
roundtrip "roundtrip: key from PIPELAB_PASSPHRASE" text100k "" --chunk-size 16K
if "$P" inspect rt.c 2>/dev/null | grep -qi passphrase; then
    ok "inspect: a passphrase file says so"
else
    fail "inspect: a passphrase file says so" "no 'passphrase' in inspect output"
fi
cp rt.c pass.c
export PIPELAB_PASSPHRASE="wrong horse"
expect_bad "passphrase: a wrong passphrase is refused" pass.c "wrong key"
unset PIPELAB_PASSPHRASE
"$P" verify pass.c >/dev/null 2>ex.err
rc=$?
if [ $rc -eq 64 ] && grep -q PIPELAB_PASSPHRASE ex.err; then
    ok "passphrase: verify without it asks for PIPELAB_PASSPHRASE (64)"
else
    fail "passphrase: verify without it asks for PIPELAB_PASSPHRASE (64)" "exit $rc: $(first_line ex.err)"
fi

# Every backend the binary lists, in arrival order and in index order.
backends=$("$P" backends 2>/dev/null | awk 'NF { print $1 }')
[ -n "$backends" ] || fail "backends: list" "pipelab backends printed nothing"
for b in $backends; do
    roundtrip "roundtrip: backend $b" kind.mixed "$K" --backend "$b" --workers 3 --chunk-size 16K
    roundtrip "roundtrip: backend $b --ordered" kind.mixed "$K" --backend "$b" --workers 3 \
        --chunk-size 16K --ordered --window 4
    if [ -f rt.c ]; then
        order=$(inspect_records rt.c | awk '{ if ($1 != NR - 1) bad = 1 } END { print bad ? "no" : "yes" }')
        if [ "$order" = yes ]; then ok "ordered: backend $b writes records in index order"
        else fail "ordered: backend $b writes records in index order" "inspect shows another order"; fi
    fi
done

# ---- --format gzip ----------------------------------------------------------

gzip_check() {
    name=$1 input=$2
    shift 2
    rm -f gz.gz
    if ! "$P" process "$input" gz.gz --format gzip --stages compress "$@" >/dev/null 2>gz.err; then
        fail "$name" "process failed: $(first_line gz.err)"
        return
    fi
    if gunzip -c gz.gz 2>gz.err | cmp -s - "$input"; then ok "$name: gunzip"
    else fail "$name: gunzip" "gunzip -c does not give the input back ($(first_line gz.err))"; fi
    if command -v pigz >/dev/null 2>&1; then
        if pigz -dc gz.gz 2>gz.err | cmp -s - "$input"; then ok "$name: pigz"
        else fail "$name: pigz" "pigz -dc does not give the input back ($(first_line gz.err))"; fi
    else
        echo "[  SKIPPED ] $name: pigz (pigz is not installed)"
    fi
}
gzip_check "gzip: 300K in 16K chunks" kind.mixed --chunk-size 16K
gzip_check "gzip: empty file" empty
gzip_check "gzip: one chunk" text10k
for b in $backends; do
    gzip_check "gzip: backend $b" kind.text --chunk-size 8K --backend "$b" --workers 3
done
"$P" process kind.text gz.gz --format gzip --stages compress --force >/dev/null 2>&1
expect_bad "gzip: verify and restore refuse a gzip file" gz.gz "gzip"

# ============================================================================
# corruption: verify and restore exit 65, say why, write nothing
# ============================================================================

# Two encrypted files of the same input with the same key (different nonces),
# and one compress-only file: 37000 bytes in 8K chunks = 5 records.
"$P" process in37k enc.c --key-file k1 --chunk-size 8K >/dev/null 2>&1
"$P" process in37k enc2.c --key-file k1 --chunk-size 8K >/dev/null 2>&1
"$P" process in37k plain.c --stages compress --chunk-size 8K >/dev/null 2>&1
if [ "$(inspect_records enc.c | wc -l)" -ne 5 ] || [ "$(inspect_records plain.c | wc -l)" -ne 5 ]; then
    fail "corruption: fixtures" "expected 5 records in enc.c and plain.c"
fi
for f in enc.c plain.c; do
    "$P" verify "$f" --key-file k1 >/dev/null 2>&1 || fail "corruption: fixture $f" "does not verify"
done

HEADER_WORDS='magic|version|corrupt'
RECORD_WORDS='corrupt|authentication|truncated|twice|duplicat|missing|dropped|short|final'

# corrupt_suite LABEL FILE "KEYOPTS" PAYLOAD_WORD
corrupt_suite() {
    label=$1 src=$2 keys=$3 payload_word=$4
    size=$(file_size "$src")
    r1=$(rec_start "$src" 1)
    r1_end=$(rec_end "$src" 1)
    r4=$(rec_start "$src" 4)
    r4_end=$(rec_end "$src" 4)
    foot=$(footer_at "$src")
    if [ -z "$r1" ] || [ -z "$r4" ] || [ -z "$foot" ]; then
        fail "$label: offsets" "cannot read record offsets from pipelab inspect"
        return
    fi

    # Header: magic, version, flags, chunk size, stage list, nonce, salt,
    # Argon2 limits, key check, checksum.
    for at in 0 3 8 9 10 13 16 20 22 36 51 60 70 80 84 99 100 115; do
        cp "$src" x.c && surgery flip x.c "$at" $((at % 8))
        # shellcheck disable=SC2086
        expect_bad "$label: header bit flipped at byte $at" x.c "$HEADER_WORDS" $keys
    done
    # A record header: tag, final flag, raw length, stored length, index, CRC.
    for d in 0 1 2 3 6 7 10 11 17 18 21; do
        cp "$src" x.c && surgery flip x.c $((r1 + d)) $((d % 8))
        # shellcheck disable=SC2086
        expect_bad "$label: record 1 header bit flipped at +$d" x.c "$RECORD_WORDS" $keys
    done
    cp "$src" x.c && surgery flip x.c $((r4 + 1)) 0
    # shellcheck disable=SC2086
    expect_bad "$label: final flag of the last record cleared" x.c "$RECORD_WORDS" $keys
    # A payload: first byte, middle, near the end (not the last byte, whose
    # spare bits deflate ignores in a compress-only file).
    for at in $((r1 + 22)) $(((r1 + r1_end) / 2)) $((r1_end - 4)) $((r4 + 30)); do
        cp "$src" x.c && surgery flip x.c "$at" 2
        # shellcheck disable=SC2086
        expect_bad "$label: payload bit flipped at byte $at" x.c "$payload_word" $keys
    done
    # The footer: tag, chunk count, total size, digest, check.
    for d in 0 1 8 16 24 40 55 56 71; do
        cp "$src" x.c && surgery flip x.c $((foot + d)) $((d % 8))
        # shellcheck disable=SC2086
        expect_bad "$label: footer bit flipped at +$d" x.c "corrupt|truncated|footer" $keys
    done
    # Records dropped and duplicated.
    cp "$src" x.c && surgery drop x.c "$r1" "$r1_end"
    # shellcheck disable=SC2086
    expect_bad "$label: record 1 dropped" x.c "dropped|missing" $keys
    cp "$src" x.c && surgery drop x.c "$(rec_start "$src" 0)" "$(rec_end "$src" 0)"
    # shellcheck disable=SC2086
    expect_bad "$label: record 0 dropped" x.c "dropped|missing" $keys
    cp "$src" x.c && surgery drop x.c "$r4" "$r4_end"
    # shellcheck disable=SC2086
    expect_bad "$label: last record dropped" x.c "dropped|missing" $keys
    cp "$src" x.c && surgery dup x.c "$r1" "$r1_end"
    # shellcheck disable=SC2086
    expect_bad "$label: record 1 duplicated" x.c "twice|duplicat" $keys
    cp "$src" x.c && surgery dup x.c "$r4" "$r4_end"
    # shellcheck disable=SC2086
    expect_bad "$label: last record duplicated" x.c "twice|duplicat" $keys
    # Truncated anywhere: in the header, between records, in a record
    # header, in a payload, before and in the footer.
    for at in 0 1 50 115 116 $((r1 + 5)) $((r1 + 22)) $((r1 + 100)) "$r1_end" \
              "$foot" $((foot + 1)) $((foot + 40)) $((size - 1)); do
        cp "$src" x.c && surgery cut x.c "$at"
        # shellcheck disable=SC2086
        expect_bad "$label: truncated to $at bytes" x.c "truncated" $keys
    done
    # Garbage after the footer.
    cp "$src" x.c && surgery append x.c "x"
    # shellcheck disable=SC2086
    expect_bad "$label: one byte appended" x.c "after the footer" $keys
    cp "$src" x.c && surgery append x.c "Rgarbage after the end of the container"
    # shellcheck disable=SC2086
    expect_bad "$label: a fake record appended" x.c "after the footer" $keys
}

corrupt_suite "encrypted" enc.c "--key-file k1" "authentication"
corrupt_suite "compress-only" plain.c "" "corrupt"

# Only for the encrypted file: records and footers from another file made with
# the same key, records moved, wrong keys, magic and version.
a1=$(rec_start enc.c 1) a1_end=$(rec_end enc.c 1)
b1=$(rec_start enc2.c 1) b1_end=$(rec_end enc2.c 1)
if [ -n "$a1" ] && [ -n "$b1" ] && [ $((a1_end - a1)) -eq $((b1_end - b1)) ]; then
    surgery splice x.c enc.c enc2.c "$a1" "$a1_end" "$b1" "$b1_end"
    if cmp -s x.c enc.c; then
        fail "encrypted: record swapped in from another file" "the spliced record is identical"
    else
        expect_bad "encrypted: record swapped in from another file" x.c "authentication" --key-file k1
    fi
else
    fail "encrypted: record swapped in from another file" \
         "chunk 1 has another size in the two files ($a1-$a1_end vs $b1-$b1_end)"
fi
surgery splice x.c enc.c enc2.c "$(footer_at enc.c)" "$(file_size enc.c)" \
    "$(footer_at enc2.c)" "$(file_size enc2.c)"
expect_bad "encrypted: footer swapped in from another file" x.c "corrupt|footer" --key-file k1
# The first two records in the file change places: every record is intact,
# and records may come in any order, so this must still verify...
n0=$(nth_start enc.c 0) n1=$(nth_start enc.c 1) n1_end=$(nth_end enc.c 1)
cp enc.c x.c && surgery swap x.c "$n0" "$n1" "$n1_end"
if "$P" verify x.c --key-file k1 >/dev/null 2>ex.err; then
    ok "encrypted: two whole records in another order still verify"
else
    fail "encrypted: two whole records in another order still verify" "$(first_line ex.err)"
fi
# ...but a payload under another record's index is not.
cp enc.c x.c && surgery swapidx x.c "$n0" "$n1"
expect_bad "encrypted: two records' indexes swapped" x.c "authentication" --key-file k1
expect_bad "encrypted: wrong key" enc.c "wrong key" --key-file k2
cp enc.c x.c && surgery set x.c 1 58   # 'P' -> 'X'
expect_bad "encrypted: wrong magic" x.c "magic" --key-file k1
cp enc.c x.c && surgery set x.c 8 0200
expect_bad "encrypted: wrong version (2)" x.c "version" --key-file k1
cp enc.c x.c && surgery set x.c 8 ffff
expect_bad "encrypted: wrong version (65535)" x.c "version" --key-file k1
expect_bad "not a container at all" in37k "magic|container"
"$P" verify enc.c >/dev/null 2>ex.err
rc=$?
if [ $rc -eq 64 ] && grep -q -- --key-file ex.err; then ok "encrypted: verify without a key asks for --key-file (64)"
else fail "encrypted: verify without a key asks for --key-file (64)" "exit $rc: $(first_line ex.err)"; fi

# ============================================================================
# usage errors and exit codes
# ============================================================================

"$P" gen in --size 20K >/dev/null 2>&1
mkdir adir
expect_exit "usage: unknown option" 64 "$P" process in o --bogus --key-file k1
expect_exit "usage: unknown command" 64 "$P" frobnicate in o
"$P" >/dev/null 2>&1
rc=$?
if [ $rc -eq 64 ]; then ok "usage: no command (64)"; else fail "usage: no command (64)" "exit $rc"; fi
expect_exit "usage: unknown stage" 64 "$P" process in o --stages bogus --key-file k1
expect_exit "usage: --stages encrypt,compress" 64 "$P" process in o --stages encrypt,compress --key-file k1
expect_exit "usage: --stages compress,compress" 64 "$P" process in o --stages compress,compress
expect_exit "usage: --level 0" 64 "$P" process in o --level 0 --key-file k1
expect_exit "usage: --level 10" 64 "$P" process in o --level 10 --key-file k1
expect_exit "usage: --chunk-size 0" 64 "$P" process in o --chunk-size 0 --key-file k1
expect_exit "usage: --chunk-size -5" 64 "$P" process in o --chunk-size -5 --key-file k1
expect_exit "usage: --chunk-size 99G" 64 "$P" process in o --chunk-size 99G --key-file k1
expect_exit "usage: --chunk-size 1X" 64 "$P" process in o --chunk-size 1X --key-file k1
expect_exit "usage: --chunk-size without a value" 64 "$P" process in o --key-file k1 --chunk-size
expect_exit "usage: --workers 0" 64 "$P" process in o --workers 0 --key-file k1
expect_exit "usage: --format zip" 64 "$P" process in o --format zip --key-file k1
expect_exit "usage: --sync=yes (a flag takes no value)" 64 "$P" process in o --sync=yes --key-file k1
expect_exit "usage: an option of another command" 64 "$P" verify enc.c --size 1K
expect_exit "usage: unknown backend" 64 "$P" process in o --backend nosuch --key-file k1
expect_exit "usage: gen without --size" 64 "$P" gen g
expect_exit "usage: gen --kind bogus" 64 "$P" gen g --size 1K --kind bogus
expect_exit "usage: extra operand (verify)" 64 "$P" verify enc.c extra
expect_exit "usage: extra operand (process)" 64 "$P" process in o extra --key-file k1
expect_exit "usage: missing operand" 64 "$P" process in
expect_exit "usage: encrypt without a key" 64 "$P" process in o
expect_exit "usage: --format gzip with encrypt (default stages)" 64 "$P" process in o --format gzip --key-file k1
expect_exit "usage: --format gzip --stages compress,encrypt" 64 "$P" process in o --format gzip \
    --stages compress,encrypt --key-file k1
expect_exit "usage: --key-file without encrypt" 64 "$P" process in o --stages compress --key-file k1
why=$(no_output_why o)
if [ -z "$why" ]; then ok "usage: errors leave no output file"; else fail "usage: errors leave no output file" "$why"; fi

expect_exit "input: missing (process)" 66 "$P" process nosuch o --key-file k1
expect_exit "input: missing (verify)" 66 "$P" verify nosuch
expect_exit "input: missing (restore)" 66 "$P" restore nosuch o
expect_exit "input: missing (inspect)" 66 "$P" inspect nosuch
expect_exit "input: a directory (process)" 66 "$P" process adir o --key-file k1
expect_exit "input: a directory (verify)" 66 "$P" verify adir
expect_exit "input: a directory (restore)" 66 "$P" restore adir o
why=$(no_output_why o)
if [ -z "$why" ]; then ok "input: errors leave no output file"; else fail "input: errors leave no output file" "$why"; fi

cp in in.orig
expect_exit "output: equal to the input (process)" 64 "$P" process in in --key-file k1
unchanged "output: the input is unchanged" in in.orig
expect_exit "output: the input by another path (process)" 64 "$P" process in ./in --key-file k1
unchanged "output: the input is unchanged (other path)" in in.orig
ln in in.link
expect_exit "output: a hard link to the input (process)" 64 "$P" process in in.link --key-file k1
unchanged "output: the input is unchanged (hard link)" in in.orig
# restore checks the same way: `restore C C` must not replace the container.
cp enc.c same.c
expect_exit "output: equal to the input (restore)" 64 "$P" restore same.c same.c --key-file k1
unchanged "output: restore leaves its input unchanged" same.c enc.c
# An existing directory as the output: refused, the directory left alone.
mkdir outdir && : >outdir/keep
"$P" process in outdir --key-file k1 >/dev/null 2>ex.err
rc=$?
temps=$(for t in .outdir.*; do [ -e "$t" ] && echo "$t"; done)
if [ $rc -ne 0 ] && [ -d outdir ] && [ -f outdir/keep ] && [ -z "$temps" ]; then
    ok "output: an existing directory is refused"
else
    fail "output: an existing directory is refused" "exit $rc, left '$temps': $(first_line ex.err)"
fi

if mkdir rodir && chmod 555 rodir && ! touch rodir/probe 2>/dev/null; then
    unwritable=rodir/o
else
    rm -f rodir/probe
    unwritable=/proc/pipelab-cli-test/o    # running as root: chmod does not stop us
fi
expect_exit "output: unwritable directory (process)" 73 "$P" process in "$unwritable" --key-file k1
expect_exit "output: unwritable directory (restore)" 73 "$P" restore enc.c "$unwritable" --key-file k1
expect_exit "output: unwritable directory (gen)" 73 "$P" gen "$unwritable" --size 1K
expect_exit "output: directory does not exist" 73 "$P" process in nodir/o --key-file k1

# ============================================================================
# keygen
# ============================================================================

"$P" keygen kg1 >/dev/null 2>&1
rc=$?
mode=$(stat -c %a kg1 2>/dev/null)
size=$(file_size kg1 2>/dev/null)
if [ $rc -eq 0 ] && [ "$mode" = 600 ] && [ "$size" = 32 ]; then ok "keygen: 32 bytes, mode 0600"
else fail "keygen: 32 bytes, mode 0600" "exit $rc, mode $mode, $size bytes"; fi
cp kg1 kg1.orig
"$P" keygen kg1 >/dev/null 2>ex.err
rc=$?
if [ $rc -ne 0 ] && cmp -s kg1 kg1.orig && [ -s ex.err ]; then ok "keygen: refuses to overwrite"
else fail "keygen: refuses to overwrite" "exit $rc, or the key changed"; fi
"$P" keygen kg2 >/dev/null 2>&1
if [ -s kg2 ] && ! cmp -s kg1 kg2; then ok "keygen: two keys differ"; else fail "keygen: two keys differ" "same bytes"; fi
if "$P" keygen nodir/k >/dev/null 2>&1; then fail "keygen: into a missing directory fails" "exit 0"
else ok "keygen: into a missing directory fails"; fi

head -c 31 kg1 >short.key
head -c 32 /dev/zero >zero.key
head -c 33 /dev/urandom >long.key
for bad in short zero long; do
    rm -f o
    "$P" process in o --key-file $bad.key >/dev/null 2>ex.err
    rc=$?
    why=$(no_output_why o)
    if [ $rc -ne 0 ] && [ -s ex.err ] && [ -z "$why" ]; then ok "keygen: a $bad key file is refused"
    else fail "keygen: a $bad key file is refused" "exit $rc ${why:-}"; fi
done
"$P" verify enc.c --key-file zero.key >/dev/null 2>ex.err
rc=$?
if [ $rc -ne 0 ] && grep -qi zero ex.err; then ok "keygen: verify refuses an all-zero key"
else fail "keygen: verify refuses an all-zero key" "exit $rc: $(first_line ex.err)"; fi

# ============================================================================
# gen
# ============================================================================

sum() { sha256sum "$1" | cut -d ' ' -f 1; }
for kind in text random zeros mixed; do
    "$P" gen g1 --size 200K --kind $kind --seed 42 --force >/dev/null 2>&1
    "$P" gen g2 --size 200K --kind $kind --seed 42 --force >/dev/null 2>&1
    "$P" gen g3 --size 200K --kind $kind --seed 43 --force >/dev/null 2>&1
    if [ -s g1 ] && [ "$(sum g1)" = "$(sum g2)" ]; then ok "gen: $kind is deterministic"
    else fail "gen: $kind is deterministic" "two runs with seed 42 differ"; fi
    if [ $kind = zeros ]; then continue; fi
    if [ "$(sum g1)" != "$(sum g3)" ]; then ok "gen: $kind seeds 42 and 43 differ"
    else fail "gen: $kind seeds 42 and 43 differ" "same bytes"; fi
done
for spec in 1:1 1500:1500 1K:1024 1k:1024 3M:3145728 64K:65536; do
    arg=${spec%%:*} want=${spec#*:}
    rm -f g1
    "$P" gen g1 --size "$arg" --kind mixed >/dev/null 2>&1
    got=$(file_size g1 2>/dev/null)
    if [ "$got" = "$want" ]; then ok "gen: --size $arg is $want bytes"
    else fail "gen: --size $arg is $want bytes" "got ${got:-no file}"; fi
done
"$P" gen g1 --size 100K --kind zeros --force >/dev/null 2>&1
if cmp -s g1 /dev/zero 2>/dev/null || [ "$(tr -d '\000' <g1 | wc -c)" -eq 0 ]; then ok "gen: zeros are zeros"
else fail "gen: zeros are zeros" "non-zero bytes"; fi
"$P" gen g1 --size 100K --force >/dev/null 2>&1
"$P" gen g2 --size 100K --kind text --seed 1 --force >/dev/null 2>&1
if cmp -s g1 g2; then ok "gen: defaults are --kind text --seed 1"
else fail "gen: defaults are --kind text --seed 1" "output differs"; fi

# ============================================================================
# help and version
# ============================================================================

"$P" --help >help.out 2>&1
rc=$?
commands=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' help.out)
if [ $rc -eq 0 ] && [ -n "$commands" ]; then ok "help: pipelab --help lists the commands"
else fail "help: pipelab --help lists the commands" "exit $rc, commands '$commands'"; fi

# Options each command must list (the contract in cli.c's option table).
options_of() {
    case $1 in
    process) echo "--backend --stages --level --chunk-size --format --key-file --sync --workers \
--channel-depth --cpu-tokens --ordered --window --reader-delay-us --writer-delay-us \
--stage-cost-us --fail-at-chunk --metrics" ;;
    restore) echo "--key-file --sync" ;;
    verify) echo "--key-file" ;;
    gen) echo "--size --kind --seed" ;;
    *) echo "" ;;
    esac
}
for c in $commands; do
    "$P" "$c" --help >help.out 2>help.err
    rc=$?
    missing=
    for opt in $(options_of "$c") --help; do
        grep -q -- "$opt" help.out || missing="$missing $opt"
    done
    if [ $rc -ne 0 ]; then fail "help: $c --help" "exit $rc: $(first_line help.err)"
    elif ! grep -q "usage: pipelab $c" help.out; then fail "help: $c --help" "no 'usage: pipelab $c' line"
    elif [ -n "$missing" ]; then fail "help: $c --help" "does not list$missing"
    else ok "help: $c --help"; fi
done
for c in process restore verify gen keygen inspect backends; do
    echo "$commands" | grep -qx "$c" || fail "help: pipelab --help names $c" "missing"
done
"$P" --version >ver.out 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -Eq '^pipelab [0-9]+\.[0-9]+' ver.out; then ok "version: --version"
else fail "version: --version" "exit $rc: $(first_line ver.out)"; fi

# ============================================================================
# injected failure: --fail-at-chunk
# ============================================================================

for b in $backends; do
    rm -f o
    "$P" process text100k o --key-file k1 --chunk-size 8K --fail-at-chunk 2 --backend "$b" \
        --workers 3 >/dev/null 2>ex.err
    rc=$?
    why=$(no_output_why o)
    if [ $rc -ne 0 ] && [ -s ex.err ] && [ -z "$why" ]; then ok "fail-at-chunk 2: backend $b"
    else fail "fail-at-chunk 2: backend $b" "exit $rc, ${why:-}$(first_line ex.err)"; fi
    "$P" process text100k o --key-file k1 --chunk-size 8K --fail-at-chunk 2 --backend "$b" \
        --workers 3 --ordered >/dev/null 2>ex.err
    rc=$?
    why=$(no_output_why o)
    if [ $rc -ne 0 ] && [ -z "$why" ]; then ok "fail-at-chunk 2: backend $b --ordered"
    else fail "fail-at-chunk 2: backend $b --ordered" "exit $rc, ${why:-}$(first_line ex.err)"; fi
done
# Past the last chunk nothing fails.
"$P" process text100k o --key-file k1 --chunk-size 8K --fail-at-chunk 13 >/dev/null 2>ex.err &&
    "$P" verify o --key-file k1 >/dev/null 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "fail-at-chunk past the end: no failure"
else fail "fail-at-chunk past the end: no failure" "exit $rc: $(first_line ex.err)"; fi

# ---- files a run must never overwrite, modes, signals, hostile files --------

cp k1 k1.orig
expect_exit "output: the key file is refused as output" 64 "$P" process text100k k1 --key-file k1
unchanged "output: the key file is unchanged" k1 k1.orig
cp text100k text100k.orig
expect_exit "output: --metrics-out on the input is refused" 64 \
    "$P" process text100k o --key-file k1 --metrics csv --metrics-out text100k
unchanged "output: the input is unchanged (--metrics-out)" text100k text100k.orig
expect_exit "output: --trace on the output is refused" 64 \
    "$P" process text100k o --key-file k1 --trace o
expect_exit "output: restore onto the key file is refused" 64 "$P" restore enc.c k1 --key-file k1
unchanged "output: the key file is unchanged (restore)" k1 k1.orig

# Files are created with the mode the umask allows, like any program's.
"$P" process text100k m.c --key-file k1 >/dev/null 2>&1
(umask 077 && "$P" restore m.c m.plain --key-file k1 >/dev/null 2>&1)
mode=$(stat -c %a m.plain 2>/dev/null)
if [ "$mode" = 600 ]; then ok "umask 077: the restored file is 0600"
else fail "umask 077: the restored file is 0600" "mode $mode"; fi

# A signal removes a single-threaded command's half-written output too.
"$P" gen sig.bin --size 2G >/dev/null 2>&1 &
pid=$!
tries=0
while [ $tries -lt 200 ] && ! ls .sig.bin.* >/dev/null 2>&1; do tries=$((tries + 1)); sleep 0.05; done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
why=$(no_output_why sig.bin)
if [ $rc -eq 143 ] && [ -z "$why" ]; then ok "gen: SIGTERM leaves no output (exit 143)"
else fail "gen: SIGTERM leaves no output (exit 143)" "exit $rc ${why:-}"; fi

# Hostile containers: a record claiming more bytes than the file holds, and a
# record at a far index of a 256 MiB-chunk file, are refused (65) without a
# huge allocation and without writing anything.
surgery hostile hostile-len.plab len
expect_bad "hostile: a payload longer than the file" hostile-len.plab "truncated|cut short"
surgery hostile hostile-index.plab index
expect_bad "hostile: a record at a far index" hostile-index.plab "missing|dropped|chunks"

# ============================================================================
# outputs never destroy anything: --force, "-", conflicts, all-or-none reports
# ============================================================================
# Everything here happens in ow/, with TMPDIR=ow/tmp so that a stdin or
# stdout temporary left behind is seen.
mkdir -p ow/tmp && cd ow || exit 1
TMPDIR=$T/ow/tmp
export TMPDIR
cp ../text100k in && cp ../k1 k && cp in in.orig && cp k k.orig

# expect_refusal NAME CODE PATTERN COMMAND...: exit CODE, one line on stderr
# that matches PATTERN (grep -Ei).
expect_refusal() {
    name=$1 want=$2 pattern=$3
    shift 3
    "$@" >ref.out 2>ref.err
    rc=$?
    lines=$(wc -l <ref.err | tr -d ' ')
    if [ $rc -ne "$want" ]; then fail "$name" "exit $rc, want $want ($(first_line ref.err))"
    elif [ "$lines" -ne 1 ]; then fail "$name" "$lines lines on stderr, want 1"
    elif ! grep -Eqi -- "$pattern" ref.err; then fail "$name" "says '$(first_line ref.err)'"
    else ok "$name"; fi
}

# An existing OUT is replaced only with --force.
"$P" process in out --key-file k >/dev/null 2>&1
cp out out.first
expect_refusal "process: an existing OUT is refused (73, names --force)" 73 "out.*--force" \
    "$P" process in out --key-file k
unchanged "process: the refused OUT is untouched" out out.first
if "$P" process in out --key-file k --force >/dev/null 2>&1 && ! cmp -s out out.first &&
   "$P" restore out back --key-file k >/dev/null 2>&1 && cmp -s back in; then
    ok "process --force replaces OUT with a good container"
else fail "process --force replaces OUT with a good container" "exit or content wrong"; fi
cp back back.first
expect_refusal "restore: an existing OUT is refused (73, names --force)" 73 "back.*--force" \
    "$P" restore out back --key-file k
printf 'old' >back
if "$P" restore out back --key-file k --force >/dev/null 2>&1 && cmp -s back in; then
    ok "restore --force replaces OUT"
else fail "restore --force replaces OUT" "exit or content wrong"; fi
"$P" gen g --size 1K >/dev/null 2>&1
expect_refusal "gen: an existing OUT is refused (73, names --force)" 73 "g.*--force" \
    "$P" gen g --size 2K
if "$P" gen g --size 2K --force >/dev/null 2>&1 && [ "$(file_size g)" = 2048 ]; then
    ok "gen --force replaces OUT"
else fail "gen --force replaces OUT" "size $(file_size g)"; fi
expect_refusal "keygen: an existing key is refused, always" 73 "exists" "$P" keygen k
expect_exit "keygen takes no --force" 64 "$P" keygen k --force
unchanged "keygen: the key is untouched" k k.orig

# Arguments swapped: the container is the input, the input would be OUT.
cp out swapped.plab
expect_refusal "process: swapped arguments are refused (73)" 73 "in.*--force" \
    "$P" process swapped.plab in --key-file k
unchanged "process: swapped arguments leave the input byte-identical" in in.orig

# Not a regular file: never replaced, --force or not.
mkfifo fifo
ln -s in.orig link
for cmd in "process in" "restore out"; do
    for target in fifo link /proc/self/fd/1; do
        # shellcheck disable=SC2086
        expect_refusal "$cmd $target --force: refused (73)" 73 "not a regular file" \
            "$P" $cmd $target --key-file k --force
    done
done
if [ -p fifo ] && [ -L link ] && cmp -s link in; then ok "the FIFO and the link are left as they were"
else fail "the FIFO and the link are left as they were" "$(ls -l fifo link | tr '\n' ' ')"; fi
expect_refusal "--trace on a FIFO: refused (73), no OUT" 73 "not a regular file" \
    "$P" process in new.plab --key-file k --trace fifo
why=$(no_output_why new.plab)
if [ -z "$why" ] && [ -p fifo ]; then ok "--trace on a FIFO leaves no OUT and the FIFO"
else fail "--trace on a FIFO leaves no OUT and the FIFO" "$why"; fi
if [ "$(id -u)" = 0 ]; then
    "$P" process in /dev/null --key-file k --force >/dev/null 2>&1
    rc=$?
    if [ $rc -eq 73 ] && [ -c /dev/null ]; then ok "as root: process in /dev/null leaves a character device (73)"
    else fail "as root: process in /dev/null leaves a character device (73)" "exit $rc"; fi
else
    echo "[       OK ] (skipped, not root) process in /dev/null"
fi

# "-": standard input and standard output.
"$P" process in - --key-file k 2>pipe.err | "$P" restore - back.pipe --key-file k 2>>pipe.err
if cmp -s back.pipe in && [ ! -s pipe.err ]; then ok "process in - | restore - back: round trip"
else fail "process in - | restore - back: round trip" "$(first_line pipe.err)"; fi
cat in | "$P" process - stdin.plab --key-file k >/dev/null 2>pipe.err &&
    "$P" restore stdin.plab back.stdin --key-file k >/dev/null 2>>pipe.err
if cmp -s back.stdin in; then ok "cat in | process - out.plab"
else fail "cat in | process - out.plab" "$(first_line pipe.err)"; fi
# Unordered records on a pipe, and restore writing them in order to a pipe.
"$P" process in - --key-file k --backend unbounded --workers 4 --chunk-size 4K 2>pipe.err |
    "$P" restore - - --key-file k 2>>pipe.err | cmp -s - in
if [ $? -eq 0 ] && [ ! -s pipe.err ]; then ok "process - - | restore - -: unordered chunks, both ends streams"
else fail "process - - | restore - -: unordered chunks, both ends streams" "$(first_line pipe.err)"; fi
if command -v gunzip >/dev/null 2>&1; then
    "$P" process in - --format gzip --stages compress --chunk-size 8K 2>pipe.err | gunzip -c | cmp -s - in
    if [ $? -eq 0 ]; then ok "process --format gzip to - is a gzip stream"
    else fail "process --format gzip to - is a gzip stream" "$(first_line pipe.err)"; fi
fi
"$P" gen gen.file --size 5000 --seed 2 >/dev/null 2>&1
if "$P" gen - --size 5000 --seed 2 2>/dev/null | cmp -s - gen.file; then
    ok "gen - writes to standard output"
else fail "gen - writes to standard output" "differs from gen FILE"; fi
"$P" verify - --key-file k <out >/dev/null 2>pipe.err
if [ $? -eq 0 ]; then ok "verify - reads standard input"
else fail "verify - reads standard input" "$(first_line pipe.err)"; fi
printf 'not a container' | "$P" restore - nope --key-file k >/dev/null 2>&1
rc=$?
why=$(no_output_why nope)
if [ $rc -eq 65 ] && [ -z "$why" ]; then ok "restore - of garbage: 65, no OUT"
else fail "restore - of garbage: 65, no OUT" "exit $rc $why"; fi
left=$(ls -A tmp)
if [ -z "$left" ]; then ok "no stdin or stdout temporary is left in TMPDIR"
else fail "no stdin or stdout temporary is left in TMPDIR" "$left"; fi
expect_refusal "process in - with the metrics on stdout too: refused (64)" 64 "standard output" \
    "$P" process in - --key-file k --metrics table
cp in in.append
"$P" process in.append - --key-file k >>in.append 2>ref.err
rc=$?
if [ $rc -eq 64 ] && cmp -s in.append in; then ok "process in - >>in: refused (64), the input untouched"
else fail "process in - >>in: refused (64), the input untouched" "exit $rc"; fi

# Outputs against inputs and against each other: refused before any write.
expect_refusal "compare in --csv in: refused (64)" 64 "reads" "$P" compare in --csv in
unchanged "compare in --csv in: the input untouched" in in.orig
expect_refusal "compare x --key-file key --csv key: refused (64)" 64 "reads" \
    "$P" compare in --key-file k --csv k
unchanged "compare --csv key: the key untouched" k k.orig
expect_refusal "compare --csv -: the table is on standard output (64)" 64 "standard output" \
    "$P" compare in --csv -
expect_refusal "bench --key-file k --csv k: refused (64)" 64 "reads" \
    "$P" bench --key-file k --csv k --size 64K
unchanged "bench --csv key: the key untouched" k k.orig
expect_refusal "process in o --metrics-out o: refused (64)" 64 "two outputs" \
    "$P" process in o --key-file k --metrics csv --metrics-out o
expect_refusal "process in o --metrics-out ./o: refused (64)" 64 "same file" \
    "$P" process in o --key-file k --metrics csv --metrics-out ./o
why=$(no_output_why o)
if [ -z "$why" ]; then ok "process in o --metrics-out o leaves nothing"
else fail "process in o --metrics-out o leaves nothing" "$why"; fi
cp out o && cp o o.orig
expect_refusal "process --force in o --trace ../ow/o: refused (64)" 64 "same file" \
    "$P" process in o --key-file k --force --trace ../ow/o
unchanged "process --force in o --trace ../ow/o: o untouched" o o.orig
ln in hardlink
expect_refusal "process in HARDLINK-TO-IN --force: refused (64)" 64 "same file as in" \
    "$P" process in hardlink --key-file k --force
unchanged "process in HARDLINK-TO-IN: the input untouched" in in.orig
expect_refusal "restore out k --force: refused (64)" 64 "reads" \
    "$P" restore out k --key-file k --force
unchanged "restore over its key: the key untouched" k k.orig
expect_refusal "--trace t.json --timeline ./t.json: refused (64)" 64 "same file" \
    "$P" process in o2 --key-file k --trace t.json --timeline ./t.json

# The reports are committed with OUT: all of them, or none.
expect_refusal "--trace /nonexistent/t.json: 73 before any work" 73 "nonexistent" \
    "$P" process in o3 --key-file k --trace /nonexistent/t.json
expect_refusal "--timeline /nonexistent/t.csv: 73" 73 "nonexistent" \
    "$P" process in o3 --key-file k --timeline /nonexistent/t.csv
expect_refusal "--metrics-out /nonexistent/m.csv: 73" 73 "nonexistent" \
    "$P" process in o3 --key-file k --metrics csv --metrics-out /nonexistent/m.csv
why=$(no_output_why o3)
if [ -z "$why" ]; then ok "a report that cannot be created leaves no OUT"
else fail "a report that cannot be created leaves no OUT" "$why"; fi
expect_refusal "--force with a bad --trace: 73" 73 "nonexistent" \
    "$P" process in o --key-file k --force --trace /nonexistent/t.json
unchanged "--force with a bad --trace leaves the old OUT" o o.orig
"$P" process in o4 --key-file k --fail-at-chunk 0 --trace t4.json --timeline t4.csv \
    --metrics json --metrics-out m4.json >/dev/null 2>&1
why="$(no_output_why o4)$(no_output_why t4.json)$(no_output_why t4.csv)$(no_output_why m4.json)"
if [ -z "$why" ]; then ok "a failed run leaves neither OUT nor any report"
else fail "a failed run leaves neither OUT nor any report" "$why"; fi
"$P" process in o5 --key-file k --trace t5.json --timeline t5.csv \
    --metrics json --metrics-out m5.json >/dev/null 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -s o5 ] && [ -s t5.json ] && [ -s t5.csv ] && [ -s m5.json ] &&
   [ -z "$(ls -A | grep '^\.')" ]; then ok "a good run commits OUT and every report, no temporary left"
else fail "a good run commits OUT and every report, no temporary left" "exit $rc; $(ls -A | tr '\n' ' ')"; fi

if "$P" --help-all | grep -q -- '--force' && "$P" process --help | grep -q -- '--force' &&
   ! "$P" keygen --help | grep -q -- '--force'; then ok "--help-all and process --help list --force"
else fail "--help-all and process --help list --force" "not listed"; fi
cd "$T" || exit 1
unset TMPDIR

# ============================================================================
# fatal signals, FIFOs, standard output and one line per failure
# ============================================================================

"$P" gen sigin --size 4M --kind text >/dev/null 2>&1

# wait_for GLOB: poll (at most 10 s) until a file matching GLOB exists.
wait_for() {
    tries=0
    while [ $tries -lt 200 ]; do
        for f in $1; do [ -e "$f" ] && return 0; done
        tries=$((tries + 1)); sleep 0.05
    done
    return 1
}

# Every catchable fatal signal, sent to a running `process` (slowed by
# --writer-delay-us) once its temporary exists: exit 128+N, nothing left.
# env --default-signal undoes the SIGINT/SIGQUIT a shell ignores for & jobs
# (env execs pipelab, so $! is pipelab; the run ends by itself in about 1.3 s
# if the signal were lost, so it needs no timeout of its own).
for sig in QUIT PIPE XFSZ ALRM USR1 USR2 INT; do
    num=$(python3 -c "import signal; print(int(signal.SIG$sig))")
    env --default-signal="$sig" "$P" process sigin sig.c --key-file k1 \
        --chunk-size 64K --writer-delay-us 20000 --no-progress 2>sig.err &
    pid=$!
    if wait_for ".sig.c.*"; then kill -"$sig" $pid; fi
    wait $pid
    rc=$?
    why=$(no_output_why sig.c)
    if [ $rc -eq $((128 + num)) ] && [ -z "$why" ] && [ "$(wc -l <sig.err)" -eq 1 ]; then
        ok "signals: SIG$sig ends process with $((128 + num)), no output"
    else
        fail "signals: SIG$sig ends process with $((128 + num)), no output" \
             "exit $rc ${why:-} $(first_line sig.err)"
    fi
    rm -f sig.c .sig.c.*
done

# A signal ignored when pipelab starts (as nohup does) stays ignored.
env --ignore-signal=HUP "$P" process sigin hup.c --key-file k1 \
    --chunk-size 64K --writer-delay-us 5000 --no-progress 2>/dev/null &
pid=$!
if wait_for ".hup.c.*"; then kill -HUP $pid; fi
wait $pid
rc=$?
if [ $rc -eq 0 ] && "$P" verify hup.c --key-file k1 >/dev/null 2>&1; then ok "signals: an ignored SIGHUP is left ignored"
else fail "signals: an ignored SIGHUP is left ignored" "exit $rc"; fi
rm -f hup.c

# bench into `head -c10`: SIGPIPE, and no scratch directory left.
mkdir -p sweeptmp
{ TMPDIR=$T/sweeptmp timeout 120 "$P" bench --size 1M --repeats 3 --backends serial 2>/dev/null
  echo $? >bench.rc; } | head -c10 >/dev/null
left=$(ls sweeptmp)
if [ "$(cat bench.rc)" -eq 141 ] && [ -z "$left" ]; then ok "signals: bench | head -c10 dies of SIGPIPE, no scratch left"
else fail "signals: bench | head -c10 dies of SIGPIPE, no scratch left" "exit $(cat bench.rc), left: $left"; fi

# A FIFO nobody writes to, as input or as key: refused at once, one line.
mkfifo fifo.in
expect_exit "fifo: an input FIFO with no writer is refused (66)" 66 \
    timeout 10 "$P" process fifo.in fifo.c --key-file k1
expect_exit "fifo: a key FIFO with no writer is refused (66)" 66 \
    timeout 10 "$P" process sigin fifo.c --key-file fifo.in
expect_exit "fifo: verify of a FIFO is refused (66)" 66 timeout 10 "$P" verify fifo.in

# Standard output on a full disk: 74 and one line, never 0.
to_full() { "$@" >/dev/full; }
"$P" process text3000 full.c --key-file k1 >/dev/null 2>&1
expect_exit "stdout: verify >/dev/full is 74" 74 to_full "$P" verify full.c --key-file k1
expect_exit "stdout: inspect >/dev/full is 74" 74 to_full "$P" inspect full.c
expect_exit "stdout: backends >/dev/full is 74" 74 to_full "$P" backends
expect_exit "stdout: --help-all >/dev/full is 74" 74 to_full "$P" --help-all
expect_exit "stdout: compare >/dev/full is 74" 74 to_full timeout 60 "$P" compare text100k --backends serial
expect_exit "stdout: bench CSV >/dev/full is 74" 74 \
    to_full timeout 60 "$P" bench --size 64K --repeats 1 --backends serial

# --backends lists that name nothing, or too much.
long=serial; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do long=$long,serial; done
expect_exit "backends list: compare with an empty list" 64 "$P" compare text100k --backends ,
expect_exit "backends list: compare with 17 backends" 64 "$P" compare text100k --backends "$long"
expect_exit "backends list: bench with an empty list" 64 "$P" bench --backends ''
expect_exit "backends list: bench with 17 backends" 64 "$P" bench --backends "$long"
expect_exit "bench: an empty --depths list" 64 "$P" bench --depths ,
expect_exit "bench: --levels 0 is refused (64)" 64 "$P" bench --levels 0
# --levels and --reader-delays are swept like the other lists, and every row
# names its level and reader delay.
timeout 60 "$P" bench --size 64K --repeats 1 --backends serial --workers-list 1 \
    --levels 1,6 --reader-delays 0,10 --key-file k1 2>/dev/null >levels.csv
got=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
               { printf "%s/%s ", $c["level"], $c["reader_delay_us"] }' levels.csv)
if [ "$got" = "1/0 1/10 6/0 6/10 " ]; then ok "bench: --levels x --reader-delays, one row each"
else fail "bench: --levels x --reader-delays, one row each" "got '$got'"; fi

# A child of compare that fails says so once, and its exit code is kept:
# a write over the file size limit is an I/O error (74), not 70.
(ulimit -f 16; expect_exit "compare: a child's write error is 74, one line" 74 \
    timeout 60 "$P" compare sigin --backends serial --stages compress --level 1)
# (the subshell's counts are lost: count it again out here)
(ulimit -f 16; timeout 60 "$P" compare sigin --backends serial --stages compress \
    --level 1 >/dev/null 2>&1; echo $? >ulimit.rc)
if [ "$(cat ulimit.rc)" -eq 74 ]; then ok "compare: a child's EFBIG gives 74"
else fail "compare: a child's EFBIG gives 74" "exit $(cat ulimit.rc)"; fi

# A timeline that cannot be created: one line, not two.
expect_exit "timeline: an uncreatable --timeline is one line (73)" 73 \
    "$P" process text3000 tl.c --key-file k1 --timeline "$T/nodir/t.csv"

# System-call failures injected with strace: EINTR in compare's waitpid is
# retried (the child is still reaped), ENOMEM opening is 71, EIO in fstat 74.
# LeakSanitizer cannot run under a tracer: leaks are checked by the other cases.
if strace -qq -o /dev/null true 2>/dev/null; then
    noleak="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    $noleak timeout 60 strace -qq -o /dev/null -e trace=wait4 -e inject=wait4:error=EINTR:when=1 \
        "$P" compare text100k --backends serial >eintr.out 2>eintr.err
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s eintr.err ] && grep -q '^serial ' eintr.out; then
        ok "strace: compare survives an interrupted waitpid"
    else fail "strace: compare survives an interrupted waitpid" "exit $rc $(first_line eintr.err)"; fi
    expect_exit "strace: ENOMEM opening the input is 71" 71 \
        $noleak strace -qq -o /dev/null -P "$T/full.c" -e trace=openat -e inject=openat:error=ENOMEM \
        "$P" verify "$T/full.c" --key-file k1
    expect_exit "strace: EIO in fstat of the input is 74" 74 \
        $noleak strace -qq -o /dev/null -P "$T/full.c" -e trace=/fstat -e inject=/fstat:error=EIO \
        "$P" verify "$T/full.c" --key-file k1
    # SIGINT after the output was put in place (link, or rename with --force):
    # still not 0.
    $noleak timeout 60 strace -f -qq -o /dev/null -e trace='/^(rename|link)' -e inject='/^(rename|link):delay_exit=3000000' \
        env --default-signal=INT sh -c 'echo $$ >late.pid; exec "$@"' sh \
        "$P" process text100k late.c --key-file k1 --no-progress 2>late.err &
    spid=$!
    if wait_for late.c; then kill -INT "$(cat late.pid)"; fi
    wait $spid
    rc=$?
    if [ $rc -eq 130 ]; then ok "signals: SIGINT after the last check still fails the run (130)"
    else fail "signals: SIGINT after the last check still fails the run (130)" "exit $rc $(first_line late.err)"; fi
else
    echo "[ SKIPPED  ] strace cannot trace here: waitpid EINTR, ENOMEM, EIO, late SIGINT"
fi

# ---- readers refuse what the format forbids ---------------------------------
# Reserved bytes and Argon2id limits above what process writes are refused
# (65) even in a header whose checksum is right; inspect of a cut file names
# the cut chunk; a key file others may read works with one warning line. (A
# read error after the footer has no honest CLI trigger: test_container
# covers it with a stream whose reads fail.)

cat >"$T/reseal.py" <<'EOF'
import hashlib, sys
path, at, hexbytes = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
d = bytearray(open(path, "rb").read())
d[at:at + len(hexbytes)] = hexbytes                  # change header bytes, then
d[100:116] = hashlib.blake2b(bytes(d[:100]), digest_size=16).digest()   # reseal
open(path, "wb").write(d)
EOF
reseal() { python3 "$T/reseal.py" "$@"; }

"$P" process text100k rsv.plab --stages compress --chunk-size 16K --ordered >/dev/null 2>&1
cp rsv.plab x.c && reseal x.c 17 01
expect_bad "reserved: header byte 17 is refused" x.c "header bytes 17-19 are not zero"
cp rsv.plab x.c && reseal x.c 28 01
expect_bad "reserved: an unused stage slot is refused" x.c "stage slot 2 is unused"
cp rsv.plab x.c && reseal x.c 52 ff
expect_bad "reserved: a salt without a passphrase is refused" x.c "salt is not zero"

export PIPELAB_PASSPHRASE="correct horse"
"$P" process text10k pw.plab >/dev/null 2>&1
cp pw.plab x.c && reseal x.c 76 0000004000000000         # memlimit 1 GiB
expect_bad "argon2id: memlimit 1 GiB is refused" x.c "memlimit 1073741824 is out of range"
cp pw.plab x.c && reseal x.c 68 1000000000000000         # opslimit 16
expect_bad "argon2id: opslimit 16 is refused" x.c "opslimit 16 is out of range"
if "$P" restore pw.plab pw.back >/dev/null 2>&1 && cmp -s pw.back text10k
then ok "argon2id: the file process wrote restores"
else fail "argon2id: the file process wrote restores" "round trip failed"; fi
unset PIPELAB_PASSPHRASE

# inspect of a file cut inside record 2's payload names chunk 2.
cut_at=$(( $(nth_start rsv.plab 2) + 22 + 5 ))
cp rsv.plab x.c && surgery cut x.c "$cut_at"
expect_exit "inspect: a cut payload exits 65 with one line" 65 "$P" inspect x.c
if grep -q "x.c: truncated file: chunk 2 is cut short" ex.err; then ok "inspect: the cut chunk is named"
else fail "inspect: the cut chunk is named" "$(first_line ex.err)"; fi

# A key file readable by others: one warning line, and it still works.
cp k1 kopen && chmod 644 kopen
"$P" process text10k kw.c --key-file kopen >/dev/null 2>kw.err
rc=$?
lines=$(wc -l <kw.err | tr -d ' ')
if [ $rc -eq 0 ] && [ "$lines" -eq 1 ] &&
   grep -q "warning: key file kopen is accessible by group or others (mode 0644)" kw.err
then ok "key file 0644: process works with exactly one warning line"
else fail "key file 0644: process works with exactly one warning line" \
          "exit $rc, $lines lines: $(tr '\n' '|' <kw.err | cut -c 1-200)"; fi
"$P" restore kw.c kw.back --key-file kopen >/dev/null 2>kw.err
rc=$?
lines=$(wc -l <kw.err | tr -d ' ')
if [ $rc -eq 0 ] && [ "$lines" -eq 1 ] && cmp -s kw.back text10k
then ok "key file 0644: restore works with exactly one warning line"
else fail "key file 0644: restore works with exactly one warning line" "exit $rc, $lines lines"; fi
"$P" verify kw.c --key-file k1 >/dev/null 2>kw.err
if [ $? -eq 0 ] && [ ! -s kw.err ]; then ok "key file 0600: no warning"
else fail "key file 0600: no warning" "$(first_line kw.err)"; fi

# ============================================================================
# lockfree: the bounded pipeline over the lock-free ring
# ============================================================================

if "$P" backends 2>/dev/null | awk '{ print $1 }' | grep -qx lockfree
then ok "lockfree: pipelab backends lists it"
else fail "lockfree: pipelab backends lists it" "not in the list"; fi
roundtrip "lockfree: round trip in arrival order" kind.mixed "$K" --backend lockfree \
    --workers 2 --channel-depth 1 --chunk-size 4K
roundtrip "lockfree: round trip --ordered" kind.mixed "$K" --backend lockfree \
    --workers 4 --channel-depth 2 --chunk-size 4K --ordered
gzip_check "lockfree: --format gzip" kind.text --chunk-size 4K --backend lockfree --workers 2
# A failure at chunk 3 with a writer that needs 100 ms a chunk: 100 chunks
# would take 10 s if nobody stopped, so only a prompt stop ends inside the
# timeout (exit 124 otherwise). It must exit 70 and leave no output.
rm -f lf.c
timeout 5 "$P" process text100k lf.c --key-file k1 --backend lockfree --workers 2 \
    --chunk-size 1K --fail-at-chunk 3 --writer-delay-us 100000 >/dev/null 2>lf.err
rc=$?
why=$(no_output_why lf.c)
if [ $rc -eq 70 ] && [ -z "$why" ] && grep -q "injected failure at chunk 3" lf.err
then ok "lockfree: --fail-at-chunk 3 stops a slow run, no output"
else fail "lockfree: --fail-at-chunk 3 stops a slow run, no output" \
          "exit $rc (124: still running after 5 s), ${why:-}$(first_line lf.err)"; fi

test_summary
