/* xlsx.c — the libxlsxwriter (1.1.4) binding behind att.report.xlsx and att.report.workbook:
 * package.preload["att.xlsx_c"], internal to lua/att/report_xlsx.lua, which types the cells,
 * checks the limits and names, and computes the column widths (1.1.4 has no autofit).
 *
 * A workbook is a userdata (metatable "att.xlsx.workbook") over one lxw_workbook in constant-memory
 * mode (each sheet's rows go to a temporary file in $TMPDIR as they are written; strings are
 * inline, not shared). Its file is written by workbook_close only: in "rename" mode to
 * NAME.att-partial-PID beside NAME, renamed over NAME (with NAME's permissions) on success and
 * removed on failure, so that the previous NAME is untouched; in "direct" mode to NAME itself (a
 * path that is not a regular file: /dev/null); in "temp" mode to a new file in $TMPDIR that close
 * hands to a sink function in chunks (standard output) and then removes. A failed close counts a
 * lost write (att_files_lost: the run ends with status 8) and raises. __close commits when the
 * scope ends normally and discards (nothing written, the partial name never created) after an
 * error; __gc commits a workbook still open (a failure is then only the lost write). Under --safe
 * (upvalue 1) the paths are confined as io.open's are; the temporary file is att's own.
 *
 * Module functions: open(mode, path, who [, created]) -> workbook; sheet(wb, name); row(wb, r, kinds, ...);
 * finish(wb, last_row, widths); discard(wb); is_open(wb); stdout_is_terminal(); methods (the __index table: close; the Lua module
 * adds sheet). kinds has one letter per column: e empty, s string, h header (bold string), n
 * number, b boolean, t date-time (an Excel serial), d date (a serial). */
#include "host/xlsx.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zlib.h>

#include "host/confine.h"
#include "host/files.h"

#define BOOK_MT "att.xlsx.workbook"

enum { MODE_RENAME, MODE_DIRECT, MODE_TEMP };

typedef struct {
    lxw_workbook *wb; /* NULL once closed or discarded */
    lxw_worksheet *ws;
    lxw_format *bold, *datetime, *date;
    int mode;
    int temp_left;            /* the temporary file (MODE_TEMP) exists and is still to be removed */
    double rows_bytes;        /* XML of the rows of the sheets so far (their temporary files) */
    char file[PATH_MAX + 32]; /* what libxlsxwriter writes */
    char path[PATH_MAX];      /* the name the script gave ("" in MODE_TEMP) */
    char who[48];             /* for messages: att.report.xlsx, att.report.workbook */
} Book;

static Book *check_book(lua_State *L, int i) { return luaL_checkudata(L, i, BOOK_MT); }

/* The book at i, still open for writing; raises otherwise. */
static Book *open_book(lua_State *L, int i)
{
    Book *b = check_book(L, i);
    if (!b->wb) luaL_error(L, "%s: the workbook is closed", b->who);
    return b;
}

static const char *tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

/* The name of what failed, for messages and the lost-write line. */
static const char *shown(const Book *b) { return b->mode == MODE_TEMP ? "the workbook for standard output" : b->path; }

/* open(mode, path, who [, created]) -> workbook. mode: "rename", "direct" or "temp" (path
 * ignored); created: the time the workbook says it was made (epoch seconds; default now). */
