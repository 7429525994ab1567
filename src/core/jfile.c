/* jfile.c — framed records, appended and read back (see jfile.h). */
#include "core/jfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#define HDR_MAX    64
#define HDR_PREFIX "@J %c %zu %zu " /* then the CRC in 8 hex digits and a newline */

static uint32_t crc_add(uint32_t crc, const char *p, size_t n)
{
    while (n > 0) { /* zlib takes uInt lengths */
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, (const Bytef *)p, k);
        p += k;
        n -= k;
    }
    return crc;
}

/* Writes the header line of a record into hdr; returns its length. */
static int header(char *hdr, char type, const char *meta, size_t mlen, const char *body, size_t blen)
{
    int n = snprintf(hdr, HDR_MAX, HDR_PREFIX, type, mlen, blen);
    uint32_t crc = crc_add((uint32_t)crc32(0L, Z_NULL, 0), hdr, (size_t)n);
    crc = crc_add(crc, meta, mlen);
    crc = crc_add(crc, body ? body : "", blen);
    return n + snprintf(hdr + n, (size_t)(HDR_MAX - n), "%08x\n", (unsigned)crc);
}

uint64_t att_jfile_size(char type, size_t mlen, size_t blen)
{
    /* the header: its prefix, 8 hex digits and a newline; then META, a newline, BODY, a newline */
    return (uint64_t)snprintf(NULL, 0, HDR_PREFIX, type, mlen, blen) + 9 + mlen + 1 + blen + 1;
}

int att_jfile_mkdir(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    struct stat st;
    size_t i, n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        snprintf(err, errlen, "bad directory name");
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0') continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        path[i] = i < n ? '/' : '\0';
    }
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(err, errlen, "%s is open to other users (mode %03o); it would hold customer data: chmod 700 it", dir,
                 (unsigned)(st.st_mode & 0777));
        return -1;
    }
    return 0;
}

