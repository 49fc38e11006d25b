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

#include "nl.h"

/* sysctl(key [, value [, opts]]): without value pushes the current value
 * (a string, trailing newline removed); with one (string or number)
 * writes it and returns nothing.  key is "net.ipv4.ip_forward" or
 * "net/ipv4/ip_forward".  Raises "sysctl: <key>: <reason>". */
static int l_sysctl(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1), *value = NULL;
	char path[512], data[4096];
	struct nl_ns *ns;
	size_t i, vlen = 0;
	ssize_t n;
	int fd, err, back, away;

	if (!lua_isnoneornil(L, 2)) {
		luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING ||
				 lua_type(L, 2) == LUA_TNUMBER, 2, "string or number");
		value = lua_tolstring(L, 2, &vlen);
	}
	nl_check_opts(L, 3);
	if (!*key || strstr(key, "..") || key[0] == '/' || key[0] == '.' ||
	    strlen(key) + sizeof("/proc/sys/") > sizeof(path))
		return nsl_fail(L, "sysctl", key, EINVAL, "invalid key");
	ns = nl_opt_ns(L, 3, "ns", "sysctl");
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
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

/* Adds sysctl to the table at index 1. */
int nsl_open_sysctl(lua_State *L)
{
	lua_pushcfunction(L, l_sysctl);
	lua_setfield(L, 1, "sysctl");
	return 0;
}
