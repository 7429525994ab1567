# att — a Lua 5.4 host for the AT&T Omni Customer Search API.
#
#   make            build ./att and ./att-sandbox
#   make demo       install missing Debian packages, build, run the example reports against the sandbox
#   make test       install missing Debian packages, build, run the whole suite (plain, then ASan+UBSan)
#   make bench      measure att against curl+jq, Python and raw C, and more; writes BENCHMARKS.md
#   make install    install att, att-sandbox, att(1), att-sandbox(1), the docs and example scripts under
#                   PREFIX (default /usr/local)
#
# Flags come from pkg-config; variables use '=' so that they are expanded only when a recipe runs,
# i.e. after 'deps' has installed pkg-config and the -dev packages on a fresh machine.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
CC        ?= cc
PKGS       = lua5.4 libcurl readline libcjson zlib sqlite3 xlsxwriter libpq
SBX_PKGS   = libmicrohttpd libcjson

WARN       = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DATT_VERSION='"$(VERSION)"' $(WARN)
OPT       ?= -O2 -g
CFLAGS_ATT = $(BASE_CFLAGS) $(OPT) $(shell pkg-config --cflags $(PKGS)) -Isrc -Ibuild
LIBS_ATT   = $(shell pkg-config --libs $(PKGS)) -lm
CFLAGS_SBX = $(BASE_CFLAGS) $(OPT) $(shell pkg-config --cflags $(SBX_PKGS)) -Isrc
LIBS_SBX   = $(shell pkg-config --libs $(SBX_PKGS)) -lpthread -lm

