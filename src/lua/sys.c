/*
 * sys.c - what the Lua library needs from the system besides netlink and
 * the launcher, so that lua/ never shells out: /proc/PID/stat (parsed by
 * base/sys.c), signalling a pid, the pids inside a network namespace, a
 * directory's entries, a file's identity, and UTS namespaces bound to a
 * path.  Every function here is internal ("_" names): the library's
 * record, --clean and topologies use them; scripts have the primitives.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "nsl.h"

/* _proc_stat(pid): pushes { state = "S", ppid = n, start = n } (start in
 * clock ticks since boot, field 22), or nil when there is no such
 * process.  Never raises but for a wrong argument. */
static int l_proc_stat(lua_State *L)
{
	struct nsl_pstat st;
	lua_Integer pid = luaL_checkinteger(L, 1);

	if (pid <= 0 || pid > INT_MAX || nsl_proc_stat((long)pid, &st) < 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, 3);
	lua_pushlstring(L, &st.state, 1);
	lua_setfield(L, -2, "state");
	lua_pushinteger(L, st.ppid);
	lua_setfield(L, -2, "ppid");
	lua_pushinteger(L, (lua_Integer)st.start);
	lua_setfield(L, -2, "start");
	return 1;
}

/* _kill(pid, sig): sends sig (a number) to pid; pushes true, or false
 * when there is no such process.  Raises "kill: <pid>: <reason>" for
 * anything else (EPERM). */
