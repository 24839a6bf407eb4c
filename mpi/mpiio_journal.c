/* mpiio_journal.c -- the MPI-IO undo journal of --writer=all
 * (mpiio_journal.h).
 *
 * Borrows: the MPI profiling interface (the MPI_File_* functions HDF5 calls
 * are defined here and pass on to PMPI_*), MPI's datatype introspection
 * (a file view's bytes are found by walking its datatype), the journal
 * format of io/h5_journal.h (rank journals).
 * Owns: the watched file handle, its view, this rank's journal.
 * How: each interposed write first computes the file ranges it covers
 * (the view's datatype, tiled from its displacement), reads the old bytes
 * of those below the size at begin through a POSIX descriptor, and appends
 * them as one record; then it writes. */
#include <config.h>

#include "mpiio_journal.h"

#if defined(QTR_HAVE_MPI) && defined(QTR_HDF5_PARALLEL)
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "h5_journal.h"
#include "killpoint.h"

typedef struct {
    uint64_t at, len;
} range;

static struct {
    MPI_File     fh;          /* the file HDF5 opened for writing; MPI_FILE_NULL */
    MPI_Offset   disp;        /* its view */
    MPI_Datatype etype, ftype;
    int          viewed;      /* a view other than bytes from 0 */
    int          active;      /* between begin and end */
    int          fd, jfd;     /* the file (reads of old bytes), the journal */
    char        *jpath;
    uint64_t     committed, epoch, seq, saves;
    int          err;
} J = {MPI_FILE_NULL, 0, MPI_BYTE, MPI_BYTE, 0, 0, -1, -1, NULL, 0, 0, 0, 0, 0};

/* ---- file ranges of a datatype ---------------------------------------------- */

typedef struct {
    range *r;
    size_t n, cap;
    int    bad;               /* a type this walk does not know */
} ranges;

static void add(ranges *rs, uint64_t at, uint64_t len)
{
    if (!len) return;
    if (rs->n && rs->r[rs->n - 1].at + rs->r[rs->n - 1].len == at) {
        rs->r[rs->n - 1].len += len;
        return;
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 16;
        range *g = realloc(rs->r, cap * sizeof *g);
        if (!g) {
            rs->bad = 1;
            return;
        }
        rs->r = g;
        rs->cap = cap;
    }
    rs->r[rs->n++] = (range){at, len};
}

static MPI_Aint extent_of(MPI_Datatype t)
{
    MPI_Aint lb, ext;
    MPI_Type_get_extent(t, &lb, &ext);
    return ext;
}

/* The bytes of one instance of @p t at displacement @p at, in typemap order. */
static void walk(MPI_Datatype t, MPI_Aint at, ranges *rs)
{
    int ni, na, nd, comb;
    if (rs->bad) return;
    MPI_Type_get_envelope(t, &ni, &na, &nd, &comb);
    if (comb == MPI_COMBINER_NAMED) {
        int size;
        MPI_Type_size(t, &size);
        add(rs, (uint64_t)at, (uint64_t)size);
        return;
    }
    int *iv = malloc(((size_t)ni + 1) * sizeof *iv);
    MPI_Aint *av = malloc(((size_t)na + 1) * sizeof *av);
    MPI_Datatype *dv = malloc(((size_t)nd + 1) * sizeof *dv);
    if (!iv || !av || !dv) {
        rs->bad = 1;
        goto done;
    }
    MPI_Type_get_contents(t, ni, na, nd, iv, av, dv);
    MPI_Aint e = nd ? extent_of(dv[0]) : 0;
    switch (comb) {
    case MPI_COMBINER_DUP:
        walk(dv[0], at, rs);
        break;
    case MPI_COMBINER_CONTIGUOUS:
        for (int k = 0; k < iv[0]; k++) walk(dv[0], at + k * e, rs);
        break;
    case MPI_COMBINER_VECTOR:
    case MPI_COMBINER_HVECTOR: {
        MPI_Aint stride = comb == MPI_COMBINER_VECTOR ? iv[2] * e : av[0];
        for (int b = 0; b < iv[0]; b++)
            for (int k = 0; k < iv[1]; k++) walk(dv[0], at + b * stride + k * e, rs);
        break;
    }
    case MPI_COMBINER_INDEXED:
    case MPI_COMBINER_HINDEXED:
        for (int b = 0; b < iv[0]; b++) {
            MPI_Aint d = comb == MPI_COMBINER_INDEXED ? iv[1 + iv[0] + b] * e : av[b];
            for (int k = 0; k < iv[1 + b]; k++) walk(dv[0], at + d + k * e, rs);
        }
        break;
    case MPI_COMBINER_INDEXED_BLOCK:
    case MPI_COMBINER_HINDEXED_BLOCK:
        for (int b = 0; b < iv[0]; b++) {
            MPI_Aint d = comb == MPI_COMBINER_INDEXED_BLOCK ? iv[2 + b] * e : av[b];
            for (int k = 0; k < iv[1]; k++) walk(dv[0], at + d + k * e, rs);
        }
        break;
    case MPI_COMBINER_STRUCT:
        for (int b = 0; b < iv[0]; b++) {
            MPI_Aint eb = extent_of(dv[b]);
            for (int k = 0; k < iv[1 + b]; k++) walk(dv[b], at + av[b] + k * eb, rs);
        }
        break;
    case MPI_COMBINER_RESIZED:
        walk(dv[0], at, rs);
        break;
    default:
        rs->bad = 1;
    }
    for (int k = 0; k < nd; k++) {
        int a, b, c, cb;
        MPI_Type_get_envelope(dv[k], &a, &b, &c, &cb);
        if (cb != MPI_COMBINER_NAMED) MPI_Type_free(&dv[k]);
    }
done:
    free(iv);
    free(av);
    free(dv);
}

