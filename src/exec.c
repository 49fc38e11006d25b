/*
 * exec.c - running commands in namespaces: ns_exec, spawn, pid_exec.
 *
 * Three doors to one launcher (launch.c): ns_exec joins a named network
 * namespace with `ip netns exec` semantics, pid_exec joins the namespaces
 * of a running process (`nsenter -t PID`), spawn creates new namespaces
 * (`unshare`); every option works through each door, so a command can
 * join a named network namespace and get new PID, mount and UTS ones at
 * once.  This file turns Lua arguments into a struct launch; the strings
 * it points at are kept alive in an anchor table on the stack until the
 * child has exec'd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launch.h"

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_ETC_DIR "/etc/netns"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_GRACE 2.0

extern char **environ;

static const struct {
	const char *name;	/* as scripts write it */
	const char *proc;	/* its /proc/PID/ns entry */
	int flag;
} kinds[] = {
	{ "net", "net", CLONE_NEWNET },
	{ "mount", "mnt", CLONE_NEWNS },
	{ "pid", "pid", CLONE_NEWPID },
	{ "ipc", "ipc", CLONE_NEWIPC },
	{ "uts", "uts", CLONE_NEWUTS },
	{ "user", "user", CLONE_NEWUSER },
	{ "cgroup", "cgroup", CLONE_NEWCGROUP },
	{ "time", "time", CLONE_NEWTIME },
};
#define NKINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

static const char *const known_opts[] = {
	"capture", "stdin", "env", "cwd", "timeout", "background", "mount",
	"unshare", "mount_proc", "hostname", "mounts", "grace", "ns",
	"netns", "enter", NULL
};

/* Everything one call needs, resolved from its Lua arguments. */
struct req {
	const char *prim;
	int anchor;		/* stack index of the anchor table */
	int opt_idx;		/* stack index of the options table */
	int nanchor;
	struct launch l;
	int capture, background;
	double timeout, grace;
	int stdin_mode;		/* 0 default, 1 string, 2 pipe (true), 3 none */
	const char *in_data;
	size_t in_len;
	int pipes[3][2];	/* stdin, stdout, stderr: [0] read, [1] write */
	char idbuf[32];		/* the entered pid, as text */
};