static int xl_open(lua_State *L)
{
    static const char *const modes[] = {"rename", "direct", "temp", NULL};
    int mode = luaL_checkoption(L, 1, NULL, modes);
    const char *path = mode == MODE_TEMP ? "" : luaL_checkstring(L, 2), *who = luaL_checkstring(L, 3);
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir(), .use_zip64 = LXW_FALSE};
    Book *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    b->mode = mode;
    snprintf(b->who, sizeof b->who, "%s", who);
    luaL_setmetatable(L, BOOK_MT);
    if (strlen(path) >= sizeof b->path) return luaL_error(L, "%s: the file name is too long", who);
    snprintf(b->path, sizeof b->path, "%s", path);
    if (mode == MODE_TEMP) {
        int fd;
        snprintf(b->file, sizeof b->file, "%s/att-xlsx-XXXXXX", tmpdir());
        fd = mkstemp(b->file);
        if (fd < 0)
            return luaL_error(L, "%s: cannot create a temporary file in %s: %s", who, tmpdir(), strerror(errno));
        close(fd);
        b->temp_left = 1;
    } else {
        snprintf(b->file, sizeof b->file, mode == MODE_RENAME ? "%s.att-partial-%d" : "%s", path, (int)getpid());
        if (lua_toboolean(L, lua_upvalueindex(1))) {
            att_confine_path(L, b->path, who);
            att_confine_path(L, b->file, who);
        }
    }
    b->wb = workbook_new_opt(b->file, &o);
    if (!b->wb) return luaL_error(L, "%s: cannot create a workbook for %s", who, shown(b));
    b->bold = workbook_add_format(b->wb);
    b->datetime = workbook_add_format(b->wb);
    b->date = workbook_add_format(b->wb);
    if (!b->bold || !b->datetime || !b->date) return luaL_error(L, "%s: out of memory", who);
    if (!lua_isnoneornil(L, 4)) { /* the creation time, from the run's (journaled) clock */
        lxw_doc_properties props = {.created = (time_t)luaL_checkinteger(L, 4)};
        if (workbook_set_properties(b->wb, &props) != LXW_NO_ERROR) return luaL_error(L, "%s: out of memory", who);
    }
    format_set_bold(b->bold);
    format_set_num_format(b->datetime, "yyyy-mm-dd hh:mm:ss");
    format_set_num_format(b->date, "yyyy-mm-dd");
    return 1;
}

/* libxlsxwriter 1.1.4 does not check its writes to temporary files: a full $TMPDIR or the file
 * size limit would give a workbook with rows missing and no error. The rows' file of the current
 * sheet is checked after each row; each sheet in the finished file is inflated (zlib) and must be
 * whole: its recorded size, ending in </worksheet>, the sheets together at least their rows. */
static int rows_failed(Book *b) { return b->ws && b->ws->optimize_tmpfile && ferror(b->ws->optimize_tmpfile); }

/* Raises for the lost rows of the current sheet (counted as a lost write). */
static int rows_lost(lua_State *L, Book *b, int err)
{
    att_files_lost(shown(b), err ? err : EIO);
    return luaL_error(L, "%s: cannot write \"%s\": a temporary file in %s: %s", b->who, shown(b), tmpdir(),
                      strerror(err ? err : EIO));
}

/* Ends the current sheet: its rows flushed and counted. 0, or an errno. */
static int end_sheet(Book *b)
{
    long size;
    FILE *f = b->ws ? b->ws->optimize_tmpfile : NULL;
    if (!f) return 0;
    errno = 0;
    if (fflush(f) != 0 || ferror(f)) return errno ? errno : EIO;
    size = ftell(f);
    if (size > 0) b->rows_bytes += (double)size;
    return 0;
}

static unsigned long le(const unsigned char *p, int n)
{
    unsigned long v = 0;
    while (n-- > 0) v = (v << 8) | p[n];
    return v;
}

/* 1 when the zip member whose local header is at offset (cs bytes compressed with method 0 or
 * 8, us bytes whole) inflates to us bytes ending in "</worksheet>". */
static int member_whole(FILE *f, unsigned long offset, unsigned long cs, unsigned long us, unsigned method)
{
    static const char END[] = "</worksheet>";
    unsigned char h[30], in[16384], out[65536], tail[sizeof END - 1];
    size_t kept = 0, got;
    unsigned long total = 0;
    int rc = Z_OK, whole;
    z_stream z;
    if (fseek(f, (long)offset, SEEK_SET) != 0 || fread(h, 1, 30, f) != 30 || le(h, 4) != 0x04034b50UL) return 0;
    if (fseek(f, (long)(le(h + 26, 2) + le(h + 28, 2)), SEEK_CUR) != 0 || (method != 0 && method != 8)) return 0;
    memset(&z, 0, sizeof z);
    if (method == 8 && inflateInit2(&z, -MAX_WBITS) != Z_OK) return 0;
    while (cs > 0 && rc != Z_STREAM_END) {
        got = fread(in, 1, cs < sizeof in ? cs : sizeof in, f);
        if (got == 0) break;
        cs -= got;
        z.next_in = in;
        z.avail_in = (uInt)got;
        do {
            size_t n, k;
            if (method == 0) {
                memcpy(out, in, got);
                n = got;
                z.avail_in = 0;
            } else {
                z.next_out = out;
                z.avail_out = sizeof out;
                rc = inflate(&z, Z_NO_FLUSH);
                if (rc != Z_OK && rc != Z_STREAM_END) break;
                n = sizeof out - z.avail_out;
            }
            total += n;
            for (k = n > sizeof tail ? n - sizeof tail : 0; k < n; k++) { /* the last bytes so far */
                if (kept == sizeof tail) memmove(tail, tail + 1, --kept);
                tail[kept++] = out[k];
            }
        } while (z.avail_in > 0 || (method == 8 && z.avail_out == 0 && rc == Z_OK));
        if (rc != Z_OK && rc != Z_STREAM_END) break;
    }
    if (method == 8) inflateEnd(&z);
    whole = total == us && kept == sizeof tail && memcmp(tail, END, sizeof tail) == 0;
    return whole && (method == 0 || rc == Z_STREAM_END);
}

