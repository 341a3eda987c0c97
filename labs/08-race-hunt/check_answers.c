/*
 * check_answers.c — lab 8's checks of your answers.md.
 *
 * answers.md has one line per variant:
 *
 *     b: broken - <one line: what goes wrong, and where>
 *     d: correct - <one line: why it is fine, although it looks odd>
 *
 * (lines starting with # are ignored; "-", ":" or a dash after the verdict
 * are all fine). The checks: every variant has a verdict and a reason of a
 * few words; the verdicts are right; and the reason for each broken variant
 * names its cause (it mentions at least one word a correct explanation can
 * hardly avoid — the list is generous).
 *
 * The right verdicts are not written out below: each broken variant is
 * stored as a hash of its letter, so that reading this file does not give
 * the answers away. You could work them out from the hashes, of course —
 * and learn nothing. The variant checks are the better way.
 */
#include "labcheck.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VARIANTS 6
#define MIN_WORDS 4

/* ---- what is right ----------------------------------------------------- */

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

struct cause {
    uint32_t variant;             /* fnv1a("pipelab lab 8 variant " letter) */
    const char *words[12];        /* a reason should mention one of these */
};

static const struct cause broken[] = {
    { 0x18f86968u, { "while", "again", "re-check", "recheck", "loop", "spurious", "stolen", "steal",
                     "another receiver", "if", "taken", NULL } },
    { 0x19f86afbu, { "lock", "mutex", "race", "atomic", "outside", "critical", "len", "count",
                     "unprotected", NULL } },
    { 0x1ff8746du, { "broadcast", "signal", "only one", "one of", "all", "every", "wake", "woken", NULL } },
    { 0x1cf86fb4u, { "condition variable", "cond", "same", "single", "shared", "one", "wrong",
                     "sender", "receiver", "broadcast", NULL } },
};

static const struct cause *cause_of(char letter)
{
    char key[64];
    snprintf(key, sizeof key, "pipelab lab 8 variant %c", letter);
    uint32_t h = fnv1a(key);
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
        if (broken[i].variant == h)
            return &broken[i];
    return NULL;
}

/* ---- reading answers.md ------------------------------------------------ */

struct answer {
    bool given;
    bool says_broken;
    char reason[512];
};

static struct answer answers[VARIANTS];

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Skip "-", ":", and the UTF-8 en and em dashes between verdict and reason. */
static const char *skip_dashes(const char *s)
{
    for (;;) {
        s = skip_space(s);
        if (*s == '-' || *s == ':')
            s++;
        else if ((uint8_t)s[0] == 0xe2 && (uint8_t)s[1] == 0x80 &&
                 ((uint8_t)s[2] == 0x93 || (uint8_t)s[2] == 0x94))
            s += 3;
        else
            return s;
    }
}

static void parse_line(const char *line)
{
    const char *s = skip_space(line);
    char letter = (char)tolower((unsigned char)*s);
    if (letter < 'a' || letter >= 'a' + VARIANTS)
        return;
    s = skip_space(s + 1);
    if (*s != ':')
        return;
    s = skip_space(s + 1);
    struct answer *a = &answers[letter - 'a'];
    if (strncasecmp(s, "broken", 6) == 0) {
        a->says_broken = true;
        s += 6;
    } else if (strncasecmp(s, "correct", 7) == 0) {
        a->says_broken = false;
        s += 7;
    } else {
        return;
    }
    a->given = true;
    snprintf(a->reason, sizeof a->reason, "%s", skip_dashes(s));
    a->reason[strcspn(a->reason, "\r\n")] = '\0';
}

static void read_answers(void)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/answers.md", lab_dir());
    FILE *f = fopen(path, "r");
    LAB_REQUIRE(f != NULL, "cannot open %s", path);
    memset(answers, 0, sizeof answers);
    while (fgets(line, sizeof line, f) != NULL)
        if (line[0] != '#')
            parse_line(line);
    fclose(f);
}

static int words_in(const char *s)
{
    int n = 0;
    bool in_word = false;
    for (; *s != '\0'; s++) {
        bool letter = isalnum((unsigned char)*s) || *s == '_' || *s == '`';
        if (letter && !in_word)
            n++;
        in_word = letter;
    }
    return n;
}

/* Does text mention word (case-insensitive)? Words of three letters or fewer
 * must stand alone ("if" in "different" does not count). */
static bool mentions(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p != '\0'; p++) {
        if (strncasecmp(p, word, n) != 0)
            continue;
        if (n > 3)
            return true;
        bool start = p == text || !isalnum((unsigned char)p[-1]);
        bool end = !isalnum((unsigned char)p[n]);
        if (start && end)
            return true;
    }
    return false;
}

/* ---- the checks -------------------------------------------------------- */

static void every_variant_has_a_verdict(void **state)
{
    (void)state;
    read_answers();
    for (int i = 0; i < VARIANTS; i++) {
        char v = (char)('a' + i);
        LAB_REQUIRE(answers[i].given, "answers.md has no verdict for variant %c: write a line like "
                    "\"%c: broken - ...\" or \"%c: correct - ...\"", v, v, v);
        LAB_REQUIRE(words_in(answers[i].reason) >= MIN_WORDS, "variant %c: give a reason of at least "
                    "%d words after the verdict (what goes wrong and where, or why it is fine)",
                    v, MIN_WORDS);
    }
}

static void verdicts_are_right(void **state)
{
    (void)state;
    read_answers();
    int wrong = 0, missing = 0;
    for (int i = 0; i < VARIANTS; i++) {
        if (!answers[i].given)
            missing++;
        else if (answers[i].says_broken != (cause_of((char)('a' + i)) != NULL))
            wrong++;
    }
    LAB_REQUIRE(missing == 0, "%d of the 6 variants have no verdict yet in answers.md", missing);
    LAB_REQUIRE(wrong == 0, "%d of your 6 verdicts %s wrong. Run the variant checks (and RACE "
                "reports) again: a correct variant passes every forced interleaving", wrong,
                wrong == 1 ? "is" : "are");
}

static void reasons_name_the_cause(void **state)
{
    (void)state;
    read_answers();
    for (int i = 0; i < VARIANTS; i++) {
        const struct cause *c = cause_of((char)('a' + i));
        if (c == NULL || !answers[i].given || !answers[i].says_broken)
            continue;
        bool named = false;
        for (int w = 0; c->words[w] != NULL && !named; w++)
            named = mentions(answers[i].reason, c->words[w]);
        LAB_REQUIRE(named, "variant %c: your reason (\"%s\") does not say what goes wrong. Name the "
                    "mechanism: which line, which condition or wake-up, and what the other thread "
                    "sees", 'a' + i, answers[i].reason);
    }
}

#define CHECK(fn) { .name = "answers/" #fn, .test_func = fn }

static const struct CMUnitTest tests[] = {
    CHECK(every_variant_has_a_verdict),
    CHECK(verdicts_are_right),
    CHECK(reasons_name_the_cause),
};

LAB_MAIN("lab 8: answers", tests)