/* Raises "bad argument #N to 'prim' (<option>: <what>)" for the options. */
static int opt_error(lua_State *L, const struct req *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int opt_error(lua_State *L, const struct req *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return luaL_argerror(L, r->opt_idx, msg);
}

/* Keeps the value on top alive until the call ends; pops it. */
static void anchor(lua_State *L, struct req *r)
{
	lua_rawseti(L, r->anchor, ++r->nanchor);
}

/* A userdata array of n pointers, anchored. */
static void *anchored_array(lua_State *L, struct req *r, size_t n, size_t size)
{
	void *p = lua_newuserdatauv(L, n * size + 1, 0);

	memset(p, 0, n * size + 1);
	anchor(L, r);
	return p;
}

/* Reads the field of the options table (at idx) or nil: pushes it. */
static int opt(lua_State *L, int idx, const char *key)
{
	if (idx == 0)
		return lua_pushnil(L), LUA_TNIL;
	return lua_getfield(L, idx, key);
}

static int opt_bool(lua_State *L, int idx, const char *key, int def)
{
	int t = opt(L, idx, key), v = t == LUA_TNIL ? def : lua_toboolean(L, -1);

	lua_pop(L, 1);
	return v;
}

/* A string option (numbers too), anchored, or NULL when absent. */
static const char *opt_string(lua_State *L, struct req *r, int idx, const char *key)
{
	const char *s;

	if (opt(L, idx, key) == LUA_TNIL) {
		lua_pop(L, 1);
		return NULL;
	}
	if (!lua_isstring(L, -1))
		opt_error(L, r, "%s: string expected, got %s",
			   key, luaL_typename(L, -1));
	lua_pushvalue(L, -1);
	s = lua_tostring(L, -1);
	anchor(L, r);
	lua_pop(L, 1);
	return s;
}

static double opt_seconds(lua_State *L, struct req *r, int idx, const char *key, double def)
{
	double v = def;

	if (opt(L, idx, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			opt_error(L, r, "%s: number of seconds expected, got %s",
				   key, luaL_typename(L, -1));
		v = lua_tonumber(L, -1);
		if (!(v >= 0) || isinf(v))
			opt_error(L, r, "%s: expected a non-negative number of seconds",
				   key);
	}
	lua_pop(L, 1);
	return v;
}

/* Namespace kinds: a string or a list of strings -> CLONE_NEW* flags. */
static int opt_kinds(lua_State *L, struct req *r, int idx, const char *key)
{
	int flags = 0, t = opt(L, idx, key), n, i, k;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return -1;
	}
	if (t == LUA_TSTRING) {
		lua_createtable(L, 1, 0);
		lua_insert(L, -2);
		lua_rawseti(L, -2, 1);
	} else if (t != LUA_TTABLE) {
		opt_error(L, r, "%s: list of namespace kinds expected, got %s",
			   key, luaL_typename(L, -1));
	}
	n = (int)luaL_len(L, -1);
	for (i = 1; i <= n; i++) {
		const char *name;

		lua_rawgeti(L, -1, i);
		name = lua_tostring(L, -1);
		for (k = 0; name && k < NKINDS; k++)
			if (strcmp(name, kinds[k].name) == 0 ||
			    strcmp(name, kinds[k].proc) == 0)
				break;
		if (!name || k == NKINDS)
			opt_error(L, r, "%s: unknown namespace kind '%s'; "
				   "known: net, mount, pid, ipc, uts, user, cgroup, time",
				   key, name ? name : luaL_typename(L, -1));
		flags |= kinds[k].flag;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return flags;
}

static void check_known_options(lua_State *L, struct req *r, int idx)
{
	int i;

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

		for (i = 0; key && known_opts[i]; i++)
			if (strcmp(key, known_opts[i]) == 0)
				break;
		if (!key || !known_opts[i])
			opt_error(L, r, "unknown option '%s'",
				   key ? key : luaL_typename(L, -2));
		lua_pop(L, 1);
	}
}

/* cmd: {argv...} (PATH lookup) or a string for /bin/sh -c. */
static void parse_cmd(lua_State *L, struct req *r, int idx)
{
	char **argv;
	int n, i;

	if (lua_type(L, idx) == LUA_TSTRING) {
		argv = anchored_array(L, r, 4, sizeof(char *));
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)lua_tostring(L, idx);
		r->l.argv = argv;
		return;
	}
	luaL_argexpected(L, lua_type(L, idx) == LUA_TTABLE, idx, "table or string");
	n = (int)luaL_len(L, idx);
	luaL_argcheck(L, n > 0, idx, "empty command");
	argv = anchored_array(L, r, (size_t)n + 1, sizeof(char *));
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		if (!lua_isstring(L, -1))
			luaL_argerror(L, idx, lua_pushfstring(L, "command word %d is a %s", i,
							      luaL_typename(L, -1)));
		lua_pushvalue(L, -1);
		argv[i - 1] = (char *)lua_tostring(L, -1);
		anchor(L, r);
		lua_pop(L, 1);
	}
	r->l.argv = argv;
}

/* env = { NAME = value | false }: changes to nsl's environment. */
static void parse_env(lua_State *L, struct req *r, int idx)
{
	char **envp;
	size_t n = 0, k = 0;
	int t = opt(L, idx, "env");

	r->l.envp = environ;
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (t != LUA_TTABLE)
		opt_error(L, r, "env: table expected, got %s",
			   luaL_typename(L, -1));
	while (environ[n])
		n++;
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		n++;
		lua_pop(L, 1);
	}
	envp = anchored_array(L, r, n + 1, sizeof(char *));
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
			opt_error(L, r, "env: names must be strings, "
				   "values strings or false");
		if (lua_isstring(L, -1)) {
			lua_pushfstring(L, "%s=%s", lua_tostring(L, -2), lua_tostring(L, -1));
			envp[k++] = (char *)lua_tostring(L, -1);
			anchor(L, r);
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	r->l.envp = envp;
}

