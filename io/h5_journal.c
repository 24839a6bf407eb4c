/* h5_journal.c -- the undo-journal file driver (h5_journal.h).
 *
 * Borrows: HDF5's virtual file layer (H5FD_class_t, public in 1.10), which
 * calls these functions for every byte HDF5 reads or writes.
 * Owns: the data file's descriptor (one per open file), the journal's
 * descriptor and path, the driver's registration (one per qtr_h5_journal,
 * so the library keeps no global state).
 * How: write() saves, for the part of each write below the size the file
 * had at the last commit point, the bytes it is about to replace, then
 * writes; commit empties the journal; recover undoes what a journal holds. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "h5_journal.h"

static const char MAGIC[8] = {'Q', 'T', 'R', 'J', 'R', 'N', 'L', '1'};
/* A commit under way with no undo data (parallel HDF5: qtr_h5_journal_mark) */
static const char MARK_MAGIC[8] = {'Q', 'T', 'R', 'J', 'M', 'A', 'R', 'K'};
/* A commit under way whose ranks keep rank journals: the header, then the
 * number of ranks (uint64) */
static const char MARK2_MAGIC[8] = {'Q', 'T', 'R', 'J', 'M', 'R', 'K', '2'};

typedef struct {
    char     magic[8];
    uint64_t dev, ino, committed;
} jheader;

typedef struct {
    uint64_t offset, length;
} jrecord;

struct qtr_h5_journal {
    hid_t         driver;
    H5FD_class_t  cls;
    int           fd;          /* the data file (set by the driver's open) */
    int           jfd;         /* the journal, opened at the first save; -1 */
    char         *jpath;       /* NULL: not protecting yet */
    uint64_t      committed;   /* file size at the last commit point */
    uint64_t      dev, ino;
    int           jempty;      /* nothing saved since the last commit */
    /* Writes below the commit point, held until the journal records that
     * guard them are on the disk (drain: one journal sync per flush, not
     * one per write); reads see them. In arrival order. */
    jrecord      *held;        size_t nheld, capheld;
    char         *hbuf;        size_t nhbuf, caphbuf;
    int           err;         /* errno of the first failed call, or 0 */
    /* A write failed (a full disk): the file is abandoned at its last
     * commit point. Later writes are dropped rather than attempted, so
     * HDF5 can still close the file (HDF5 1.10.8 crashes at exit on a file
     * whose close failed after a failed flush); the journal is kept for
     * qtr_h5_journal_recover. */
    int           dead;
    void        (*on_write)(void *);
    void         *on_write_ud;
};

/* The open file, as HDF5 sees it: its public part first. */
typedef struct {
    H5FD_t          pub;
    qtr_h5_journal *j;
    int             fd;
    haddr_t         eoa, eof;
    dev_t           dev;
    ino_t           ino;
} jfile;

typedef struct {
    qtr_h5_journal *j;
} jinfo;

/* ---- plain I/O ------------------------------------------------------------ */

static int pwrite_all(int fd, const void *buf, size_t len, off_t at)
{
    const char *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
        at += n;
    }
    return 0;
}

static int pread_all(int fd, void *buf, size_t len, off_t at)
{
    char *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) {  /* past the end: reads as zeros, as in sec2 */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        len -= (size_t)n;
        at += n;
    }
    return 0;
}

/* PATH.journal, malloc'ed (NULL when out of memory). */
static char *journal_path(const char *path)
{
    size_t len = strlen(path);
    char *jp = malloc(len + sizeof ".journal");
    if (jp) {
        memcpy(jp, path, len);
        memcpy(jp + len, ".journal", sizeof ".journal");
    }
    return jp;
}

/* ---- the journal ------------------------------------------------------------ */

/* Append the current bytes of [at, at+len) of the data file to the journal,
 * the header first if the journal is empty. One write per record, so a
 * record is either whole or recognisably cut short. */
