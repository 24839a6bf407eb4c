/* h5_raw.c -- the HDF5 structures qtranspile checks before HDF5 trusts them
 * (h5_raw.h): the superblock, object headers and their attribute, dataspace,
 * datatype and layout messages, and global heap collections. Layouts from
 * the HDF5 File Format Specification, version 3.0 (superblock versions 0-3,
 * object header versions 1-2, layout message versions 1-4); all fields are
 * little-endian.
 *
 * Owns: the file descriptor or image copy of a qtr_h5_raw and its cached
 * heap collection. Borrows: nothing. Every size and address read from the
 * file is checked against the structure that holds it and against the
 * file's length before it is used; work is bounded (header chunks,
 * messages and heap sizes are capped), so a hostile file costs no more
 * than a small one. No HDF5 call is made here. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "h5_raw.h"

#define MAX_HEADER_CHUNK ((uint64_t)1 << 24)   /* bytes of one object header chunk */
#define MAX_HEADER_CHUNKS 64                   /* chunks of one object header */
#define MAX_HEAP ((uint64_t)1 << 31)           /* bytes of one heap collection */
#define ALIGN8(x) (((x) + 7) & ~(uint64_t)7)

static int failf(char *why, size_t wlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *why, size_t wlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, wlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int qtr_h5_raw_undefined(const qtr_h5_raw *r, uint64_t a)
{
    return r->osize == 8 ? a == UINT64_MAX : a == ((uint64_t)1 << (8 * r->osize)) - 1;
}

int qtr_h5_raw_read(qtr_h5_raw *r, uint64_t at, void *buf, uint64_t len)
{
    if (at > r->size || len > r->size - at) return -1;
    if (r->image) {
        memcpy(buf, r->image + at, (size_t)len);
        return 0;
    }
    for (uint64_t done = 0; done < len;) {
        ssize_t k = pread(r->fd, (char *)buf + done, (size_t)(len - done), (off_t)(at + done));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        done += (uint64_t)k;
    }
    return 0;
}

/* A new buffer holding [at, at+len) of the file (relative to the base). */
static unsigned char *read_new(qtr_h5_raw *r, uint64_t addr, uint64_t len)
{
    if (addr > r->size - r->base || len > r->size - r->base - addr) return NULL;
    unsigned char *b = malloc(len ? (size_t)len : 1);
    if (b && qtr_h5_raw_read(r, r->base + addr, b, len)) {
        free(b);
        return NULL;
    }
    return b;
}

static const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static int read_superblock(qtr_h5_raw *r, char *why, size_t wlen)
{
    unsigned char sb[128];
    uint64_t at = 0;
    for (;; at = at ? 2 * at : 512) {
        if (at >= r->size || r->size - at < 48) return failf(why, wlen, "no HDF5 superblock");
        if (qtr_h5_raw_read(r, at, sb, 8)) return failf(why, wlen, "cannot read the file");
        if (!memcmp(sb, signature, 8)) break;
    }
    uint64_t have = r->size - at < sizeof sb ? r->size - at : sizeof sb;
    if (qtr_h5_raw_read(r, at, sb, have)) return failf(why, wlen, "cannot read the superblock");
    unsigned ver = sb[8], pos;
    unsigned eofat = 0, extat = 0;
    if (ver <= 1) {
        r->osize = sb[13];
        r->lsize = sb[14];
        eofat = (ver == 0 ? 24 : 28) + 2 * r->osize;
        pos = (ver == 0 ? 24 : 28) + 5 * r->osize;
    } else if (ver <= 3) {
        r->osize = sb[9];
        r->lsize = sb[10];
        extat = 12 + r->osize;
        eofat = 12 + 2 * r->osize;
        pos = 12 + 3 * r->osize;
    } else {
        return failf(why, wlen, "superblock version %u", ver);
    }
    if ((r->osize != 2 && r->osize != 4 && r->osize != 8) ||
        (r->lsize != 2 && r->lsize != 4 && r->lsize != 8))
        return failf(why, wlen, "superblock: addresses of %u bytes, lengths of %u", r->osize,
                     r->lsize);
    if (pos + r->osize > have) return failf(why, wlen, "superblock cut short");
    r->base = at;
    r->root = le(sb + pos, r->osize);
    r->eof = le(sb + eofat, r->osize);
    r->ext = extat ? le(sb + extat, r->osize) : 0;
    if (r->ext && qtr_h5_raw_undefined(r, r->ext)) r->ext = 0;
    /* versions 0-1: the root's symbol table entry may cache its group's
     * B-tree and local heap (cache type 1), which HDF5 then uses */
    if (ver <= 1 && pos + 3 * r->osize + 8 <= have && le(sb + pos + r->osize, 4) == 1) {
        r->root_btree = le(sb + pos + r->osize + 8, r->osize);
        r->root_heap = le(sb + pos + 2 * r->osize + 8, r->osize);
        if (qtr_h5_raw_undefined(r, r->root_btree)) r->root_btree = 0;
        if (qtr_h5_raw_undefined(r, r->root_heap)) r->root_heap = 0;
    }
    return 0;
}

int qtr_h5_raw_open(qtr_h5_raw *r, const char *path, const void *image, size_t len, char *why,
                    size_t wlen)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (image) {
        if (!(r->image = malloc(len ? len : 1))) return failf(why, wlen, "out of memory");
        memcpy(r->image, image, len);
        r->size = len;
    } else {
        struct stat sb;
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0 || fstat(r->fd, &sb)) return failf(why, wlen, "%s", strerror(errno));
        r->size = (uint64_t)sb.st_size;
    }
    return read_superblock(r, why, wlen);
}