static const char *env_path(char *const *envp)
{
	for (; *envp; envp++)
		if (strncmp(*envp, "PATH=", 5) == 0)
			return *envp + 5;
	return DEFAULT_PATH;
}

/* mounts = { { type =, target =, source =, options =, readonly = } }. */
static void parse_mounts(lua_State *L, struct req *r, int idx)
{
	struct launch_mount *m;
	int n, i;

	if (opt(L, idx, "mounts") == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (!lua_istable(L, -1))
		opt_error(L, r, "mounts: list of tables expected");
	n = (int)luaL_len(L, -1);
	m = anchored_array(L, r, (size_t)n, sizeof(*m));
	for (i = 0; i < n; i++) {
		int t = lua_rawgeti(L, -1, i + 1), top = lua_gettop(L);

		if (t != LUA_TTABLE)
			opt_error(L, r, "mounts: entry %d is not a table",
				   i + 1);
		m[i].type = opt_string(L, r, top, "type");
		m[i].target = opt_string(L, r, top, "target");
		m[i].source = opt_string(L, r, top, "source");
		m[i].data = opt_string(L, r, top, "options");
		if (!m[i].type)
			m[i].type = "tmpfs";
		if (!m[i].target)
			opt_error(L, r, "mounts: entry %d has no target",
				   i + 1);
		if (strcmp(m[i].type, "bind") == 0) {
			if (!m[i].source)
				opt_error(L, r, "mounts: bind entry %d has no source",
					   i + 1);
			m[i].flags = MS_BIND | MS_REC;
		} else if (!m[i].source) {
			m[i].source = m[i].type;
		}
		if (opt_bool(L, top, "readonly", 0))
			m[i].flags |= MS_RDONLY;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	r->l.mounts = m;
	r->l.n_mounts = n;
}

/* ip netns exec's bind mounts: every entry of /etc/netns/NAME. */
static void list_etc(lua_State *L, struct req *r, const char *name)
{
	char dir[512];
	struct dirent *e;
	DIR *d;
	int n = 0, cap = 0;

	if (strchr(name, '/'))
		return;
	snprintf(dir, sizeof(dir), NETNS_ETC_DIR "/%s", name);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		cap++;
	rewinddir(d);
	r->l.etc_src = anchored_array(L, r, (size_t)cap, sizeof(char *));
	r->l.etc_dst = anchored_array(L, r, (size_t)cap, sizeof(char *));
	while ((e = readdir(d)) && n < cap) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		lua_pushfstring(L, "%s/%s", dir, e->d_name);
		r->l.etc_src[n] = (char *)lua_tostring(L, -1);
		anchor(L, r);
		lua_pushfstring(L, "/etc/%s", e->d_name);
		r->l.etc_dst[n] = (char *)lua_tostring(L, -1);
		anchor(L, r);
		n++;
	}
	closedir(d);
	r->l.n_etc = n;
}

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

static int fail_closing(lua_State *L, struct req *r, const char *object, int err,
			const char *reason)
{
	close_pipes(r);
	if (r->l.netns_fd >= 0)
		close(r->l.netns_fd);
	if (r->l.enter_fd >= 0)
		close(r->l.enter_fd);
	if (r->l.self_pidns_fd >= 0)
		close(r->l.self_pidns_fd);
	return nsl_fail(L, r->prim, object, err, reason ? "%s" : NULL, reason);
}

/* Joins a named network namespace: its fd, and the mount work unless
 * mount = false. */
static void setup_netns(lua_State *L, struct req *r, const char *name, int mount)
{
	char path[512];

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	r->l.netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->l.netns_fd < 0)
		fail_closing(L, r, name, errno,
			     errno == ENOENT ? "no such network namespace" : NULL);
	r->l.netns_name = name;
	if (mount) {
		r->l.netns_mounts = 1;
		r->l.unshare_flags |= CLONE_NEWNS;
		list_etc(L, r, name);
	}
}