static int save(qtr_h5_journal *j, uint64_t at, uint64_t len)
{
    if (j->jfd < 0) {
        j->jfd = open(j->jpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (j->jfd < 0) return -1;
    }
    if (j->jempty) {
        jheader h;
        memset(&h, 0, sizeof h);
        memcpy(h.magic, MAGIC, sizeof MAGIC);
        h.dev = j->dev;
        h.ino = j->ino;
        h.committed = j->committed;
        if (ftruncate(j->jfd, 0) || pwrite_all(j->jfd, &h, sizeof h, 0)) return -1;
        j->jempty = 0;
    }
    size_t n = sizeof(jrecord) + (size_t)len;
    char *rec = malloc(n);
    if (!rec) return -1;
    jrecord r = {at, len};
    memcpy(rec, &r, sizeof r);
    int rc = pread_all(j->fd, rec + sizeof r, (size_t)len, (off_t)at);
    off_t end = rc ? 0 : lseek(j->jfd, 0, SEEK_END);
    if (!rc && (end < 0 || pwrite_all(j->jfd, rec, n, end))) rc = -1;
    free(rec);
    return rc;
}

/* Save what a write or cut of [at, at+len) would change below the commit
 * point. */
static int guard(qtr_h5_journal *j, uint64_t at, uint64_t len)
{
    if (!j || !j->jpath || at >= j->committed) return 0;
    uint64_t end = at + len < j->committed ? at + len : j->committed;
    return save(j, at, end - at);
}

/* Keep a write of [at, at+len) below the commit point until drain(). */
static int hold(qtr_h5_journal *j, uint64_t at, const void *buf, size_t len)
{
    if (j->nheld == j->capheld) {
        size_t cap = j->capheld ? 2 * j->capheld : 16;
        jrecord *h = realloc(j->held, cap * sizeof *h);
        if (!h) return -1;
        j->held = h;
        j->capheld = cap;
    }
    if (j->nhbuf + len > j->caphbuf) {
        size_t cap = j->caphbuf ? j->caphbuf : 4096;
        while (cap < j->nhbuf + len) cap *= 2;
        char *b = realloc(j->hbuf, cap);
        if (!b) return -1;
        j->hbuf = b;
        j->caphbuf = cap;
    }
    memcpy(j->hbuf + j->nhbuf, buf, len);
    j->held[j->nheld++] = (jrecord){at, len};
    j->nhbuf += len;
    return 0;
}

/* The held writes' bytes over [at, at+len) of @p buf, read from the file. */
static void overlay(const qtr_h5_journal *j, uint64_t at, size_t len, char *buf)
{
    size_t off = 0;
    for (size_t k = 0; k < j->nheld; off += j->held[k].length, k++) {
        uint64_t a = j->held[k].offset, b = a + j->held[k].length;
        uint64_t lo = a > at ? a : at, hi = b < at + len ? b : at + len;
        if (lo < hi) memcpy(buf + (lo - at), j->hbuf + off + (lo - a), (size_t)(hi - lo));
    }
}

/* The journal's records on the disk, then the writes they guard into the
 * file: a power loss never finds an overwrite whose old bytes are lost. */
static int drain(qtr_h5_journal *j)
{
    if (!j->nheld) return 0;
    if (j->jfd >= 0 && fdatasync(j->jfd)) return -1;
    size_t off = 0;
    for (size_t k = 0; k < j->nheld; off += j->held[k].length, k++)
        if (pwrite_all(j->fd, j->hbuf + off, (size_t)j->held[k].length, (off_t)j->held[k].offset))
            return -1;
    j->nheld = j->nhbuf = 0;
    return 0;
}

int qtr_h5_journal_sync(qtr_h5_journal *j)
{
    if (!j || j->fd < 0) return 0;
    if (!j->dead && drain(j) && !j->err) {
        j->err = errno ? errno : EIO;
        j->dead = 1;
    }
    if (j->dead) {
        errno = j->err;
        return -1;
    }
    return fdatasync(j->fd);
}

int qtr_h5_journal_commit(qtr_h5_journal *j)
{
    if (!j || !j->jpath) return 0;
    if (j->dead) {
        errno = j->err;
        return -1;
    }
    struct stat sb;
    if (fstat(j->fd, &sb)) return -1;
    /* emptied first: a kill before the new size is known leaves an empty
     * journal, and the file as this flush left it */
    if (!j->jempty && ftruncate(j->jfd, 0)) return -1;
    j->jempty = 1;
    j->committed = (uint64_t)sb.st_size;
    return 0;
}

int qtr_h5_journal_start(qtr_h5_journal *j, const char *path)
{
    char *jp = journal_path(path);
    if (!jp) return -1;
    struct stat sb;
    if (j->fd < 0 || fstat(j->fd, &sb)) {
        free(jp);
        return -1;
    }
    free(j->jpath);
    j->jpath = jp;
    j->dev = (uint64_t)sb.st_dev;
    j->ino = (uint64_t)sb.st_ino;
    j->committed = (uint64_t)sb.st_size;
    j->jempty = 1;
    /* a journal of an older file of this name would undo the wrong file */
    if (unlink(jp) && errno != ENOENT) return -1;
    return 0;
}

int qtr_h5_journal_errno(const qtr_h5_journal *j) { return j->err; }

void qtr_h5_journal_on_write(qtr_h5_journal *j, void (*fn)(void *), void *ud)
{
    j->on_write = fn;
    j->on_write_ud = ud;
}

/* ---- recovery ------------------------------------------------------------- */

/* PATH.journal.RANK, malloc'ed. */
static char *rank_journal_path(const char *path, uint64_t rank)
{
    size_t len = strlen(path) + 48;
    char *p = malloc(len);
    if (p) snprintf(p, len, "%s.journal.%llu", path, (unsigned long long)rank);
    return p;
}

/* Remove the rank journals PATH.journal.0, .1, ... (up to the first absent). */
static void remove_rank_journals(const char *path)
{
    for (uint64_t r = 0;; r++) {
        char *p = rank_journal_path(path, r);
        int gone = !p || (unlink(p) && errno == ENOENT);
        free(p);
        if (gone) break;
    }
}

typedef struct {
    qtr_h5_rjrecord r;
    const char     *old;      /* its bytes, in the journal's buffer */
} rjentry;

/* Newest first: higher epoch, then later on its rank (writes of one epoch
 * by different ranks do not overlap). */
static int newest_first(const void *a, const void *b)
{
    const qtr_h5_rjrecord *x = &((const rjentry *)a)->r, *y = &((const rjentry *)b)->r;
    if (x->epoch != y->epoch) return x->epoch > y->epoch ? -1 : 1;
    return x->seq > y->seq ? -1 : x->seq < y->seq;
}

/* Undo a --writer=all commit cut short: the records of its @p nranks rank
 * journals, newest epoch first, then the file cut to @p committed and
 * synced. A rank journal missing, of another file or given up (its disk
 * full) makes the file unrecoverable: refused with a message. */
static qtr_status rank_recover(const char *path, const char *jp, int fd, const struct stat *fs,
                               uint64_t committed, uint64_t nranks, int *rolled_back,
                               qtr_ctx *ctx)
{
    qtr_status st = QTR_OK;
    char **bufs = calloc(nranks ? nranks : 1, sizeof *bufs);
    rjentry *e = NULL;
    size_t ne = 0, cap = 0;
    if (!bufs) return qtr_fail(ctx, QTR_ENOMEM, "%s", path);
    for (uint64_t rank = 0; rank < nranks && !st; rank++) {
        char *rp = rank_journal_path(path, rank);
        int rfd = rp ? open(rp, O_RDONLY | O_CLOEXEC) : -1;
        struct stat rs;
        qtr_h5_rjheader h;
        if (rfd < 0 || fstat(rfd, &rs) || (size_t)rs.st_size < sizeof h ||
            pread_all(rfd, &h, sizeof h, 0) ||
            memcmp(h.magic, QTR_H5_RANK_JOURNAL_MAGIC, sizeof h.magic) ||
            h.dev != (uint64_t)fs->st_dev || h.ino != (uint64_t)fs->st_ino ||
            h.committed != committed || !(bufs[rank] = malloc((size_t)rs.st_size)) ||
            pread_all(rfd, bufs[rank], (size_t)rs.st_size, 0)) {
            st = qtr_fail(ctx, QTR_EPARSE,
                          "%s: a run with --writer=all was killed while committing a round, and "
                          "rank %llu's undo journal %s is missing or incomplete (a full disk?), "
                          "so this file may be torn and cannot be resumed. Remove it and %s and "
                          "run again", path, (unsigned long long)rank, rp ? rp : "", jp);
        }
        for (size_t p = sizeof h; !st && p + sizeof(qtr_h5_rjrecord) <= (size_t)rs.st_size;) {
            qtr_h5_rjrecord r;
            memcpy(&r, bufs[rank] + p, sizeof r);
            if (r.length > (size_t)rs.st_size - p - sizeof r) break;  /* cut short */
            if (ne == cap) {
                cap = cap ? 2 * cap : 64;
                rjentry *g = realloc(e, cap * sizeof *e);
                if (!g) {
                    st = qtr_fail(ctx, QTR_ENOMEM, "%s: journal records", path);
                    break;
                }
                e = g;
            }
            e[ne++] = (rjentry){r, bufs[rank] + p + sizeof r};
            p += sizeof r + (size_t)r.length;
        }
        if (rfd >= 0) close(rfd);
        free(rp);
    }
    if (!st) {
        if (ne) qsort(e, ne, sizeof *e, newest_first);   /* e is NULL when no record */
        int bad = 0;
        for (size_t k = 0; k < ne && !bad; k++)
            bad = pwrite_all(fd, e[k].old, (size_t)e[k].r.length, (off_t)e[k].r.offset);
        if (bad || ftruncate(fd, (off_t)committed) || fdatasync(fd))
            st = qtr_fail(ctx, QTR_EIO, "%s: rolling back an interrupted commit failed: %s", path,
                          strerror(errno));
        else
            *rolled_back = 1;
    }
    for (uint64_t rank = 0; rank < nranks; rank++) free(bufs[rank]);
    free(bufs);
    free(e);
    return st;
}

qtr_status qtr_h5_journal_recover(const char *path, int *rolled_back, qtr_ctx *ctx)
{
    *rolled_back = 0;
    char *jp = journal_path(path);
    if (!jp) return qtr_fail(ctx, QTR_ENOMEM, "%s", path);
    qtr_status st = QTR_OK;
    int jfd = open(jp, O_RDONLY | O_CLOEXEC), fd = -1;
    char *buf = NULL;
    if (jfd < 0) {
        if (errno != ENOENT) st = qtr_fail(ctx, QTR_EIO, "%s: cannot open: %s", jp, strerror(errno));
        else remove_rank_journals(path);   /* left by a kill between commits */
        goto done;
    }
    struct stat js, fs;
    jheader h;
    if (fstat(jfd, &js)) {
        st = qtr_fail(ctx, QTR_EIO, "%s: %s", jp, strerror(errno));
        goto done;
    }
    fd = open(path, O_RDWR | O_CLOEXEC);
    /* a commit with no undo data was cut short: the file may be torn */
    if ((size_t)js.st_size >= sizeof h && fd >= 0 && !fstat(fd, &fs) &&
        !pread_all(jfd, &h, sizeof h, 0) && !memcmp(h.magic, MARK_MAGIC, sizeof MARK_MAGIC) &&
        h.dev == (uint64_t)fs.st_dev && h.ino == (uint64_t)fs.st_ino) {
        st = qtr_fail(ctx, QTR_EPARSE,
                      "%s: a run with --writer=all was killed while committing a round; parallel "
                      "HDF5 keeps no undo journal, so this file may be torn and cannot be "
                      "resumed. Remove it and %s and run again (the default writer journals its "
                      "commits: a run killed at any point resumes)", path, jp);
        goto done;
    }
    /* a commit of --writer=all cut short: its ranks' journals undo it */
    uint64_t nranks = 0;
    if ((size_t)js.st_size >= sizeof h + sizeof nranks && fd >= 0 && !fstat(fd, &fs) &&
        !pread_all(jfd, &h, sizeof h, 0) && !memcmp(h.magic, MARK2_MAGIC, sizeof MARK2_MAGIC) &&
        h.dev == (uint64_t)fs.st_dev && h.ino == (uint64_t)fs.st_ino &&
        !pread_all(jfd, &nranks, sizeof nranks, sizeof h) && nranks > 0 && nranks < (1u << 24)) {
        if (flock(fd, LOCK_EX | LOCK_NB)) {
            st = qtr_fail(ctx, QTR_EIO, "%s: another process holds this file; wait for it to "
                                        "end, then run the command again", path);
            goto done;
        }
        if ((st = rank_recover(path, jp, fd, &fs, h.committed, nranks, rolled_back, ctx)))
            goto done;
        goto drop;
    }
    /* no record (killed before the first one was whole), no file, or the
     * journal of another file that had this name: nothing to undo */
    if ((size_t)js.st_size < sizeof h + sizeof(jrecord) || fd < 0 || fstat(fd, &fs) ||
        pread_all(jfd, &h, sizeof h, 0) || memcmp(h.magic, MAGIC, sizeof MAGIC) ||
        h.dev != (uint64_t)fs.st_dev || h.ino != (uint64_t)fs.st_ino)
        goto drop;
    /* the file is not ours to fix while another process has it open */
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        st = qtr_fail(ctx, QTR_EIO, "%s: another process holds this file; wait for it to end, "
                                    "then run the command again", path);
        goto done;
    }
    buf = malloc((size_t)js.st_size);
    if (!buf || pread_all(jfd, buf, (size_t)js.st_size, 0)) {
        st = qtr_fail(ctx, QTR_EIO, "%s: cannot read the journal", jp);
        goto done;
    }
    /* find the whole records, then undo them newest first */
    size_t nrec = 0, cap = 64, *at = malloc(cap * sizeof *at);
    for (size_t p = sizeof h; at && p + sizeof(jrecord) <= (size_t)js.st_size;) {
        jrecord r;
        memcpy(&r, buf + p, sizeof r);
        if (r.length > (size_t)js.st_size - p - sizeof r) break;  /* cut short */
        if (nrec == cap) {
            size_t *g = realloc(at, 2 * cap * sizeof *at);
            if (!g) break;
            at = g;
            cap *= 2;
        }
        at[nrec++] = p;
        p += sizeof r + (size_t)r.length;
    }
    if (!at) {
        st = qtr_fail(ctx, QTR_ENOMEM, "%s: journal records", jp);
        goto done;
    }
    int bad = 0;
    for (size_t i = nrec; i-- > 0 && !bad;) {
        jrecord r;
        memcpy(&r, buf + at[i], sizeof r);
        bad = pwrite_all(fd, buf + at[i] + sizeof r, (size_t)r.length, (off_t)r.offset);
    }
    free(at);
    if (bad || ftruncate(fd, (off_t)h.committed) || fdatasync(fd)) {
        st = qtr_fail(ctx, QTR_EIO, "%s: rolling back an interrupted commit failed: %s", path,
                      strerror(errno));
        goto done;
    }
    *rolled_back = nrec > 0;
drop:
    remove_rank_journals(path);
    if (unlink(jp) && errno != ENOENT)
        st = qtr_fail(ctx, QTR_EIO, "%s: cannot remove: %s", jp, strerror(errno));
done:
    free(buf);
    free(jp);
    if (fd >= 0) close(fd);
    if (jfd >= 0) close(jfd);
    return st;
}