void qtr_h5_raw_close(qtr_h5_raw *r)
{
    if (r->fd >= 0) close(r->fd);
    free(r->image);
    free(r->heap);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* ---- object headers ---- */

typedef struct {
    int type;
    unsigned flags;
    const unsigned char *body;
    uint64_t len;
    uint64_t at;   /* the body's address in the file (relative to the base) */
} message;

typedef int (*message_fn)(qtr_h5_raw *r, const message *m, void *ud, char *why, size_t wlen);

/* Call @p fn on every message of the object header at @p addr, following
 * continuation messages; -1 on a malformed header (or when fn says so). */
static int walk_header(qtr_h5_raw *r, uint64_t addr, message_fn fn, void *ud, char *why,
                       size_t wlen)
{
    uint64_t pending_at[MAX_HEADER_CHUNKS], pending_len[MAX_HEADER_CHUNKS];
    int npending = 0, rc = 0;
    unsigned char pre[40] = {0};
    if (qtr_h5_raw_undefined(r, addr) || addr > r->size - r->base ||
        qtr_h5_raw_read(r, r->base + addr, pre, r->size - r->base - addr < 40 ? r->size - r->base - addr : 40))
        return failf(why, wlen, "object header at %llu lies outside the file", (unsigned long long)addr);
    int v2 = !memcmp(pre, "OHDR", 4);
    unsigned hflags = 0;
    if (v2) {
        if (pre[4] != 2) return failf(why, wlen, "object header version %u", pre[4]);
        hflags = pre[5];
        unsigned pos = 6 + (hflags & 0x20 ? 16 : 0) + (hflags & 0x10 ? 4 : 0);
        unsigned n = 1u << (hflags & 3);
        pending_at[0] = addr + pos + n;
        pending_len[0] = le(pre + pos, n);
    } else {
        if (pre[0] != 1) return failf(why, wlen, "object header version %u", pre[0]);
        pending_at[0] = addr + 16;
        pending_len[0] = le(pre + 8, 4);
    }
    npending = 1;
    for (int c = 0; c < npending && !rc; c++) {
        uint64_t len = pending_len[c];
        if (len > MAX_HEADER_CHUNK)
            return failf(why, wlen, "object header chunk of %llu bytes", (unsigned long long)len);
        unsigned char *buf = read_new(r, pending_at[c], len);
        if (!buf)
            return failf(why, wlen, "object header chunk [%llu, +%llu) lies outside the file",
                         (unsigned long long)pending_at[c], (unsigned long long)len);
        uint64_t pos = 0, end = len;
        if (v2 && c > 0) {
            if (len < 8 || memcmp(buf, "OCHK", 4)) {
                free(buf);
                return failf(why, wlen, "object header continuation without its signature");
            }
            pos = 4;
            end = len - 4;  /* checksum */
        }
        unsigned mh = v2 ? 4 + (hflags & 0x04 ? 2 : 0) : 8;
        while (!rc && end - pos >= mh) {
            message m;
            const unsigned char *p = buf + pos;
            m.type = v2 ? p[0] : (int)le(p, 2);
            m.len = v2 ? le(p + 1, 2) : le(p + 2, 2);
            m.flags = v2 ? p[3] : p[4];
            m.body = p + mh;
            m.at = pending_at[c] + pos + mh;
            if (m.len > end - pos - mh) {
                rc = failf(why, wlen, "object header message of %llu bytes runs past its chunk",
                           (unsigned long long)m.len);
                break;
            }
            pos += mh + m.len;
            if (m.type == 0x10) {  /* continuation */
                if (m.len < (uint64_t)r->osize + r->lsize) {
                    rc = failf(why, wlen, "short continuation message");
                } else if (npending == MAX_HEADER_CHUNKS) {
                    rc = failf(why, wlen, "object header of more than %d chunks", MAX_HEADER_CHUNKS);
                } else {
                    pending_at[npending] = le(m.body, r->osize);
                    pending_len[npending] = le(m.body + r->osize, r->lsize);
                    npending++;
                }
                continue;
            }
            rc = fn(r, &m, ud, why, wlen);
        }
        free(buf);
    }
    return rc;
}

/* Elements of the dataspace message @p b (@p len bytes): -1 when malformed. */
static int parse_dataspace(const qtr_h5_raw *r, const unsigned char *b, uint64_t len, int *rank,
                           uint64_t *npoints, uint64_t *dim0)
{
    if (len < 4) return -1;
    unsigned ver = b[0], rk = b[1], flags = b[2];
    uint64_t pos;
    *dim0 = 0;
    if (ver == 1) {
        pos = 8;
    } else if (ver == 2) {
        pos = 4;
        if (b[3] == 2) {  /* null */
            *rank = 0;
            *npoints = 0;
            return 0;
        }
        if (b[3] == 0) rk = 0;  /* scalar */
        else if (b[3] != 1) return -1;
    } else {
        return -1;
    }
    if (rk > 32) return -1;
    uint64_t need = pos + (uint64_t)rk * r->lsize * (flags & 1 ? 2 : 1);
    if (need > len) return -1;
    uint64_t n = 1;
    for (unsigned i = 0; i < rk; i++) {
        uint64_t d = le(b + pos + (uint64_t)i * r->lsize, r->lsize);
        if (i == 0) *dim0 = d;
        if (d && n > UINT64_MAX / d) return -1;
        n *= d;
    }
    *rank = (int)rk;
    *npoints = n;
    return 0;
}

/* Bytes of the properties of a datatype of class @p cls with no base or
 * member types (those are walked by check_dtype), -1 for the others. */
static int64_t plain_properties(const unsigned char *b, unsigned cls)
{
    switch (cls) {
    case 0: case 4: return 4;     /* fixed-point, bitfield: offset, precision */
    case 1: return 12;            /* floating point */
    case 2: return 2;             /* time: precision */
    case 3: case 7: return 0;     /* string, reference */
    case 5: return b[1];          /* opaque: its tag, padded */
    }
    return -1;
}

/* Encoded length in bytes of a compound member's offset (version 3): as few
 * as hold the compound's size. */
static unsigned offset_bytes(uint64_t size)
{
    unsigned n = 1;
    while (n < 8 && (size >> (8 * n))) n++;
    return n;
}

/* Move *@p pos past the member name there (padded to 8 bytes before
 * datatype version 3). HDF5 copies names with strdup, so each must end
 * inside the @p len bytes of the message. */
static int skip_member_name(const unsigned char *b, uint64_t len, unsigned ver, uint64_t *pos)
{
    const unsigned char *nul = *pos < len ? memchr(b + *pos, 0, len - *pos) : NULL;
    if (!nul) return -1;
    uint64_t nlen = (uint64_t)(nul - (b + *pos)) + 1;
    *pos += ver < 3 ? ALIGN8(nlen) : nlen;
    return *pos > len ? -1 : 0;
}

/* An enumeration's member names, then their values, from *@p used on
 * (after its base type) within @p len bytes; *@p used moves past them. */
static int check_enum_members(const unsigned char *b, uint64_t len, unsigned ver, uint64_t *used)
{
    unsigned nmemb = b[1] | (unsigned)b[2] << 8;
    uint64_t pos = *used, base_size = le(b + 8 + 4, 4);
    for (unsigned k = 0; k < nmemb; k++)
        if (skip_member_name(b, len, ver, &pos)) return -1;
    if (base_size * nmemb > len - pos) return -1;
    *used = pos + base_size * nmemb;
    return 0;
}

/* Check the datatype encoded at @p b (at most @p len bytes) and set @p used
 * to its length. HDF5 divides by member sizes when it copies a compound type
 * and follows base types blindly, so every element size must be nonzero and
 * every member inside its compound; members and base types are the plain
 * classes (nesting compounds, enumerations, arrays or variable-length types
 * inside one another is refused: qtranspile files never do). */
static int check_dtype(const unsigned char *b, uint64_t len, int nested, uint64_t *used)
{
    if (len < 8) return -1;
    unsigned cls = b[0] & 0x0f, ver = b[0] >> 4;
    uint64_t size = le(b + 4, 4);
    if (ver < 1 || ver > 4 || cls > 10 || size == 0) return -1;
    int64_t plain = plain_properties(b, cls);
    if (plain >= 0) {
        if ((uint64_t)plain > len - 8) return -1;
        *used = 8 + (uint64_t)plain;
        return 0;
    }
    if (nested) return -1;
    uint64_t pos = 8, sub;
    if (cls == 8 || cls == 9) {   /* enumeration, variable-length: a base type first */
        if (check_dtype(b + pos, len - pos, 1, &sub)) return -1;
        *used = pos + sub;
        return cls == 8 ? check_enum_members(b, len, ver, used) : 0;
    }
    if (cls == 10) {              /* array: dimensions, then the base type */
        unsigned nd = len > 8 ? b[8] : 0;
        if (nd == 0 || nd > 32) return -1;
        pos += ver < 3 ? 4 + 8 * (uint64_t)nd : 1 + 4 * (uint64_t)nd;
        if (pos > len || check_dtype(b + pos, len - pos, 1, &sub)) return -1;
        *used = pos + sub;
        return 0;
    }
    unsigned nmemb = b[1] | (unsigned)b[2] << 8;   /* compound */
    if (nmemb == 0) return -1;
    for (unsigned k = 0; k < nmemb; k++) {
        if (skip_member_name(b, len, ver, &pos)) return -1;
        unsigned ob = ver < 3 ? 4 : offset_bytes(size);
        if (ob > len - pos) return -1;
        uint64_t off = le(b + pos, ob);
        pos += ob + (ver == 1 ? 28 : 0);   /* version 1: dimension fields */
        if (pos > len || check_dtype(b + pos, len - pos, 1, &sub)) return -1;
        if (off > size || le(b + pos + 4, 4) > size - off) return -1;
        pos += sub;
    }
    *used = pos;
    return 0;
}

/* Class and element size on disk of the datatype message @p b. */
static int parse_datatype(const qtr_h5_raw *r, const unsigned char *b, uint64_t len, int *cls,
                          int *vlen_string, uint64_t *esize)
{
    uint64_t used;
    if (check_dtype(b, len, 0, &used)) return -1;
    *cls = b[0] & 0x0f;
    *vlen_string = *cls == 9 && (b[1] & 0x0f) == 1;
    *esize = le(b + 4, 4);
    /* a variable-length element is stored as its length and a heap ID */
    if (*cls == 9) *esize = 4 + r->osize + 4;
    return *cls > 10 ? -1 : 0;
}

typedef struct {
    const unsigned char *name, *dt, *ds, *data;
    uint64_t name_len, dt_len, ds_len, data_len;
    unsigned flags;
} attr_parts;

/* Split attribute message @p m into its parts, each within the message. */
static int parse_attr(const message *m, attr_parts *a)
{
    const unsigned char *b = m->body;
    if (m->len < 8) return -1;
    unsigned ver = b[0];
    if (ver < 1 || ver > 3) return -1;
    a->flags = ver == 1 ? 0 : b[1];
    a->name_len = le(b + 2, 2);
    a->dt_len = le(b + 4, 2);
    a->ds_len = le(b + 6, 2);
    uint64_t pos = ver == 3 ? 9 : 8;
    uint64_t parts[3] = {a->name_len, a->dt_len, a->ds_len};
    const unsigned char **at[3] = {&a->name, &a->dt, &a->ds};
    for (int i = 0; i < 3; i++) {
        uint64_t step = ver == 1 ? ALIGN8(parts[i]) : parts[i];
        if (pos > m->len || parts[i] > m->len - pos) return -1;
        *at[i] = b + pos;
        pos = step > m->len - pos ? m->len : pos + step;
    }
    if (a->name_len == 0 || a->name[a->name_len - 1] != '\0') return -1;
    a->data = b + pos;
    a->data_len = m->len - pos;
    return 0;
}

/* A shared message (@p b, @p len bytes, of message type @p type) is a
 * reference, decoded by HDF5 before anything else. One kept in the file's
 * shared-message table is refused: HDF5 1.10 looks that table up without
 * checking the file has one. One kept in another object header (a committed
 * datatype) must point at a header inside the file holding a plain datatype
 * message. */
static int check_shared(qtr_h5_raw *r, const unsigned char *b, uint64_t len, int type, char *why,
                        size_t wlen);

/* An attribute message whose data HDF5 would copy from past its end. */
static int check_attr(qtr_h5_raw *r, const message *m, char *why, size_t wlen)
{
    attr_parts a;
    if (parse_attr(m, &a)) return failf(why, wlen, "malformed attribute message");
    int rank, cls, vs;
    uint64_t np, d0, es;
    if (((a.flags & 1) && check_shared(r, a.dt, a.dt_len, 0x03, why, wlen)) ||
        ((a.flags & 2) && check_shared(r, a.ds, a.ds_len, 0x01, why, wlen)))
        return -1;
    if (!(a.flags & 2) && parse_dataspace(r, a.ds, a.ds_len, &rank, &np, &d0))
        return failf(why, wlen, "attribute '%.40s': malformed dataspace", (const char *)a.name);
    if (!(a.flags & 1) && parse_datatype(r, a.dt, a.dt_len, &cls, &vs, &es))
        return failf(why, wlen, "attribute '%.40s': malformed datatype", (const char *)a.name);
    if (!(a.flags & 3) && (es && np > a.data_len / es))
        return failf(why, wlen, "attribute '%.40s': %llu elements of %llu bytes in %llu bytes",
                     (const char *)a.name, (unsigned long long)np, (unsigned long long)es,
                     (unsigned long long)a.data_len);
    return 0;
}

/* The layout message: chunk dimensions nonzero, parts within the message. */
static int parse_layout(const qtr_h5_raw *r, const message *m, qtr_h5_raw_dset *ds,
                        uint64_t body_at, char *why, size_t wlen)
{
    const unsigned char *b = m->body;
    uint64_t len = m->len, pos;
    if (len < 2) return failf(why, wlen, "short layout message");
    unsigned ver = b[0], nd = 0;
    const unsigned char *dims = NULL;
    unsigned dsize = 4;
    if (ver == 1 || ver == 2) {
        if (len < 8) return failf(why, wlen, "short layout message");
        nd = b[1];
        ds->layout = b[2];
        pos = 8 + (ds->layout ? r->osize : 0);
        if (ds->layout == 1 && pos <= len) {
            ds->data_at = le(b + 8, r->osize);
            ds->data_len = UINT64_MAX;
        }
        if (nd == 0 || nd > 33 || pos + 4ull * nd > len) return failf(why, wlen, "malformed layout");
        dims = b + pos;
        pos += 4ull * nd;
        if (ds->layout == 0) {
            if (pos + 4 > len) return failf(why, wlen, "malformed compact layout");
            ds->data_len = le(b + pos, 4);
            ds->data_at = body_at + pos + 4;
            if (ds->data_len > len - pos - 4) return failf(why, wlen, "compact data runs past its message");
        }
        if (ds->layout != 2) dims = NULL;
    } else if (ver == 3 || ver == 4) {
        ds->layout = b[1];
        if (ds->layout == 0) {
            if (len < 4) return failf(why, wlen, "malformed compact layout");
            ds->data_len = le(b + 2, 2);
            ds->data_at = body_at + 4;
            if (ds->data_len > len - 4) return failf(why, wlen, "compact data runs past its message");
        } else if (ds->layout == 1) {
            if (len < 2ull + r->osize + r->lsize) return failf(why, wlen, "malformed contiguous layout");
            ds->data_at = le(b + 2, r->osize);
            ds->data_len = le(b + 2 + r->osize, r->lsize);
        } else if (ds->layout == 2 && ver == 3) {
            if (len < 3) return failf(why, wlen, "malformed chunked layout");
            nd = b[2];
            pos = 3 + r->osize;
            if (nd == 0 || nd > 33 || pos + 4ull * nd > len) return failf(why, wlen, "malformed chunked layout");
            dims = b + pos;
        } else if (ds->layout == 2) {
            if (len < 5) return failf(why, wlen, "malformed chunked layout");
            nd = b[3];
            dsize = b[4];
            if (nd == 0 || nd > 33 || dsize < 1 || dsize > 8 || 5ull + (uint64_t)dsize * nd > len)
                return failf(why, wlen, "malformed chunked layout");
            dims = b + 5;
        } else {
            return failf(why, wlen, "layout class %d (virtual datasets are not read)", ds->layout);
        }
    } else {
        return failf(why, wlen, "layout message version %u", ver);
    }
    if (ds->layout > 2) return failf(why, wlen, "layout class %d", ds->layout);
    if (dims) {
        for (unsigned i = 0; i < nd; i++)
            if (!le(dims + (uint64_t)i * dsize, dsize))
                return failf(why, wlen, "a chunk dimension of 0");
        ds->chunk = le(dims, dsize);
        ds->chunk_rank = nd;
        ds->chunk_esize = le(dims + (uint64_t)(nd - 1) * dsize, dsize);
    }
    return 0;
}

/* The filter pipeline message: every filter's name (HDF5 takes its length
 * with strlen) terminated inside the message, its values inside it too. */
static int check_pipeline(const message *m, char *why, size_t wlen)
{
    const unsigned char *b = m->body;
    if (m->len < 2 || (b[0] != 1 && b[0] != 2)) return failf(why, wlen, "malformed filter pipeline");
    unsigned ver = b[0], n = b[1];
    uint64_t pos = ver == 1 ? 8 : 2;
    for (unsigned i = 0; i < n; i++) {
        if (pos + 2 > m->len) return failf(why, wlen, "filter pipeline cut short");
        uint64_t id = le(b + pos, 2), nlen = 0;
        pos += 2;
        int named = ver == 1 || id >= 256;
        if (named) {
            if (pos + 2 > m->len) return failf(why, wlen, "filter pipeline cut short");
            nlen = le(b + pos, 2);
            pos += 2;
        }
        if (pos + 4 > m->len) return failf(why, wlen, "filter pipeline cut short");
        uint64_t nvals = le(b + pos + 2, 2);
        pos += 4;
        if (named && nlen) {
            uint64_t step = ver == 1 ? ALIGN8(nlen) : nlen;
            if (nlen > m->len - pos || !memchr(b + pos, 0, (size_t)nlen))
                return failf(why, wlen, "a filter name runs past its message");
            pos = step > m->len - pos ? m->len : pos + step;
        }
        uint64_t vbytes = 4 * nvals + (ver == 1 && (nvals & 1) ? 4 : 0);
        if (vbytes > m->len - pos) return failf(why, wlen, "filter values run past their message");
        pos += vbytes;
    }
    return 0;
}

/* ---- local heaps (the names of a group's links) ---- */

/* The local heap at @p addr, which a group's symbol table names: its data
 * segment inside the file, and its free list a chain of blocks inside the
 * segment that ends. HDF5 1.10 follows the free list without a bound, taking
 * memory at every step, so a list that loops would take all of it. */
static int check_local_heap(qtr_h5_raw *r, uint64_t addr, char *why, size_t wlen)
{
    unsigned char h[40];
    unsigned n = 8 + 2 * r->lsize + r->osize;
    if (addr > r->size - r->base || r->size - r->base - addr < n ||
        qtr_h5_raw_read(r, r->base + addr, h, n))
        return failf(why, wlen, "a local heap at %llu lies outside the file", (unsigned long long)addr);
    if (memcmp(h, "HEAP", 4) || h[4] != 0) return failf(why, wlen, "a malformed local heap");
    uint64_t dsize = le(h + 8, r->lsize), free_at = le(h + 8 + r->lsize, r->lsize);
    uint64_t data = le(h + 8 + 2 * r->lsize, r->osize);
    if (dsize > MAX_HEAP || data > r->size - r->base || dsize > r->size - r->base - data)
        return failf(why, wlen, "a local heap's data lies outside the file");
    uint64_t none = r->lsize == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * r->lsize)) - 1;
    /* each free block holds its next offset and its size: at most this many */
    uint64_t steps = dsize / (2 * r->lsize) + 1;
    unsigned char fb[16];
    while (free_at != 1 && free_at != none) {   /* 1: HDF5's end of the list */
        if (!steps--) return failf(why, wlen, "a local heap's free list loops");
        if (free_at >= dsize || dsize - free_at < 2 * r->lsize ||
            qtr_h5_raw_read(r, r->base + data + free_at, fb, 2 * r->lsize))
            return failf(why, wlen, "a local heap's free list leaves its heap");
        uint64_t next = le(fb, r->lsize), size = le(fb + r->lsize, r->lsize);
        if (size > dsize - free_at) return failf(why, wlen, "a local heap's free block runs past it");
        if (next == 0) return failf(why, wlen, "a local heap's free list is malformed");
        free_at = next;
    }
    return 0;
}

