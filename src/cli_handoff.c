/* cli_handoff.c -- the single-file qtranspile hands the batch form and the
 * HDF5 commands to the batch part of the program, qtranspile-batch.
 *
 * Owns: finding that program and execv'ing it. Why a second program: the
 * dynamic loader maps every library a program links before main() runs, and
 * libmpi and libhdf5 bring dozens (hwloc, libevent, curl, TLS, Kerberos...):
 * most of the start-up time of a one-circuit run. execv keeps the pid and the
 * environment, so mpirun's and srun's (PMIx, Slurm) bookkeeping sees the
 * process it started, which then calls MPI_Init in the batch part.
 *
 * Where: next to this executable first (the build tree: make check and the
 * end-to-end tests run before install), else the configured
 * $(pkglibexecdir), where make install puts it. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_opts.h"

#define BATCH_PART "qtranspile-batch"

#ifndef QTR_PKGLIBEXECDIR
#define QTR_PKGLIBEXECDIR "/usr/local/libexec/qtranspile"
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* The batch part beside this executable into @p buf; 0 when this system
 * cannot say where the executable is (no /proc) or there is none. */
static int sibling_path(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1) return 0;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash || (size_t)(slash + 1 - buf) + sizeof BATCH_PART > size) return 0;
    memcpy(slash + 1, BATCH_PART, sizeof BATCH_PART);
    return access(buf, X_OK) == 0;
}

int qtr_cli_handoff(char **argv)
{
    char path[PATH_MAX];
    fflush(NULL);
    if (sibling_path(path, sizeof path)) {
        execv(path, argv);
        qtr_cli_say("cannot start %s: %s", path, strerror(errno));
        return QTR_EXIT_USAGE;
    }
    execv(QTR_PKGLIBEXECDIR "/" BATCH_PART, argv);
    qtr_cli_say("cannot start %s: %s (the batch form and pack, unpack and info need it; "
                "is qtranspile installed with make install?)",
                QTR_PKGLIBEXECDIR "/" BATCH_PART, strerror(errno));
    return QTR_EXIT_USAGE;
}
