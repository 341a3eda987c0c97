/*
 * gen.c — deterministic test data (see gen.h for the contract).
 *
 * Design, in three ideas:
 *
 * 1. Blocks. The stream is cut into fixed blocks of GEN_BLOCK bytes. Block n is
 *    made by a fresh PRNG whose state is derived from (seed, kind, n) only, and
 *    gen_fill just copies out of the current block, making the next one when it
 *    runs dry. So the bytes never depend on how the caller cuts its calls, and
 *    any block could be made on its own (or by another thread) if we wanted.
 *
 * 2. Integers only. The PRNG is xoshiro256** seeded through splitmix64 (both
 *    by Vigna and Blackman, public domain, a few lines each). Random bytes are
 *    stored little-endian with explicit shifts, and the word-frequency table is
 *    built with integer division, never with pow() or log(). Nothing depends on
 *    the machine's endianness or on its maths library, so the same (kind, seed)
 *    gives the same bytes everywhere.
 *
 * 3. Text is copied, not composed. gen_new builds a vocabulary: sixty common
 *    English words, then pseudo-words glued from common English syllables.
 *    Each word sits in a 16-byte slot ("word " padded, length in the last
 *    byte), so writing a word is one fixed 16-byte memcpy plus "advance by the
 *    length"; the bytes past the word are overwritten by the next one. Which
 *    word comes next is one table lookup: GEN_ZIPF_SLOTS entries, word i
 *    filling a share proportional to 1 / (i + 1): Zipf's law, the shape of
 *    word frequencies in real prose. Real prose also repeats phrases ("of
 *    the", "in order to"), and those repeats are what LZ77 feeds on, so every
 *    word has a fixed successor and GEN_FOLLOW words in 16 are the successor
 *    of the word before instead of a fresh draw. GEN_FOLLOW was tuned so that
 *    zlib level 6 gets about 3:1 (5 gives 2.8, 7 gives 3.07, 8 gives 3.2).
 *    Sentences of 4 to 19 words, commas, paragraphs and lines wrapped at 72
 *    columns make it read (from afar) like prose.
 *
 *    The vocabulary is the same for every seed (it comes from the fixed
 *    GEN_VOCAB_SEED); the seed only chooses the words. So every seed's text
 *    compresses alike: a vocabulary per seed made the ratio drift by +-0.1.
 *
 * A text block starts with a fresh sentence on a fresh line and simply stops
 * at GEN_BLOCK bytes with a line break, so once per 64 KiB a word is cut in
 * two. That is harmless for test data and keeps the blocks independent.
 */
#include "gen.h"
#include "bytes.h"
#include "output.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_BLOCK       (64 * 1024) /* bytes per block; a multiple of 8 */
#define GEN_SLACK       512         /* room past the block for the last sentence */
#define GEN_WORDS       4096        /* vocabulary size */
#define GEN_WORD_MAX    13          /* letters per word at most */
#define GEN_ZIPF_SLOTS  65536       /* the word-choice table: indexed by 16 bits */
#define GEN_FOLLOW      7           /* words in 16 that are the successor of the last */
#define GEN_WRAP        72          /* text lines are at most this wide */
#define GEN_SENT_MIN    4           /* words per sentence: 4 to 4 + 15 */

/* Any fixed value will do; changing it changes every text stream. */
#define GEN_VOCAB_SEED  UINT64_C(0x706970656c616221)

/* A vocabulary entry: the word and a space, padded to 16 bytes; len counts the
 * space. Copying all 16 bytes is faster than copying exactly len of them. */
struct gen_word {
    char text[15];
    uint8_t len;
};

/* The longest sentence must fit in the slack: every word can take a comma, and
 * the 16-byte copy of the last word reaches past its end. */
_Static_assert((GEN_SENT_MIN + 15) * (GEN_WORD_MAX + 2) + 16 + 4 <= GEN_SLACK,
               "GEN_SLACK too small for the longest sentence");
_Static_assert(sizeof(struct gen_word) == 16, "words are copied 16 bytes at a time");
_Static_assert(GEN_WORD_MAX + 1 <= 15, "a word and its space must fit a slot");
_Static_assert(GEN_BLOCK % 8 == 0, "random blocks are made 8 bytes at a time");
_Static_assert(GEN_WORDS <= 65536, "word indices are stored in 16 bits");

struct gen_rng {
    uint64_t s[4];
};

struct gen {
    enum gen_kind kind;
    uint64_t seed;
    uint64_t next_block; /* number of the block to make next */
    size_t pos;          /* bytes of buf already handed out */
    uint8_t buf[GEN_BLOCK + GEN_SLACK];
    struct gen_word words[GEN_WORDS];
    uint16_t zipf[GEN_ZIPF_SLOTS]; /* 16 random bits -> word index */
    uint16_t follow[GEN_WORDS];    /* word index -> its fixed successor */
};