/* The file ranges a write of @p bytes at @p off (etypes, in the view) covers. */
static void covered(MPI_Offset off, uint64_t bytes, ranges *rs)
{
    if (!J.viewed) {
        add(rs, (uint64_t)off, bytes);
        return;
    }
    int esize, fsize;
    MPI_Type_size(J.etype, &esize);
    MPI_Type_size(J.ftype, &fsize);
    ranges one = {0};
    walk(J.ftype, 0, &one);
    MPI_Aint fext = extent_of(J.ftype);
    /* the data stream skips off * esize bytes of the view, then covers bytes */
    uint64_t skip = (uint64_t)off * (uint64_t)esize, left = bytes;
    if (one.bad || fsize <= 0) {
        /* unknown: everything from the view's start on (never seen from HDF5) */
        add(rs, (uint64_t)J.disp, J.committed > (uint64_t)J.disp ? J.committed - (uint64_t)J.disp : 0);
        free(one.r);
        return;
    }
    uint64_t tile = skip / (uint64_t)fsize;
    skip %= (uint64_t)fsize;
    for (; left && !rs->bad; tile++) {
        uint64_t base = (uint64_t)J.disp + tile * (uint64_t)fext;
        for (size_t k = 0; k < one.n && left; k++) {
            uint64_t at = one.r[k].at, len = one.r[k].len;
            if (skip >= len) {
                skip -= len;
                continue;
            }
            at += skip;
            len -= skip;
            skip = 0;
            if (len > left) len = left;
            add(rs, base + at, len);
            left -= len;
        }
    }
    free(one.r);
}