/* ---- group B-trees (version 1, node type 0) ---- */

#define MAX_BTREE_LEVEL 16     /* a group of more links than 2K^16 is not a batch */
#define MAX_BTREE_NODES 4096   /* nodes of one group's tree checked, at most */

/* The symbol node at @p addr, a leaf's child: inside the file, signed. */
static int check_symbol_node(qtr_h5_raw *r, uint64_t addr, char *why, size_t wlen)
{
    unsigned char h[8];
    if (addr > r->size - r->base || r->size - r->base - addr < 8 ||
        qtr_h5_raw_read(r, r->base + addr, h, 8) || memcmp(h, "SNOD", 4))
        return failf(why, wlen, "a group's symbol node at %llu is not one",
                     (unsigned long long)addr);
    uint64_t entry = 2 * (uint64_t)r->osize + 24, n = le(h + 6, 2);
    if (n * entry > r->size - r->base - addr - 8)
        return failf(why, wlen, "a group's symbol node runs past the file");
    return 0;
}

/* The group B-tree node at @p addr of level @p level and its subtree: every
 * node and child inside the file with its signature. HDF5 1.10 adds a node's
 * address to its size without checking for overflow (an address near 2^64
 * made it copy from a NULL pointer in H5F__accum_read). */
static int check_group_node(qtr_h5_raw *r, uint64_t addr, int level, unsigned *budget, char *why,
                            size_t wlen)
{
    unsigned char h[8];
    uint64_t room = addr > r->size - r->base ? 0 : r->size - r->base - addr;
    if (!(*budget)--) return failf(why, wlen, "a group's B-tree has too many nodes");
    if (room < 8 + 2 * (uint64_t)r->osize || qtr_h5_raw_read(r, r->base + addr, h, 8) ||
        memcmp(h, "TREE", 4) || h[4] != 0)
        return failf(why, wlen, "a group's B-tree node at %llu is not one",
                     (unsigned long long)addr);
    if (level < 0 ? h[5] > MAX_BTREE_LEVEL : h[5] != level)
        return failf(why, wlen, "a group's B-tree node at %llu has level %u",
                     (unsigned long long)addr, h[5]);
    level = h[5];
    uint64_t n = le(h + 6, 2), step = (uint64_t)r->lsize + r->osize;
    uint64_t first = 8 + 2 * (uint64_t)r->osize;
    if (first + n * step + r->lsize > room)
        return failf(why, wlen, "a group's B-tree node at %llu runs past the file",
                     (unsigned long long)addr);
    for (uint64_t i = 0; i < n; i++) {
        unsigned char c[8];
        if (qtr_h5_raw_read(r, r->base + addr + first + i * step + r->lsize, c, r->osize))
            return failf(why, wlen, "cannot read a group's B-tree node");
        uint64_t child = le(c, r->osize);
        if (level ? check_group_node(r, child, level - 1, budget, why, wlen)
                  : check_symbol_node(r, child, why, wlen))
            return -1;
    }
    return 0;
}