/* ---- the PRNG ------------------------------------------------------------ */

/* splitmix64: turns any 64-bit value into a well-mixed one. Used only to seed. */
static uint64_t gen_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t gen_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast, small, and statistically very good. */
static uint64_t gen_next(struct gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gen_rotl(s[3], 45);
    return out;
}

/* The state for one numbered stream of one seed. The stream number is hashed
 * before it meets the seed, so neighbouring blocks get unrelated states; the
 * four words then come from splitmix64, which never yields an all-zero state in
 * practice (xoshiro's one forbidden state). */
static void gen_rng_init(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t h = stream;
    uint64_t x = seed ^ gen_splitmix(&h);

    for (int i = 0; i < 4; i++)
        r->s[i] = gen_splitmix(&x);
}

/* ---- the vocabulary ------------------------------------------------------ */

/* The most frequent English words take the top ranks, as in real prose. */
static const char *const gen_common[] = {
    "the", "of", "and", "to", "a", "in", "is", "that", "it", "was",
    "for", "on", "as", "with", "he", "be", "at", "by", "his", "this",
    "had", "not", "are", "but", "from", "or", "have", "an", "they", "which",
    "you", "one", "were", "her", "all", "she", "there", "would", "their", "we",
    "him", "been", "has", "when", "who", "will", "more", "no", "if", "out",
    "so", "said", "what", "up", "its", "about", "into", "than", "them", "can",
};
#define GEN_NCOMMON (sizeof gen_common / sizeof gen_common[0])

/* Pseudo-words are glued from common English syllables, sometimes with a
 * common suffix, so that they look (and compress) like English words. */
static const char *const gen_syllable[] = {
    "ing", "er", "a", "ly", "ed", "i", "es", "re", "tion", "in", "e", "con",
    "y", "ter", "ex", "al", "de", "com", "o", "di", "en", "an", "ty", "ry",
    "u", "ti", "ri", "be", "per", "to", "pro", "ac", "ad", "ar", "ers", "ment",
    "or", "tions", "ble", "der", "ma", "na", "si", "un", "at", "dis", "ca", "cal",
    "man", "ap", "po", "sion", "vi", "el", "est", "la", "lar", "pa", "ture", "for",
    "is", "mer", "pe", "ra", "so", "ta", "as", "col", "fi", "ful", "get", "low",
    "ni", "par", "son", "tle", "day", "ny", "pen", "pre", "tive", "car", "ci", "mo",
    "on", "ous", "pi", "se", "ten", "tor", "ver", "ber", "can", "dy", "et", "it",
    "mu", "no", "ple", "cu", "fac", "fer", "gen", "ic", "land", "light", "ob", "of",
    "pos", "tain", "den", "ings", "mag", "ments", "set", "some", "sub", "sur", "ters", "tu",
};
static const char *const gen_suffix[] = {
    "s", "ed", "ing", "er", "ly", "tion", "ment", "ness", "al", "ty", "able", "ive",
};
#define GEN_PICK(table, x) ((table)[(x) % (sizeof(table) / sizeof((table)[0]))])

/* Append s to the word w, stopping at GEN_WORD_MAX letters. */
static void gen_word_append(struct gen_word *w, const char *s)
{
    while (*s != '\0' && w->len < GEN_WORD_MAX)
        w->text[w->len++] = *s++;
}

/* A pseudo-word for the given rank: the rarer the word, the more syllables,
 * because in real languages frequent words are short. One word in four gets a
 * suffix. */
static void gen_make_pseudo(struct gen_word *w, size_t rank, struct gen_rng *r)
{
    uint64_t x = gen_next(r);
    int syllables = 1 + (int)(x & 1);

    if (rank >= 200)
        syllables += 1;
    if (rank >= 1000)
        syllables += (int)((x >> 1) & 1);
    for (int i = 0; i < syllables; i++)
        gen_word_append(w, GEN_PICK(gen_syllable, gen_next(r) >> 32));
    x = gen_next(r);
    if ((x & 3) == 0)
        gen_word_append(w, GEN_PICK(gen_suffix, x >> 32));
}

static void gen_build_words(struct gen *g, struct gen_rng *r)
{
    memset(g->words, 0, sizeof g->words);
    for (size_t i = 0; i < GEN_WORDS; i++) {
        struct gen_word *w = &g->words[i];
        if (i < GEN_NCOMMON)
            gen_word_append(w, gen_common[i]);
        else
            gen_make_pseudo(w, i, r);
        w->text[w->len++] = ' ';
    }
}