# The layers (docs/DESIGN.md): common/ (pure helpers), core/ (HTTP, retries, auth, redaction: no
# Lua), bind/ (module att), host/ (the Lua state, --safe, limits), cli/ (the command line). Every
# .c but cli/main.c is the library the unit tests link against. tools/layers.sh checks the rules.
LAYERS    := common core bind host cli
LIB_SRC   := $(filter-out src/cli/main.c,$(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
MAIN_SRC  := src/cli/main.c
SBX_SRC   := $(wildcard src/sandbox/*.c) $(wildcard src/common/*.c)
LUA_SRC   := $(sort $(wildcard lua/att/*.lua))
HDRS      := $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.h))
SBX_HDRS  := $(wildcard src/sandbox/*.h) $(wildcard src/common/*.h)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

.PHONY: all deps demo test test-plain test-asan unit asan cppcheck clean install bench fuzz fuzz-build layers format format-check
all: att att-sandbox

# The layering rules, checked on every build of att: no Lua header under common/ and core/ (nor in
# the sandbox), includes only downwards (cli > host > bind > core > common; sandbox > common), and
# no cycle between modules (a .c and its .h are one module).
build/layers.ok: tools/layers.sh $(HDRS) $(LIB_SRC) $(MAIN_SRC) $(SBX_SRC) $(SBX_HDRS)
	@mkdir -p build
	@sh tools/layers.sh && touch $@
layers: build/layers.ok

deps:
	@sh tools/deps.sh

# Bundled Lua modules become C arrays (see tools/embed.c), loaded as text with '@lua/att/NAME.lua'
# chunk names so that tracebacks point at the real files.
build/embed: tools/embed.c
	@mkdir -p build
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -o $@ $<

build/lua_bundle.c: build/embed $(LUA_SRC)
	build/embed $(LUA_SRC) > $@.tmp && mv $@.tmp $@

att: $(LIB_SRC) $(MAIN_SRC) build/lua_bundle.c $(HDRS) build/layers.ok
	$(CC) $(CFLAGS_ATT) -o $@ $(LIB_SRC) $(MAIN_SRC) build/lua_bundle.c $(LIBS_ATT)

att-sandbox: $(SBX_SRC) $(SBX_HDRS)
	$(CC) $(CFLAGS_SBX) -o $@ $(SBX_SRC) $(LIBS_SBX)

# AddressSanitizer + UndefinedBehaviorSanitizer builds of both programs and the unit tests.
SAN = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
build/asan/att: $(LIB_SRC) $(MAIN_SRC) build/lua_bundle.c $(HDRS) build/layers.ok
	@mkdir -p build/asan
	$(CC) $(CFLAGS_ATT) $(SAN) -o $@ $(LIB_SRC) $(MAIN_SRC) build/lua_bundle.c $(LIBS_ATT)
build/asan/att-sandbox: $(SBX_SRC) $(SBX_HDRS)
	@mkdir -p build/asan
	$(CC) $(CFLAGS_SBX) $(SAN) -o $@ $(SBX_SRC) $(LIBS_SBX)
build/unit: $(UNIT_SRC) $(LIB_SRC) build/lua_bundle.c $(HDRS) tests/unit/unit.h
	@mkdir -p build
	$(CC) $(CFLAGS_ATT) -Itests/unit -o $@ $(UNIT_SRC) $(LIB_SRC) build/lua_bundle.c $(LIBS_ATT)
build/asan/unit: $(UNIT_SRC) $(LIB_SRC) build/lua_bundle.c $(HDRS) tests/unit/unit.h
	@mkdir -p build/asan
	$(CC) $(CFLAGS_ATT) $(SAN) -Itests/unit -o $@ $(UNIT_SRC) $(LIB_SRC) build/lua_bundle.c $(LIBS_ATT)

asan: build/asan/att build/asan/att-sandbox build/asan/unit

# Fuzz targets (libFuzzer, clang, with ASan+UBSan): response handling, parameter encoding,
# Retry-After parsing and log redaction, the redactor and terminal escaping. `make fuzz` runs each for FUZZ_SECONDS from the seed corpus
# in tests/fuzz/corpus/; new inputs go to build/fuzz/corpus/. The suite replays the seed corpus.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := fuzz_response fuzz_params fuzz_retry_after fuzz_redact
# lua-cjson is linked into the fuzz targets only: the independent decoder jdec.c is checked against.
FUZZ_PKGS   = $(PKGS) lua5.4-cjson
FUZZ_CFLAGS = $(BASE_CFLAGS) -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=all $(shell pkg-config --cflags $(FUZZ_PKGS)) -Isrc -Ibuild
FUZZ_LIBS   = $(shell pkg-config --libs $(FUZZ_PKGS)) -lm
build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h tests/fuzz/fuzz_oracle.h $(LIB_SRC) build/lua_bundle.c $(HDRS)
	@mkdir -p build/fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) build/lua_bundle.c $(FUZZ_LIBS)
fuzz-build: $(addprefix build/fuzz/,$(FUZZ_TARGETS))
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "== $$t: $(FUZZ_SECONDS) s from tests/fuzz/corpus/$$t"; \
	  if ! build/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=1024 \
	      -artifact_prefix=build/fuzz/$$t- build/fuzz/corpus/$$t tests/fuzz/corpus/$$t >build/fuzz/$$t.log 2>&1; then \
	    tail -n 40 build/fuzz/$$t.log; echo "fuzz: $$t failed (inputs in build/fuzz/$$t-*)"; exit 1; fi; \
	  grep -E '^Done [0-9]+ runs' build/fuzz/$$t.log || true; \
	done

# One formatting for all C (.clang-format): 'make format' applies it, the suite checks it.
C_FILES = $(wildcard src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h tests/bench/*.c tools/*.c)
format:
	clang-format -i $(C_FILES)
format-check:
	@bad=$$(for f in $(C_FILES); do clang-format "$$f" | cmp -s - "$$f" || echo "$$f"; done); \
	  if [ -n "$$bad" ]; then echo "not formatted (run make format):" $$bad; exit 1; fi

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --std=c11 -Isrc $(sort $(LIB_SRC) $(MAIN_SRC) $(SBX_SRC)) tools/embed.c

# The suite runs twice: once on the normal build, once on the sanitizer build. Each run prints
# 'N passed, N failed'; the last line is the total of both.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all build/unit asan fuzz-build
	@$(MAKE) --no-print-directory cppcheck format-check
	@sh tests/run.sh

test-plain: all build/unit
	@ATT_SUITES=plain sh tests/run.sh

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

# The benchmark (never part of make test): att (hand-written and idiomatic reports) against curl+jq,
# Python (urllib, keep-alive, a thread pool) and a raw C client on the same att-sandbox data, a
# rate-limited scenario, the writers and att diff; writes BENCHMARKS.md (about 12 minutes; BENCH_*
# knobs in tests/bench/run.sh). Installs what it needs (jq, python3, time).
bench: all
	@sh tests/bench/run.sh

# The programs, their man pages, the API reference and the record shape (share/doc/att/), and the
# example scripts (share/doc/att/examples/). DESTDIR for staged installs; tests/cli/test_install.sh.
DOCDIR     = $(PREFIX)/share/doc/att
MAN_PAGES := doc/att.1 doc/att-sandbox.1
DOCS      := docs/API.md docs/RECORDS.md
EXAMPLES  := $(sort $(wildcard scripts/*.lua))
install: att att-sandbox
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(DOCDIR)/examples
	install -m 755 att att-sandbox $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

clean:
	rm -rf build att att-sandbox