static int check_group_btree(qtr_h5_raw *r, uint64_t addr, char *why, size_t wlen)
{
    unsigned budget = MAX_BTREE_NODES;
    return check_group_node(r, addr, -1, &budget, why, wlen);
}

/* The symbol table message of an old-style group: its B-tree and local heap
 * checked. */
static int check_symbol_table(qtr_h5_raw *r, const message *m, char *why, size_t wlen)
{
    if (m->len < 2 * (uint64_t)r->osize) return failf(why, wlen, "malformed symbol table message");
    if (check_group_btree(r, le(m->body, r->osize), why, wlen)) return -1;
    return check_local_heap(r, le(m->body + r->osize, r->osize), why, wlen);
}


static const char *message_name(int type)
{
    switch (type) {
    case 0x01: return "dataspace";
    case 0x03: return "datatype";
    case 0x05: return "fill value";
    case 0x0B: return "filter pipeline";
    case 0x0C: return "attribute";
    }
    return "object header";
}

static int committed_message(qtr_h5_raw *r, const message *m, void *ud, char *why, size_t wlen)
{
    int *found = ud;
    if (m->type != 0x03) return 0;
    uint64_t used;
    if ((m->flags & 2) || check_dtype(m->body, m->len, 0, &used))
        return failf(why, wlen, "a committed datatype that is shared again or malformed");
    (*found)++;
    return 0;
}

