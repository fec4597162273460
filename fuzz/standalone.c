/*
 * A standalone driver for the fuzz targets, used when libFuzzer is not:
 * replays every file of the folders or files it is given, then, when
 * FUZZ_ITERATIONS is set, runs that many inputs mutated from them (byte
 * flips, insertions, deletions, truncations, splices) from a fixed seed so a
 * failure repeats. Built with -Dfuzzer=libfuzzer the targets link libFuzzer
 * (or AFL++'s libFuzzer-compatible driver) instead.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seed {
        uint8_t *data;
        size_t size;
};

static struct seed *seeds;
static size_t nseeds;

static void add_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t cap = 0, len = 0, n;

        if (f == NULL) {
                perror(path);
                exit(2);
        }
        do {
                if (len + 4096 > cap) {
                        cap = cap ? cap * 2 : 8192;
                        buf = realloc(buf, cap);
                        if (buf == NULL)
                                abort();
                }
                n = fread(buf + len, 1, cap - len, f);
                len += n;
        } while (n > 0);
        fclose(f);
        seeds = realloc(seeds, (nseeds + 1) * sizeof(*seeds));
        if (seeds == NULL)
                abort();
        seeds[nseeds].data = buf;
        seeds[nseeds].size = len;
        nseeds++;
}

static void add_path(const char *path)
{
        struct stat st;
        DIR *dir;
        struct dirent *de;
        char child[4096];

        if (stat(path, &st) != 0) {
                perror(path);
                exit(2);
        }
        if (!S_ISDIR(st.st_mode)) {
                add_file(path);
                return;
        }
        dir = opendir(path);
        if (dir == NULL) {
                perror(path);
                exit(2);
        }
        while ((de = readdir(dir)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
                add_path(child);
        }
        closedir(dir);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
        int rounds = 1 + (int)(rng() % 4);

        while (rounds-- > 0) {
                switch (rng() % 6) {
                case 0: /* flip a bit */
                        if (len)
                                buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
                        break;
                case 1: /* set an interesting byte */
                        if (len) {
                                static const uint8_t interesting[] = {
                                    0,   0xff, 0x7f, 0x80, '"', '\\', '%', '{',
                                    '}', '[',  ']',  ':',  ',', '=',  '&', '\n'};
                                buf[rng() % len] = interesting[rng() % sizeof(interesting)];
                        }
                        break;
                case 2: /* insert a random byte */
                        if (len < cap) {
                                size_t at = len ? rng() % (len + 1) : 0;
                                memmove(buf + at + 1, buf + at, len - at);
                                buf[at] = (uint8_t)rng();
                                len++;
                        }
                        break;
                case 3: /* delete a run */
                        if (len) {
                                size_t at = rng() % len, n = 1 + rng() % 8;
                                if (n > len - at)
                                        n = len - at;
                                memmove(buf + at, buf + at + n, len - at - n);
                                len -= n;
                        }
                        break;
                case 4: /* truncate */
                        if (len)
                                len = rng() % len;
                        break;
                case 5: /* splice from another seed */
                        if (nseeds) {
                                const struct seed *s = &seeds[rng() % nseeds];
                                if (s->size) {
                                        size_t from = rng() % s->size, n = 1 + rng() % 32,
                                               at = len ? rng() % len : 0;
                                        if (n > s->size - from)
                                                n = s->size - from;
                                        if (at + n > cap)
                                                n = cap - at;
                                        memcpy(buf + at, s->data + from, n);
                                        if (at + n > len)
                                                len = at + n;
                                }
                        }
                        break;
                }
        }
        return len;
}

int main(int argc, char **argv)
{
        const char *iter_env = getenv("FUZZ_ITERATIONS");
        long iterations = iter_env ? atol(iter_env) : 0;
        uint8_t *buf;
        size_t cap = 1 << 20;

        for (int i = 1; i < argc; i++)
                add_path(argv[i]);
        for (size_t i = 0; i < nseeds; i++) {
                /* Copy so the target sees exactly `size` readable bytes. */
                uint8_t *copy = malloc(seeds[i].size ? seeds[i].size : 1);
                if (copy == NULL)
                        abort();
                memcpy(copy, seeds[i].data, seeds[i].size);
                LLVMFuzzerTestOneInput(copy, seeds[i].size);
                free(copy);
        }
        buf = malloc(cap);
        if (buf == NULL)
                abort();
        for (long i = 0; i < iterations; i++) {
                size_t len = 0;
                if (nseeds) {
                        const struct seed *s = &seeds[rng() % nseeds];
                        len = s->size < cap ? s->size : cap;
                        memcpy(buf, s->data, len);
                }
                len = mutate(buf, len, cap);
                uint8_t *exact = malloc(len ? len : 1);
                if (exact == NULL)
                        abort();
                memcpy(exact, buf, len);
                LLVMFuzzerTestOneInput(exact, len);
                free(exact);
        }
        free(buf);
        printf("fuzz: %zu seeds replayed, %ld mutated inputs run, no crash\n", nseeds, iterations);
        for (size_t i = 0; i < nseeds; i++)
                free(seeds[i].data);
        free(seeds);
        return 0;
}
