/* test_jfile.c — the journal file format (core/jfile.h): records read back as written, a record
 * cut short or damaged anywhere dropped with everything after it, appending after a cut tail,
 * the size cap, a failed write, and the directory checks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/jfile.h"
#include "core/jwriter.h"
#include "unit.h"

void test_jfile(void);

typedef struct Seen {
    int n;
    char types[16];
    size_t blen[16];
    char meta[16][64];
} Seen;

static int note(void *ud, const AttJRec *rec)
{
    Seen *s = ud;
    if (s->n < 16) {
        s->types[s->n] = rec->type;
        s->blen[s->n] = rec->blen;
        snprintf(s->meta[s->n], sizeof s->meta[0], "%s", rec->meta);
    }
    s->n++;
    return 0;
}

static long scan_file(const char *path, int verify, Seen *s, uint64_t *end)
{
    char err[200];
    int fd = open(path, O_RDONLY);
    long n;
    memset(s, 0, sizeof *s);
    n = att_jfile_scan(fd, verify, note, s, end, err, sizeof err);
    close(fd);
    return n;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Writes three records; returns the offsets where each ends. */
static void write_three(const char *path, uint64_t ends[3])
{
    AttJFile f;
    char err[200];
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    CHECK(att_jfile_append(&f, 'x', "{\"a\":1}", 7, "body one\nwith a newline", 23) == 0);
    ends[0] = f.size;
    CHECK(att_jfile_append(&f, 't', "{\"what\":\"time\"}", 15, NULL, 0) == 0);
    ends[1] = f.size;
    CHECK(att_jfile_append(&f, 'x', "{}", 2, "\0binary\0", 8) == 0);
    ends[2] = f.size;
    att_jfile_close(&f);
}

static void test_round_trip(const char *dir)
{
    char path[600], err[200];
    uint64_t ends[3], end;
    Seen s;
    AttJFile f;
    AttBuf b = {0};
    int fd;
    snprintf(path, sizeof path, "%s/j1", dir);
    write_three(path, ends);
    CHECK(scan_file(path, 1, &s, &end) == 3 && end == ends[2] && (off_t)end == file_size(path));
    CHECK(s.types[0] == 'x' && s.types[1] == 't' && s.types[2] == 'x');
    CHECK_STR(s.meta[1], "{\"what\":\"time\"}");
    CHECK(s.blen[0] == 23 && s.blen[1] == 0 && s.blen[2] == 8);
    /* the size a record takes, as the writer thread counts it against the cap */
    CHECK(ends[0] == att_jfile_size('x', 7, 23) && ends[1] - ends[0] == att_jfile_size('t', 15, 0));
    /* the body is where the scan said */
    fd = open(path, O_RDONLY);
    CHECK(att_jfile_read(fd, ends[0] - 24, 23, &b) == 0 && memcmp(b.data, "body one\nwith a newline", 23) == 0);
    close(fd);
    att_buf_free(&b);
    /* creating over an existing file is refused (O_EXCL: nothing planted is written through) */
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == -1 && strstr(err, "cannot open") != NULL);
}

/* Every cut inside the last record drops it alone, a cut inside the second drops both; a byte
 * changed anywhere in the first record fails its checksum (or its framing). */
static void test_torn(const char *dir)
{
    char path[600];
    uint64_t ends[3], end, cut, at;
    Seen s;
    int bad = 0;
    snprintf(path, sizeof path, "%s/j2", dir);
    write_three(path, ends);
    for (cut = ends[2] - 1; cut > ends[0]; cut--) {
        long want = cut >= ends[1] ? 2 : 1;
        if (truncate(path, (off_t)cut) != 0 || scan_file(path, 1, &s, &end) != want ||
            end != (want == 2 ? ends[1] : ends[0]))
            bad++;
    }
    CHECK(bad == 0);
    for (bad = 0, at = 0;; at++) {
        int fd;
        char c;
        unlink(path);
        write_three(path, ends);
        if (at >= ends[0]) break;
        fd = open(path, O_RDWR);
        if (pread(fd, &c, 1, (off_t)at) != 1) bad++;
        c ^= 0x20;
        if (pwrite(fd, &c, 1, (off_t)at) != 1) bad++;
        close(fd);
        if (scan_file(path, 1, &s, &end) != 0 || end != 0) bad++;
    }
    CHECK(bad == 0);
    /* without verification, a changed body byte goes unnoticed (att runs only counts) */
    CHECK(scan_file(path, 0, &s, &end) == 3);
}