static int check_shared(qtr_h5_raw *r, const unsigned char *b, uint64_t len, int type, char *why,
                        size_t wlen)
{
    unsigned ver = len ? b[0] : 0;
    if (ver < 1 || ver > 3 || len < 2)
        return failf(why, wlen, "malformed shared %s message", message_name(type));
    if (ver >= 2 && b[1] == 1)
        return failf(why, wlen, "a %s message kept in a shared-message table "
                     "(qtranspile files never use one)", message_name(type));
    if (type != 0x03)
        return failf(why, wlen, "a shared %s message (only datatypes are shared in "
                     "qtranspile files)", message_name(type));
    uint64_t at = ver == 1 ? 8 : 2;
    if (len < at + r->osize) return failf(why, wlen, "short shared message");
    int found = 0;
    if (walk_header(r, le(b + at, r->osize), committed_message, &found, why, wlen)) return -1;
    return found == 1 ? 0 : failf(why, wlen, "a committed datatype with %d datatype messages", found);
}

static int check_message(qtr_h5_raw *r, const message *m, void *ud, char *why, size_t wlen)
{
    qtr_h5_raw_dset *ds = ud;
    uint64_t dim0;
    /* HDF5 takes the first of each; a second one is damage */
    if ((m->type == 0x01 && ds->rank >= 0) || (m->type == 0x03 && ds->dclass >= 0) ||
        (m->type == 0x08 && ds->layout >= 0))
        return failf(why, wlen, "a second message of type %d in one header", m->type);
    if ((m->flags & 2) && check_shared(r, m->body, m->len, m->type, why, wlen)) return -1;
    switch (m->type) {
    case 0x01:
        if (m->flags & 2) return 0;
        if (parse_dataspace(r, m->body, m->len, &ds->rank, &ds->npoints, &dim0))
            return failf(why, wlen, "malformed dataspace message");
        return 0;
    case 0x03:
        if (m->flags & 2) return 0;
        if (parse_datatype(r, m->body, m->len, &ds->dclass, &ds->vlen_string, &ds->esize))
            return failf(why, wlen, "malformed datatype message");
        return 0;
    case 0x08:
        return parse_layout(r, m, ds, m->at, why, wlen);
    case 0x07:  /* data in other files: never followed */
        return failf(why, wlen, "an external file list (data stored in other files)");
    case 0x0B:
        ds->filtered = 1;
        return m->flags & 2 ? 0 : check_pipeline(m, why, wlen);
    case 0x0C:
        return check_attr(r, m, why, wlen);
    case 0x11:
        return m->flags & 2 ? 0 : check_symbol_table(r, m, why, wlen);
    }
    return 0;
}

