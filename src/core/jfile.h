/* jfile.h — the file format of journals and recordings: framed records appended with write(2),
 * read back with their checks. Plain C, no Lua.
 *
 * A record is a text header line, a metadata part, and a body:
 *
 *     @J T MLEN BLEN CRC\n META \n BODY \n
 *
 * T is one letter (the kind of record), MLEN and BLEN the byte lengths of META and BODY in
 * decimal, CRC the CRC-32 (zlib's) of the header up to it and of META and BODY, as 8 hex digits.
 * A record cut short (kill -9 while it was written, a full disk) or damaged fails its lengths, its
 * newlines or its checksum: it and everything after it is dropped when the file is read, and a
 * writer that goes on truncates the file there first. META is one line of JSON; BODY is any bytes
 * (a response body as it came). The file stays readable with less(1). */
#ifndef ATT_JFILE_H
#define ATT_JFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define ATT_JFILE_META_MAX ((size_t)16 << 20) /* a longer META is a damaged record */

typedef struct AttJFile {
    int fd;        /* -1: not open */
    uint64_t size; /* bytes of whole records in the file */
    uint64_t cap;  /* the file may not grow beyond this; 0: no cap */
    int stopped;   /* 1: the cap was reached, -1: a write failed (err): nothing more is appended */
    int err;       /* errno of the failed write */
} AttJFile;

/* One record found by att_jfile_scan: its kind, its META (NUL-terminated, valid during the
 * callback) and where its BODY is in the file. */
typedef struct AttJRec {
    char type;
    const char *meta;
    size_t mlen;
    uint64_t body_off;
    size_t blen;
} AttJRec;

/* Called for each whole record; a non-zero return stops the scan (and is its result). */
typedef int (*AttJScanFn)(void *ud, const AttJRec *rec);

/* Makes dir (mode 0700) unless it exists; an existing one must be a directory of this user that
 * no other user can enter. Parents are made too (0700). 0, or -1 with why in err. */
int att_jfile_mkdir(const char *dir, char *err, size_t errlen);

/* Opens path for appending: create 1 makes a new file 0600 (never through a symbolic link;
 * O_EXCL), create 0 opens an existing one (not a symbolic link) to append after its whole
 * records (call att_jfile_scan first and pass its end in valid_end: the file is cut there). 0, or
 * -1 with why in err. */
int att_jfile_open(AttJFile *f, const char *path, int create, uint64_t valid_end, char *err, size_t errlen);
void att_jfile_close(AttJFile *f);

/* Appends one record. 0; 1 when it would pass the cap (nothing written, f->stopped = 1); -1 when
 * a write failed (f->stopped = -1, f->err). Once stopped, returns the same without writing. */
int att_jfile_append(AttJFile *f, char type, const char *meta, size_t mlen, const char *body, size_t blen);

/* One record for att_jfile_append_many. */
typedef struct AttJPiece {
    char type;
    const char *meta, *body;
    size_t mlen, blen;
} AttJPiece;
#define ATT_JFILE_BATCH 64

/* Appends up to ATT_JFILE_BATCH records with as few writes as the kernel allows (fewer calls: each
 * write of a file costs its own bookkeeping), as att_jfile_append does one (the cap counts them
 * together). */
int att_jfile_append_many(AttJFile *f, const AttJPiece *p, int n);

/* The bytes a record with META and BODY of these lengths takes in the file. */
uint64_t att_jfile_size(char type, size_t mlen, size_t blen);

/* Frames one record into b (for records kept in memory until a file exists). */
void att_jfile_frame(AttBuf *b, char type, const char *meta, size_t mlen, const char *body, size_t blen);
/* Appends bytes that are whole records already (from att_jfile_frame). As att_jfile_append. */
int att_jfile_append_framed(AttJFile *f, const char *data, size_t len);

/* Reads the records of the file open at fd from its start, calling fn for each whole record;
 * verify 0 skips the bodies (their checksum is not checked: for counting). *end receives the
 * offset after the last whole record (where a damaged or cut record begins). Returns the number
 * of records (>= 0), fn's non-zero result, or -1 on a read error (err). */
long att_jfile_scan(int fd, int verify, AttJScanFn fn, void *ud, uint64_t *end, char *err, size_t errlen);

/* Reads len bytes at off into out (appended). 0, or -1 (errno set; out->oom on memory). */
int att_jfile_read(int fd, uint64_t off, size_t len, AttBuf *out);

#endif