int qtr_h5_journal_pending(const char *path)
{
    char *jp = journal_path(path);
    if (!jp) return 0;
    struct stat sb;
    jheader h;
    int pending = 0, jfd = open(jp, O_RDONLY | O_CLOEXEC);
    if (jfd >= 0 && !fstat(jfd, &sb))
        pending = (size_t)sb.st_size > sizeof(jheader) + sizeof(jrecord) ||
                  ((size_t)sb.st_size >= sizeof h && !pread_all(jfd, &h, sizeof h, 0) &&
                   (!memcmp(h.magic, MARK_MAGIC, sizeof MARK_MAGIC) ||
                    !memcmp(h.magic, MARK2_MAGIC, sizeof MARK2_MAGIC)));
    if (jfd >= 0) close(jfd);
    free(jp);
    return pending;
}

int qtr_h5_journal_mark(const char *path, int on, int nranks)
{
    char *jp = journal_path(path);
    if (!jp) return -1;
    int rc = 0;
    if (!on) {
        rc = unlink(jp) && errno != ENOENT ? -1 : 0;
    } else {
        struct stat fs;
        jheader h;
        memset(&h, 0, sizeof h);
        memcpy(h.magic, MARK2_MAGIC, sizeof MARK2_MAGIC);
        uint64_t n = (uint64_t)nranks;
        int fd = -1;
        rc = stat(path, &fs) ? -1 : 0;
        if (!rc) {
            h.dev = (uint64_t)fs.st_dev;
            h.ino = (uint64_t)fs.st_ino;
            h.committed = (uint64_t)fs.st_size;
            fd = open(jp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            rc = fd < 0 || pwrite_all(fd, &h, sizeof h, 0) || pwrite_all(fd, &n, sizeof n, sizeof h)
                     ? -1
                     : 0;
        }
        if (fd >= 0 && close(fd)) rc = -1;
    }
    free(jp);
    return rc;
}

/* ---- the driver ----------------------------------------------------------- */

/* The first failed write: remember why, abandon the file (j->dead). Only
 * a protected file is abandoned; before that, failures are HDF5's. */
static herr_t fail(qtr_h5_journal *j)
{
    if (!j->err) j->err = errno ? errno : EIO;
    if (j->jpath) j->dead = 1;
    return -1;
}

static H5FD_t *d_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    const jinfo *info = H5Pget_driver_info(fapl);
    if (!info || !name || !maxaddr || maxaddr == HADDR_UNDEF) return NULL;
    int o = O_CLOEXEC | (flags & H5F_ACC_RDWR ? O_RDWR : O_RDONLY);
    if (flags & H5F_ACC_TRUNC) o |= O_TRUNC;
    if (flags & H5F_ACC_CREAT) o |= O_CREAT;
    if (flags & H5F_ACC_EXCL) o |= O_EXCL;
    int fd = open(name, o, 0666);
    struct stat sb;
    if (fd < 0) return NULL;
    jfile *f = calloc(1, sizeof *f);
    if (!f || fstat(fd, &sb)) {
        free(f);
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->j = info->j;
    f->eof = (haddr_t)sb.st_size;
    f->dev = sb.st_dev;
    f->ino = sb.st_ino;
    f->j->fd = fd;
    return &f->pub;
}

static herr_t d_close(H5FD_t *file)
{
    jfile *f = (jfile *)file;
    /* the close's own flush on the disk before the journal is removed */
    int rc = f->j->jpath && !f->j->dead && qtr_h5_journal_sync(f->j) ? -1 : 0;
    if (close(f->fd)) rc = -1;
    if (f->j->fd == f->fd) f->j->fd = -1;
    free(f);
    return rc ? -1 : 0;
}

static int d_cmp(const H5FD_t *a, const H5FD_t *b)
{
    const jfile *x = (const jfile *)a, *y = (const jfile *)b;
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    return 0;
}

static herr_t d_query(const H5FD_t *f, unsigned long *flags)
{
    (void)f;
    *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE |
             H5FD_FEAT_AGGREGATE_SMALLDATA | H5FD_FEAT_POSIX_COMPAT_HANDLE |
             H5FD_FEAT_DEFAULT_VFD_COMPATIBLE;
    return 0;
}

static haddr_t d_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const jfile *)file)->eoa;
}

