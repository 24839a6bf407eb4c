/* cli_batch.h -- the batch commands of the qtranspile program, called from
 * src/main.c. Each takes the command's own argv (argv[0] is the command word
 * or the program name) and returns the process exit status:
 *
 *   0  everything done, every circuit ok
 *   1  done, but some circuits failed (recorded in the results)
 *   2  usage, input or I/O error
 *   3  stopped by SIGTERM/SIGINT/SIGUSR1 after a complete round: run the
 *      same command with --resume to finish
 *
 * Only qtr_cli_batch may start MPI, and only when launched by mpirun/srun. */
#ifndef QTR_CLI_BATCH_H
#define QTR_CLI_BATCH_H

#ifdef __cplusplus
extern "C" {
#endif

/** qtranspile BATCH.h5 -o RESULTS.h5 -t TARGET [-O N] [--basis L] [--seed N]
 *  [--resume] [--progress=auto|bar|log|none] [--threads N] [--round N] */
int qtr_cli_batch(int argc, char **argv);
/** qtranspile pack [--qasm] FILE.qasm... -o BATCH.h5 */
int qtr_cli_pack(int argc, char **argv);
/** qtranspile unpack FILE.h5 -o DIR */
int qtr_cli_unpack(int argc, char **argv);
/** qtranspile info FILE.h5 | --build */
int qtr_cli_info(int argc, char **argv);
/** 1 when argv (the program's) names an HDF5 file as its input, so the
 *  transpile form should run as a batch. Looks at the first operand only:
 *  a name ending in .h5/.hdf5, or a file starting with HDF5's signature. */
int qtr_cli_is_batch(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