static int l_kill(lua_State *L)
{
	lua_Integer pid = luaL_checkinteger(L, 1);
	lua_Integer sig = luaL_checkinteger(L, 2);
	char obj[32];

	luaL_argcheck(L, pid > 0 && pid <= INT_MAX, 1, "not a process id");
	luaL_argcheck(L, sig >= 0 && sig < NSIG, 2, "no such signal");
	if (kill((pid_t)pid, (int)sig) == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	if (errno == ESRCH) {
		lua_pushboolean(L, 0);
		return 1;
	}
	snprintf(obj, sizeof(obj), "%lld", (long long)pid);
	return nsl_fail(L, "kill", obj, errno, NULL);
}

/* The next process of /proc (opened as dir) with its network
 * namespace's dev:ino in id; its pid, or 0 at the end.  Processes that
 * end meanwhile are skipped. */
static long next_net(DIR *dir, char *id, size_t len)
{
	struct dirent *d;
	char p[300];

	while ((d = readdir(dir))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/ns/net", d->d_name);
		if (nsl_file_id(p, id, len) == 0)
			return atol(d->d_name);
	}
	return 0;
}

/* The dev:ino of /run/netns/NAME in id; -1 when name is no such
 * namespace's (or holds a '/'). */
static int netns_id(const char *name, char *id, size_t len)
{
	char path[PATH_MAX];

	if (strchr(name, '/') ||
	    (size_t)snprintf(path, sizeof(path), NSL_NETNS_DIR "/%s", name) >= sizeof(path))
		return -1;
	return nsl_file_id(path, id, len);
}

/* _netns_pids(name): pushes the array of pids whose network namespace
 * is the named one (/run/netns/NAME), in /proc's order; an empty array
 * when there is no such namespace.  Processes that end meanwhile are
 * skipped.  Never raises but for a wrong argument. */
static int l_netns_pids(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	char want[64], id[64];
	DIR *dir;
	long pid;
	int n = 0;

	lua_newtable(L);
	if (netns_id(name, want, sizeof(want)) < 0 || !(dir = opendir("/proc")))
		return 1;
	while ((pid = next_net(dir, id, sizeof(id))))
		if (strcmp(id, want) == 0) {
			lua_pushinteger(L, pid);
			lua_rawseti(L, -2, ++n);
		}
	closedir(dir);
	return 1;
}

/* _netns_busy(names): of the named namespaces (an array of names under
 * /run/netns), those that some process is in, as { [name] = true }: one
 * pass over /proc whatever their number.  Topology down asks it before it
 * deletes them, to know which veths the kernel will not remove at once
 * (a namespace lives on while a process is inside).  Never raises but
 * for a wrong argument. */
static int l_netns_busy(lua_State *L)
{
	char id[64];
	DIR *dir;
	lua_Integer i, n;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = luaL_len(L, 1);
	lua_newtable(L);		/* 2: id -> name */
	for (i = 1; i <= n; i++) {
		const char *name;

		lua_rawgeti(L, 1, i);
		name = lua_tostring(L, -1);
		if (name && netns_id(name, id, sizeof(id)) == 0) {
			lua_pushstring(L, id);
			lua_pushvalue(L, -2);
			lua_rawset(L, 2);
		}
		lua_pop(L, 1);
	}
	lua_newtable(L);		/* 3: the result */
	if (!(dir = opendir("/proc")))
		return 1;
	while (next_net(dir, id, sizeof(id))) {
		if (lua_getfield(L, 2, id) == LUA_TSTRING) {
			lua_pushboolean(L, 1);
			lua_rawset(L, 3);
		} else {
			lua_pop(L, 1);
		}
	}
	closedir(dir);
	return 1;
}

/* scandir order: bytewise, so the order does not depend on the locale. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* scandir filter: every entry but "." and "..". */
static int not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/* See nsl.h: the sorted names in a directory, as a Lua array. */
int nsl_push_dir(lua_State *L, const char *path)
{
	struct dirent **list;
	int n, i;

	n = scandir(path, &list, not_dot, by_name);
	if (n < 0)
		return -errno;
	lua_createtable(L, n, 0);
	for (i = 0; i < n; i++) {
		lua_pushstring(L, list[i]->d_name);
		lua_rawseti(L, -2, i + 1);
		free(list[i]);
	}
	free(list);
	return 0;
}

/* _readdir(path): pushes the sorted names in the directory (no "." or
 * ".."), or nil, reason, errno when it cannot be read (ENOENT included). */
static int l_readdir(lua_State *L)
{
	int err = nsl_push_dir(L, luaL_checkstring(L, 1));

	if (err < 0) {
		lua_pushnil(L);
		lua_pushstring(L, strerror(-err));
		lua_pushinteger(L, -err);
		return 3;
	}
	return 1;
}

/* _stat(path [, nofollow]): pushes { id = "dev:ino", nsfs = bool, type =
 * "file" | "dir" | "link" | "other", uid, mode (the permission bits),
 * size, mtime, ctime (nanoseconds since the epoch) } for what path names
 * (following links, unless nofollow: then a link is described itself,
 * type "link"), or nil when it does not exist.  Never raises but for a
 * wrong argument. */
static int l_stat(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int nofollow = lua_toboolean(L, 2);
	struct stat sb;
	struct statfs sfs;
	char id[64];

	if ((nofollow ? lstat(path, &sb) : stat(path, &sb)) < 0) {
		lua_pushnil(L);
		return 1;
	}
	snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)sb.st_dev,
		 (unsigned long long)sb.st_ino);
	lua_createtable(L, 0, 8);
	lua_pushstring(L, id);
	lua_setfield(L, -2, "id");
	lua_pushboolean(L, !S_ISLNK(sb.st_mode) && statfs(path, &sfs) == 0 &&
			   sfs.f_type == NSFS_MAGIC);
	lua_setfield(L, -2, "nsfs");
	lua_pushstring(L, S_ISREG(sb.st_mode) ? "file" : S_ISDIR(sb.st_mode) ?
		       "dir" : S_ISLNK(sb.st_mode) ? "link" : "other");
	lua_setfield(L, -2, "type");
	lua_pushinteger(L, (lua_Integer)sb.st_uid);
	lua_setfield(L, -2, "uid");
	lua_pushinteger(L, (lua_Integer)(sb.st_mode & 07777));
	lua_setfield(L, -2, "mode");
	lua_pushinteger(L, (lua_Integer)sb.st_size);
	lua_setfield(L, -2, "size");
	lua_pushinteger(L, (lua_Integer)sb.st_mtim.tv_sec * 1000000000 +
			   sb.st_mtim.tv_nsec);
	lua_setfield(L, -2, "mtime");
	lua_pushinteger(L, (lua_Integer)sb.st_ctim.tv_sec * 1000000000 +
			   sb.st_ctim.tv_nsec);
	lua_setfield(L, -2, "ctime");
	return 1;
}

