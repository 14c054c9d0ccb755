# Vigil — build, run and test.  See README.md.
#
#   make            build build/vigil
#   make run        install missing Debian packages (as root), build, start the demo server
#   make test       build and run every test; ends with "N passed, N failed"
#   make asan       the unit and API tests again under AddressSanitizer + UBSan (clang)
#   make fuzz       build the libFuzzer targets (clang)
#   make fuzz-run   build them and run each from its seed corpus (scripts/fuzz.sh:
#                   FUZZ_SECONDS in all, default 180); a crash fails
#   make clean

CC       ?= cc
PORT     ?= 8080
PKGS     := libmicrohttpd jansson sqlite3 libsodium libpq proj libcurl gnutls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc $(PKG_CFLAGS) $(CFLAGS)
LDLIBS   := $(PKG_LIBS) -lpthread -lm

SRC      := $(sort $(wildcard src/*.c src/*/*.c))
LIBSRC   := $(filter-out src/main.c,$(SRC))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# One build tree per flavour: build/ (default) and build/asan/.
B        ?= build
OBJ      := $(LIBSRC:src/%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all run test asan fuzz fuzz-run clean deps test-deps unit api bench web
all: $(B)/vigil

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libvigil.a: $(OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(B)/vigil: $(B)/obj/main.o $(B)/libvigil.a
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/obj/main.o: src/main.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/tests/%: tests/unit/%.c $(B)/libvigil.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libvigil.a $(LDLIBS) -lcmocka

deps:
	@scripts/deps.sh build

# The browser UI's libraries, from npm (package-lock.json), copied into
# web/vendor/ where vigil serves them.  Nothing to build: plain ES modules.
# axe-core is for the browser tests, which load it into each page they check
# from web/vendor/axe/ (the page's CSP allows scripts from 'self' only).
WEB_VENDOR := web/vendor/leaflet/leaflet-src.esm.js web/vendor/uplot/uPlot.esm.js \
              web/vendor/axe/axe.min.js
web: $(WEB_VENDOR)
node_modules/.package-lock.json: package.json package-lock.json
	@echo "  NPM     ci"
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@
$(WEB_VENDOR): node_modules/.package-lock.json
	@rm -rf web/vendor
	@mkdir -p web/vendor/leaflet web/vendor/uplot web/vendor/axe
	@cp -r node_modules/leaflet/dist/leaflet-src.esm.js node_modules/leaflet/dist/leaflet.css \
	  node_modules/leaflet/dist/images node_modules/leaflet/LICENSE web/vendor/leaflet/
	@cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css \
	  node_modules/uplot/LICENSE web/vendor/uplot/
	@cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE web/vendor/axe/
	@echo "  WEB     web/vendor (leaflet, uplot, axe-core)"
test-deps:
	@scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory $(B)/vigil web
	@mkdir -p var
	@echo "Starting Vigil on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	exec $(B)/vigil serve --db var/vigil.db --listen 127.0.0.1:$(PORT) --demo

test: test-deps
	@$(MAKE) --no-print-directory $(B)/vigil $(UNIT_BIN) web
	@tests/run.sh $(B)

asan: test-deps
	@$(MAKE) --no-print-directory B=build/asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" build/asan/vigil $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
	@$(MAKE) --no-print-directory web
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run.sh build/asan

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
fuzz:
	@$(MAKE) --no-print-directory B=build/fuzz CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" build/fuzz/libvigil.a
	@for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); echo "  FUZZ    build/fuzz/$$n"; \
	  clang -std=c11 -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o build/fuzz/$$n $$f build/fuzz/libvigil.a $(LDLIBS) || exit 1; done

FUZZ_SECONDS ?= 180
fuzz-run:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

bench: $(B)/bench/monitor $(B)/bench/crypt $(B)/bench/soak
$(B)/bench/soak: bench/soak.c
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(ALL_CFLAGS) -O2 -o $@ $<
$(B)/bench/%: bench/%.c $(B)/libvigil.a
	@mkdir -p $(dir $@)
	@echo "  BENCH   $@"
	@$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -O2 -o $@ $< $(B)/libvigil.a $(LDLIBS)

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(B)/obj/main.d