int qtr_h5_raw_check_object(qtr_h5_raw *r, uint64_t addr, qtr_h5_raw_dset *out, char *why,
                            size_t wlen)
{
    qtr_h5_raw_dset ds;
    memset(&ds, 0, sizeof ds);
    ds.rank = -1;
    ds.dclass = -1;
    ds.layout = -1;
    if (walk_header(r, addr, check_message, &ds, why, wlen)) return -1;
    if (addr == r->root && r->root_heap && check_local_heap(r, r->root_heap, why, wlen)) return -1;
    if (addr == r->root && r->root_btree && check_group_btree(r, r->root_btree, why, wlen)) return -1;
    if (ds.layout == 0 && (ds.rank < 0 || ds.dclass < 0))
        return failf(why, wlen, "a compact dataset whose dataspace or datatype is shared");
    if (ds.layout == 0 && ds.rank >= 0 && ds.dclass >= 0 && ds.esize &&
        ds.npoints > ds.data_len / ds.esize)
        return failf(why, wlen, "compact dataset of %llu elements of %llu bytes holds %llu bytes",
                     (unsigned long long)ds.npoints, (unsigned long long)ds.esize,
                     (unsigned long long)ds.data_len);
    /* HDF5 sizes a chunk's buffer by the layout's element size and copies
     * elements of the datatype's: they must agree */
    if (ds.layout == 2 && ds.rank >= 0 && ds.dclass >= 0 &&
        (ds.chunk_rank != (unsigned)ds.rank + 1 || ds.chunk_esize != ds.esize))
        return failf(why, wlen, "a chunked layout of %u dimensions and %llu-byte elements for a "
                     "dataset of rank %d and %llu-byte elements", ds.chunk_rank,
                     (unsigned long long)ds.chunk_esize, ds.rank, (unsigned long long)ds.esize);
    if (out) *out = ds;
    return 0;
}