static int same_ns(pid_t pid, const char *proc)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc);
	if (stat(path, &a) < 0)
		return 1;	/* the kernel lacks it: nothing to join */
	snprintf(path, sizeof(path), "/proc/self/ns/%s", proc);
	if (stat(path, &b) < 0)
		return 1;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Joins the namespaces (kinds, -1: all) of a running process; the ones
 * it shares with nsl are skipped, as nsenter -a does. */
static void setup_enter(lua_State *L, struct req *r, lua_Integer pid, int flags)
{
	int k;

	snprintf(r->idbuf, sizeof(r->idbuf), "%lld", (long long)pid);
	if (pid <= 0 || pid > 0x7fffffff)
		fail_closing(L, r, r->idbuf, ESRCH, NULL);
	r->l.enter_fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (r->l.enter_fd < 0)
		fail_closing(L, r, r->idbuf, errno, NULL);
	for (k = 0; k < NKINDS; k++)
		if ((flags & kinds[k].flag) && !same_ns((pid_t)pid, kinds[k].proc))
			r->l.enter_flags |= kinds[k].flag;
	if (r->l.enter_flags & CLONE_NEWPID) {
		r->l.self_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (r->l.self_pidns_fd < 0)
			fail_closing(L, r, "/proc/self/ns/pid", errno, NULL);
	}
}

static void make_pipe(lua_State *L, struct req *r, int i)
{
	if (pipe2(r->pipes[i], O_CLOEXEC) < 0)
		fail_closing(L, r, "pipe", errno, NULL);
	/* The parent's end never blocks: the pump polls it. */
	fcntl(r->pipes[i][i == 0 ? 1 : 0], F_SETFL, O_NONBLOCK);
}

static void parse_stdio(lua_State *L, struct req *r, int idx)
{
	int t = opt(L, idx, "stdin");

	if (t == LUA_TSTRING) {
		r->stdin_mode = 1;
		r->in_data = lua_tolstring(L, -1, &r->in_len);
		lua_pushvalue(L, -1);
		anchor(L, r);
	} else if (t == LUA_TBOOLEAN) {
		r->stdin_mode = lua_toboolean(L, -1) ? 2 : 3;
	} else if (t != LUA_TNIL) {
		opt_error(L, r, "stdin: string or boolean expected, got %s",
			   luaL_typename(L, -1));
	}
	lua_pop(L, 1);
	if (r->stdin_mode == 2 && !r->background)
		opt_error(L, r, "stdin: stdin = true needs background = true: "
			   "write to the handle");
}

/* Opens what the child's stdio needs; /dev/null for stdin when asked,
 * and by default for a background process. */
