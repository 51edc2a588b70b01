# skillreg - build, run and test. See README.md.
#
#   make            build build/skillreg
#   make run        install missing packages, build, seed a demo catalog, serve
#   make test       build and run every test (unit, HTTP end-to-end, real clawhub CLI, web pages
#                   in headless Chromium, sign-in through a real OpenID Connect provider); the
#                   HTTP, CLI, web and oidc groups on SQLite and on a PostgreSQL cluster the
#                   tests start (SR_DB=sqlite|postgres for one; README)
#   make test-asan  the same suite with AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz       run every libFuzzer target (tests/fuzz) for FUZZ_SECONDS each (default 60);
#                   fails on any crash (docs/fuzzing.md)
#   make bench      measure against DESIGN.md section 7 and write BENCHMARKS.md

CC ?= cc
PKGS := libmicrohttpd jansson sqlite3 libpq libzip yaml-0.1 libcrypto libcmark-gfm yara libargon2 libcurl
TEST_PKGS := cmocka libcurl

BUILD ?= build
MODE_CFLAGS ?= -O2 -g
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wno-unused-parameter -fno-strict-aliasing -Isrc -I$(BUILD)/gen
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TEST_CFLAGS := $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
ALL_CFLAGS = $(CFLAGS_BASE) $(MODE_CFLAGS) $(PKG_CFLAGS) $(EXTRA_CFLAGS)

