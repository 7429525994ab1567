/* repl_complete.c — see repl_complete.h. The word before the cursor ("att.se", "r:co", "pri") is
 * split at its last '.' or ':'; the part before is looked up from the globals one field at a time
 * (tables only, so that completing runs no code but the __index of a table) and the names of the
 * table found, and of the tables its metatable's __index chain leads to, are offered. Everything
 * runs under lua_pcall: an error while completing offers nothing. */
#include "cli/repl_complete.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

typedef struct Cand {
    char *text;
    int func; /* the value is a function: a single match gets "(" after it */
} Cand;

/* readline's completion hooks take no user data: the state and the candidates of the completion
 * under way live here, between att_complete_init and att_complete_end. */
static struct {
    lua_State *L;
    Cand *c;
    size_t n, cap, next;
} cs;

static const char *const KEYWORDS[] = {"and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
                                       "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
                                       "repeat",   "return", "then", "true", "until",  "while", NULL};

static void clear_cands(void)
{
    size_t i;
    for (i = 0; i < cs.n; i++) free(cs.c[i].text);
    free(cs.c);
    cs.c = NULL;
    cs.n = cs.cap = cs.next = 0;
}

static int ident(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    }
    return 1;
}

/* Offers head .. name when name starts with the partial word; memory errors drop the name. */
static void offer(const char *head, size_t hn, const char *name, size_t nn, const char *part, size_t pn, int func)
{
    char *t;
    if (nn < pn || memcmp(name, part, pn) != 0 || !ident(name, nn)) return;
    if (cs.n == cs.cap) {
        size_t cap = cs.cap ? cs.cap * 2 : 32;
        Cand *c = realloc(cs.c, cap * sizeof *c);
        if (!c) return;
        cs.c = c;
        cs.cap = cap;
    }
    t = malloc(hn + nn + 1);
    if (!t) return;
    memcpy(t, head, hn);
    memcpy(t + hn, name, nn);
    t[hn + nn] = '\0';
    cs.c[cs.n].text = t;
    cs.c[cs.n].func = func;
    cs.n++;
}

/* The string keys of the table on top (methods only: those with function values). [-0, +0, -] */
static void offer_keys(lua_State *L, const char *head, size_t hn, const char *part, size_t pn, int methods)
{
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        int func = lua_type(L, -1) == LUA_TFUNCTION;
        if (lua_type(L, -2) == LUA_TSTRING && (func || !methods)) {
            size_t nn;
            const char *name = lua_tolstring(L, -2, &nn);
            offer(head, hn, name, nn, part, pn, func);
        }
        lua_pop(L, 1);
    }
}

/* The names of the value on top: its own (a table's), then those of the tables its metatable's
 * __index leads to, a few levels up (classes inheriting from classes). [-0, +0, e] */
static void offer_names(lua_State *L, const char *head, size_t hn, const char *part, size_t pn, int methods)
{
    int depth;
    lua_pushvalue(L, -1);
    for (depth = 0; depth < 8; depth++) {
        if (lua_type(L, -1) == LUA_TTABLE) offer_keys(L, head, hn, part, pn, methods);
        if (!lua_getmetatable(L, -1)) break;
        lua_getfield(L, -1, "__index");
        lua_remove(L, -2);
        lua_remove(L, -2);
        if (lua_type(L, -1) != LUA_TTABLE) break;
    }
    lua_pop(L, 1);
}

/* att's bundled modules (att.report, att.query ...) load on first use, so they are no keys of
 * att until then: offered by their names in package.preload, for those att really gives. [-0, +0, e] */
