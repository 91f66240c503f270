# netfault: build, test, run and install.
#
#   make            build netfaultd and netfaultctl (what `scripts/install-deps`
#                   installs for; the test programs need Check: make check)
#   make tests      build the test and benchmark programs
#   make check      unit tests (plain and ASan+UBSan), then root integration
#                   tests in real network namespaces, then CLI tests
#   make run        start netfaultd if needed and run $(SCENARIO)
#   make bench      topology and delay-line benchmarks against iproute2
#   make stress     1000 near-zero runs through one daemon: fds and memory
#   make install    install into $(DESTDIR)$(PREFIX)
#
# Every directory becomes a static library; new .c files are picked up by
# wildcard, so adding a file needs no change here.

PREFIX   ?= /usr/local
DESTDIR  ?=
SCENARIO ?= scenarios/poweroff.yaml
CC       ?= cc
B        := build

PKGS     := libnl-3.0 libnl-route-3.0 libmnl libnetfilter_queue yaml-0.1 jansson libpcap libnftables libxml-2.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# cairo draws netfaultctl's --plot; only netfaultctl links it
CAIRO_CFLAGS := $(shell pkg-config --cflags cairo 2>/dev/null)
CAIRO_LIBS   := $(shell pkg-config --libs cairo 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wformat-security \
	-Wundef -Wvla -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough \
	-Wno-unused-parameter
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS := $(PKG_LIBS) -lpthread -lm

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIBS := common netns scenario theory engine
common_SRC   := $(wildcard common/*.c)
netns_SRC    := $(wildcard netns/*.c)
scenario_SRC := $(wildcard scenario/*.c)
theory_SRC   := $(wildcard theory/*.c)
engine_SRC   := $(wildcard engine/*.c engine/*/*.c)
# link order: most dependent first
LIBA     := $(B)/libengine.a $(B)/libtheory.a $(B)/libscenario.a $(B)/libnetns.a $(B)/libcommon.a
SAN_LIBA := $(patsubst $(B)/%,$(B)/san/%,$(LIBA))

DAEMON_SRC := $(wildcard daemon/*.c)
# daemon/ without its main(): the rooms the unit tests link
daemonlib_SRC := $(filter-out daemon/netfaultd.c,$(DAEMON_SRC))
CTL_SRC    := $(wildcard ctl/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
INTEG_SRC  := $(wildcard tests/integ/test_*.c)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
BENCH_SRC  := $(wildcard bench/*.c)

UNIT_BIN     := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
UNIT_SAN_BIN := $(patsubst tests/unit/%.c,$(B)/san/tests/%,$(UNIT_SRC))
INTEG_BIN    := $(patsubst tests/integ/%.c,$(B)/tests/integ_%,$(INTEG_SRC))
BENCH_BIN    := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))

.SECONDARY:
.PHONY: all tests check check-unit check-san check-integ check-cli run bench install uninstall clean deps
all: $(B)/netfaultd $(B)/netfaultctl
tests: all $(UNIT_BIN) $(UNIT_SAN_BIN) $(INTEG_BIN) $(BENCH_BIN)

# --- objects -------------------------------------------------------------
$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/san/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(CHECK_CFLAGS) -c -o $@ $<

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
sanobj = $(patsubst %.c,$(B)/san/obj/%.o,$(1))

$(B)/libcommon.a: $(call obj,$(common_SRC))
$(B)/libnetns.a: $(call obj,$(netns_SRC))
$(B)/libscenario.a: $(call obj,$(scenario_SRC))
$(B)/libengine.a: $(call obj,$(engine_SRC))
$(B)/libtheory.a: $(call obj,$(theory_SRC))
$(B)/libdaemon.a: $(call obj,$(daemonlib_SRC))
$(B)/san/libcommon.a: $(call sanobj,$(common_SRC))
$(B)/san/libnetns.a: $(call sanobj,$(netns_SRC))
$(B)/san/libscenario.a: $(call sanobj,$(scenario_SRC))
$(B)/san/libengine.a: $(call sanobj,$(engine_SRC))
$(B)/san/libtheory.a: $(call sanobj,$(theory_SRC))
$(B)/san/libdaemon.a: $(call sanobj,$(daemonlib_SRC))
$(B)/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# --- programs ------------------------------------------------------------
$(B)/netfaultd: $(call obj,$(DAEMON_SRC)) $(LIBA)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# the client links no netlink, engine or daemon code: the timer model, the
# parser (a sweep's cells: scenario/sweep.c), common/, and the libraries below
CTL_LIBA   := $(B)/libtheory.a $(B)/libscenario.a $(B)/libcommon.a
CTL_LDLIBS := $(shell pkg-config --libs yaml-0.1 jansson libxml-2.0 2>/dev/null) -lm
$(B)/netfaultctl: $(call obj,$(CTL_SRC)) $(CTL_LIBA)
	$(CC) $(CFLAGS) -o $@ $^ $(CTL_LDLIBS) $(CAIRO_LIBS)

$(B)/obj/ctl/%.o: ALL_CFLAGS += $(CAIRO_CFLAGS)

# netfaultctl finds scenarios by name in the installed examples, the
# directory `make install` copies scenarios/ to: compiled in from PREFIX, and
# compiled again when PREFIX changes ($(B)/examples-dir remembers it)
EXAMPLES_DIR := $(PREFIX)/share/netfault/scenarios
$(B)/obj/ctl/scenario_path.o: ALL_CFLAGS += -DNF_EXAMPLES_DIR='"$(EXAMPLES_DIR)"'
$(B)/obj/ctl/scenario_path.o: $(B)/examples-dir
$(B)/examples-dir: FORCE
	@mkdir -p $(B)
	@echo '$(EXAMPLES_DIR)' | cmp -s - $@ || echo '$(EXAMPLES_DIR)' >$@
.PHONY: FORCE
FORCE:

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(call obj,$(TESTLIB_SRC)) $(B)/libdaemon.a $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/san/tests/%: $(B)/san/obj/tests/unit/%.o $(call sanobj,$(TESTLIB_SRC)) \
		$(B)/san/libdaemon.a $(SAN_LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/tests/integ_%: $(B)/obj/tests/integ/%.o $(call obj,$(TESTLIB_SRC)) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/bench/%: $(B)/obj/bench/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# test_ladder reads netfaultctl's ladder of a run (ctl/ladder*.c), no daemon
LADDER_SRC := ctl/ladder_model.c ctl/ladder_marks.c ctl/ladder_svg.c ctl/xmlout.c ctl/member.c
$(B)/tests/test_ladder: $(call obj,$(LADDER_SRC))
$(B)/san/tests/test_ladder: $(call sanobj,$(LADDER_SRC))

$(B)/obj/tests/%.o: ALL_CFLAGS += $(CHECK_CFLAGS)
$(B)/obj/tests/%.o $(B)/san/obj/tests/%.o: | check-lib

# the test programs need Check; say so instead of failing on a missing header
.PHONY: check-lib
check-lib:
	@pkg-config --exists check || { echo "make: the tests need Check (libcheck): run sh scripts/install-deps --test" >&2; exit 1; }

# --- tests ---------------------------------------------------------------
check: tests
	@tests/run-all $(B)

check-unit: $(UNIT_BIN)
	@tests/run-all $(B) unit

check-san: $(UNIT_SAN_BIN)
	@tests/run-all $(B) san

check-integ: all $(INTEG_BIN)
	@tests/run-all $(B) integ

check-cli: all
	@tests/run-all $(B) cli

deps:
	@scripts/install-deps --test

run: $(B)/netfaultd $(B)/netfaultctl
	@scripts/run-scenario $(B) $(SCENARIO)

bench: all $(BENCH_BIN)
	@bench/run $(B)

# --- fuzzing -------------------------------------------------------------
# libFuzzer targets: tests/fuzz/fuzz_NAME.c with its corpus in
# tests/fuzz/corpus/NAME/, both picked up by wildcard (tests/fuzz/run says
# how a target names extra seed directories and its input size cap). They are
# built with clang, ASan and UBSan under $(B)/fuzz/, apart from everything
# above: the libraries are compiled again there with coverage instrumentation.
#
#   make fuzz [FUZZ_SECONDS=60]   build, then run each target FUZZ_SECONDS
#   make fuzz-tests               build them only
#   make check-fuzz               a short run of each (FUZZ_CHECK_SECONDS=3);
#                                 make check includes it
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 3
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang's -Wformat=2 also flags the v*printf wrappers (log.c); gcc's does not
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) -Wno-format-nonliteral -O1 -g \
	-I. $(PKG_CFLAGS) -MMD -MP $(FUZZ_SAN)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
# daemon/ without its main(), for targets of the control protocol
fuzzdaemon_SRC := $(filter-out daemon/netfaultd.c,$(DAEMON_SRC))
FUZZ_LIBA    := $(patsubst %,$(B)/fuzz/lib%.a,fuzzdaemon engine theory scenario netns common)
fuzzobj = $(patsubst %.c,$(B)/fuzz/obj/%.o,$(1))

.PHONY: fuzz fuzz-tests check-fuzz fuzz-toolchain fuzz-tests-if-possible
fuzz-tests: $(FUZZ_BIN)

fuzz: fuzz-tests
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_CC=$(FUZZ_CC) tests/fuzz/run $(B)

check-fuzz: fuzz-tests-if-possible
	@FUZZ_CHECK_SECONDS=$(FUZZ_CHECK_SECONDS) FUZZ_CC=$(FUZZ_CC) tests/run-all $(B) fuzz

# make check builds the targets where clang and its fuzzer runtime are
# installed; where they are not, tests/run-all skips them naming what is missing
check: fuzz-tests-if-possible
fuzz-tests-if-possible:
	@if tests/fuzz/toolchain $(FUZZ_CC) >/dev/null; then \
		$(MAKE) --no-print-directory B=$(B) fuzz-tests; fi

fuzz-toolchain:
	@msg=$$(tests/fuzz/toolchain $(FUZZ_CC)) || \
		{ echo "make: cannot build the fuzz targets: $$msg" >&2; exit 1; }

$(B)/fuzz/obj/%.o: %.c | fuzz-toolchain
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/obj/tests/fuzz/%.o: tests/fuzz/%.c | fuzz-toolchain
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -c -o $@ $<

$(B)/fuzz/libfuzzdaemon.a: $(call fuzzobj,$(fuzzdaemon_SRC))
$(B)/fuzz/libengine.a: $(call fuzzobj,$(engine_SRC))
$(B)/fuzz/libscenario.a: $(call fuzzobj,$(scenario_SRC))
$(B)/fuzz/libtheory.a: $(call fuzzobj,$(theory_SRC))
$(B)/fuzz/libnetns.a: $(call fuzzobj,$(netns_SRC))
$(B)/fuzz/libcommon.a: $(call fuzzobj,$(common_SRC))

$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIBA)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# --- on Debian's stock kernel, in a VM ------------------------------------
# tests/vm/ (tests/vm/run says how): qemu boots Debian 12's kernel, from the
# package linux-image-amd64 depends on, fetched with apt-get download and
# unpacked into $(B)/vm/ (nothing installed), with this machine's root file
# system read-only over 9p; KVM where it works, else software emulation.
#
#   make check-vm   the netem tests, every scenario under netfaultd -e netem
#                   and -e queue (verdicts and steps compared), the
#                   kernel-behaviour suites; TAP. make check runs it too
#                   (tests/run-all kind vm), skipped where qemu is missing
#   make bench-vm   bench/delayline in the VM: netem's delay error beside the
#                   queue engine's, on the same emulated machine
# The environment's VM_TIMEOUT (seconds, default 1500) bounds the VM and
# VM_MEMORY (default 3G) sizes it.
.PHONY: check-vm bench-vm
check-vm: all $(INTEG_BIN)
	@tests/vm/run $(B) check

bench-vm: all $(BENCH_BIN)
	@tests/vm/run $(B) bench

# --- stress --------------------------------------------------------------
# Not part of check: it takes minutes. scripts/stress -h for its options,
# e.g. make stress STRESS_ARGS="-m 512K".
STRESS_ARGS ?=
.PHONY: stress
stress: all
	@scripts/stress $(B) $(STRESS_ARGS)

# --- install -------------------------------------------------------------
# The Python client (clients/python/netfault) goes where $(PYTHON) imports
# from under PREFIX (scripts/python-sitedir); set PYTHON_SITEDIR to choose.
PYTHON ?= python3
PYTHON_SITEDIR ?= $(shell $(PYTHON) scripts/python-sitedir $(PREFIX) 2>/dev/null || \
	echo $(PREFIX)/lib/python3/dist-packages)
install: $(B)/netfaultd $(B)/netfaultctl
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/netfault/scenarios \
		$(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(B)/netfaultd $(DESTDIR)$(PREFIX)/sbin/netfaultd
	install -m 0755 $(B)/netfaultctl $(DESTDIR)$(PREFIX)/bin/netfaultctl
	install -m 0644 man/netfaultctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/netfault-scenario.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/netfaultd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 scenarios/*.yaml $(DESTDIR)$(PREFIX)/share/netfault/scenarios/
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' dist/netfaultd.service.in > $(DESTDIR)$(PREFIX)/lib/systemd/system/netfaultd.service
	install -d $(DESTDIR)$(PYTHON_SITEDIR)/netfault
	install -m 0644 clients/python/netfault/*.py $(DESTDIR)$(PYTHON_SITEDIR)/netfault/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/netfaultd $(DESTDIR)$(PREFIX)/bin/netfaultctl \
		$(DESTDIR)$(PREFIX)/share/man/man1/netfaultctl.1 \
		$(DESTDIR)$(PREFIX)/share/man/man5/netfault-scenario.5 \
		$(DESTDIR)$(PREFIX)/share/man/man8/netfaultd.8 \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/netfaultd.service
	rm -rf $(DESTDIR)$(PREFIX)/share/netfault $(DESTDIR)$(PYTHON_SITEDIR)/netfault

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