/* _unlink(path): removes a name (unmounting what is bound there first,
 * lazily); pushes true, or false when there was nothing.  Raises
 * "unlink: <path>: <reason>" otherwise. */
static int l_unlink(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);

	umount2(path, MNT_DETACH);
	if (unlink(path) == 0) {
		lua_pushboolean(L, 1);
		return 1;
	}
	if (errno == ENOENT) {
		lua_pushboolean(L, 0);
		return 1;
	}
	return nsl_fail(L, "unlink", path, errno, NULL);
}

/* Makes the directory holding path (one level), as mkdir -p would for
 * the record's uts/ directory; 0 or -errno. */
static int make_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0 || errno == EEXIST)
		return 0;
	if (errno == ENOENT && make_parent(dir) == 0 && mkdir(dir, 0755) == 0)
		return 0;
	return -errno;
}

/* The directory part of path into buf ("." when none); returns buf. */
static const char *dirname_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(buf, len, ".");
	} else {
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
		if (!buf[0])
			snprintf(buf, len, "/");
	}
	return buf;
}

/* See nsl.h.  As ns_add: a placeholder private to the run, named in the
 * record before it exists, takes the name by link(2) (exclusive). */
int nsl_ns_claim(const char *kind, const char *path, int *rec)
{
	char id[64], tmp[PATH_MAX + 96], dir[PATH_MAX];
	static unsigned long serial;
	int fd, err;

	*rec = 0;
	if (strlen(path) + 64 >= PATH_MAX)
		return ENAMETOOLONG;
	err = make_parent(path);
	if (err)
		return -err;
	snprintf(tmp, sizeof(tmp), "%s/.nsl-%s-%lu", dirname_of(path, dir, sizeof(dir)),
		 nsl_rec_id(), ++serial);
	err = -nsl_rec_note('+', kind, "%s\t%s", path, tmp);
	if (err)
		return *rec = err;
	fd = open(tmp, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0 && errno == ENOENT && make_parent(path) == 0)	/* another run's rmdir */
		fd = open(tmp, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		nsl_rec_note('-', kind, "%s", path);
		return err;
	}
	if (nsl_fd_id(fd, id, sizeof(id)) == 0)
		err = -nsl_rec_note('=', kind, "%s\tfile\t%s", path, id);
	close(fd);
	if (err) {	/* --clean could not prove the placeholder the run's */
		unlink(tmp);
		nsl_rec_note('-', kind, "%s", path);
		return *rec = err;
	}
	if (link(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		nsl_rec_note('-', kind, "%s", path);
		return err;
	}
	unlink(tmp);
	return 0;
}

/* The directory holding a mount namespace's binding, when it is empty
 * now (the last namespace went): removed, so that none stays; the
 * private mount nsl made of it on a shared /run (nodefs.c) goes first,
 * only when no binding is left below it: a lazy unmount (MNT_DETACH)
 * would detach every other live namespace's binding too. */
static void rmdir_parent(const char *kind, const char *path)
{
	char dir[PATH_MAX];

	if (strcmp(kind, "mnt") || strlen(path) >= sizeof(dir))
		return;
	dirname_of(path, dir, sizeof(dir));
	if (rmdir(dir) < 0 && errno == EBUSY && umount2(dir, UMOUNT_NOFOLLOW) == 0 &&
	    rmdir(dir) < 0 && errno == ENOTEMPTY)
		/* Another run bound one meanwhile: give it its mount back. */
		(void)!mount(dir, dir, NULL, MS_BIND, NULL), (void)!mount("none", dir, NULL, MS_PRIVATE, NULL);
}

/* See nsl.h. */
void nsl_ns_unclaim(const char *kind, const char *path)
{
	umount2(path, MNT_DETACH);
	unlink(path);
	nsl_rec_note('-', kind, "%s", path);
	rmdir_parent(kind, path);
}

/* _uts_add(path, hostname): a new UTS namespace whose hostname is
 * hostname, kept alive by a bind mount on the file path (made here,
 * exclusively: an existing path is refused with EEXIST), as
 * `unshare --uts=path hostname NAME` does, without a fork: the calling
 * thread unshares, sets the name, binds, and joins its own UTS namespace
 * again.  Recorded in the run's record (kind uts, with the file's and
 * the namespace's identities) before anything is exposed.  Returns
 * nothing; raises "uts_add: <path>: <reason>"; on failure nothing is
 * left. */
static int l_uts_add(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	size_t hlen;
	const char *host = luaL_checklstring(L, 2, &hlen);
	char id[64];
	int self, err = 0, rec = 0;

	if (strlen(path) != lua_rawlen(L, 1) || strlen(host) != hlen)
		return nsl_fail(L, "uts_add", path, EINVAL, "names may not hold NUL bytes");
	if (hlen == 0 || hlen > 64)
		return nsl_fail(L, "uts_add", host, EINVAL,
				"a hostname is 1 to 64 bytes");
	err = nsl_rec_open();
	if (err)
		return nsl_rec_fail(L, "uts_add", path, -err);
	self = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return nsl_fail(L, "uts_add", path, errno, NULL);
	err = nsl_ns_claim("uts", path, &rec);
	if (err) {
		close(self);
		return rec ? nsl_rec_fail(L, "uts_add", path, rec) : nsl_fail(L, "uts_add", path, err, NULL);
	}
	if (unshare(CLONE_NEWUTS) < 0) {
		err = errno;
		goto undo;
	}
	/* Inside the new namespace from here to setns: nothing may raise. */
	if (sethostname(host, hlen) < 0)
		err = errno;
	else if (nsl_file_id("/proc/thread-self/ns/uts", id, sizeof(id)) == 0)
		rec = -nsl_rec_note('=', "uts", "%s\tuts\t%s", path, id);
	if (rec)
		err = rec;
	if (!err && mount("/proc/thread-self/ns/uts", path, "none", MS_BIND, NULL) < 0)
		err = errno;
	if (setns(self, CLONE_NEWUTS) < 0 && !err)
		err = errno;
	if (!err) {
		close(self);
		nsl_rec_made();
		return 0;
	}
undo:
	close(self);
	nsl_ns_unclaim("uts", path);
	if (rec)
		return nsl_rec_fail(L, "uts_add", path, rec);
	return nsl_fail(L, "uts_add", path, err, NULL);
}

/* See nsl.h. */
int nsl_ns_unbind(lua_State *L, const char *prim, const char *kind, const char *path)
{
	umount2(path, MNT_DETACH);
	if (unlink(path) < 0) {
		if (errno != ENOENT)
			return nsl_fail(L, prim, path, errno, NULL);
		lua_pushboolean(L, 0);
		return 1;
	}
	nsl_rec_note('-', kind, "%s", path);
	rmdir_parent(kind, path);
	lua_pushboolean(L, 1);
	return 1;
}

/* _uts_del(path): removes a UTS namespace's binding (nsl_ns_unbind). */
static int l_uts_del(lua_State *L)
{
	return nsl_ns_unbind(L, "uts_del", "uts", luaL_checkstring(L, 1));
}

static const struct nsl_prim sys_funcs[] = {
	{ "_proc_stat", l_proc_stat, 0, NULL },
	{ "_kill", l_kill, 0, NULL },
	{ "_netns_pids", l_netns_pids, 0, NULL },
	{ "_netns_busy", l_netns_busy, 0, NULL },
	{ "_readdir", l_readdir, 0, NULL },
	{ "_stat", l_stat, 0, NULL },
	{ "_unlink", l_unlink, 0, NULL },
	{ "_uts_add", l_uts_add, 0, NULL },
	{ "_uts_del", l_uts_del, 0, NULL },
	{ NULL, NULL, 0, NULL }
};

/* The signals the library names, by their names without SIG. */
/* Adds the functions above, signals = { TERM = 15, ... } and _netns_dir
 * (the one /run/netns of the Lua library) to the table at index 1. */
int nsl_open_sys(lua_State *L)
{
	int i;

	nsl_register(L, sys_funcs);
	lua_newtable(L);
	for (i = 1; i < nsl_nsignames; i++)
		if (nsl_signames[i])
			nsl_set_int(L, nsl_signames[i], i);
	lua_setfield(L, 1, "signals");
	lua_pushliteral(L, NSL_NETNS_DIR);
	lua_setfield(L, 1, "_netns_dir");
	return 0;
}