static void open_stdio(lua_State *L, struct req *r)
{
	if (r->stdin_mode == 1 || r->stdin_mode == 2) {
		make_pipe(L, r, 0);
		r->l.fd[0] = r->pipes[0][0];
	} else if (r->stdin_mode == 3 || (r->stdin_mode == 0 && r->background)) {
		r->pipes[0][0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (r->pipes[0][0] < 0)
			fail_closing(L, r, "/dev/null", errno, NULL);
		r->l.fd[0] = r->pipes[0][0];
	}
	if (r->capture) {
		make_pipe(L, r, 1);
		make_pipe(L, r, 2);
		r->l.fd[1] = r->pipes[1][1];
		r->l.fd[2] = r->pipes[2][1];
	}
}

/* Turns a child's failure into the primitive's error. */
static int launch_failed(lua_State *L, struct req *r, const struct launch_error *e)
{
	const struct launch *l = &r->l;
	char why[256];
	const char *object = l->argv[0];

	snprintf(why, sizeof(why), "%s", strerror(e->err));
	switch (e->stage) {
	case STAGE_SETNS_NET:
		object = l->netns_name;
		snprintf(why, sizeof(why), "setns: %s", strerror(e->err));
		break;
	case STAGE_SETNS:
		object = r->idbuf;
		snprintf(why, sizeof(why), "setns: %s", strerror(e->err));
		break;
	case STAGE_UNSHARE:
		object = "unshare";
		break;
	case STAGE_USERMAP:
		object = "uid_map";
		break;
	case STAGE_PROPAGATION:
		object = "/";
		snprintf(why, sizeof(why), "mount propagation: %s", strerror(e->err));
		break;
	case STAGE_SYSFS:
		object = "/sys";
		snprintf(why, sizeof(why), "mount sysfs: %s", strerror(e->err));
		break;
	case STAGE_MOUNT:
		object = l->mounts[e->index].target;
		snprintf(why, sizeof(why), "mount %s: %s", l->mounts[e->index].type,
			 strerror(e->err));
		break;
	case STAGE_PROC:
		object = "/proc";
		snprintf(why, sizeof(why), "mount proc: %s", strerror(e->err));
		break;
	case STAGE_HOSTNAME:
		object = l->hostname;
		snprintf(why, sizeof(why), "sethostname: %s", strerror(e->err));
		break;
	case STAGE_CHDIR:
		object = l->cwd;
		break;
	case STAGE_CLONE:
		snprintf(why, sizeof(why), "clone: %s", strerror(e->err));
		break;
	}
	return fail_closing(L, r, object, e->err, why);
}

/* The shared body: cmd at cmd_idx, options at opt_idx (0: none); netns
 * a name to join or NULL; enter a pid (0: none) with its kinds at
 * enter_kinds.  Pushes the result table, or the handle when background. */
static int run(lua_State *L, const char *prim, int cmd_idx, int opt_idx,
	       const char *netns, lua_Integer enter)
{
	struct req r;
	struct launch_error e;
	struct proc *p;
	pid_t pid;
	int pidfd, i, j, kinds_new, kinds_enter, mount;

	memset(&r, 0, sizeof(r));
	r.prim = prim;
	for (i = 0; i < 3; i++) {
		r.l.fd[i] = -1;
		for (j = 0; j < 2; j++)
			r.pipes[i][j] = -1;
	}
	r.l.netns_fd = r.l.enter_fd = r.l.self_pidns_fd = -1;
	if (opt_idx && lua_isnoneornil(L, opt_idx))
		opt_idx = 0;
	if (opt_idx)
		luaL_checktype(L, opt_idx, LUA_TTABLE);
	lua_newtable(L);
	r.anchor = lua_gettop(L);
	r.opt_idx = opt_idx ? opt_idx : cmd_idx + 1;
	if (opt_idx)
		check_known_options(L, &r, opt_idx);
	parse_cmd(L, &r, cmd_idx);
	parse_env(L, &r, opt_idx);
	r.l.path = env_path(r.l.envp);
	r.capture = opt_bool(L, opt_idx, "capture", 0);
	r.background = opt_bool(L, opt_idx, "background", 0);
	r.timeout = opt_seconds(L, &r, opt_idx, "timeout", -1);
	r.grace = opt_seconds(L, &r, opt_idx, "grace", DEFAULT_GRACE);
	r.l.cwd = opt_string(L, &r, opt_idx, "cwd");
	r.l.hostname = opt_string(L, &r, opt_idx, "hostname");
	r.l.mount_proc = opt_bool(L, opt_idx, "mount_proc", 0);
	mount = opt_bool(L, opt_idx, "mount", 1);
	kinds_new = opt_kinds(L, &r, opt_idx, "unshare");
	kinds_enter = opt_kinds(L, &r, opt_idx, "ns");
	parse_mounts(L, &r, opt_idx);
	parse_stdio(L, &r, opt_idx);
	if (r.timeout >= 0 && r.background)
		opt_error(L, &r, "timeout: a background process has "
			   "none: use h:wait(timeout)");

	r.l.unshare_flags = kinds_new < 0 ? 0 : kinds_new;
	/* Never change the host's hostname or mounts by accident. */
	if (r.l.hostname)
		r.l.unshare_flags |= CLONE_NEWUTS;
	r.l.propagation = MS_SLAVE;
	if (r.l.n_mounts || r.l.mount_proc || (r.l.unshare_flags & CLONE_NEWNS)) {
		r.l.unshare_flags |= CLONE_NEWNS;
		r.l.propagation = MS_PRIVATE;
	}
	if (r.l.unshare_flags & CLONE_NEWUSER) {
		lua_pushfstring(L, "0 %d 1\n", (int)getuid());
		r.l.uid_map = lua_tostring(L, -1);
		anchor(L, &r);
		lua_pushfstring(L, "0 %d 1\n", (int)getgid());
		r.l.gid_map = lua_tostring(L, -1);
		anchor(L, &r);
	}
	if (netns)
		setup_netns(L, &r, netns, mount);
	if (enter)
		setup_enter(L, &r, enter, kinds_enter < 0 ? ~0 : kinds_enter);
	open_stdio(L, &r);
	/* Its own process group, so stopping it stops what it started; but a
	 * foreground command on nsl's terminal stays in nsl's group so it
	 * can read the terminal (and Ctrl-C reaches both). */
	r.l.new_pgrp = r.background || r.stdin_mode != 0 || !isatty(STDIN_FILENO);

	if (nsl_launch(&r.l, &pid, &pidfd, &e) < 0)
		return launch_failed(L, &r, &e);

	/* The child has exec'd: drop its ends, keep ours in the handle. */
	for (i = 0; i < 3; i++) {
		int child_end = i == 0 ? 0 : 1;

		if (r.pipes[i][child_end] >= 0) {
			close(r.pipes[i][child_end]);
			r.pipes[i][child_end] = -1;
		}
	}
	if (r.l.netns_fd >= 0)
		close(r.l.netns_fd);
	if (r.l.enter_fd >= 0)
		close(r.l.enter_fd);
	if (r.l.self_pidns_fd >= 0)
		close(r.l.self_pidns_fd);
	p = nsl_proc_push(L, pid, pidfd, r.pipes[0][1], r.stdin_mode == 1 ? r.in_data : NULL,
			  r.in_len, r.pipes[1][0], r.pipes[2][0], r.l.new_pgrp, r.grace);
	if (r.background)
		return 1;
	nsl_proc_finish(L, p, r.timeout);
	return 1;
}

/* ns_exec(name, cmd [, opts]): cmd in the named network namespace, as
 * `ip netns exec` runs it.  Returns the result table (foreground) or a
 * process handle (background = true); raises nsl errors. */
static int l_ns_exec(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);

	luaL_argcheck(L, *name, 1, "empty namespace name");
	return run(L, "ns_exec", 2, 3, name, 0);
}