/* 1 when every xl/worksheets/sheet*.xml of the zip file is whole (member_whole) and together they
 * hold at least rows bytes; *largest: the size of the largest one as written. */
static int sheets_whole(const char *file, double rows, double *largest)
{
    unsigned char tail[65557], e[46];
    char name[64];
    double sum = 0;
    long size, from, i;
    unsigned long count, at, k;
    size_t got;
    int ok = 1;
    FILE *f = fopen(file, "rb");
    *largest = 0;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 22) goto bad;
    from = size > (long)sizeof tail ? size - (long)sizeof tail : 0;
    if (fseek(f, from, SEEK_SET) != 0 || (got = fread(tail, 1, sizeof tail, f)) < 22) goto bad;
    for (i = (long)got - 22; i >= 0 && le(tail + i, 4) != 0x06054b50UL; i--) continue;
    if (i < 0) goto bad;
    count = le(tail + i + 10, 2);
    at = le(tail + i + 16, 4);
    for (k = 0; k < count && ok; k++) {
        unsigned long n, skip;
        if (fseek(f, (long)at, SEEK_SET) != 0 || fread(e, 1, sizeof e, f) != sizeof e || le(e, 4) != 0x02014b50UL)
            goto bad;
        n = le(e + 28, 2);
        skip = le(e + 30, 2) + le(e + 32, 2);
        memset(name, 0, sizeof name);
        if (fread(name, 1, n < sizeof name - 1 ? n : sizeof name - 1, f) == 0) goto bad;
        if (strncmp(name, "xl/worksheets/sheet", 19) == 0) {
            double us = (double)le(e + 24, 4);
            sum += us;
            if (us > *largest) *largest = us;
            ok = member_whole(f, le(e + 42, 4), le(e + 20, 4), le(e + 24, 4), (unsigned)le(e + 10, 2));
        }
        at += 46 + n + skip;
    }
    fclose(f);
    return ok && sum >= rows;
bad:
    if (f) fclose(f);
    return 0;
}

/* sheet(wb, name): adds a sheet, where the rows that follow go (the name was checked). */
static int xl_sheet(lua_State *L)
{
    Book *b = open_book(L, 1);
    const char *name = luaL_checkstring(L, 2);
    lxw_error e = workbook_validate_sheet_name(b->wb, name);
    int err = end_sheet(b);
    if (err) return rows_lost(L, b, err);
    if (e != LXW_NO_ERROR) return luaL_error(L, "%s: sheet name '%s': %s", b->who, name, lxw_strerror(e));
    b->ws = workbook_add_worksheet(b->wb, name);
    if (!b->ws)
        return luaL_error(L, "%s: cannot add the sheet '%s' (a temporary file in %s: %s)", b->who, name, tmpdir(),
                          strerror(errno));
    return 0;
}

