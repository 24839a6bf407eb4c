/* copy_floor.c -- the floor for the million-swap benchmark: read a text file
 * line by line and write it back unchanged (fgets/fputs, 64 KiB lines at
 * most; longer lines are copied in pieces). No parsing, no IR: any converter
 * has to do at least this much I/O, so "convert time / floor time" says how
 * much the reader, IR and writer cost on top.
 *
 *   copy_floor IN OUT      ("-" for standard input or output)
 *
 * Exit 0, or 1 with a message when a file cannot be opened, read or written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: copy_floor IN OUT\n", stderr);
        return 2;
    }
    FILE *in = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
    if (!in) {
        fprintf(stderr, "copy_floor: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    FILE *out = strcmp(argv[2], "-") ? fopen(argv[2], "w") : stdout;
    if (!out) {
        fprintf(stderr, "copy_floor: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    static char line[65536];
    while (fgets(line, sizeof line, in)) fputs(line, out);
    int bad_in = ferror(in), bad_out = fflush(out) || ferror(out);
    if (in != stdin) fclose(in);
    if (out != stdout && fclose(out)) bad_out = 1;
    if (bad_in || bad_out) {
        fprintf(stderr, "copy_floor: %s error\n", bad_in ? "read" : "write");
        return 1;
    }
    return 0;
}
