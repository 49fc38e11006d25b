/*
 * execopt.c - reading the arguments of ns_exec, spawn and pid_exec into a
 * struct req: the command, every option, with argument errors that name
 * the option.  Strings the child will use stay referenced from the call's
 * anchor table, so none is collected before the child has exec'd; what
 * the call opened (pipes, namespace files) is closed by req_fail.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "exec.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

const struct nsl_kind nsl_kinds[] = {
	{ "net", "net", CLONE_NEWNET },
	{ "mount", "mnt", CLONE_NEWNS },
	{ "pid", "pid", CLONE_NEWPID },
	{ "ipc", "ipc", CLONE_NEWIPC },
	{ "uts", "uts", CLONE_NEWUTS },
	{ "user", "user", CLONE_NEWUSER },
	{ "cgroup", "cgroup", CLONE_NEWCGROUP },
	{ "time", "time", CLONE_NEWTIME },
};
const int nsl_nkinds = (int)(sizeof(nsl_kinds) / sizeof(nsl_kinds[0]));

/* Keeps the value on top alive until the call ends; pops it. */
void req_anchor(lua_State *L, struct req *r)
{
	lua_rawseti(L, r->anchor, ++r->nanchor);
}

/* A userdata array of n pointers, anchored. */
void *req_anchored_array(lua_State *L, struct req *r, size_t n, size_t size)
{
	void *p = lua_newuserdatauv(L, n * size + 1, 0);

	memset(p, 0, n * size + 1);
	req_anchor(L, r);
	return p;
}

/* Option (or field) key of o as text (a number too), anchored, or NULL
 * when absent. */
const char *req_opt_string(lua_State *L, struct req *r, struct nsl_opts *o,
			   const char *key)
{
	const char *s = nsl_opt_pushtext(o, key);

	if (s)
		req_anchor(L, r);
	return s;
}

/* Namespace kinds: a string or a list of strings -> CLONE_NEW* flags. */
int req_opt_kinds(lua_State *L, struct req *r, const char *key)
{
	int flags = 0, t = nsl_opt_push(&r->o, key), n, i, k;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return -1;
	}
	if (t == LUA_TSTRING) {
		lua_createtable(L, 1, 0);
		lua_insert(L, -2);
		lua_rawseti(L, -2, 1);
	} else if (t != LUA_TTABLE) {
		nsl_opt_fail(&r->o, "option '%s': list of namespace kinds expected, got %s",
			   key, luaL_typename(L, -1));
	}
	n = (int)luaL_len(L, -1);
	for (i = 1; i <= n; i++) {
		const char *name;

		lua_rawgeti(L, -1, i);
		name = lua_tostring(L, -1);
		for (k = 0; name && k < nsl_nkinds; k++)
			if (strcmp(name, nsl_kinds[k].name) == 0 ||
			    strcmp(name, nsl_kinds[k].proc) == 0)
				break;
		if (!name || k == nsl_nkinds)
			nsl_opt_fail(&r->o, "option '%s': unknown namespace kind '%s'; "
				   "known: net, mount, pid, ipc, uts, user, cgroup, time",
				   key, name ? name : luaL_typename(L, -1));
		flags |= nsl_kinds[k].flag;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return flags;
}

/* cmd: {argv...} (PATH lookup) or a string for /bin/sh -c. */
void req_parse_cmd(lua_State *L, struct req *r, int idx)
{
	char **argv;
	int n, i;

	if (lua_type(L, idx) == LUA_TSTRING) {
		argv = req_anchored_array(L, r, 4, sizeof(char *));
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)nsl_checkstring(L, idx, r->prim);
		r->l.argv = argv;
		return;
	}
	luaL_argexpected(L, lua_type(L, idx) == LUA_TTABLE, idx, "table or string");
	n = (int)luaL_len(L, idx);
	luaL_argcheck(L, n > 0, idx, "empty command");
	argv = req_anchored_array(L, r, (size_t)n + 1, sizeof(char *));
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		if (!lua_isstring(L, -1))
			luaL_argerror(L, idx, lua_pushfstring(L, "command word %d is a %s", i,
							      luaL_typename(L, -1)));
		lua_pushvalue(L, -1);
		argv[i - 1] = (char *)lua_tostring(L, -1);
		if (strlen(argv[i - 1]) != lua_rawlen(L, -1))
			nsl_fail(L, r->prim, argv[i - 1], EINVAL,
				 "command word %d contains a NUL byte", i);
		req_anchor(L, r);
		lua_pop(L, 1);
	}
	r->l.argv = argv;
}