/* Reopened after a cut tail: the file is cut at the last whole record and appended to. */
static void test_reopen(const char *dir)
{
    char path[600], err[200];
    uint64_t ends[3], end;
    Seen s;
    AttJFile f;
    snprintf(path, sizeof path, "%s/j4", dir);
    write_three(path, ends);
    CHECK(truncate(path, (off_t)(ends[2] - 3)) == 0);
    CHECK(scan_file(path, 1, &s, &end) == 2 && end == ends[1]);
    CHECK(att_jfile_open(&f, path, 0, end, err, sizeof err) == 0);
    CHECK(att_jfile_append(&f, 'x', "{\"b\":2}", 7, "again", 5) == 0);
    att_jfile_close(&f);
    CHECK(scan_file(path, 1, &s, &end) == 3 && strcmp(s.meta[2], "{\"b\":2}") == 0);
}

static void test_cap_and_failure(const char *dir)
{
    char path[600], err[200], big[4096];
    AttJFile f;
    AttBuf b = {0};
    Seen s;
    uint64_t end;
    memset(big, 'a', sizeof big);
    snprintf(path, sizeof path, "%s/j5", dir);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    f.cap = 10000;
    CHECK(att_jfile_append(&f, 'x', "{}", 2, big, sizeof big) == 0);
    CHECK(att_jfile_append(&f, 'x', "{}", 2, big, sizeof big) == 0);
    CHECK(att_jfile_append(&f, 'x', "{}", 2, big, sizeof big) == 1 && f.stopped == 1);
    CHECK(att_jfile_append(&f, 't', "{}", 2, NULL, 0) == 1); /* stopped for good */
    att_jfile_close(&f);
    CHECK(scan_file(path, 1, &s, &end) == 2 && (off_t)end == file_size(path));
    /* records framed in memory first, then written whole */
    snprintf(path, sizeof path, "%s/j6", dir);
    att_jfile_frame(&b, 't', "{\"v\":1}", 7, NULL, 0);
    att_jfile_frame(&b, 't', "{\"v\":2}", 7, NULL, 0);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    CHECK(att_jfile_append_framed(&f, b.data, b.len) == 0);
    att_jfile_close(&f);
    att_buf_free(&b);
    CHECK(scan_file(path, 1, &s, &end) == 2 && strcmp(s.meta[1], "{\"v\":2}") == 0);
    /* a write that fails (the descriptor is read-only here) stops the file with its errno */
    f.fd = open(path, O_RDONLY);
    f.stopped = 0;
    f.cap = 0;
    CHECK(att_jfile_append(&f, 'x', "{}", 2, "z", 1) == -1 && f.stopped == -1 && f.err != 0);
    att_jfile_close(&f);
}

static void test_dirs(const char *dir)
{
    char path[600], err[300];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    CHECK(att_jfile_mkdir(path, err, sizeof err) == 0);
    CHECK(att_jfile_mkdir(path, err, sizeof err) == 0); /* it exists: fine */
    chmod(path, 0755);
    CHECK(att_jfile_mkdir(path, err, sizeof err) == -1 && strstr(err, "open to other users") != NULL);
    snprintf(path, sizeof path, "%s/j1", dir);
    CHECK(att_jfile_mkdir(path, err, sizeof err) == -1 && strstr(err, "not a directory") != NULL);
}

/* The writer thread: records queued from this thread are written in order, whole; the queue
 * bound and the budget are held to; the cap refuses a record whole. */
