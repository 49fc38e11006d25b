/*
 * exec.c - running commands in namespaces: ns_exec, spawn, pid_exec.
 *
 * Three doors to one launcher (launch.c): ns_exec joins a named network
 * namespace with `ip netns exec` semantics, pid_exec joins the namespaces
 * of a running process (`nsenter -t PID`), spawn creates new namespaces
 * (`unshare`); every option works through each door, so a command can
 * join a named network namespace and get new PID, mount and UTS ones at
 * once.  This file adds the ids and pipes to the struct launch that
 * execopt.c started from the Lua arguments and execjoin.c pointed at the
 * namespaces to join, runs it, and turns a child's failure into an nsl
 * error.
 */
#include <grp.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "exec.h"

#define DEFAULT_GRACE 2.0

/* Pipe i (0 stdin, 1 stdout, 2 stderr); raises on failure. */
static void make_pipe(lua_State *L, struct req *r, int i)
{
	if (pipe2(r->pipes[i], O_CLOEXEC) < 0)
		req_fail(L, r, "pipe", errno, NULL);
	/* The parent's end never blocks: the pump polls it. */
	fcntl(r->pipes[i][i == 0 ? 1 : 0], F_SETFL, O_NONBLOCK);
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
			req_fail(L, r, "/dev/null", errno, NULL);
		r->l.fd[0] = r->pipes[0][0];
	}
	if (r->capture) {
		make_pipe(L, r, 1);
		make_pipe(L, r, 2);
		r->l.fd[1] = r->pipes[1][1];
		r->l.fd[2] = r->pipes[2][1];
	}
}

/* The /proc/PID/ns name of a CLONE_NEW* flag ("mnt"). */
static const char *kind_proc(int flag)
{
	int k;

	for (k = 0; k < nsl_nkinds; k++)
		if (nsl_kinds[k].flag == flag)
			return nsl_kinds[k].proc;
	return "?";
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
		object = r->enter_name[e->index];
		snprintf(why, sizeof(why), "setns (%s): %s",
			 kind_proc(l->enter_flag[e->index]), strerror(e->err));
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
	case STAGE_TIMENS:
		object = "timens_offsets";
		break;
	case STAGE_CHDIR:
		object = l->cwd;
		break;
	case STAGE_LOG:
		object = l->log;
		snprintf(why, sizeof(why), "%s",
			 e->index == LOG_LINK ? "refused the log: a symbolic link" :
			 e->index == LOG_TYPE ? "refused the log: not a regular file" :
			 e->index == LOG_OWNER ? "refused the log: another user's file (or one "
						 "with another link) in a sticky world-writable directory" :
			 NULL);
		if (e->index == LOG_OPEN)
			snprintf(why, sizeof(why), "open the log: %s", strerror(e->err));
		break;
	case STAGE_IDS:
		snprintf(why, sizeof(why), "become uid %d gid %d: %s", (int)l->uid,
			 (int)l->gid, strerror(e->err));
		break;
	case STAGE_CLONE:
		snprintf(why, sizeof(why), "clone: %s", strerror(e->err));
		break;
	}
	return req_fail(L, r, object, e->err, why);
}

/* opts.user / opts.group: the ids the command runs as (names from the
 * host's user database, or numbers), the user's groups with them. */
static void setup_ids(lua_State *L, struct req *r, const char *user, const char *group)
{
	gid_t *list;
	int n = 1, tries;

	if (!user && !group)
		return;
	r->l.set_ids = 1;
	r->l.uid = getuid();
	r->l.gid = getgid();
	if (user && nsl_user_lookup(user, &r->l.uid, &r->l.gid) < 0)
		req_fail(L, r, user, ENOENT, "no such user");
	if (group && nsl_group_lookup(group, &r->l.gid) < 0)
		req_fail(L, r, group, ENOENT, "no such group");
	r->l.groups = list = req_anchored_array(L, r, 1, sizeof(gid_t));
	r->l.groups[0] = r->l.gid;
	r->l.n_groups = 1;
	if (user && !group) {
		struct passwd *pw = getpwuid(r->l.uid);

		if (!pw)
			return;
		/* getgrouplist says how many there are when the list is
		 * short; once more in case the database grew meanwhile. */
		for (tries = 0; getgrouplist(pw->pw_name, r->l.gid, list, &n) < 0; tries++) {
			if (tries == 2 || n < 1)
				req_fail(L, r, user, E2BIG, "cannot read the user's groups");
			list = req_anchored_array(L, r, (size_t)n, sizeof(gid_t));
		}
		r->l.groups = list;
		r->l.n_groups = n;
	}
}