/* env = { NAME = value | false }: changes to nsl's environment. */
void req_parse_env(lua_State *L, struct req *r)
{
	char **envp;
	size_t n = 0, k = 0;
	int t = nsl_opt_push(&r->o, "env");

	r->l.envp = environ;
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (t != LUA_TTABLE)
		nsl_opt_fail(&r->o, "option 'env': table expected, got %s",
			   luaL_typename(L, -1));
	while (environ[n])
		n++;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		n++;
		lua_pop(L, 1);
	}
	envp = req_anchored_array(L, r, n + 1, sizeof(char *));
	for (n = 0; environ[n]; n++) {
		const char *eq = strchr(environ[n], '=');

		if (!eq)
			continue;
		lua_pushlstring(L, environ[n], (size_t)(eq - environ[n]));
		t = lua_rawget(L, -2);
		lua_pop(L, 1);
		if (t == LUA_TNIL)
			envp[k++] = environ[n];
	}
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) != LUA_TSTRING ||
		    !(lua_isstring(L, -1) || lua_isboolean(L, -1)))
			nsl_opt_fail(&r->o, "option 'env': names must be strings, "
				   "values strings or false");
		if (strlen(lua_tostring(L, -2)) != lua_rawlen(L, -2) ||
		    (lua_isstring(L, -1) &&
		     strlen(lua_tostring(L, -1)) != lua_rawlen(L, -1)))
			nsl_opt_fail(&r->o, "option 'env': contains a NUL byte");
		if (lua_isstring(L, -1)) {
			lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
			envp[k++] = (char *)lua_tostring(L, -1);
			req_anchor(L, r);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	r->l.envp = envp;
}

