/* target_internal.h -- internal to io/target_*.c: the calibration snapshots
 * of real devices compiled into qtranspile (data in the generated
 * io/target_devices.c), and the built-in/generator half of qtr_target_load
 * (io/target_builtin.c) that the file half (io/target_json.c) calls first.
 * Not installed. */
#ifndef QTR_TARGET_INTERNAL_H
#define QTR_TARGET_INTERNAL_H

#include <stdint.h>
#include "qtr.h"

/* One device, all arrays static and read-only. NaN marks an unknown value. */
typedef struct {
    const char *name;            /* built-in name: "torino" */
    const char *backend;         /* the backend it was taken from: "ibm_torino" */
    const char *snapshot;        /* backend version and calibration date */
    uint32_t nqubits;
    const char *basis;           /* comma-separated gate names, as the backend lists them */
    uint32_t nedges;             /* directed edges, in the backend's coupling_map order */
    const uint32_t (*edges)[2];
    const double *err1q;         /* nqubits: sx gate error */
    const double *err_readout;   /* nqubits: readout error */
    const double *dur1q;         /* nqubits: sx gate length, seconds */
    const double *err2q;         /* nedges: error of the 2q basis gate on the edge */
    const double *dur2q;         /* nedges: its length, seconds */
} qtr_target_device;

/* The devices, terminated by a row whose name is NULL. */
extern const qtr_target_device qtr_target_devices[];

/* The basis every generated target (line:N, ...) starts with: IBM's
 * pre-Heron native set, with the textbook CX as the entangler. */
#define QTR_TARGET_DEFAULT_BASIS "cx,rz,sx,x"

/** If @p spec names a built-in device or is a generator spec ("line:5"),
 *  build it into *@p out and set *@p matched to 1 (the status says whether it
 *  worked: a malformed generator such as "line:x" is QTR_ETARGET). Otherwise
 *  set *@p matched to 0 and return QTR_OK: the caller then tries a file. */
qtr_status qtr_target_load_builtin(const char *spec, qtr_target **out, int *matched,
                                   qtr_ctx *ctx);

#endif