static void offer_lazy(lua_State *L, const char *head, size_t hn, const char *part, size_t pn)
{
    int att = lua_gettop(L);
    lua_getglobal(L, "package");
    if (lua_type(L, -1) != LUA_TTABLE || lua_getfield(L, -1, "preload") != LUA_TTABLE) {
        lua_settop(L, att);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        size_t nn = 0;
        int loaded;
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &nn) : NULL;
        lua_pop(L, 1);
        if (!name || nn <= 4 || memcmp(name, "att.", 4) != 0 || nn - 4 < pn || memcmp(name + 4, part, pn) != 0)
            continue;
        lua_pushstring(L, name + 4);
        loaded = lua_rawget(L, att) != LUA_TNIL; /* then offer_names offered it */
        lua_pop(L, 1);
        if (!loaded && lua_getfield(L, att, name + 4) != LUA_TNIL) offer(head, hn, name + 4, nn - 4, part, pn, 0);
        if (!loaded) lua_pop(L, 1);
    }
    lua_settop(L, att);
}

/* l_collect(word): fills cs with the completions of word. [-1, +0, e] */
static int l_collect(lua_State *L)
{
    size_t n, i, start = 0;
    const char *w = luaL_checklstring(L, 1, &n);
    const char *sep = NULL;
    for (i = 0; i < n; i++)
        if (w[i] == '.' || w[i] == ':') sep = w + i;
    lua_pushglobaltable(L);
    if (!sep) {
        for (i = 0; KEYWORDS[i]; i++) offer("", 0, KEYWORDS[i], strlen(KEYWORDS[i]), w, n, 0);
        offer_names(L, "", 0, w, n, 0);
        return 0;
    }
    for (i = 0; w + i <= sep; i++) { /* each field of the path before the last separator */
        if (w + i != sep && w[i] != '.') continue;
        if (w[i] == ':' && w + i != sep) return 0;
        if (!ident(w + start, i - start) || lua_type(L, -1) != LUA_TTABLE) return 0;
        lua_pushlstring(L, w + start, i - start);
        lua_gettable(L, -2);
        lua_remove(L, -2);
        start = i + 1;
    }
    if (*sep == '.' && lua_type(L, -1) != LUA_TTABLE) return 0;
    offer_names(L, w, (size_t)(sep - w) + 1, sep + 1, n - (size_t)(sep - w) - 1, *sep == ':');
    if (*sep == '.' && sep - w == 3 && memcmp(w, "att", 3) == 0) offer_lazy(L, w, 4, sep + 1, n - 4);
    return 0;
}

static int cmp_cand(const void *a, const void *b) { return strcmp(((const Cand *)a)->text, ((const Cand *)b)->text); }

static char *generate(const char *text, int state)
{
    (void)text;
    if (state == 0) cs.next = 0;
    return cs.next < cs.n ? strdup(cs.c[cs.next++].text) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    lua_State *L = cs.L;
    int top = lua_gettop(L);
    size_t i, k;
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1; /* never file names */
    rl_completion_append_character = '\0';
    clear_cands();
    lua_pushcfunction(L, l_collect);
    lua_pushstring(L, text);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        clear_cands();
        lua_settop(L, top);
        return NULL;
    }
    lua_settop(L, top);
    if (cs.n == 0) return NULL;
    qsort(cs.c, cs.n, sizeof *cs.c, cmp_cand);
    for (i = k = 1; i < cs.n; i++) { /* a name both a table's own and its class's is offered once */
        if (strcmp(cs.c[i].text, cs.c[k - 1].text) == 0)
            free(cs.c[i].text);
        else
            cs.c[k++] = cs.c[i];
    }
    cs.n = k;
    if (cs.n == 1 && cs.c[0].func) rl_completion_append_character = '(';
    return rl_completion_matches(text, generate);
}

void att_complete_init(lua_State *L)
{
    cs.L = L;
    rl_readline_name = "att";
    /* '.' and ':' are not among them: "att.se" is one word to complete. */
    rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{}()[],+-*/%^#~!";
    rl_attempted_completion_function = complete;
}

void att_complete_end(void)
{
    clear_cands();
    rl_attempted_completion_function = NULL;
    cs.L = NULL;
}