/* The PATH of an environment, or the usual default. */
const char *req_env_path(char *const *envp)
{
	for (; *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return DEFAULT_PATH;
}

/* mounts = { { type =, target =, source =, options =, readonly = } }. */
void req_parse_mounts(lua_State *L, struct req *r)
{
	const struct nsl_prim entry = { r->prim, NULL, 0, "type target source options readonly" };
	struct launch_mount *m;
	struct nsl_opts e;
	int n, i;

	if (nsl_opt_push(&r->o, "mounts") == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (!lua_istable(L, -1))
		nsl_opt_fail(&r->o, "option 'mounts': list of tables expected");
	n = (int)luaL_len(L, -1);
	m = req_anchored_array(L, r, (size_t)n, sizeof(*m));
	for (i = 0; i < n; i++) {
		int t = lua_rawgeti(L, -1, i + 1), top = lua_gettop(L);

		if (t != LUA_TTABLE)
			nsl_opt_fail(&r->o, "option 'mounts': entry %d is not a table",
				   i + 1);
		nsl_opts_fields(L, &e, &entry, top);
		m[i].type = req_opt_string(L, r, &e, "type");
		m[i].target = req_opt_string(L, r, &e, "target");
		m[i].source = req_opt_string(L, r, &e, "source");
		m[i].data = req_opt_string(L, r, &e, "options");
		if (!m[i].type)
			m[i].type = "tmpfs";
		if (!m[i].target)
			nsl_opt_fail(&r->o, "option 'mounts': entry %d has no target",
				   i + 1);
		if (strcmp(m[i].type, "bind") == 0) {
			if (!m[i].source)
				nsl_opt_fail(&r->o, "option 'mounts': bind entry %d has no source",
					   i + 1);
			m[i].flags = MS_BIND | MS_REC;
		} else if (!m[i].source) {
			m[i].source = m[i].type;
		}
		if (nsl_opt_bool(&e, "readonly", 0))
			m[i].flags |= MS_RDONLY;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	r->l.mounts = m;
	r->l.n_mounts = n;
}

/* stdin = string | true | false; raises on another type, or on true
 * without background (nobody could write to it). */
void req_parse_stdio(lua_State *L, struct req *r)
{
	int t = nsl_opt_push(&r->o, "stdin");

	if (t == LUA_TSTRING) {
		r->stdin_mode = 1;
		r->in_data = lua_tolstring(L, -1, &r->in_len);
		lua_pushvalue(L, -1);
		req_anchor(L, r);
	} else if (t == LUA_TBOOLEAN) {
		r->stdin_mode = lua_toboolean(L, -1) ? 2 : 3;
	} else if (t != LUA_TNIL) {
		nsl_opt_fail(&r->o, "option 'stdin': string or boolean expected, got %s",
			   luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	if (r->stdin_mode == 2 && !r->background)
		nsl_opt_fail(&r->o, "option 'stdin': stdin = true needs background = true: "
			   "write to the handle");
}

/* time_offsets = { monotonic = s, boottime = s }: the clocks of a new
 * time namespace, as /proc/self/timens_offsets lines (anchored), or
 * NULL when absent. */
const char *req_parse_time_offsets(lua_State *L, struct req *r)
{
	static const char *const clocks[] = { "monotonic", "boottime" };
	const char *text;
	int i, n = 0;

	if (nsl_opt_push(&r->o, "time_offsets") == LUA_TNIL) {
		lua_pop(L, 1);
		return NULL;
	}
	if (!lua_istable(L, -1))
		nsl_opt_fail(&r->o, "option 'time_offsets': table expected, got %s", luaL_typename(L, -1));
	for (i = 0; i < 2; i++) {
		double v, whole;
		int t = lua_getfield(L, -1 - n, clocks[i]);

		if (t == LUA_TNIL) {
			lua_pop(L, 1);
			continue;
		}
		if (t != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
			nsl_opt_fail(&r->o, "option 'time_offsets': %s: number of seconds expected", clocks[i]);
		v = lua_tonumber(L, -1);
		lua_pop(L, 1);
		whole = floor(v);
		lua_pushfstring(L, "%s %I %I\n", clocks[i], (lua_Integer)whole,
				(lua_Integer)((v - whole) * 1e9));
		n++;
	}
	lua_concat(L, n);	/* n = 0 pushes "" */
	text = lua_tostring(L, -1);
	req_anchor(L, r);
	lua_pop(L, 1);
	return text;
}

/* fds = { [n] = file or socket, ... }: Lua files (io.open) or
 * nsl sockets placed at descriptor n >= 3 in the child.  Raises on a
 * number below 3, a closed file, anything else. */
void req_parse_fds(lua_State *L, struct req *r)
{
	int t = nsl_opt_push(&r->o, "fds"), n = 0;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (t != LUA_TTABLE)
		nsl_opt_fail(&r->o, "option 'fds': table expected, got %s", luaL_typename(L, -1));
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_Integer num;
		luaL_Stream *f;
		int fd;

		if (!lua_isinteger(L, -2))
			nsl_opt_fail(&r->o, "option 'fds': keys must be descriptor numbers, got %s",
				      luaL_typename(L, -2));
		num = lua_tointeger(L, -2);
		if (num < 3 || num > 1023)
			nsl_opt_fail(&r->o, "option 'fds': descriptor %lld: numbers 3 to 1023 "
				      "(0, 1, 2 are stdin, stdout, stderr)", (long long)num);
		if (n == LAUNCH_MAX_FDS)
			nsl_opt_fail(&r->o, "option 'fds': at most %d descriptors", LAUNCH_MAX_FDS);
		f = luaL_testudata(L, -1, LUA_FILEHANDLE);
		if (f) {
			if (!f->closef)
				nsl_opt_fail(&r->o, "option 'fds': descriptor %lld: the file is closed",
					      (long long)num);
			fd = fileno(f->f);
		} else {
			fd = nsl_sock_fd(L, -1);
			if (fd == -1)
				nsl_opt_fail(&r->o, "option 'fds': descriptor %lld: the socket is closed",
					      (long long)num);
			if (fd == -2)
				nsl_opt_fail(&r->o, "option 'fds': descriptor %lld: an open file (io.open) "
					      "or an nsl socket expected, got %s",
					      (long long)num, luaL_typename(L, -1));
		}
		if (fd < 0)
			nsl_opt_fail(&r->o, "option 'fds': descriptor %lld: no descriptor", (long long)num);
		r->l.extra_src[n] = fd;
		r->l.extra_dst[n] = (int)num;
		if (num > r->l.extra_max)
			r->l.extra_max = (int)num;
		n++;
		lua_pushvalue(L, -1);
		req_anchor(L, r);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	r->l.n_extra = n;
}

/* Closes every pipe end the call opened. */
static void close_pipes(struct req *r)
{
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++)
			if (r->pipes[i][j] >= 0) {
				close(r->pipes[i][j]);
				r->pipes[i][j] = -1;
			}
}

/* See exec.h. */
void req_close_enter(struct req *r)
{
	int i;

	for (i = 0; i < r->l.n_enter; i++)
		close(r->l.enter_fd[i]);
	r->l.n_enter = 0;
	if (r->l.enter_pidns_fd >= 0)
		close(r->l.enter_pidns_fd);
	if (r->l.self_pidns_fd >= 0)
		close(r->l.self_pidns_fd);
	r->l.enter_pidns_fd = r->l.self_pidns_fd = -1;
}

/* See exec.h. */
int req_fail(lua_State *L, struct req *r, const char *object, int err,
	     const char *reason)
{
	close_pipes(r);
	if (r->l.netns_fd >= 0)
		close(r->l.netns_fd);
	req_close_enter(r);
	return nsl_fail(L, r->prim, object, err, reason ? "%s" : NULL, reason);
}
