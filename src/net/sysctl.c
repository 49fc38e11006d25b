/*
 * sysctl.c - sysctl(key [, value [, opts]]) inside a network namespace.
 *
 * /proc/sys/net answers for the namespace of whoever opens the file, and
 * the open file stays bound to it: so the thread enters the namespace,
 * opens the file, and switches straight back before reading or writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nl/nl.h"

/* sysctl(key [, value [, opts]]): without value pushes the current value
 * (a string, trailing newline removed); with one (string or number)
 * writes it and returns nothing.  key is "net.ipv4.ip_forward" or
 * "net/ipv4/ip_forward".  Without opts.ns the file is opened where nsl
 * runs, with no setns (which would need CAP_SYS_ADMIN even to read).
 * Raises "sysctl: <key>: <reason>". */
static int l_sysctl(lua_State *L)
{
	const char *key = nsl_checkstring(L, 1, "sysctl"), *value = NULL;
	char path[512], data[4096];
	struct nsl_opts o;
	struct nl_ns *ns;
	size_t i, vlen = 0;
	ssize_t n;
	int fd, err, back, away;

	if (!lua_isnoneornil(L, 2)) {
		luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING ||
				 lua_type(L, 2) == LUA_TNUMBER, 2, "string or number");
		value = lua_tolstring(L, 2, &vlen);
		if (strlen(value) != vlen)
			return nsl_fail(L, "sysctl", key, EINVAL,
					"value contains a NUL byte");
	}
	nsl_opts_begin(L, &o, nsl_self(L), 0);
	if (!*key || strstr(key, "..") || key[0] == '/' || key[0] == '.' ||
	    strlen(key) + sizeof("/proc/sys/") > sizeof(path))
		return nsl_fail(L, "sysctl", key, EINVAL, "invalid key");
	ns = nl_opts_ns(&o);
	/* the length is checked above ("/proc/sys/" and key's NUL fit) */
	memcpy(path, "/proc/sys/", sizeof("/proc/sys/") - 1);
	memcpy(path + sizeof("/proc/sys/") - 1, key, strlen(key) + 1);
	/* dots separate levels unless the key uses slashes (names with dots,
	 * such as eth0.100, are then written with slashes) */
	if (!strchr(key, '/'))
		for (i = sizeof("/proc/sys/") - 1; path[i]; i++)
			if (path[i] == '.')
				path[i] = '/';
	/* In nsl's own namespace no setns: it would need CAP_SYS_ADMIN, and
	 * turn a plain read by an unprivileged user into EPERM. */
	away = ns->name[0] != '\0';
	err = away ? nl_enter(L, ns) : 0;
	if (err)
		return nsl_fail(L, "sysctl", key, -err, NULL);
	fd = open(path, (value ? O_WRONLY | O_TRUNC : O_RDONLY) | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	back = away ? nl_leave(L) : 0;
	if (back) {
		if (fd >= 0)
			close(fd);
		return nsl_fail(L, "sysctl", key, -back,
				"cannot return to the start namespace");
	}
	if (fd < 0)
		return nsl_fail(L, "sysctl", key, err, NULL);
	if (value) {
		n = write(fd, value, vlen);
		err = n < 0 ? errno : 0;
		close(fd);
		if (err)
			return nsl_fail(L, "sysctl", key, err, NULL);
		return 0;
	}
	n = read(fd, data, sizeof(data) - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return nsl_fail(L, "sysctl", key, err, NULL);
	while (n > 0 && data[n - 1] == '\n')
		n--;
	lua_pushlstring(L, data, (size_t)n);
	return 1;
}

static const struct nsl_prim sysctl_prims[] = {
	{ "sysctl", l_sysctl, 3, "ns" },
	{ NULL, NULL, 0, NULL }
};

/* Adds sysctl to the table at index 1. */
int nsl_open_sysctl(lua_State *L)
{
	nsl_register(L, sysctl_prims);
	return 0;
}