/* ---- attributes ---- */

typedef struct {
    const char *name;
    qtr_h5_raw_value *v;
    int found;
} attr_ud;

static int resolve_string(const unsigned char *p, uint64_t len, char **out)
{
    size_t n = strnlen((const char *)p, (size_t)len);
    if (!(*out = malloc(n + 1))) return -1;
    memcpy(*out, p, n);
    (*out)[n] = '\0';
    return 0;
}

static int attr_message(qtr_h5_raw *r, const message *m, void *ud, char *why, size_t wlen)
{
    attr_ud *a = ud;
    if (m->type != 0x0C || a->found) return 0;
    attr_parts p;
    if (parse_attr(m, &p)) return failf(why, wlen, "malformed attribute message");
    if (strcmp((const char *)p.name, a->name)) return 0;
    a->found = 1;
    qtr_h5_raw_value *v = a->v;
    int rank, cls, vs;
    uint64_t np, d0, es;
    if ((p.flags & 3) || parse_dataspace(r, p.ds, p.ds_len, &rank, &np, &d0) ||
        parse_datatype(r, p.dt, p.dt_len, &cls, &vs, &es) || np != 1 || es > p.data_len)
        return 0;  /* not a scalar of a kind the format uses: absent */
    unsigned bits = p.dt[1];
    if (cls == 0 && es >= 1 && es <= 8) {
        uint64_t u = 0;
        for (unsigned i = 0; i < es; i++)
            u |= (uint64_t)p.data[(bits & 1) ? es - 1 - i : i] << (8 * i);
        if ((bits & 8) && es < 8 && (u >> (8 * es - 1)) & 1) u |= UINT64_MAX << (8 * es);
        v->i = (int64_t)u;
        v->cls = 0;
    } else if (cls == 1 && (es == 4 || es == 8) && !(bits & 0x40)) {
        unsigned char x[8];
        for (unsigned i = 0; i < es; i++) x[i] = p.data[(bits & 1) ? es - 1 - i : i];
        if (es == 8) {
            uint64_t u = le(x, 8);
            memcpy(&v->d, &u, 8);
        } else {
            uint32_t u = (uint32_t)le(x, 4);
            float f;
            memcpy(&f, &u, 4);
            v->d = f;
        }
        v->cls = 1;
    } else if (cls == 3) {
        if (resolve_string(p.data, es, &v->str)) return failf(why, wlen, "out of memory");
        v->cls = 3;
    } else if (cls == 9 && vs) {
        if (qtr_h5_raw_vlen(r, p.data, &v->str, why, wlen)) return -1;
        v->cls = 3;
    }
    return 0;
}