static herr_t d_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
    (void)type;
    ((jfile *)file)->eoa = addr;
    return 0;
}

static haddr_t d_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const jfile *)file)->eof;
}

static herr_t d_get_handle(H5FD_t *file, hid_t fapl, void **handle)
{
    (void)fapl;
    *handle = &((jfile *)file)->fd;
    return 0;
}

static herr_t d_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size,
                     void *buf)
{
    (void)type;
    (void)dxpl;
    jfile *f = (jfile *)file;
    if (addr == HADDR_UNDEF || addr + size > f->eoa) return -1;
    if (pread_all(f->fd, buf, size, (off_t)addr)) return -1;
    overlay(f->j, addr, size, buf);
    return 0;
}

static herr_t d_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size,
                      const void *buf)
{
    (void)type;
    (void)dxpl;
    jfile *f = (jfile *)file;
    if (addr == HADDR_UNDEF || addr + size > f->eoa) return -1;
    if (f->j->dead) return 0;
    qtr_h5_journal *j = f->j;
    if (j->jpath && j->on_write) j->on_write(j->on_write_ud);
    /* the part below the commit point: its old bytes saved, the write held
     * until drain(); the part beyond goes to the file now */
    size_t below = j->jpath && addr < j->committed
                       ? (size_t)((addr + size < j->committed ? addr + size : j->committed) - addr)
                       : 0;
    if (below && (guard(j, addr, below) || hold(j, addr, buf, below))) return fail(j);
    if (size > below &&
        pwrite_all(f->fd, (const char *)buf + below, size - below, (off_t)(addr + below)))
        return fail(j);
    if (addr + size > f->eof) f->eof = addr + size;
    return 0;
}

