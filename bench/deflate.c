/*
 * deflate.c — the yardstick for `make bench-serial`: a plain,
 * single-threaded zlib deflate of a file, as a simple compressor would do it.
 *
 *   bench_deflate IN OUT [LEVEL]
 *
 * Reads IN in 1 MiB pieces, deflates it as one zlib stream at LEVEL (default
 * 6), writes OUT, and prints the seconds it took. pipelab's serial backend,
 * which does the same deflate plus encryption, framing and a digest, is
 * measured against it in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

#define PIECE (1u << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pump(z_stream *z, FILE *out, int flush, unsigned char *buf)
{
    do {
        z->next_out = buf;
        z->avail_out = PIECE;
        if (deflate(z, flush) == Z_STREAM_ERROR)
            return -1;
        size_t n = PIECE - z->avail_out;
        if (fwrite(buf, 1, n, out) != n)
            return -1;
    } while (z->avail_out == 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_deflate IN OUT [LEVEL]\n");
        return 64;
    }
    int level = argc > 3 ? atoi(argv[3]) : 6;
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    unsigned char *ibuf = malloc(PIECE), *obuf = malloc(PIECE);
    z_stream z = { 0 };
    if (in == NULL || out == NULL || ibuf == NULL || obuf == NULL ||
        deflateInit(&z, level) != Z_OK) {
        fprintf(stderr, "bench_deflate: cannot start\n");
        return 71;
    }
    double t0 = now_s();
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(ibuf, 1, PIECE, in)) > 0) {
        z.next_in = ibuf;
        z.avail_in = (uInt)n;
        rc = pump(&z, out, Z_NO_FLUSH, obuf);
    }
    if (rc == 0)
        rc = pump(&z, out, Z_FINISH, obuf);
    if (ferror(in) || fclose(out) != 0)
        rc = -1;
    double dt = now_s() - t0;
    deflateEnd(&z);
    fclose(in);
    free(ibuf);
    free(obuf);
    if (rc != 0) {
        fprintf(stderr, "bench_deflate: failed\n");
        return 74;
    }
    printf("%.6f\n", dt);
    return 0;
}