/* The weight of the word of rank i (from 0): Zipf's law, 1 / (i + 1). */
static uint64_t gen_zipf_weight(uint64_t i)
{
    return ((uint64_t)1 << 40) / (i + 1);
}

/* Fill the word-choice table: word i gets a run of slots proportional to its
 * weight. Slot j goes to the word whose cumulative weight range holds the
 * middle of slot j. Integer arithmetic throughout (the total is below 2^45, so
 * total * 2 * slots stays far below 2^64). */
static void gen_build_zipf(struct gen *g)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < GEN_WORDS; i++)
        total += gen_zipf_weight(i);

    uint64_t word = 0;
    uint64_t upto = gen_zipf_weight(0); /* cumulative weight up to and with word */
    for (uint64_t j = 0; j < GEN_ZIPF_SLOTS; j++) {
        uint64_t mid = (2 * j + 1) * total / (2 * GEN_ZIPF_SLOTS);
        while (mid >= upto && word + 1 < GEN_WORDS) {
            word++;
            upto += gen_zipf_weight(word);
        }
        g->zipf[j] = (uint16_t)word;
    }
}

/* Each word's successor is drawn like any word, so frequent words follow
 * frequent words, as "of the" does; but never the word itself ("the the"). */
static void gen_build_follow(struct gen *g, struct gen_rng *r)
{
    for (size_t i = 0; i < GEN_WORDS; i++) {
        size_t next = g->zipf[gen_next(r) >> 48];
        while (next == i)
            next = g->zipf[gen_next(r) >> 48];
        g->follow[i] = (uint16_t)next;
    }
}

/* Everything text needs, from the fixed vocabulary seed. */
static void gen_build_text_tables(struct gen *g)
{
    struct gen_rng r;

    gen_rng_init(&r, GEN_VOCAB_SEED, 0);
    gen_build_words(g, &r);
    gen_build_zipf(g);
    gen_build_follow(g, &r);
}

/* ---- making one block ---------------------------------------------------- */

static void gen_block_zeros(uint8_t *out)
{
    memset(out, 0, GEN_BLOCK);
}

/* Eight bytes per PRNG step. The PRNG state is copied into a local first:
 * a store through a uint8_t pointer may alias anything, so with the state
 * behind a pointer the compiler would reload and re-store it for every step;
 * a local whose address never escapes stays in registers (about twice as
 * fast). */
static void gen_block_random(uint8_t *out, struct gen_rng *rng)
{
    struct gen_rng r = *rng;

    for (size_t i = 0; i < GEN_BLOCK; i += 8)
        put_le64(out + i, gen_next(&r)); /* bytes.h: one store on little-endian machines */
    *rng = r;
}

/* cond ? a : b, computed without a branch (mask is all ones or all zeros).
 * For a coin flip the CPU cannot predict, a branch costs a pipeline flush
 * about half the time; this made text generation 40% faster. */
static unsigned gen_select(int cond, unsigned a, unsigned b)
{
    unsigned mask = 0u - (unsigned)(cond != 0);

    return (a & mask) | (b & ~mask);
}

/* Write one sentence at p and return the new end. line points at the start of
 * the current output line: a word that would run past GEN_WRAP columns starts
 * a new line instead (the space before it becomes the line break).
 *
 * One PRNG step per word: its top 16 bits pick a fresh word, bits 32-35 decide
 * whether to take the previous word's successor instead, bits 40-42 decide on
 * a comma. The sentence's own step gives its length and paragraph break. */
static uint8_t *gen_sentence(const struct gen *g, uint8_t *p, uint8_t **line,
                             struct gen_rng *r)
{
    uint64_t shape = gen_next(r);
    int nwords = GEN_SENT_MIN + (int)(shape & 15);
    unsigned prev = 0;

    for (int i = 0; i < nwords; i++) {
        uint64_t x = gen_next(r);
        int follow = i > 0 && ((x >> 32) & 15) < GEN_FOLLOW;
        unsigned word = gen_select(follow, g->follow[prev], g->zipf[x >> 48]);
        prev = word;

        const struct gen_word *w = &g->words[word];
        size_t len = w->len; /* read before the copy: p could alias w */

        /* Greedy wrap: if the word would not fit on this line, the space
         * before it becomes a line break. (Never at a line start, where
         * p[-1] might not be ours: words are far shorter than a line.) */
        if ((size_t)(p - *line) + len > GEN_WRAP) {
            p[-1] = '\n';
            *line = p;
        }
        memcpy(p, w, 16);
        if (i == 0) /* capitalise: every word starts with a lower-case letter */
            p[0] = (uint8_t)(p[0] - 'a' + 'A');
        p += len;
        if (i + 1 == nwords) { /* the last word's space becomes ". " */
            p[-1] = '.';
            *p++ = ' ';
        } else if (((x >> 40) & 7) == 0) { /* 1 word in 8 takes a comma */
            p[-1] = ',';
            *p++ = ' ';
        }
    }

