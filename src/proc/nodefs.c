/*
 * nodefs.c - a topology node's own file system view: a mount namespace
 * kept alive by a bind mount under the run's directory, in which given
 * files cover host paths and given directories are private tmpfs.
 * The host's mount table and files are never changed: every mount is
 * made inside the new namespace, whose propagation is private.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lua/nsl.h"

#define MNT_MAX_LAYERS 64
#define MNT_MAX_TRIES 20000	/* new namespaces made to find one bindable */
#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(0xb7, 0x5, unsigned long long)
#endif

/* One entry of _mnt_add's list. */
struct mnt_op {
	int dir;		/* a private tmpfs, else a file */
	const char *target;
	const char *content;
	size_t len;
	lua_Integer mode, uid, gid;
};

/* Reads entry i of the list at index 2 into op (strings stay in the
 * list, which lives as long as the call). */
static void read_op(lua_State *L, int i, struct mnt_op *op)
{
	lua_rawgeti(L, 2, i);
	luaL_checktype(L, -1, LUA_TTABLE);
	lua_getfield(L, -1, "kind");
	op->dir = strcmp(luaL_checkstring(L, -1), "dir") == 0;
	lua_getfield(L, -2, "target");
	op->target = luaL_checkstring(L, -1);
	lua_getfield(L, -3, "content");
	op->content = lua_tolstring(L, -1, &op->len);
	lua_getfield(L, -4, "mode");
	op->mode = luaL_optinteger(L, -1, op->dir ? 0755 : 0644);
	lua_getfield(L, -5, "uid");
	op->uid = luaL_optinteger(L, -1, -1);
	lua_getfield(L, -6, "gid");
	op->gid = luaL_optinteger(L, -1, -1);
	lua_pop(L, 7);
	if (!op->dir && !op->content)
		op->content = "", op->len = 0;
	if (op->target[0] != '/' || strlen(op->target) >= PATH_MAX - 16)
		luaL_error(L, "mnt_add: %s: an absolute path expected", op->target);
}

/* The tmpfs mounts made so far in the new namespace (private dirs and
 * layers), by device: what is on them is the node's own, written
 * directly.  A layer's binds of the host's entries are not: they are the
 * host's files and directories. */
struct layers {
	dev_t dev[MNT_MAX_LAYERS];
	int n;
};

/* Whether path (followed) is on one of the node's tmpfs. */
static int ours(const struct layers *ly, const char *path)
{
	struct stat st;
	int i;

	if (stat(path, &st) < 0)
		return 0;
	for (i = 0; i < ly->n; i++)
		if (st.st_dev == ly->dev[i])
			return 1;
	return 0;
}

/* Notes the tmpfs just mounted on path; past the limit a path below it
 * is taken as the host's (bound over, or layered again): never written. */
static void note_layer(struct layers *ly, const char *path)
{
	struct stat st;

	if (ly->n < MNT_MAX_LAYERS && stat(path, &st) == 0)
		ly->dev[ly->n++] = st.st_dev;
}

/* Makes the directories above path that are missing (inside one of the
 * node's tmpfs: the caller made sure); 0 or errno. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	return 0;
}

/* Writes a file whole, with its mode and owner; 0 or errno. */
static int write_file(const char *path, const struct mnt_op *op)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t done;
	int err;

	if (fd < 0)
		return errno;
	err = -nsl_write_all(fd, op->content, op->len, &done);
	if (!err && fchmod(fd, (mode_t)op->mode) < 0)
		err = errno;
	if (!err && (op->uid >= 0 || op->gid >= 0) &&
	    fchown(fd, (uid_t)op->uid, (gid_t)op->gid) < 0)
		err = errno;
	close(fd);
	return err;
}

/* The deepest existing directory above path into buf; 0 or errno. */
static int existing_parent(const char *path, char *buf)
{
	struct stat st;
	char *slash;

	strcpy(buf, path);
	while ((slash = strrchr(buf, '/'))) {
		if (slash == buf) {
			strcpy(buf, "/");
			break;
		}
		*slash = '\0';
		if (stat(buf, &st) == 0)
			break;
	}
	return strcmp(buf, "/") == 0 ? ENOENT : 0;
}

/* A tmpfs layer over the existing directory dir, so that what is missing
 * below it can be made there without touching the host: every entry of
 * dir is bound (or, a symbolic link, copied) into a fresh tmpfs mounted
 * aside at spot, which then moves over dir.  0 or errno. */