int qtr_h5_raw_attr(qtr_h5_raw *r, uint64_t addr, const char *name, qtr_h5_raw_value *v,
                    char *why, size_t wlen)
{
    memset(v, 0, sizeof *v);
    v->cls = -1;
    attr_ud a = {name, v, 0};
    if (walk_header(r, addr, attr_message, &a, why, wlen)) {
        free(v->str);
        v->str = NULL;
        v->cls = -1;
        return -1;
    }
    return 0;
}

/* ---- attributes holding a list of strings ---- */

typedef struct {
    const char *name;
    size_t n;
    char **v;
    int found;
} strings_ud;

static int strings_message(qtr_h5_raw *r, const message *m, void *ud, char *why, size_t wlen)
{
    strings_ud *a = ud;
    if (m->type != 0x0C || a->found) return 0;
    attr_parts p;
    if (parse_attr(m, &p)) return failf(why, wlen, "malformed attribute message");
    if (strcmp((const char *)p.name, a->name)) return 0;
    a->found = 1;
    int rank, cls, vs;
    uint64_t np, d0, es;
    if ((p.flags & 3) || parse_dataspace(r, p.ds, p.ds_len, &rank, &np, &d0) ||
        parse_datatype(r, p.dt, p.dt_len, &cls, &vs, &es) || rank > 1 || !(cls == 3 || vs))
        return failf(why, wlen, "attribute '%s' is not a list of strings", a->name);
    /* its elements lie inside the message (so np is bounded by its 64 KiB) */
    if (!es || np > p.data_len / es)
        return failf(why, wlen, "attribute '%s': %llu elements of %llu bytes in %llu bytes",
                     a->name, (unsigned long long)np, (unsigned long long)es,
                     (unsigned long long)p.data_len);
    if (!(a->v = calloc((size_t)np + 1, sizeof *a->v))) return failf(why, wlen, "out of memory");
    for (uint64_t i = 0; i < np; i++, a->n++) {
        const unsigned char *e = p.data + i * es;
        if (cls == 3 && resolve_string(e, es, &a->v[i])) return failf(why, wlen, "out of memory");
        if (cls != 3 && qtr_h5_raw_vlen(r, e, &a->v[i], why, wlen)) return -1;
    }
    return 0;
}

int qtr_h5_raw_attr_strings(qtr_h5_raw *r, uint64_t addr, const char *name, size_t *n,
                            char ***out, char *why, size_t wlen)
{
    strings_ud a = {name, 0, NULL, 0};
    int rc = walk_header(r, addr, strings_message, &a, why, wlen);
    if (!rc && !a.found) rc = failf(why, wlen, "no attribute '%s'", name);
    if (rc) {
        for (size_t i = 0; i < a.n; i++) free(a.v[i]);
        free(a.v);
        return -1;
    }
    *n = a.n;
    *out = a.v;
    return 0;
}

/* ---- the global heap ---- */

/* Load the collection at @p addr into the cache. */
static int load_collection(qtr_h5_raw *r, uint64_t addr, char *why, size_t wlen)
{
    if (r->heap && r->heap_addr == addr) return 0;
    unsigned char h[16];
    uint64_t hl = 8 + r->lsize;
    if (addr > r->size - r->base || qtr_h5_raw_read(r, r->base + addr, h, hl) ||
        memcmp(h, "GCOL", 4) || h[4] != 1)
        return failf(why, wlen, "a string's heap collection at %llu is not one",
                     (unsigned long long)addr);
    uint64_t size = le(h + 8, r->lsize);
    if (size < hl || size > MAX_HEAP || size > r->size - r->base - addr)
        return failf(why, wlen, "a string's heap collection of %llu bytes at %llu runs past the file",
                     (unsigned long long)size, (unsigned long long)addr);
    free(r->heap);
    r->heap = read_new(r, addr, size);
    if (!r->heap) return failf(why, wlen, "cannot read a heap collection of %llu bytes",
                               (unsigned long long)size);
    r->heap_addr = addr;
    r->heap_len = size;
    return 0;
}

int qtr_h5_raw_vlen(qtr_h5_raw *r, const unsigned char *elem, char **out, char *why, size_t wlen)
{
    uint64_t len = le(elem, 4), addr = le(elem + 4, r->osize), idx = le(elem + 4 + r->osize, 4);
    *out = NULL;
    if (len == 0 || addr == 0 || qtr_h5_raw_undefined(r, addr)) {
        if (!(*out = calloc(1, 1))) return failf(why, wlen, "out of memory");
        return 0;
    }
    if (load_collection(r, addr, why, wlen)) return -1;
    uint64_t pos = 8 + r->lsize, oh = 8 + r->lsize;
    while (r->heap_len - pos >= oh) {
        const unsigned char *o = r->heap + pos;
        uint64_t id = le(o, 2), size = le(o + 8, r->lsize);
        if (id == 0) break;  /* free space: the end of the objects */
        if (size > r->heap_len - pos - oh) break;
        if (id == idx) {
            if (len > size)
                return failf(why, wlen, "a string of %llu bytes in a heap object of %llu",
                             (unsigned long long)len, (unsigned long long)size);
            if (resolve_string(o + oh, len, out)) return failf(why, wlen, "out of memory");
            return 0;
        }
        uint64_t step = oh + ALIGN8(size);
        if (step > r->heap_len - pos) break;
        pos += step;
    }
    return failf(why, wlen, "a string's heap object %llu is not in its collection at %llu",
                 (unsigned long long)idx, (unsigned long long)addr);
}