    /* About one sentence in eight ends its paragraph with a blank line. */
    if (((shape >> 8) & 7) == 0) {
        p[-1] = '\n';
        *p++ = '\n';
        *line = p;
    }
    return p;
}

/* Whole sentences until the block is full. The last one runs into the slack
 * past GEN_BLOCK; those bytes are never handed out. The PRNG works on a local
 * copy for the reason given at gen_block_random. */
static void gen_block_text(const struct gen *g, uint8_t *out, struct gen_rng *rng)
{
    struct gen_rng r = *rng;
    uint8_t *p = out;
    uint8_t *line = out;

    while (p < out + GEN_BLOCK)
        p = gen_sentence(g, p, &line, &r);
    *rng = r;

    /* The next block starts a new line, so end this block's last line here
     * (it overwrites one letter of a word the block boundary cuts anyway). */
    out[GEN_BLOCK - 1] = '\n';
}

/* A mixed block is a text, random or zeros block, chosen by its own PRNG:
 * 60% text, 25% random, 15% zeros. */
static void gen_block_mixed(const struct gen *g, uint8_t *out, struct gen_rng *r)
{
    uint64_t pick = gen_next(r) % 100;

    if (pick < 60)
        gen_block_text(g, out, r);
    else if (pick < 85)
        gen_block_random(out, r);
    else
        gen_block_zeros(out);
}

/* Make block number g->next_block in g->buf. */
static void gen_make_block(struct gen *g)
{
    struct gen_rng r;

    /* One stream per (kind, block): a text block and a mixed block of the
     * same seed and number do not share a PRNG state. */
    gen_rng_init(&r, g->seed, g->next_block * 4 + (uint64_t)g->kind);
    switch (g->kind) {
    case GEN_TEXT:
        gen_block_text(g, g->buf, &r);
        break;
    case GEN_RANDOM:
        gen_block_random(g->buf, &r);
        break;
    case GEN_ZEROS:
        gen_block_zeros(g->buf);
        break;
    case GEN_MIXED:
        gen_block_mixed(g, g->buf, &r);
        break;
    }
    g->next_block++;
    g->pos = 0;
}

/* ---- the interface ------------------------------------------------------- */

int gen_kind_parse(const char *name, enum gen_kind *out)
{
    static const struct {
        const char *name;
        enum gen_kind kind;
    } kinds[] = {
        {"text", GEN_TEXT},
        {"random", GEN_RANDOM},
        {"zeros", GEN_ZEROS},
        {"mixed", GEN_MIXED},
    };

    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return 0;
        }
    }
    return -1;
}

struct gen *gen_new(enum gen_kind kind, uint64_t seed)
{
    /* One allocation holds everything, so there is nothing partial to undo. */
    struct gen *g = malloc(sizeof *g);
    if (g == NULL)
        return NULL;

    g->kind = kind;
    g->seed = seed;
    g->next_block = 0;
    g->pos = GEN_BLOCK; /* "the current block is used up": fill makes block 0 */
    if (kind == GEN_TEXT || kind == GEN_MIXED)
        gen_build_text_tables(g);
    return g;
}

void gen_free(struct gen *g)
{
    free(g);
}

void gen_fill(struct gen *g, uint8_t *buf, size_t len)
{
    while (len > 0) {
        if (g->pos == GEN_BLOCK)
            gen_make_block(g);

        size_t n = GEN_BLOCK - g->pos;
        if (n > len)
            n = len;
        memcpy(buf, g->buf + g->pos, n);
        g->pos += n;
        buf += n;
        len -= n;
    }
}

/* ---- writing a file ---------------------------------------------------- */

int gen_write_file(const char *path, enum gen_kind kind, uint64_t seed, uint64_t size,
                   unsigned output_flags)
{
    enum { BLOCK = 1 << 20 };
    struct gen *g = gen_new(kind, seed);
    if (g == NULL)
        die_oom();
    struct output out;
    int rc = output_open(&out, path, 0644, output_flags);
    uint8_t *buf = xmalloc(BLOCK);
    for (uint64_t left = size; rc == 0 && left > 0;) {
        size_t n = left < BLOCK ? (size_t)left : BLOCK;
        gen_fill(g, buf, n);
        if (output_write(&out, buf, n) != 0) {
            warnx_msg("cannot write %s: %s", path, strerror(errno));
            output_abort(&out);
            rc = EX_IOERR;
        }
        left -= n;
    }
    free(buf);
    gen_free(g);
    return rc == 0 ? output_commit(&out) : rc;
}