static herr_t d_truncate(H5FD_t *file, hid_t dxpl, hbool_t closing)
{
    (void)dxpl;
    (void)closing;
    jfile *f = (jfile *)file;
    if (f->eoa == f->eof || f->j->dead) return 0;
    if (drain(f->j)) return fail(f->j);
    if ((f->eoa < f->eof && guard(f->j, f->eoa, f->eof - f->eoa)) || ftruncate(f->fd, (off_t)f->eoa))
        return fail(f->j);
    f->eof = f->eoa;
    return 0;
}

static herr_t d_lock(H5FD_t *file, hbool_t rw)
{
    jfile *f = (jfile *)file;
    if (flock(f->fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return 0;
    return errno == ENOSYS ? 0 : -1;  /* file systems without locks: as sec2 */
}

static herr_t d_unlock(H5FD_t *file)
{
    jfile *f = (jfile *)file;
    if (flock(f->fd, LOCK_UN) == 0) return 0;
    return errno == ENOSYS ? 0 : -1;
}

qtr_h5_journal *qtr_h5_journal_new(void)
{
    qtr_h5_journal *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->fd = j->jfd = -1;
    j->jempty = 1;
    H5FD_class_t c = {
        .name = "qtr_journal",
        .maxaddr = (haddr_t)INT64_MAX,
        .fc_degree = H5F_CLOSE_WEAK,
        .fapl_size = sizeof(jinfo),
        .open = d_open,
        .close = d_close,
        .cmp = d_cmp,
        .query = d_query,
        .get_eoa = d_get_eoa,
        .set_eoa = d_set_eoa,
        .get_eof = d_get_eof,
        .get_handle = d_get_handle,
        .read = d_read,
        .write = d_write,
        .truncate = d_truncate,
        .lock = d_lock,
        .unlock = d_unlock,
        .fl_map = H5FD_FLMAP_DICHOTOMY,
    };
    j->cls = c;
    j->driver = H5FDregister(&j->cls);
    if (j->driver < 0) {
        free(j);
        return NULL;
    }
    return j;
}

int qtr_h5_journal_use(qtr_h5_journal *j, hid_t fapl)
{
    jinfo info = {j};
    return H5Pset_driver(fapl, j->driver, &info) < 0 ? -1 : 0;
}

void qtr_h5_journal_free(qtr_h5_journal *j, int clean)
{
    if (!j) return;
    if (j->jfd >= 0) close(j->jfd);
    if (j->jpath && !j->dead && (clean || j->jempty)) unlink(j->jpath);
    H5FDunregister(j->driver);
    free(j->jpath);
    free(j->held);
    free(j->hbuf);
    free(j);
}
