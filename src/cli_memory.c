/* cli_memory.c -- the default of --max-memory, each circuit's memory
 * budget (doc/reliability.md).
 *
 * Rule: three quarters of the memory this process may use on its node --
 * the physical memory, or the cgroup's limit when lower (Slurm and other
 * batch systems confine a job that way) -- divided among the ranks on the
 * node and, within a rank, among its worker threads, since each thread
 * holds one circuit at a time. The quarter left over is for what is not one
 * circuit: the round's input and result blocks, HDF5's caches, MPI, the
 * program itself. A single circuit on the command line is one rank of one
 * thread. */
#include <stdio.h>
#include <unistd.h>
#include "cli_opts.h"

/* The cgroup's memory limit (v2 memory.max, else v1 limit_in_bytes), or 0
 * when there is none or it cannot be read. */
static size_t cgroup_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max",
                                        "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) continue;
        unsigned long long v = 0;
        int ok = fscanf(f, "%llu", &v) == 1;   /* "max" reads as no number: no limit */
        fclose(f);
        if (ok && v > 0) return (size_t)v;
    }
    return 0;
}

size_t qtr_cli_node_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    size_t phys = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
    size_t cg = cgroup_limit();
    if (cg && (!phys || cg < phys)) return cg;
    return phys;
}

size_t qtr_cli_memory_budget(const qtr_cli_options *o, int ranks_on_node, int threads)
{
    if (o->max_memory) return o->max_memory;
    size_t node = qtr_cli_node_memory();
    if (!node) return 0;   /* unknown: no budget rather than a guess */
    size_t share = node / 4 * 3 / (size_t)(ranks_on_node > 0 ? ranks_on_node : 1) /
                   (size_t)(threads > 0 ? threads : 1);
    return share > ((size_t)64 << 20) ? share : (size_t)64 << 20;
}
