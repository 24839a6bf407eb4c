/* cli_transpile.h -- the transpile and targets commands of the qtranspile
 * program (src/main.c parses the command line, these run it). Program code,
 * not library: it prints and returns exit codes. */
#ifndef QTR_CLI_TRANSPILE_H
#define QTR_CLI_TRANSPILE_H

#include <stdint.h>

typedef struct {
    const char *input, *output;  /* "-" = standard input / output */
    const char *target;          /* -t; required */
    const char *stats_path;      /* --stats or NULL */
    const char *basis;           /* --basis or NULL */
    int         opt_level;
    uint64_t    seed;
    int         verify;
    int         stream;          /* 1 --stream, -1 --no-stream, 0 automatic */
    uint32_t    layout_trials;   /* --layout-trials; 0 = the level's */
    uint32_t    swap_trials;     /* --swap-trials; 0 = the level's */
    double      approx_degree;   /* --approximation-degree, (0, 1]; 0 = exact */
} qtr_cli_transpile_args;

/** Run one transpile; messages on stderr. @return 0 ok, 1 the circuit
 *  failed (cannot be transpiled, verification failed, write error), 2 usage
 *  or input error. */
int qtr_cli_transpile(const qtr_cli_transpile_args *a);

/** `qtranspile targets`: list the built-in targets. @return exit code. */
int qtr_cli_targets(void);

#endif