static void test_writer(const char *dir)
{
    char path[600], err[200], meta[32], body[5000];
    AttJFile f;
    AttBudget budget = {0};
    AttJWriter *w;
    Seen s;
    uint64_t end;
    int i, e, bad = 0;
    memset(body, 'b', sizeof body);
    snprintf(path, sizeof path, "%s/w1", dir);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    budget.limit = 1 << 20;
    w = att_jwriter_start(&f, 20000, &budget, 0); /* a queue of a few records: it waits */
    CHECK(w != NULL);
    for (i = 0; i < 300; i++) {
        int n = snprintf(meta, sizeof meta, "{\"i\":%d}", i);
        if (att_jwriter_put(w, 'x', meta, (size_t)n, body, (size_t)(i % 50) * 100, &e) != 0) bad++;
        if (budget.used > 20000 + 5000 + 1000) bad++;
    }
    CHECK(bad == 0);
    att_jwriter_stop(w, 0);
    CHECK(budget.used == 0); /* every copy given back */
    att_jfile_close(&f);
    CHECK(scan_file(path, 1, &s, &end) == 300 && strcmp(s.meta[15], "{\"i\":15}") == 0 && s.blen[15] == 1500);
    /* the cap, as records are queued */
    snprintf(path, sizeof path, "%s/w2", dir);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    f.cap = 12000;
    w = att_jwriter_start(&f, 1 << 20, NULL, 0);
    CHECK(att_jwriter_put(w, 'x', "{}", 2, body, 5000, &e) == 0);
    CHECK(att_jwriter_put(w, 'x', "{}", 2, body, 5000, &e) == 0);
    CHECK(att_jwriter_put(w, 'x', "{}", 2, body, 5000, &e) == 1);
    att_jwriter_stop(w, 0);
    att_jfile_close(&f);
    CHECK(scan_file(path, 1, &s, &end) == 2);
    /* a failed write is reported to the next record, with its errno */
    snprintf(path, sizeof path, "%s/w2", dir);
    f.fd = open(path, O_RDONLY);
    f.stopped = 0;
    f.cap = 0;
    w = att_jwriter_start(&f, 1 << 20, NULL, 0);
    CHECK(att_jwriter_put(w, 'x', "{}", 2, "z", 1, &e) == 0);
    for (i = 0; i < 200 && att_jwriter_put(w, 't', "{}", 2, NULL, 0, &e) == 0; i++) usleep(5000);
    CHECK(i < 200 && e != 0);
    att_jwriter_stop(w, 0);
    att_jfile_close(&f);
    /* discarded (the journal is about to go): what was written is whole records, the rest dropped */
    snprintf(path, sizeof path, "%s/w4", dir);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    w = att_jwriter_start(&f, 1 << 22, &budget, 0);
    budget.limit = 0;
    budget.used = 0;
    for (i = 0; i < 200; i++) att_jwriter_put(w, 'x', "{}", 2, body, sizeof body, &e);
    att_jwriter_stop(w, 1);
    att_jfile_close(&f);
    CHECK(scan_file(path, 1, &s, &end) <= 200 && (off_t)end == file_size(path) && budget.used == 0);
    /* may_drop: an answer that finds the queue full is dropped, not waited for; a reading never */
    snprintf(path, sizeof path, "%s/w5", dir);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    w = att_jwriter_start(&f, 6000, NULL, 1);
    {
        int kept = 0, dropped = 0, other = 0, treads = 0;
        for (i = 0; i < 2000; i++) {
            int rc = att_jwriter_put(w, 'x', "{}", 2, body, sizeof body, &e);
            kept += rc == 0, dropped += rc == 2, other += rc != 0 && rc != 2;
            if (i % 100 == 0) treads += att_jwriter_put(w, 't', "{}", 2, NULL, 0, &e) == 0;
        }
        att_jwriter_stop(w, 0);
        att_jfile_close(&f);
        CHECK(other == 0 && treads == 20 && kept + dropped == 2000 && kept >= 1);
        CHECK(scan_file(path, 1, &s, &end) == kept + 20);
    }
    /* over the budget (nothing queued to wait for): refused */
    snprintf(path, sizeof path, "%s/w3", dir);
    CHECK(att_jfile_open(&f, path, 1, 0, err, sizeof err) == 0);
    budget.limit = 100;
    budget.used = 0;
    w = att_jwriter_start(&f, 1 << 20, &budget, 0);
    CHECK(att_jwriter_put(w, 'x', "{}", 2, body, 5000, &e) == -1 && e == 0);
    att_jwriter_stop(w, 0);
    att_jfile_close(&f);
}

void test_jfile(void)
{
    char dir[] = "/tmp/att-jfile.XXXXXX";
    char cmd[100];
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    test_round_trip(dir);
    test_torn(dir);
    test_reopen(dir);
    test_cap_and_failure(dir);
    test_dirs(dir);
    test_writer(dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}
