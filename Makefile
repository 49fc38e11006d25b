# nsl: build, test, run.  On a fresh Debian machine make check and make demo
# install what they need first.
#
#   make          build ./nsl
#   make deps     install every Debian package nsl needs (root or sudo):
#                 the build, test, examples and bench sets
#   make check    run the busted suite inside sandbox network namespaces:
#                 the quick lane (fault matrix strided, some slow specs
#                 left to check-full), files spread over parallel sandboxes
#   make check-full  the whole suite: every fault combination, every spec
#                 (NSL_FULL=1; what CI runs)
#   make check-unit  the specs tagged #unit, without sandbox or privilege
#   make check-kernel  the #kernel specs on Debian's stock kernel, in qemu
#   make asan     the same suite against an AddressSanitizer+UBSan build
#   make soak     random-instant signal runs (spec/faults_spec.lua #soak)
#   make valgrind nsl -e 'print(1)' under valgrind's leak checker
#   make demo     the main job: nginx in a namespace over a veth pair (S2)
#   make bench    topologies and per-test worlds against their peers (bench/speed.sh)
#
# CI=true (or WERROR=1) turns warnings into errors.

PKGS      := lua5.4 libmnl libedit libnftables jansson libpcap
BUILD     ?= build
NSL       ?= nsl
# nsl-cni, the CNI plugin: the same binary under that name (a hard link);
# nsl-cni-asan beside nsl-asan.
NSL_CNI   := $(patsubst nsl%,nsl-cni%,$(NSL))
CNI_BIN_DIR ?= /opt/cni/bin
CC        ?= cc
CFLAGS    ?= -O2 -g
STD       := -std=gnu11
WARNINGS  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WARNINGS  += -Werror
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CPPFLAGS  += -D_GNU_SOURCE -Isrc
SRCS      := $(wildcard src/base/*.c src/lua/*.c src/nl/*.c src/net/*.c src/proc/*.c src/cmd/*.c) src/lib/core.c
LUA_FILES := $(shell find lua -name '*.lua' | LC_ALL=C sort)
OBJS      := $(SRCS:src/%.c=$(BUILD)/%.o) $(BUILD)/lua_embed.o

# Debian packages, in sets: building nsl; running the suite (the specs
# run the examples too); the examples alone (make demo); the benchmarks.
# etcd-server: spec/cni_etcd_spec.lua runs a real etcd on the sandbox's
# loopback (its packaged service is kept from starting, as nginx's).
# containernetworking-plugins: bench/cni sets the reference bridge plugin
# beside nsl-cni.
DEPS_BUILD    := build-essential pkg-config liblua5.4-dev libmnl-dev libedit-dev libnftables-dev libjansson-dev libpcap-dev
DEPS_EXAMPLES := iproute2 util-linux procps iputils-ping nginx curl socat
DEPS_TEST     := lua5.4 lua-busted uidmap passt man-db lua-dkjson lua-check luarocks nftables tcpdump iproute2 util-linux tmux valgrind \
                 iputils-ping procps graphviz iptables etcd-server $(DEPS_EXAMPLES)
DEPS_BENCH    := bridge-utils python3-pyroute2 mininet time bc containernetworking-plugins
DEPS          := $(sort $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_EXAMPLES) $(DEPS_BENCH))
# The real-kernel lane (make check-kernel): qemu, and kmod for the
# modules' dependencies and modules.dep.  The kernel and busybox-static
# are fetched by spec/kernel/run into build/kernel, never installed.
DEPS_KERNEL   := qemu-system-x86 kmod
SUDO          := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SPEC_ARGS ?=

.PHONY: all deps deps-frr deps-podman ensure-deps check check-full check-unit soak asan valgrind demo bench clean install install-cni lint deps-kernel check-kernel
.DELETE_ON_ERROR:

all: $(NSL) $(NSL_CNI)

$(NSL): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS) $(LDLIBS)

$(NSL_CNI): $(NSL)
	ln -f $(NSL) $@

# -MMD -MP: each object gets a .d file listing the headers it includes.
$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(STD) -MMD -MP $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARNINGS) -c -o $@ $<

$(BUILD)/lua_embed.o: $(BUILD)/lua_embed.c
	$(CC) $(STD) -MMD -MP $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)

$(BUILD)/lua_embed.c: $(BUILD)/luaembed $(LUA_FILES)
	$(BUILD)/luaembed $@ $(LUA_FILES)

# The fault-injection shim of spec/faults_spec.lua (LD_PRELOAD): a test
# tool, always built without sanitizers, never part of nsl.
FAULTSHIM := build/faultshim.so
$(FAULTSHIM): src/tools/faultshim.c
	@mkdir -p $(@D)
	$(CC) -O1 -fPIC -shared $(WARNINGS) -o $@ $< -ldl

# A build-time tool: always built without sanitizers.
$(BUILD)/luaembed: src/tools/luaembed.c | $(BUILD)
	$(CC) $(STD) -O1 $(WARNINGS) -o $@ $<

$(BUILD):
	mkdir -p $@

# Debian starts a packaged service (nginx) on install; a policy-rc.d that
# says "no" for the length of the install keeps the host free of servers.
# make deps installs every set; WANT narrows it (ensure-deps passes the
# missing packages of one set).
WANT ?= $(DEPS)
deps:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	@set -e; p=/usr/sbin/policy-rc.d; made=; \
	if [ ! -e $$p ]; then printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee $$p >/dev/null; \
	  $(SUDO) chmod +x $$p; made=1; fi; set +e; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(WANT); \
	rc=$$?; [ -z "$$made" ] || $(SUDO) rm -f $$p; exit $$rc

# The FRR example (examples/frr/): Debian's frr, its service kept from
# starting by the same policy-rc.d (and disabled, should it run later).
deps-frr:
	$(MAKE) --no-print-directory ensure-deps NEED=frr

# podman for spec/cni_podman_spec.lua (nsl-cni under a real runtime):
# crun, since runc cannot run a container without cgroups, as the
# sandbox must; busybox-static for the container's rootfs.
deps-podman:
	$(MAKE) --no-print-directory ensure-deps NEED="podman crun busybox-static"

# Installs the packages of NEED (default: build and test) that are
# missing, so make check and make demo work on a fresh machine; a no-op,
# and quick, when all are there.
NEED ?= $(DEPS_BUILD) $(DEPS_TEST)
ensure-deps:
	@command -v dpkg-query >/dev/null || exit 0; \
	missing=$$(for p in $(NEED); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "make: installing" $$missing; \
	  $(MAKE) --no-print-directory deps WANT="$$(echo $$missing)"; fi

# The suite runs under busted --lua=./nsl, inside a private network and
# mount namespace (spec/sandbox): no uplink, its own /run/netns.  With no
# SPEC_ARGS the spec files are spread over parallel sandboxes
# (spec/parallel, NSL_JOBS of them); with SPEC_ARGS one busted runs them.
check: ensure-deps
	$(MAKE) --no-print-directory $(NSL) $(NSL_CNI) $(FAULTSHIM) $(if $(findstring sanitize,$(CFLAGS)),,nsl.so)
	NSL_BIN=$(CURDIR)/$(NSL) NSL_FAULTSHIM=$(CURDIR)/$(FAULTSHIM) \
	  $(if $(strip $(SPEC_ARGS)),spec/sandbox busted --lua=./$(NSL) $(SPEC_ARGS),spec/parallel busted --lua=./$(NSL))

# Everything make check leaves out for speed: every combination of the
# fault matrix, the slow specs (NSL_FULL=1 tells the specs), and the
# FRR lab (spec/frr_spec.lua, pending without frr), whose frr it installs.
check-full: deps-frr deps-podman
	NSL_FULL=1 $(MAKE) --no-print-directory check

# The random-instant signal runs (spec/faults_spec.lua, tag soak): not in
# check, a few minutes.
soak:
	$(MAKE) --no-print-directory check SPEC_ARGS='--tags=soak --exclude-tags=none spec/faults_spec.lua'

# The specs that need nothing: no sandbox, no root, no kernel change.
check-unit: $(NSL)
	NSL_BIN=$(CURDIR)/$(NSL) busted --lua=./$(NSL) --tags=unit $(SPEC_ARGS)

# The real-kernel lane: spec/kernel/run boots Debian's stock kernel in
# qemu over the host's own / and runs busted there on SPEC_ARGS, by
# default the #kernel specs.  It installs DEPS_KERNEL when missing.
check-kernel: ensure-deps
	$(MAKE) --no-print-directory ensure-deps NEED="$(DEPS_KERNEL)"
	$(MAKE) --no-print-directory $(NSL)
	spec/kernel/run $(SPEC_ARGS)

deps-kernel:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEPS_KERNEL)

asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	$(MAKE) BUILD=build/asan NSL=nsl-asan \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  check

valgrind: $(NSL)
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	  --errors-for-leak-kinds=definite,indirect --error-exitcode=99 ./$(NSL) -e 'print(1)'

# The main job: nginx in a namespace, reached over a veth pair (S2), in
# the sandbox world so that it cannot disturb the host.
demo:
	$(MAKE) --no-print-directory ensure-deps NEED="$(DEPS_BUILD) $(DEPS_EXAMPLES)"
	$(MAKE) --no-print-directory $(NSL)
	spec/sandbox ./$(NSL) examples/s2_nginx.lua

# Speed the way users work (bench/speed.sh): W1 through nsl.topology
# against raw_limit, W3 per-test worlds against bash + ip and pyroute2.
# bench/run.sh is the full W1 primitives run against every peer.
bench:
	$(MAKE) --no-print-directory ensure-deps NEED="$(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BENCH)"
	$(MAKE) --no-print-directory $(NSL)
	spec/sandbox bench/speed.sh

clean:
	rm -rf $(BUILD) $(NSL) $(NSL_CNI) nsl-asan nsl-cni-asan nsl.so

# ---- Installing, linting, the module for stock Lua (README) ----------
#   make install PREFIX=/usr/local [DESTDIR=...]   the binary, nsl-cni and nsl.1
#   make install-cni CNI_BIN_DIR=/opt/cni/bin       the CNI plugin alone
#   make lint      luacheck (Debian's lua-check) over lua/ examples/ spec/
#   make nsl.so    require "nsl" from lua5.4: the same C core and library
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
PIC     := $(BUILD)/pic
SO_OBJS := $(patsubst src/%.c,$(PIC)/%.o,$(wildcard src/base/*.c src/lua/*.c src/nl/*.c src/net/*.c src/proc/*.c) \
             src/lib/core.c src/lib/module.c) $(PIC)/lua_embed.o

install: $(NSL)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(NSL) $(DESTDIR)$(PREFIX)/bin/nsl
	ln -f $(DESTDIR)$(PREFIX)/bin/nsl $(DESTDIR)$(PREFIX)/bin/nsl-cni
	install -m 0644 doc/nsl.1 $(DESTDIR)$(MANDIR)/man1/nsl.1

# The CNI plugin where runtimes look for plugins (CNI_BIN_DIR, default
# /opt/cni/bin): a copy named nsl-cni (the directory may be on another
# file system than PREFIX).
install-cni: $(NSL)
	install -d $(DESTDIR)$(CNI_BIN_DIR)
	install -m 0755 $(NSL) $(DESTDIR)$(CNI_BIN_DIR)/nsl-cni

lint:
	luacheck -q lua examples spec types

# The module links what the core needs (libmnl, libnftables, jansson,
# libpcap),
# not liblua (the interpreter has it) nor libedit (the REPL is the
# binary's).  Makefile is a prerequisite: a change of libraries relinks.
SO_LIBS = $(shell pkg-config --libs libmnl libnftables jansson libpcap)

nsl.so: $(SO_OBJS) Makefile
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -o $@ $(SO_OBJS) $(SO_LIBS)

$(PIC)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(STD) -MMD -MP $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -fPIC $(WARNINGS) -c -o $@ $<

$(PIC)/lua_embed.o: $(BUILD)/lua_embed.c
	@mkdir -p $(@D)
	$(CC) $(STD) -MMD -MP $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

-include $(SO_OBJS:.o=.d)