/* ---- the journal ------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Append the old bytes of [at, at+len) ∩ [0, committed) as one record. */
static int save(uint64_t at, uint64_t len)
{
    if (at >= J.committed || !len) return 0;
    if (at + len > J.committed) len = J.committed - at;
    size_t n = sizeof(qtr_h5_rjrecord) + (size_t)len;
    char *rec = malloc(n);
    if (!rec) return -1;
    qtr_h5_rjrecord r = {at, len, J.epoch, J.seq++};
    memcpy(rec, &r, sizeof r);
    size_t got = 0;
    while (got < len) {
        ssize_t k = pread(J.fd, rec + sizeof r + got, (size_t)len - got, (off_t)(at + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            free(rec);
            return -1;
        }
        if (k == 0) {  /* past the end: nothing there to undo */
            memset(rec + sizeof r + got, 0, (size_t)len - got);
            break;
        }
        got += (size_t)k;
    }
    int rc = write_all(J.jfd, rec, n);
    free(rec);
    J.saves++;
    return rc;
}

/* The journal cannot guard this commit (a save failed: a full disk): it is
 * emptied, header included, so that recovery refuses the file rather than
 * undo part of the commit; the writes go on (a collective cannot be left
 * by one rank) and the commit fails at its end. */
static void give_up(void)
{
    if (!J.err) J.err = errno ? errno : EIO;
    if (ftruncate(J.jfd, 0)) { /* recovery refuses a journal it cannot read either */ }
}

/* Before a write of @p bytes at @p off on @p fh. */
static void guard(MPI_File fh, MPI_Offset off, uint64_t bytes)
{
    if (!J.active || fh != J.fh || J.err) return;
    qtr_killpoint("write");
    ranges rs = {0};
    covered(off, bytes, &rs);
    int rc = rs.bad ? -1 : 0;
    for (size_t k = 0; k < rs.n && !rc; k++) rc = save(rs.r[k].at, rs.r[k].len);
    free(rs.r);
    if (rc) give_up();
}

static uint64_t bytes_of(int count, MPI_Datatype t)
{
    int size;
    MPI_Type_size(t, &size);
    return (uint64_t)(count > 0 ? count : 0) * (uint64_t)(size > 0 ? size : 0);
}

int qtr_mpiio_journal_begin(const char *path, int rank)
{
    struct stat sb;
    size_t len = strlen(path);
    if (!J.jpath) {
        if (!(J.jpath = malloc(len + 32))) return -1;
        snprintf(J.jpath, len + 32, "%s.journal.%d", path, rank);
    }
    if (J.fd < 0 && (J.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return -1;
    if (J.jfd < 0 && (J.jfd = open(J.jpath, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0) return -1;
    if (fstat(J.fd, &sb) || ftruncate(J.jfd, 0) || lseek(J.jfd, 0, SEEK_SET)) return -1;
    qtr_h5_rjheader h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, QTR_H5_RANK_JOURNAL_MAGIC, sizeof h.magic);
    h.dev = (uint64_t)sb.st_dev;
    h.ino = (uint64_t)sb.st_ino;
    h.committed = (uint64_t)sb.st_size;
    if (write_all(J.jfd, &h, sizeof h)) return -1;
    J.committed = h.committed;
    J.epoch = J.seq = 0;
    J.err = 0;
    J.active = 1;
    return 0;
}

int qtr_mpiio_journal_failed(void) { return J.active ? J.err : 0; }

void qtr_mpiio_journal_end(void) { J.active = 0; }

void qtr_mpiio_journal_finish(void)
{
    J.active = 0;
    if (J.jfd >= 0) close(J.jfd);
    if (J.fd >= 0) close(J.fd);
    if (J.jpath) unlink(J.jpath);
    free(J.jpath);
    J.jpath = NULL;
    J.fd = J.jfd = -1;
}

uint64_t qtr_mpiio_journal_saves(void) { return J.saves; }

/* ---- the interposed MPI-IO calls ------------------------------------------ */

int MPI_File_open(MPI_Comm comm, const char *filename, int amode, MPI_Info info, MPI_File *fh)
{
    int rc = PMPI_File_open(comm, filename, amode, info, fh);
    if (rc == MPI_SUCCESS && (amode & (MPI_MODE_RDWR | MPI_MODE_WRONLY))) {
        J.fh = *fh;
        J.viewed = 0;
        J.disp = 0;
    }
    return rc;
}

int MPI_File_close(MPI_File *fh)
{
    if (*fh == J.fh) J.fh = MPI_FILE_NULL;
    return PMPI_File_close(fh);
}

int MPI_File_set_view(MPI_File fh, MPI_Offset disp, MPI_Datatype etype, MPI_Datatype filetype,
                      const char *datarep, MPI_Info info)
{
    int rc = PMPI_File_set_view(fh, disp, etype, filetype, datarep, info);
    if (fh == J.fh && rc == MPI_SUCCESS) {
        J.epoch++;   /* collective */
        J.disp = disp;
        J.etype = etype;
        J.ftype = filetype;
        J.viewed = disp != 0 || filetype != MPI_BYTE;
    }
    return rc;
}

int MPI_File_write_at(MPI_File fh, MPI_Offset offset, const void *buf, int count,
                      MPI_Datatype datatype, MPI_Status *status)
{
    guard(fh, offset, bytes_of(count, datatype));
    return PMPI_File_write_at(fh, offset, buf, count, datatype, status);
}

int MPI_File_write_at_all(MPI_File fh, MPI_Offset offset, const void *buf, int count,
                          MPI_Datatype datatype, MPI_Status *status)
{
    if (fh == J.fh) J.epoch++;   /* collective: its old bytes first, on every rank */
    guard(fh, offset, bytes_of(count, datatype));
    return PMPI_File_write_at_all(fh, offset, buf, count, datatype, status);
}

int MPI_File_set_size(MPI_File fh, MPI_Offset size)
{
    if (fh == J.fh) {
        J.epoch++;
        if (J.active && (uint64_t)size < J.committed && !J.err &&
            save((uint64_t)size, J.committed - (uint64_t)size))
            give_up();
    }
    return PMPI_File_set_size(fh, size);
}

int MPI_File_sync(MPI_File fh)
{
    if (fh == J.fh) J.epoch++;
    return PMPI_File_sync(fh);
}

int MPI_File_read_at_all(MPI_File fh, MPI_Offset offset, void *buf, int count,
                         MPI_Datatype datatype, MPI_Status *status)
{
    if (fh == J.fh) J.epoch++;
    return PMPI_File_read_at_all(fh, offset, buf, count, datatype, status);
}

#else  /* no parallel HDF5: nothing is written through MPI-IO */

int qtr_mpiio_journal_begin(const char *path, int rank)
{
    (void)path;
    (void)rank;
    return 0;
}
int qtr_mpiio_journal_failed(void) { return 0; }
void qtr_mpiio_journal_end(void) {}
void qtr_mpiio_journal_finish(void) {}
uint64_t qtr_mpiio_journal_saves(void) { return 0; }

#endif
