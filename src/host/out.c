/* out.c — see out.h. */
#define _GNU_SOURCE
#include "host/out.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OUT_CAP (64 * 1024)

static struct {
    pthread_mutex_t mu;
    char buf[OUT_CAP];
    size_t len;
    int mode;     /* 0 none, 1 line, 2 full */
    int err;      /* errno of the first failed write */
    int reported; /* the error was taken by att_out_take_error */
    int owned;
    size_t tail; /* bytes written to fd 1 since its last newline */
} O = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 2, 0, 0, 0, 0};

/* A write failed (disk full, the file size limit): when standard output is a regular file that
 * ends with what att wrote, the partial last line is cut off, so that the file holds complete
 * lines only. Lock held (or the process is ending). */
static void cut_partial_line(void)
{
    struct stat st;
    off_t at;
    if (O.tail == 0 || fstat(STDOUT_FILENO, &st) != 0 || !S_ISREG(st.st_mode)) return;
    at = lseek(STDOUT_FILENO, 0, SEEK_CUR);
    if (at < 0 || at != st.st_size || (size_t)at < O.tail) return;
    if (ftruncate(STDOUT_FILENO, at - (off_t)O.tail) == 0) O.tail = 0;
}

/* Writes buf[0..n) to fd 1, whole. -1 with O.err set on failure. Lock held. */
static int put_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        const char *nl;
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (!O.err) O.err = w < 0 ? errno : EIO;
            cut_partial_line();
            return -1;
        }
        nl = memrchr(p, '\n', (size_t)w);
        O.tail = nl ? (size_t)(p + w - nl - 1) : O.tail + (size_t)w;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The length of the buffered complete lines, or all of it when it holds no line end. Lock held. */
static size_t lines_len(void)
{
    const char *nl = memrchr(O.buf, '\n', O.len);
    return nl ? (size_t)(nl - O.buf) + 1 : O.len;
}

/* Writes the first n buffered bytes and keeps the rest. Lock held. */
static int drain(size_t n)
{
    int rc = put_all(O.buf, n);
    if (rc != 0) n = O.len; /* nothing more can be written: drop it */
    memmove(O.buf, O.buf + n, O.len - n);
    O.len -= n;
    return rc;
}

static ssize_t cookie_write(void *c, const char *data, size_t size)
{
    size_t done = 0;
    (void)c;
    pthread_mutex_lock(&O.mu);
    if (O.err) {
        errno = O.err;
        pthread_mutex_unlock(&O.mu);
        return -1;
    }
    while (done < size) {
        size_t room = OUT_CAP - O.len, n = size - done;
        if (n > room) n = room;
        memcpy(O.buf + O.len, data + done, n);
        O.len += n;
        done += n;
        /* a full buffer is written up to its last line end, so that every write but the last
         * ends a line (what a failed write leaves in a file is then easy to cut back) */
        if (O.len == OUT_CAP && drain(lines_len()) != 0) break;
    }
    if (!O.err && O.len && (O.mode == 0 || (O.mode == 1 && memchr(data, '\n', size)))) drain(O.len);
    if (O.err) {
        errno = O.err;
        pthread_mutex_unlock(&O.mu);
        return -1;
    }
    pthread_mutex_unlock(&O.mu);
    return (ssize_t)size;
}

static int cookie_seek(void *c, off64_t *pos, int whence)
{
    off_t at;
    (void)c;
    pthread_mutex_lock(&O.mu);
    if (O.len) drain(O.len);
    at = lseek(STDOUT_FILENO, (off_t)*pos, whence);
    pthread_mutex_unlock(&O.mu);
    if (at < 0) return -1;
    *pos = at;
    return 0;
}

static int cookie_close(void *c)
{
    (void)c;
    return att_out_flush() ? -1 : 0;
}

static void at_exit_flush(void)
{
    /* os.exit and exit() from anywhere: what was written goes out; a lost write is exit 8. */
    int err = att_out_flush();
    if (err && !O.reported) {
        fprintf(stderr, "att: write error on standard output: %s\n", strerror(err));
        _exit(8);
    }
}

int att_out_init(void)
{
    cookie_io_functions_t io = {NULL, cookie_write, cookie_seek, cookie_close};
    FILE *f = fopencookie(NULL, "w", io);
    if (!f) return -1;
    setvbuf(f, NULL, _IONBF, 0);
    fflush(stdout);
    O.mode = isatty(STDOUT_FILENO) ? 1 : 2;
    O.owned = 1;
    stdout = f;
    atexit(at_exit_flush);
    return 0;
}

int att_out_owned(void) { return O.owned; }

void att_out_mode(int mode)
{
    pthread_mutex_lock(&O.mu);
    O.mode = mode;
    if (mode == 0 && O.len) drain(O.len);
    pthread_mutex_unlock(&O.mu);
}

int att_out_flush(void)
{
    int err;
    pthread_mutex_lock(&O.mu);
    if (O.len) drain(O.len);
    err = O.err;
    pthread_mutex_unlock(&O.mu);
    return err;
}

/* Lock held. */
static void complete_lines(void)
{
    size_t n = O.len;
    while (n > 0 && O.buf[n - 1] != '\n') n--;
    if (n) drain(n);
    O.len = 0; /* a partial line is not written */
}

int att_out_flush_lines(void)
{
    int err;
    pthread_mutex_lock(&O.mu);
    complete_lines();
    err = O.err;
    pthread_mutex_unlock(&O.mu);
    return err;
}

void att_out_emergency(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 200 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    /* The main thread holds the lock only while copying or inside write(2): if that write is
     * blocked (a full pipe), nothing more could be written anyway. */
    if (pthread_mutex_timedlock(&O.mu, &ts) != 0) return;
    complete_lines();
    pthread_mutex_unlock(&O.mu);
}

int att_out_take_error(void)
{
    int err;
    pthread_mutex_lock(&O.mu);
    err = O.reported ? 0 : O.err;
    if (O.err) O.reported = 1;
    pthread_mutex_unlock(&O.mu);
    return err;
}

int att_out_failed(void)
{
    int err;
    pthread_mutex_lock(&O.mu);
    err = O.err;
    pthread_mutex_unlock(&O.mu);
    return err;
}