/* row(wb, r, kinds, v1, ...): writes row r (0-based) of the current sheet. */
static int xl_row(lua_State *L)
{
    Book *b = open_book(L, 1);
    lua_Integer r = luaL_checkinteger(L, 2);
    size_t n, c;
    const char *kinds = luaL_checklstring(L, 3, &n);
    if (!b->ws) return luaL_error(L, "%s: no sheet", b->who);
    if (r < 0 || r >= LXW_ROW_MAX) return luaL_error(L, "%s: row %d is past Excel's limit", b->who, (int)r);
    if (n > LXW_COL_MAX) return luaL_error(L, "%s: more than %d columns", b->who, LXW_COL_MAX);
    for (c = 0; c < n; c++) {
        int i = (int)c + 4;
        lxw_row_t row = (lxw_row_t)r;
        lxw_col_t col = (lxw_col_t)c;
        lxw_error e = LXW_NO_ERROR;
        switch (kinds[c]) {
        case 'e': break;
        case 's': e = worksheet_write_string(b->ws, row, col, luaL_checkstring(L, i), NULL); break;
        case 'h': e = worksheet_write_string(b->ws, row, col, luaL_checkstring(L, i), b->bold); break;
        case 'n': e = worksheet_write_number(b->ws, row, col, luaL_checknumber(L, i), NULL); break;
        case 'b': e = worksheet_write_boolean(b->ws, row, col, lua_toboolean(L, i), NULL); break;
        case 't': e = worksheet_write_number(b->ws, row, col, luaL_checknumber(L, i), b->datetime); break;
        case 'd': e = worksheet_write_number(b->ws, row, col, luaL_checknumber(L, i), b->date); break;
        default: return luaL_error(L, "%s: unknown cell kind '%c'", b->who, kinds[c]);
        }
        if (e != LXW_NO_ERROR)
            return luaL_error(L, "%s: row %d, column %d: %s", b->who, (int)r, (int)c + 1, lxw_strerror(e));
    }
    if (rows_failed(b)) return rows_lost(L, b, errno);
    return 0;
}

/* finish(wb, last_row, widths): the header frozen, the autofilter over rows 0..last_row of the
 * #widths columns, and the widths (set after the rows: 1.1.4 writes <cols> when it assembles the
 * sheet at close, constant-memory mode or not). */
static int xl_finish(lua_State *L)
{
    Book *b = open_book(L, 1);
    lua_Integer last = luaL_checkinteger(L, 2), n, c;
    luaL_checktype(L, 3, LUA_TTABLE);
    n = (lua_Integer)lua_rawlen(L, 3);
    if (!b->ws) return luaL_error(L, "%s: no sheet", b->who);
    if (n == 0) return 0;
    worksheet_freeze_panes(b->ws, 1, 0);
    if (worksheet_autofilter(b->ws, 0, 0, (lxw_row_t)last, (lxw_col_t)(n - 1)) != LXW_NO_ERROR)
        return luaL_error(L, "%s: cannot set the autofilter", b->who);
    for (c = 1; c <= n; c++) {
        double w;
        lua_rawgeti(L, 3, c);
        w = luaL_checknumber(L, -1);
        lua_pop(L, 1);
        if (worksheet_set_column(b->ws, (lxw_col_t)(c - 1), (lxw_col_t)(c - 1), w, NULL) != LXW_NO_ERROR)
            return luaL_error(L, "%s: cannot set the width of column %d", b->who, (int)c);
    }
    return 0;
}

/* Why a temporary file came out short: the file size limit when the sheet reached it, else a full
 * disk (libxlsxwriter does not keep the errno). */
static int short_reason(double bytes)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && bytes >= (double)rl.rlim_cur) return EFBIG;
    return ENOSPC;
}

/* Writes the workbook and puts it in place. 0, or -1 with the reason in msg; a failure counts a
 * lost write. The workbook is freed either way. */
static int commit(Book *b, char *msg, size_t n)
{
    lxw_error e;
    int err = end_sheet(b);
    double largest = 0;
    struct stat st;
    if (err) {
        e = LXW_ERROR_CREATING_TMPFILE;
        lxw_workbook_free(b->wb); /* rows were lost: not written at all */
    } else {
        errno = 0;
        e = workbook_close(b->wb);
        err = errno ? errno : EIO;
        if (e == LXW_NO_ERROR && b->mode != MODE_DIRECT && !sheets_whole(b->file, b->rows_bytes, &largest)) {
            e = LXW_ERROR_READING_TMPFILE; /* a sheet cut short in a temporary file */
            err = short_reason(largest);
        }
    }
    b->wb = NULL;
    b->ws = NULL;
    if (e != LXW_NO_ERROR) {
        if (b->mode != MODE_DIRECT) unlink(b->file);
        b->temp_left = 0;
        att_files_lost(shown(b), err);
        if (e == LXW_ERROR_READING_TMPFILE && largest > 0)
            snprintf(msg, n, "cannot write \"%s\": %s (a sheet came out short: a temporary file in %s)", shown(b),
                     strerror(err), tmpdir());
        else
            snprintf(msg, n, "cannot write \"%s\": %s (%s)", shown(b), strerror(err), lxw_strerror(e));
        return -1;
    }
    if (b->mode != MODE_RENAME) return 0;
    if (stat(b->path, &st) == 0 && S_ISREG(st.st_mode)) chmod(b->file, st.st_mode & 07777);
    if (rename(b->file, b->path) != 0) {
        err = errno;
        unlink(b->file);
        att_files_lost(b->path, err);
        snprintf(msg, n, "cannot rename \"%s\" to \"%s\": %s", b->file, b->path, strerror(err));
        return -1;
    }
    return 0;
}