SRC := $(sort $(wildcard src/*/*.c))
# src/cmd (main and the subcommands) is the top layer: it goes into build/skillreg only, never
# into the library the test programs link.
CMD_SRC := $(sort $(wildcard src/cmd/*.c))
LIB_SRC := $(filter-out $(CMD_SRC),$(SRC))
LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC))
CMD_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CMD_SRC))
SQL := $(sort $(wildcard sql/sqlite/*.sql))
PG_SQL := $(sort $(wildcard sql/postgres/*.sql))
GEN := $(BUILD)/gen/migrations_sqlite.h $(BUILD)/gen/migrations_postgres.h $(BUILD)/gen/scanner_rules.h \
	$(BUILD)/gen/web_assets.h

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HTTP_SRC := $(sort $(wildcard tests/http/test_*.c))
HTTP_BIN := $(patsubst tests/http/%.c,$(BUILD)/tests/%,$(HTTP_SRC))
HTTP_LIB := $(sort $(wildcard tests/http/*.c))
HTTP_LIB := $(filter-out $(HTTP_SRC),$(HTTP_LIB))
# The libFuzzer targets: built with clang in a build directory of their own (build-fuzz),
# every object instrumented for coverage and checked by ASan and UBSan.
FUZZ_BUILD := build-fuzz
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60

.PHONY: all run test test-unit test-http test-cmd test-cli test-web test-oidc test-asan deps clean bench fuzz fuzz-build FORCE

all: $(BUILD)/skillreg

deps:
	@scripts/install-deps

$(BUILD)/gen/migrations_sqlite.h: $(SQL) scripts/embed-sql
	@mkdir -p $(dir $@)
	scripts/embed-sql sr__migrations_sqlite $(SQL) > $@.tmp && mv $@.tmp $@

# PostgreSQL's migrations (sql/postgres), compiled in the same way.
$(BUILD)/gen/migrations_postgres.h: $(PG_SQL) scripts/embed-sql
	@mkdir -p $(dir $@)
	scripts/embed-sql sr__migrations_postgres $(PG_SQL) > $@.tmp && mv $@.tmp $@

# The scanner's YARA rules and popular slugs (docs/scanner.md), compiled in like the
# migrations: the rule files are joined in name order into one source.
SCAN_RULES := $(sort $(wildcard rules/*.yar))
$(BUILD)/gen/scanner_rules.h: $(SCAN_RULES) rules/popular-slugs.txt scripts/embed-text
	@mkdir -p $(dir $@)
	cat $(SCAN_RULES) > $@.yar
	(scripts/embed-text sr__scanner_rules_builtin $@.yar && \
	 scripts/embed-text sr__scanner_popular_builtin rules/popular-slugs.txt) > $@.tmp && mv $@.tmp $@

# The web site's stylesheet and icon (src/web/static), compiled in: pages load nothing else.
$(BUILD)/gen/web_assets.h: src/web/static/site.css src/web/static/icon.svg scripts/embed-text
	@mkdir -p $(dir $@)
	(scripts/embed-text sr__web_css src/web/static/site.css && \
	 scripts/embed-text sr__web_icon src/web/static/icon.svg) > $@.tmp && mv $@.tmp $@

# `skillreg --version`: the version in VERSION and the commit of HEAD, checked on every make;
# the header is rewritten only when that changes, so only then does main.o rebuild.
$(BUILD)/gen/version.h: FORCE
	@scripts/gen-version VERSION $@

$(BUILD)/obj/cmd/main.o: $(BUILD)/gen/version.h

$(BUILD)/obj/%.o: src/%.c $(GEN)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libskillreg.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/skillreg: $(CMD_OBJ) $(BUILD)/libskillreg.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(EXTRA_LDFLAGS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libskillreg.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $< $(BUILD)/libskillreg.a $(PKG_LIBS) $(TEST_LIBS) $(EXTRA_LDFLAGS)

$(BUILD)/tests/test_%: tests/http/test_%.c $(HTTP_LIB) $(BUILD)/libskillreg.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Itests -o $@ $< $(HTTP_LIB) $(BUILD)/libskillreg.a $(PKG_LIBS) $(TEST_LIBS) $(EXTRA_LDFLAGS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/libskillreg.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(BUILD)/libskillreg.a $(PKG_LIBS) $(EXTRA_LDFLAGS)

# run and test install packages first, then build in a fresh make so that pkg-config sees
# the libraries that were just installed.
run: deps
	@$(MAKE) --no-print-directory $(BUILD)/skillreg
	scripts/run-demo

test: deps
	@$(MAKE) --no-print-directory $(BUILD)/skillreg $(UNIT_BIN) $(HTTP_BIN)
	@$(MAKE) --no-print-directory fuzz-build
	scripts/check-banned
	scripts/check-layers
	scripts/check-layers --self-test
	BUILD=$(BUILD) scripts/run-tests

test-unit: $(UNIT_BIN)
	BUILD=$(BUILD) SR_TESTS=unit scripts/run-tests

test-http: $(BUILD)/skillreg $(HTTP_BIN)
	BUILD=$(BUILD) SR_TESTS=http scripts/run-tests

test-cmd: $(BUILD)/skillreg
	BUILD=$(BUILD) SR_TESTS=cmd scripts/run-tests

test-cli: $(BUILD)/skillreg
	BUILD=$(BUILD) SR_TESTS=cli scripts/run-tests

test-web: $(BUILD)/skillreg
	BUILD=$(BUILD) SR_TESTS=web scripts/run-tests

test-oidc: $(BUILD)/skillreg
	BUILD=$(BUILD) SR_TESTS=oidc scripts/run-tests

test-asan:
	$(MAKE) BUILD=build-asan MODE_CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# fuzz-build: the targets, whatever build the caller is in (its variables are overridden here).
# gcc's -Werror build is the one that holds the code to its warnings; clang warns of other
# things (designated initializers that leave a field out), which here are not errors, so a
# warning only clang gives cannot keep the fuzz targets from building.
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
		MODE_CFLAGS="-Wno-error -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		EXTRA_LDFLAGS="-fsanitize=address,undefined" $(FUZZ_BIN)

# fuzz: every target for FUZZ_SECONDS; FUZZ_CORPUS (a directory, or several separated by
# spaces) adds inputs to start from beside tests/fuzz/seeds (scripts/run-fuzz).
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) scripts/run-fuzz $(FUZZ_SECONDS)

# bench: measure skillreg beside nginx and Verdaccio and write BENCHMARKS.md (bench/run).
# SKILLS, SCALE, DURATION, REPEAT, PARTS and BENCH_PG pass through, e.g. `make bench SCALE=quick`
# or `make bench PARTS=pg` (only the PostgreSQL part, bench/pg.sh).
bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/skillreg
	BIN=$(BUILD)/skillreg bench/run

clean:
	rm -rf build build-asan $(FUZZ_BUILD)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