int att_jfile_open(AttJFile *f, const char *path, int create, uint64_t valid_end, char *err, size_t errlen)
{
    int fd;
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (create)
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    else
        fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (!create && (ftruncate(fd, (off_t)valid_end) != 0 || lseek(fd, (off_t)valid_end, SEEK_SET) < 0)) {
        snprintf(err, errlen, "cannot cut %s at its last whole record: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    f->fd = fd;
    f->size = create ? 0 : valid_end;
    return 0;
}

void att_jfile_close(AttJFile *f)
{
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
}

/* Writes every byte of the vector, going on after short writes, at most WRITE_CHUNK bytes per
 * call (a long copy into the page cache in one call delays the threads that need the processor). 0
 * or -1 (errno). */
#define WRITE_CHUNK ((size_t)64 << 10)
static int write_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        size_t keep = iov->iov_len, sum = 0;
        ssize_t w;
        int m = 0;
        while (m < n && (m == 0 || sum + iov[m].iov_len <= WRITE_CHUNK)) sum += iov[m++].iov_len;
        if (keep > WRITE_CHUNK) iov->iov_len = WRITE_CHUNK; /* the first part of a long piece alone */
        w = writev(fd, iov, m);
        iov->iov_len = keep;
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static int append_iov(AttJFile *f, struct iovec *iov, int n, uint64_t total)
{
    if (f->stopped) return f->stopped;
    if (f->cap && f->size + total > f->cap) {
        f->stopped = 1;
        return 1;
    }
    if (write_all(f->fd, iov, n) != 0) {
        f->err = errno;
        f->stopped = -1;
        return -1;
    }
    f->size += total;
    return 0;
}

int att_jfile_append_many(AttJFile *f, const AttJPiece *p, int n)
{
    char hdr[ATT_JFILE_BATCH][HDR_MAX];
    struct iovec iov[5 * ATT_JFILE_BATCH];
    uint64_t total = 0;
    int i, k = 0;
    if (n > ATT_JFILE_BATCH) n = ATT_JFILE_BATCH;
    for (i = 0; i < n; i++) {
        int h = header(hdr[i], p[i].type, p[i].meta, p[i].mlen, p[i].body, p[i].blen);
        iov[k].iov_base = hdr[i];
        iov[k++].iov_len = (size_t)h;
        iov[k].iov_base = (void *)p[i].meta;
        iov[k++].iov_len = p[i].mlen;
        iov[k].iov_base = "\n";
        iov[k++].iov_len = 1;
        iov[k].iov_base = (void *)(p[i].body ? p[i].body : "");
        iov[k++].iov_len = p[i].blen;
        iov[k].iov_base = "\n";
        iov[k++].iov_len = 1;
        total += (uint64_t)h + p[i].mlen + p[i].blen + 2;
    }
    return append_iov(f, iov, k, total);
}

int att_jfile_append(AttJFile *f, char type, const char *meta, size_t mlen, const char *body, size_t blen)
{
    AttJPiece one;
    one.type = type;
    one.meta = meta;
    one.mlen = mlen;
    one.body = body;
    one.blen = blen;
    return att_jfile_append_many(f, &one, 1);
}

void att_jfile_frame(AttBuf *b, char type, const char *meta, size_t mlen, const char *body, size_t blen)
{
    char hdr[HDR_MAX];
    int h = header(hdr, type, meta, mlen, body, blen);
    att_buf_add(b, hdr, (size_t)h);
    att_buf_add(b, meta, mlen);
    att_buf_addc(b, '\n');
    att_buf_add(b, body ? body : "", blen);
    att_buf_addc(b, '\n');
}

int att_jfile_append_framed(AttJFile *f, const char *data, size_t len)
{
    struct iovec iov[1];
    iov[0].iov_base = (void *)data;
    iov[0].iov_len = len;
    return len ? append_iov(f, iov, 1, len) : 0;
}

int att_jfile_read(int fd, uint64_t off, size_t len, AttBuf *out)
{
    if (att_buf_reserve(out, len) != 0) return -1;
    while (len > 0) {
        ssize_t r = pread(fd, out->data + out->len, len, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = EIO; /* the file is shorter than its record said */
            return -1;
        }
        out->len += (size_t)r;
        off += (uint64_t)r;
        len -= (size_t)r;
    }
    out->data[out->len] = '\0';
    return 0;
}

/* Parses "@J T MLEN BLEN CRC\n" at the start of buf[0..n): 1 with the fields and the header's
 * length, 0 when it is not a whole, well-formed header. */
static int parse_header(const char *buf, size_t n, char *type, size_t *mlen, size_t *blen, uint32_t *crc, size_t *hlen)
{
    const char *nl = memchr(buf, '\n', n);
    char line[HDR_MAX + 1], t, extra;
    unsigned long long m, b;
    unsigned c;
    if (!nl || (size_t)(nl - buf) >= sizeof line) return 0;
    memcpy(line, buf, (size_t)(nl - buf));
    line[nl - buf] = '\0';
    char canon[HDR_MAX + 1];
    if (sscanf(line, "@J %c %llu %llu %8x%c", &t, &m, &b, &c, &extra) != 4) return 0;
    if (m > ATT_JFILE_META_MAX || b > (unsigned long long)SIZE_MAX / 2) return 0;
    /* only the one spelling att writes: a changed byte in the header is a damaged header */
    snprintf(canon, sizeof canon, "@J %c %llu %llu %08x", t, m, b, c);
    if (strcmp(canon, line) != 0) return 0;
    *type = t;
    *mlen = (size_t)m;
    *blen = (size_t)b;
    *crc = c;
    *hlen = (size_t)(nl - buf) + 1;
    return 1;
}

/* The CRC of the header text before its checksum (hdr[0..hlen) ends with "XXXXXXXX\n"). */
static uint32_t header_crc(const char *hdr, size_t hlen)
{
    return crc_add((uint32_t)crc32(0L, Z_NULL, 0), hdr, hlen - 9);
}

/* Reads a record's body in pieces into the checksum; 0, or -1 on a short file (errno EIO). */
static int body_crc(int fd, uint64_t off, size_t len, uint32_t *crc, char *tmp, size_t tmplen)
{
    while (len > 0) {
        ssize_t r = pread(fd, tmp, len < tmplen ? len : tmplen, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        *crc = crc_add(*crc, tmp, (size_t)r);
        off += (uint64_t)r;
        len -= (size_t)r;
    }
    return 0;
}

/* Long because it is the one reader of the format: header, META, BODY, the two newlines and the
 * checksum, each of which ends the whole records where it fails. */
long att_jfile_scan(int fd, int verify, AttJScanFn fn, void *ud, uint64_t *end, char *err, size_t errlen)
{
    enum { CHUNK = 1 << 16 };
    char hdr[HDR_MAX + 1], *tmp = malloc(CHUNK), *meta = NULL;
    uint64_t pos = 0;
    long count = 0;
    struct stat st;
    if (!tmp || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s", tmp ? strerror(errno) : "out of memory");
        free(tmp);
        return -1;
    }
    for (;;) {
        char type, nl[1];
        size_t mlen, blen, hlen;
        uint32_t want, crc;
        ssize_t r = pread(fd, hdr, HDR_MAX, (off_t)pos);
        AttJRec rec;
        int stop;
        if (r <= 0 || !parse_header(hdr, (size_t)r, &type, &mlen, &blen, &want, &hlen)) break;
        if (pos + hlen + mlen + blen + 2 > (uint64_t)st.st_size) break; /* cut short */
        free(meta);
        meta = malloc(mlen + 1);
        if (!meta) {
            snprintf(err, errlen, "out of memory");
            count = -1;
            break;
        }
        if (pread(fd, meta, mlen + 1, (off_t)(pos + hlen)) != (ssize_t)(mlen + 1) || meta[mlen] != '\n') break;
        meta[mlen] = '\0';
        if (pread(fd, nl, 1, (off_t)(pos + hlen + mlen + 1 + blen)) != 1 || nl[0] != '\n') break;
        if (verify) {
            crc = crc_add(header_crc(hdr, hlen), meta, mlen);
            if (body_crc(fd, pos + hlen + mlen + 1, blen, &crc, tmp, CHUNK) != 0 || crc != want) break;
        }
        rec.type = type;
        rec.meta = meta;
        rec.mlen = mlen;
        rec.body_off = pos + hlen + mlen + 1;
        rec.blen = blen;
        pos += hlen + mlen + blen + 2;
        count++;
        if (fn && (stop = fn(ud, &rec)) != 0) {
            count = stop;
            break;
        }
    }
    free(meta);
    free(tmp);
    if (end) *end = pos;
    return count;
}