/* Frees the workbook without writing it; removes a temporary file. */
static void discard(Book *b)
{
    if (b->wb) lxw_workbook_free(b->wb);
    b->wb = NULL;
    b->ws = NULL;
    if (b->temp_left) unlink(b->file);
    b->temp_left = 0;
}

/* Hands the temporary file to sink (at i) in chunks, then removes it. [-0, +0, e] */
static void drain(lua_State *L, Book *b, int i)
{
    char buf[65536];
    size_t got;
    FILE *f = fopen(b->file, "rb");
    if (!f) {
        luaL_error(L, "%s: cannot read the temporary workbook %s: %s", b->who, b->file, strerror(errno));
        return;
    }
    unlink(b->file); /* open: read to the end, gone even if sink raises */
    b->temp_left = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        lua_pushvalue(L, i);
        lua_pushlstring(L, buf, got);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
            fclose(f);
            lua_error(L);
        }
    }
    if (ferror(f)) {
        fclose(f);
        luaL_error(L, "%s: cannot read the temporary workbook: %s", b->who, strerror(EIO));
    }
    fclose(f);
}

/* wb:close([sink]): writes the workbook and puts it in place (a temporary one goes to sink, a
 * function called with each chunk). true; raises on failure (the previous file is untouched). */
static int xl_close(lua_State *L)
{
    Book *b = open_book(L, 1);
    char msg[PATH_MAX * 2 + 200];
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    if (commit(b, msg, sizeof msg) != 0) return luaL_error(L, "%s: %s", b->who, msg);
    if (b->temp_left && !lua_isnoneornil(L, 2)) drain(L, b, 2);
    discard(b); /* a temporary file nobody took */
    lua_pushboolean(L, 1);
    return 1;
}

/* is_open(wb) -> true until the workbook is closed or discarded. */
static int xl_is_open(lua_State *L)
{
    lua_pushboolean(L, check_book(L, 1)->wb != NULL);
    return 1;
}

static int xl_discard(lua_State *L)
{
    discard(check_book(L, 1));
    return 0;
}

/* __close(wb, err): commits after a normal end of the scope, discards after an error. */
static int xl_toclose(lua_State *L)
{
    Book *b = check_book(L, 1);
    if (!b->wb) return 0;
    if (!lua_isnil(L, 2)) {
        discard(b);
        return 0;
    }
    lua_settop(L, 1);
    return xl_close(L);
}

/* __gc: a workbook still open is committed; a failure is the lost write it counted. */
static int xl_gc(lua_State *L)
{
    Book *b = check_book(L, 1);
    char msg[PATH_MAX * 2 + 200];
    if (b->wb && b->mode != MODE_TEMP) commit(b, msg, sizeof msg);
    discard(b);
    return 0;
}

/* stdout_is_terminal() -> true when standard output is a terminal. */
static int xl_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty(STDOUT_FILENO));
    return 1;
}

static int open_module(lua_State *L)
{
    static const luaL_Reg fns[] = {{"open", xl_open},       {"sheet", xl_sheet},
                                   {"row", xl_row},         {"finish", xl_finish},
                                   {"discard", xl_discard}, {"stdout_is_terminal", xl_isatty},
                                   {"is_open", xl_is_open}, {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", xl_gc}, {"__close", xl_toclose}, {NULL, NULL}};
    luaL_newmetatable(L, BOOK_MT);
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L); /* methods */
    lua_pushcfunction(L, xl_close);
    lua_setfield(L, -2, "close");
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "__index");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -3, "__metatable");
    luaL_newlibtable(L, fns);
    lua_pushvalue(L, lua_upvalueindex(1));
    luaL_setfuncs(L, fns, 1);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "methods");
    return 1;
}

void att_xlsx_install(lua_State *L, int confined)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushboolean(L, confined);
    lua_pushcclosure(L, open_module, 1);
    lua_setfield(L, -2, "att.xlsx_c");
    lua_pop(L, 1);
}