/* See exec.h. */
void nsl_proc_record(pid_t pid)
{
	struct nsl_pstat st;

	if (nsl_proc_stat((long)pid, &st) == 0 &&
	    nsl_rec_note('+', "proc", "%d\t%llu", (int)pid, st.start) == 0)
		nsl_rec_made();
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
	r.l.netns_fd = r.l.enter_pidns_fd = r.l.self_pidns_fd = -1;
	nsl_opts_begin(L, &r.o, nsl_self(L), opt_idx);
	opt_idx = r.o.idx;
	lua_newtable(L);
	r.anchor = lua_gettop(L);
	r.opt_idx = opt_idx ? opt_idx : cmd_idx + 1;
	req_parse_cmd(L, &r, cmd_idx);
	req_parse_env(L, &r);
	r.l.path = req_env_path(r.l.envp);
	r.capture = nsl_opt_bool(&r.o, "capture", 0);
	r.background = nsl_opt_bool(&r.o, "background", 0);
	r.timeout = nsl_opt_seconds(&r.o, "timeout", -1);
	r.grace = nsl_opt_seconds(&r.o, "grace", DEFAULT_GRACE);
	r.l.cwd = req_opt_string(L, &r, &r.o, "cwd");
	r.l.hostname = req_opt_string(L, &r, &r.o, "hostname");
	r.l.time_offsets = req_parse_time_offsets(L, &r);
	r.l.mount_proc = nsl_opt_bool(&r.o, "mount_proc", 0);
	mount = nsl_opt_bool(&r.o, "mount", 1);
	kinds_new = req_opt_kinds(L, &r, "unshare");
	/* ns: the kinds to enter of the pid (spawn, pid_exec) */
	kinds_enter = nsl_opt_declared(&r.o, "ns") ? req_opt_kinds(L, &r, "ns") : -1;
	req_parse_mounts(L, &r);
	req_parse_stdio(L, &r);
	req_parse_fds(L, &r);
	if (r.timeout >= 0 && r.background)
		nsl_opt_fail(&r.o, "option 'timeout': a background process has "
			   "none: use h:wait(timeout)");

	r.l.unshare_flags = kinds_new < 0 ? 0 : kinds_new;
	/* Never change the host's hostname or mounts by accident. */
	if (r.l.hostname)
		r.l.unshare_flags |= CLONE_NEWUTS;
	if (r.l.time_offsets)
		r.l.unshare_flags |= CLONE_NEWTIME;
	r.l.propagation = MS_SLAVE;
	if (r.l.n_mounts || r.l.mount_proc || (r.l.unshare_flags & CLONE_NEWNS)) {
		r.l.unshare_flags |= CLONE_NEWNS;
		r.l.propagation = MS_PRIVATE;
	}
	if (r.l.unshare_flags & CLONE_NEWUSER) {
		lua_pushfstring(L, "0 %d 1\n", (int)getuid());
		r.l.uid_map = lua_tostring(L, -1);
		req_anchor(L, &r);
		lua_pushfstring(L, "0 %d 1\n", (int)getgid());
		r.l.gid_map = lua_tostring(L, -1);
		req_anchor(L, &r);
	}
	if (netns)
		req_join_netns(L, &r, netns, mount);
	if (enter)
		req_join_pid(L, &r, enter, kinds_enter < 0 ? ~0 : kinds_enter);
	req_join_file(L, &r, req_opt_string(L, &r, &r.o, "uts"), CLONE_NEWUTS);
	req_join_file(L, &r, req_opt_string(L, &r, &r.o, "mnt"), CLONE_NEWNS);
	setup_ids(L, &r, req_opt_string(L, &r, &r.o, "user"),
		  req_opt_string(L, &r, &r.o, "group"));
	r.l.log = req_opt_string(L, &r, &r.o, "log");
	if (r.l.log && r.capture)
		nsl_opt_fail(&r.o, "option 'log': the output is captured (capture = true): "
			      "give one of them");
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
	req_close_enter(&r);
	p = nsl_proc_push(L, pid, pidfd, r.pipes[0][1], r.stdin_mode == 1 ? r.in_data : NULL,
			  r.in_len, r.pipes[1][0], r.pipes[2][0], r.l.new_pgrp, r.grace);
	p->pidns_init = (r.l.unshare_flags & CLONE_NEWPID) != 0;
	if (r.background) {
		nsl_proc_record(pid);
		nsl_proc_anchor(L, -1);
		return 1;
	}
	nsl_proc_finish(L, p, r.timeout);
	return 1;
}

/* ns_exec(name, cmd [, opts]): cmd in the named network namespace, as
 * `ip netns exec` runs it.  Returns the result table (foreground) or a
 * process handle (background = true); raises nsl errors. */
static int l_ns_exec(lua_State *L)
{
	const char *name = nsl_checkstring(L, 1, "ns_exec");

	if (!*name)
		return nsl_fail(L, "ns_exec", name, EINVAL, "empty namespace name");
	return run(L, "ns_exec", 2, 3, name, 0);
}

/* spawn(cmd [, opts]): cmd in new namespaces (opts.unshare), optionally
 * joining a named network namespace (opts.netns) or a process's
 * namespaces (opts.enter = pid, opts.ns = kinds). */
static int l_spawn(lua_State *L)
{
	struct nsl_opts o;
	const char *netns;
	lua_Integer enter;

	lua_settop(L, 2);
	nsl_opts_begin(L, &o, nsl_self(L), 0);
	netns = nsl_opt_str(&o, "netns", NULL);
	enter = nsl_opt_int(&o, "enter", 1, 0x7fffffff, 0);
	return run(L, "spawn", 1, 2, netns, enter);
}

/* pid_exec(pid, cmd [, opts]): cmd in the namespaces of process pid, all
 * of them or opts.ns = {kinds}, as `nsenter -t PID -a`. */
static int l_pid_exec(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);

	nsl_check_range(L, "pid_exec", NULL, "pid", pid, 1, 0x7fffffff);
	lua_settop(L, 3);
	return run(L, "pid_exec", 2, 3, NULL, pid);
}

/* The options every door takes (execopt.c reads them), then each door's
 * own. */
#define EXEC_KEYS "capture stdin env cwd timeout background mount unshare " \
		  "mount_proc hostname mounts grace time_offsets fds uts mnt user group log "

static const struct nsl_prim exec_prims[] = {
	{ "ns_exec", l_ns_exec, 3, EXEC_KEYS },
	{ "spawn", l_spawn, 2, EXEC_KEYS "netns enter ns" },
	{ "pid_exec", l_pid_exec, 3, EXEC_KEYS "ns" },
	{ NULL, NULL, 0, NULL }
};

/* Adds ns_exec, spawn and pid_exec to the table at index 1. */
int nsl_open_exec(lua_State *L)
{
	nsl_register(L, exec_prims);
	return 0;
}