/* spawn(cmd [, opts]): cmd in new namespaces (opts.unshare), optionally
 * joining a named network namespace (opts.netns) or a process's
 * namespaces (opts.enter = pid, opts.ns = kinds). */
static int l_spawn(lua_State *L)
{
	const char *netns = NULL;
	lua_Integer enter = 0;

	if (lua_istable(L, 2)) {
		if (lua_getfield(L, 2, "netns") != LUA_TNIL)
			netns = luaL_checkstring(L, -1);
		lua_pop(L, 1);
		if (lua_getfield(L, 2, "enter") != LUA_TNIL) {
			if (!lua_isinteger(L, -1))
				luaL_argerror(L, 2, lua_pushfstring(L, "enter: pid expected, got %s",
								    luaL_typename(L, -1)));
			enter = lua_tointeger(L, -1);
			if (enter <= 0)
				luaL_argerror(L, 2, "enter: pid expected");
		}
		lua_pop(L, 1);
	}
	lua_settop(L, 2);
	return run(L, "spawn", 1, 2, netns, enter);
}

/* pid_exec(pid, cmd [, opts]): cmd in the namespaces of process pid, all
 * of them or opts.ns = {kinds}, as `nsenter -t PID -a`. */
static int l_pid_exec(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);

	luaL_argcheck(L, pid > 0, 1, "expected a process id");
	lua_settop(L, 3);
	return run(L, "pid_exec", 2, 3, NULL, pid);
}

static const luaL_Reg exec_funcs[] = {
	{ "ns_exec", l_ns_exec },
	{ "spawn", l_spawn },
	{ "pid_exec", l_pid_exec },
	{ NULL, NULL }
};

int nsl_open_exec(lua_State *L)
{
	luaL_setfuncs(L, exec_funcs, 0);
	return 0;
}