static int mirror(const char *dir, const char *spot)
{
	char from[PATH_MAX], to[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int err = 0;

	if (stat(dir, &st) < 0)
		return errno;
	if (mkdir(spot, 0755) < 0 ||
	    mount("nsl-layer", spot, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return errno;
	if (chmod(spot, st.st_mode & 07777) < 0 || chown(spot, st.st_uid, st.st_gid) < 0)
		return errno;
	d = opendir(dir);
	if (!d)
		return errno;
	while (!err && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", strcmp(dir, "/") ? dir : "",
			     e->d_name) >= (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/%s", spot, e->d_name) >= (int)sizeof(to) ||
		    lstat(from, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(from, link, sizeof(link) - 1);

			if (n >= 0) {
				link[n] = '\0';
				if (symlink(link, to) < 0)
					err = errno;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode) ? mkdir(to, 0755) < 0 :
		    mknod(to, S_IFREG | 0644, 0) < 0)
			err = errno;
		else if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0)
			err = errno;
	}
	closedir(d);
	if (!err && mount(spot, dir, NULL, MS_MOVE, NULL) < 0)
		err = errno;
	return err;
}

/* Makes room for op->target: nothing when it exists (it is written or
 * mounted on directly when it is on one of the node's tmpfs, else bound
 * or mounted over); else, unless its deepest existing directory is on
 * one of the node's tmpfs, a layer over that directory; then the
 * directories missing below it.  Sets *direct when the target is the
 * node's own. */
static int room(struct layers *ly, const char *stage, int i, const struct mnt_op *op,
		int *direct, const char **what)
{
	char parent[PATH_MAX], spot[PATH_MAX];
	struct stat st;
	int err;

	*direct = 0;
	if (lstat(op->target, &st) == 0) {
		*direct = !S_ISLNK(st.st_mode) && ours(ly, op->target);
		return 0;
	}
	*what = "no parent directory on the host";
	err = existing_parent(op->target, parent);
	if (err)
		return err;
	if (!ours(ly, parent)) {
		*what = "make a layer";
		if ((size_t)snprintf(spot, sizeof(spot), "%s/layer%d", stage, i) >= sizeof(spot))
			return ENAMETOOLONG;
		err = mirror(parent, spot);
		if (err)
			return err;
		note_layer(ly, parent);
	}
	*direct = 1;
	*what = "make directories";
	return make_dirs(op->target);
}

/* The mounts of the new namespace (the thread is inside it): slave
 * propagation (the host's mounts still come in, none of the node's
 * goes out), a staging tmpfs over stage for the files to bind, then
 * each entry in order.  0, or an errno with *bad the failing entry and
 * *what the step. */
static int populate(const char *stage, struct mnt_op *ops, int n, int *bad,
		    const char **what)
{
	struct layers ly = { { 0 }, 0 };
	char data[96], aside[PATH_MAX];
	int i, err = 0, direct;

	*what = "mount propagation";
	*bad = -1;
	if (mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return errno;
	*what = "mount tmpfs";
	if (mount("nsl-files", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return errno;
	for (i = 0; i < n && !err; i++) {
		struct mnt_op *op = &ops[i];

		*bad = i;
		err = room(&ly, stage, i, op, &direct, what);
		if (err)
			break;
		if (op->dir) {
			*what = "mount tmpfs";
			snprintf(data, sizeof(data), "mode=%04o", (unsigned)op->mode & 07777);
			if (op->uid >= 0)
				snprintf(data + strlen(data), sizeof(data) - strlen(data),
					 ",uid=%lld", (long long)op->uid);
			if (op->gid >= 0)
				snprintf(data + strlen(data), sizeof(data) - strlen(data),
					 ",gid=%lld", (long long)op->gid);
			if (direct && mkdir(op->target, 0755) < 0 && errno != EEXIST)
				err = errno;
			if (!err && mount("nsl-private", op->target, "tmpfs",
					  MS_NOSUID | MS_NODEV, data) < 0)
				err = errno;
			if (!err)
				note_layer(&ly, op->target);
		} else if (!direct) {
			*what = "write";
			if ((size_t)snprintf(aside, sizeof(aside), "%s/%d", stage, i) >= sizeof(aside))
				err = ENAMETOOLONG;
			else
				err = write_file(aside, op);
			*what = "bind mount";
			if (!err && mount(aside, op->target, NULL, MS_BIND, NULL) < 0)
				err = errno;
		} else {
			*what = "write";
			err = write_file(op->target, op);
		}
	}
	umount2(stage, MNT_DETACH);	/* what is bound or moved stays */
	return err;
}

/* Makes dir (the run's mnt/ directory) a mount of its own with private
 * propagation, once: a mount namespace's file may not be bound where
 * the binding would propagate (into the new namespace itself, among
 * others).  It goes with the last binding (sys.c, rmdir_parent). */
static int private_dir(const char *dir)
{
	char line[4096], best[PATH_MAX] = "", mp[PATH_MAX];
	int shared = 0;
	FILE *f;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errno;
	/* Only a shared mount needs it (the mount holding dir: the longest
	 * mount point above it in mountinfo). */
	f = fopen("/proc/self/mountinfo", "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			size_t n;

			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
				continue;
			n = strlen(mp);
			if ((strncmp(dir, mp, n) == 0 && (dir[n] == '/' || dir[n] == '\0' || n == 1)) &&
			    n >= strlen(best)) {
				snprintf(best, sizeof(best), "%s", mp);
				shared = strstr(line, " shared:") != NULL;
			}
		}
		fclose(f);
		if (!shared)
			return 0;
	}
	if (mount("none", dir, NULL, MS_PRIVATE, NULL) == 0) {
		struct stat a, b;
		char up[PATH_MAX];

		/* Private already; but is it a mount point of its own? */
		if ((size_t)snprintf(up, sizeof(up), "%s/..", dir) < sizeof(up) &&
		    stat(dir, &a) == 0 && stat(up, &b) == 0 && a.st_dev != b.st_dev)
			return 0;
	}
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
		return errno;
	if (mount("none", dir, NULL, MS_PRIVATE, NULL) < 0)
		return errno;
	return 0;
}

/* The id of the mount namespace of fd (NS_GET_MNTNS_ID), 0 where the
 * kernel has none. */
static unsigned long long ns_id(int fd)
{
	unsigned long long id = 0;

	if (ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
		return 0;
	return id;
}

/* Unshares a mount namespace the kernel will let nsl bind: binding one
 * is refused (EINVAL) as a possible loop unless its id is above that of
 * nsl's own, and ids are handed out by each CPU from a batch of its own,
 * so a new namespace can get a lower one (Linux 6.18).  Such a one is
 * dropped, and the next is made on another CPU, then on the same, until
 * the id is above.  0 or an errno; on 0 the thread is in the new one. */
static int fresh_ns(int self)
{
	unsigned long long own = ns_id(self);
	cpu_set_t was, one;
	int tries, cpu = -1, pinned = 0, err = 0;

	sched_getaffinity(0, sizeof(was), &was);
	for (tries = 0; tries < MNT_MAX_TRIES; tries++) {
		int fd;
		unsigned long long id;

		if (unshare(CLONE_NEWNS) < 0) {
			err = errno;
			break;
		}
		fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
		id = fd >= 0 ? ns_id(fd) : 0;
		if (fd >= 0)
			close(fd);
		if (!own || !id || id > own)
			break;
		if (setns(self, CLONE_NEWNS) < 0)
			abort();
		/* the next CPU allowed, in turn */
		do
			cpu = (cpu + 1) % CPU_SETSIZE;
		while (!CPU_ISSET(cpu, &was));
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		pinned = sched_setaffinity(0, sizeof(one), &one) == 0 || pinned;
	}
	if (pinned)
		sched_setaffinity(0, sizeof(was), &was);
	return err;
}

/* One try: a new mount namespace made as ops say, bound on path from
 * nsl's own (self; the thread returns there, to directory cwd).  0, or
 * an errno with *bad and *what; *newns is its fd (or -1). */
static int make_ns(const char *path, const char *dir, struct mnt_op *ops, int n, int self,
		   int cwd, int *newns, int *bad, const char **what, int *rec)
{
	char id[64], fdpath[64];
	int err;

	*newns = -1;
	*bad = -1;
	err = fresh_ns(self);
	if (err) {
		*what = "unshare";
		return err;
	}
	/* Inside the new namespace from here to setns: nothing may raise. */
	err = populate(dir, ops, n, bad, what);
	if (!err) {
		*newns = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
		if (*newns < 0)
			err = errno;
		else if (nsl_fd_id(*newns, id, sizeof(id)) == 0)
			err = *rec = -nsl_rec_note('=', "mnt", "%s\tmnt\t%s", path, id);
	}
	if (setns(self, CLONE_NEWNS) < 0)
		abort();	/* cannot happen with the rights that made it; never stay */
	(void)!fchdir(cwd);
	if (err)
		return err;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", *newns);
	if (mount(fdpath, path, NULL, MS_BIND, NULL) < 0) {
		*what = "bind the namespace";
		*bad = -1;
		return errno;
	}
	return 0;
}

/* _mnt_add(path, list): a new mount namespace, a copy of nsl's with
 * private propagation, in which each entry of list ({ kind = "dir" |
 * "file", target =, content =, mode =, uid =, gid =, bind = }) is made:
 * a dir is a tmpfs at target; a file with bind is written aside and
 * bound over target (which must exist), one without is written at
 * target (inside a private dir).  Kept alive by a bind mount on path
 * (claimed exclusively; its directory is made private), recorded as
 * kind mnt.  The calling thread unshares, mounts, and joins its own
 * mount namespace (and working directory) again: no fork.  Returns
 * nothing; raises "mnt_add: <target or path>: <step>: <reason>"; on
 * failure nothing is left. */
static int l_mnt_add(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char dir[PATH_MAX], *slash;
	struct mnt_op *ops;
	const char *what = NULL;
	int n, i, self = -1, cwd = -1, newns = -1, bad = -1, err, rec = 0;

	luaL_checktype(L, 2, LUA_TTABLE);
	if (strlen(path) != lua_rawlen(L, 1) || strlen(path) >= sizeof(dir))
		return nsl_fail(L, "mnt_add", path, EINVAL, "a path without NUL bytes, below PATH_MAX");
	n = (int)lua_rawlen(L, 2);
	ops = lua_newuserdatauv(L, sizeof(*ops) * (size_t)(n ? n : 1), 0);
	for (i = 0; i < n; i++)
		read_op(L, i + 1, &ops[i]);
	err = nsl_rec_open();
	if (err)
		return nsl_rec_fail(L, "mnt_add", path, -err);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return nsl_fail(L, "mnt_add", path, EINVAL, "an absolute path in a directory");
	*slash = '\0';
	err = private_dir(dir);
	if (err)
		return nsl_fail(L, "mnt_add", dir, err, "make it a private mount: %s", strerror(err));
	self = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0 || cwd < 0) {
		err = errno;
		goto out;
	}
	/* Joined again, the thread's root is the namespace's root mount as
	 * it is now, with dir's own mount on it: binding a namespace there
	 * fails (EINVAL) while the root predates that mount. */
	if (setns(self, CLONE_NEWNS) < 0) {
		err = errno;
		goto out;
	}
	(void)!fchdir(cwd);
	err = nsl_ns_claim("mnt", path, &rec);
	if (err)
		goto out;
	err = make_ns(path, dir, ops, n, self, cwd, &newns, &bad, &what, &rec);
	if (!err) {
		nsl_rec_made();
		goto out;
	}
	nsl_ns_unclaim("mnt", path);
out:
	if (self >= 0)
		close(self);
	if (cwd >= 0)
		close(cwd);
	if (newns >= 0)
		close(newns);
	if (!err)
		return 0;
	if (rec)
		return nsl_rec_fail(L, "mnt_add", path, rec);
	if (what)
		return nsl_fail(L, "mnt_add", bad >= 0 ? ops[bad].target : path, err,
				"%s: %s", what, strerror(err));
	return nsl_fail(L, "mnt_add", path, err, NULL);
}

/* _mnt_del(path): removes a mount namespace's binding (nsl_ns_unbind). */
static int l_mnt_del(lua_State *L)
{
	return nsl_ns_unbind(L, "mnt_del", "mnt", luaL_checkstring(L, 1));
}

static const struct nsl_prim nodefs_funcs[] = {
	{ "_mnt_add", l_mnt_add, 0, NULL },
	{ "_mnt_del", l_mnt_del, 0, NULL },
	{ NULL, NULL, 0, NULL }
};

/* Adds _mnt_add and _mnt_del to the table at index 1. */
int nsl_open_nodefs(lua_State *L)
{
	nsl_register(L, nodefs_funcs);
	return 0;
}
