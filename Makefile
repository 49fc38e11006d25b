# nsl: build, test, run.  On a fresh Debian machine make check and make demo
# install what they need first.
#
#   make          build ./nsl
#   make deps     install every Debian package nsl needs (root or sudo)
#   make check    run the busted suite inside a sandbox network namespace
#   make check-kernel  the #kernel specs on Debian's stock kernel, in qemu
#   make asan     the same suite against an AddressSanitizer+UBSan build
#   make valgrind nsl -e 'print(1)' under valgrind's leak checker
#   make demo     the main job: nginx in a namespace over a veth pair (S2)
#
# CI=true (or WERROR=1) turns warnings into errors.

PKGS      := lua5.4 libmnl libedit
BUILD     ?= build
NSL       ?= nsl
CC        ?= cc
CFLAGS    ?= -O2 -g
WARNINGS  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WARNINGS  += -Werror
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CPPFLAGS  += -D_GNU_SOURCE -Isrc/base
SRCS      := $(wildcard src/base/*.c src/cmd/*.c src/net/*.c src/proc/*.c)
HDRS      := $(wildcard src/*/*.h)
LUA_FILES := $(shell find lua -name '*.lua' | LC_ALL=C sort)
OBJS      := $(SRCS:src/%.c=$(BUILD)/%.o) $(BUILD)/lua_embed.o

# Debian packages: build, test, examples, benchmarks.
DEPS_BUILD := build-essential pkg-config liblua5.4-dev libmnl-dev libedit-dev
DEPS_TEST  := lua5.4 lua-busted iproute2 util-linux tmux valgrind iputils-ping procps nginx curl socat graphviz iptables bridge-utils python3-pyroute2 mininet time bc
DEPS       := $(DEPS_BUILD) $(DEPS_TEST)
# The real-kernel lane (make check-kernel): qemu, and kmod for the
# modules' dependencies and modules.dep.  The kernel and busybox-static
# are fetched by spec/kernel/run into build/kernel, never installed.
DEPS_KERNEL := qemu-system-x86 kmod
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

SPEC_ARGS ?=

.PHONY: all deps ensure-deps check asan valgrind demo clean deps-kernel check-kernel

all: $(NSL)

$(NSL): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS) $(LDLIBS)

$(BUILD)/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(WARNINGS) -c -o $@ $<

$(BUILD)/lua_embed.o: $(BUILD)/lua_embed.c $(HDRS)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lua_embed.c: $(BUILD)/luaembed $(LUA_FILES)
	$(BUILD)/luaembed $@ $(LUA_FILES)

# A build-time tool: always built without sanitizers.
$(BUILD)/luaembed: src/tools/luaembed.c | $(BUILD)
	$(CC) -O1 $(WARNINGS) -o $@ $<

$(BUILD):
	mkdir -p $@

# Debian starts a packaged service (nginx) on install; a policy-rc.d that
# says "no" for the length of the install keeps the host free of servers.
deps:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	@set -e; p=/usr/sbin/policy-rc.d; made=; \
	if [ ! -e $$p ]; then printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee $$p >/dev/null; \
	  $(SUDO) chmod +x $$p; made=1; fi; set +e; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEPS); \
	rc=$$?; [ -z "$$made" ] || $(SUDO) rm -f $$p; exit $$rc

# Installs the packages of DEPS that are missing (so make check and make
# demo work on a fresh machine); a no-op, and quick, when all are there.
ensure-deps:
	@command -v dpkg-query >/dev/null || exit 0; \
	missing=$$(for p in $(DEPS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "make: installing" $$missing; $(MAKE) --no-print-directory deps; fi

# The suite runs under busted --lua=./nsl, inside a private network and
# mount namespace (spec/sandbox): no uplink, its own /run/netns.
check: ensure-deps
	$(MAKE) --no-print-directory $(NSL)
	NSL_BIN=$(CURDIR)/$(NSL) spec/sandbox busted --lua=./$(NSL) $(SPEC_ARGS)

# The real-kernel lane: spec/kernel/run boots Debian's stock kernel in
# qemu over the host's own / and runs busted there on SPEC_ARGS, by
# default the #kernel specs.  It installs DEPS_KERNEL when missing.
check-kernel: ensure-deps
	@missing=$$(for p in $(DEPS_KERNEL); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "make: installing" $$missing; $(MAKE) --no-print-directory deps-kernel; fi
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
demo: ensure-deps
	$(MAKE) --no-print-directory $(NSL)
	spec/sandbox ./$(NSL) examples/s2_nginx.lua

clean:
	rm -rf $(BUILD) $(NSL) nsl-asan
