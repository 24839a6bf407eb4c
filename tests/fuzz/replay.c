/* replay.c -- runs a fuzz target on the files of its corpus, without
 * libFuzzer: `make check` replays every seed and every input that once
 * broke a promise (the regression inputs), with any compiler and under the
 * sanitizer build of CI. Usage: replay_TARGET [FILE|DIR]...; with no
 * arguments, $QTR_SRCDIR/tests/fuzz/corpus/TARGET. */
#include <dirent.h>
#include <sys/stat.h>
#include "fuzz_common.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) return -1;
    /* a copy of exactly n bytes, so reading past the input is caught */
    uint8_t *exact = malloc(n ? n : 1);
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat sb;
    if (stat(path, &sb)) {
        fprintf(stderr, "replay: %s: no such file or directory\n", path);
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        ++*count;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d) return -1;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (run_path(sub, count)) rc = -1;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    int count = 0, rc = 0;
    if (argc < 2) {
        const char *src = getenv("QTR_SRCDIR");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", src && *src ? src : ".", FUZZ_TARGET);
        rc = run_path(dir, &count);
    }
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i], &count)) rc = -1;
    printf("replay %s: %d input(s) ran, every promise held\n", FUZZ_TARGET, count);
    return rc || count == 0 ? 1 : 0;
}
