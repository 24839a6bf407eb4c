/* h5_raw.h -- reading the few HDF5 structures HDF5 1.10 would trust blindly,
 * from the file's bytes, with every size and address checked: object
 * headers (their attributes, dataspace, datatype and layout messages) and
 * the global heap that holds variable-length strings. Internal to io/h5_*.c.
 *
 * Why: HDF5 1.10.8 copies, divides and indexes by what a corrupt file's
 * metadata says (an attribute message larger than its header, a chunk
 * dimension of 0, a compact dataset shorter than its dataspace, a heap
 * object index past its collection), and ends the process. qtranspile reads
 * files from other programs and disks, so what HDF5 would take on trust is
 * checked here first (qtr_h5_raw_check_object), the attributes of the format
 * are read here instead of through H5A (qtr_h5_raw_attr), and variable-length
 * strings are resolved here instead of through H5Dread (qtr_h5_raw_vlen).
 *
 * The file is read through pread on its path, or from a copy of its image;
 * nothing here calls HDF5 except to locate chunks (h5_read.c). */
#ifndef QTR_H5_RAW_H
#define QTR_H5_RAW_H

#include <stddef.h>
#include <stdint.h>

/** The bytes of a file: an image in memory (owned copy) or a descriptor. */
typedef struct {
    unsigned char *image;   /* owned; NULL when reading through fd */
    int       fd;           /* -1 when image */
    uint64_t  size;         /* bytes in the file */
    uint64_t  base;         /* where the superblock is: addresses count from here */
    unsigned  osize, lsize; /* bytes of an address and of a length (2, 4 or 8) */
    uint64_t  root;         /* address of the root group's object header */
    uint64_t  eof;          /* the end of the file the superblock records */
    uint64_t  ext;          /* superblock extension's object header (versions 2-3), or 0 */
    uint64_t  root_heap;    /* versions 0-1: the root's local heap cached in the superblock, or 0 */
    uint64_t  root_btree;   /* versions 0-1: the root's group B-tree cached there, or 0 */
    /* the last global heap collection read (vlen strings share one) */
    uint64_t  heap_addr;
    unsigned char *heap;
    uint64_t  heap_len;
} qtr_h5_raw;

/** Open @p path (or adopt a copy of @p image, @p len bytes, when not NULL)
 *  and read its superblock; -1 with a reason in @p why (size @p wlen). */
int qtr_h5_raw_open(qtr_h5_raw *r, const char *path, const void *image, size_t len, char *why,
                    size_t wlen);
void qtr_h5_raw_close(qtr_h5_raw *r);

/** What an object header says of a dataset. */
typedef struct {
    int      rank;           /* -1: no dataspace message */
    uint64_t npoints;        /* elements of the current extent */
    int      dclass;         /* datatype class (0 integer ... 9 vlen), -1 none/shared */
    int      vlen_string;    /* class 9 of type string */
    uint64_t esize;          /* element size on disk */
    int      layout;         /* 0 compact, 1 contiguous, 2 chunked, -1 none */
    uint64_t data_at, data_len;  /* compact: the bytes' file offset; contiguous: address, size */
    uint64_t chunk;          /* chunked: elements per chunk (1-D datasets) */
    unsigned chunk_rank;     /* chunked: dimensions the layout lists (rank + 1) */
    uint64_t chunk_esize;    /* chunked: the last of them, the element size */
    int      filtered;       /* a filter pipeline message is present */
} qtr_h5_raw_dset;

/** Check the object header at address @p addr: every message within its
 *  chunk, every attribute message's parts within the message and its data
 *  within what is left, a layout's chunk dimensions nonzero and a compact
 *  dataset's bytes covering its dataspace. Fills @p ds (may be NULL).
 *  -1 with a reason in @p why. */
int qtr_h5_raw_check_object(qtr_h5_raw *r, uint64_t addr, qtr_h5_raw_dset *ds, char *why,
                            size_t wlen);

/** A scalar attribute's value, read from the object header at @p addr. */
typedef struct {
    int      cls;            /* 0 integer, 1 float, 3 string, 9 vlen string; -1 absent */
    char    *str;            /* strings: malloc'ed, NUL-terminated (caller frees) */
    int64_t  i;              /* integers (as signed 64-bit; unsigned values wrap) */
    double   d;              /* floats */
} qtr_h5_raw_value;

/** Read attribute @p name of the object at @p addr. 0 with v->cls = -1 when
 *  absent or of a kind the format never uses; -1 when the header is
 *  corrupt (reason in @p why). */
int qtr_h5_raw_attr(qtr_h5_raw *r, uint64_t addr, const char *name, qtr_h5_raw_value *v,
                    char *why, size_t wlen);

/** Read attribute @p name of the object at @p addr, a scalar or a list of
 *  strings (fixed or variable length), into *@p out: *@p n malloc'ed
 *  strings (caller frees each and the array). -1 with a reason when it is
 *  absent, of another kind, or corrupt. */
int qtr_h5_raw_attr_strings(qtr_h5_raw *r, uint64_t addr, const char *name, size_t *n,
                            char ***out, char *why, size_t wlen);

/** Resolve one variable-length string element (its 4 + osize + 4 bytes on
 *  disk at @p elem) into a new malloc'ed NUL-terminated string in *out.
 *  -1 with a reason when it points outside the file or its heap. */
int qtr_h5_raw_vlen(qtr_h5_raw *r, const unsigned char *elem, char **out, char *why, size_t wlen);

/** 1 when @p addr is HDF5's "undefined address" (all ones). */
int qtr_h5_raw_undefined(const qtr_h5_raw *r, uint64_t addr);

/** Bytes [at, at+len) of the file into @p buf; -1 when outside it. */
int qtr_h5_raw_read(qtr_h5_raw *r, uint64_t at, void *buf, uint64_t len);

#endif
