/*
 * netns.c - named network namespaces, the way `ip netns` keeps them.
 *
 * A named namespace is a bind mount of a namespace file on an empty file
 * /run/netns/NAME; /run/netns itself is made a shared mount (bound onto
 * itself first if needed), so namespaces added later show up in other
 * mount namespaces that share it, exactly as iproute2 arranges.  Both
 * tools therefore see each other's namespaces.  Deleting only removes the
 * name (umount + unlink): processes inside keep the namespace alive.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "nl/nl.h"

/* Makes /run/netns exist and be a shared mount point, as ip does; once
 * per process unless again.  Returns 0 or -errno. */
static int prepare_run_dir(int again)
{
	static int done;
	int bound = 0;

	if (done && !again)
		return 0;
	if (mkdir(NSL_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	while (mount("", NSL_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet; make it one, once. */
		if (errno != EINVAL || bound)
			return -errno;
		if (mount(NSL_NETNS_DIR, NSL_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		bound = 1;
	}
	done = 1;
	return 0;
}

/* Raises ns_add's failure; a missing privilege says how to get it. */
static int add_fail(lua_State *L, const char *name, int err)
{
	if (err == EPERM || err == EACCES)
		return nsl_fail(L, "ns_add", name, err, "%s (making a namespace needs "
				"CAP_SYS_ADMIN: run nsl as root, or as root of a user "
				"namespace with a /run of its own)", strerror(err));
	return nsl_fail(L, "ns_add", name, err, NULL);
}

/* ns_add(name): creates the namespace; returns nothing.  Raises
 * "ns_add: <name>: <reason>" (File exists, Operation not permitted...);
 * on failure nothing is left under /run/netns.
 *
 * Ownership is decided atomically and recorded before it is exposed (see
 * lua/nsl/record.lua): the record names a placeholder ".nsl-<run>-<n>"
 * private to this run before it is made (O_EXCL), then its identity; the
 * placeholder takes the name with link(2), which fails when the name
 * exists (so a namesake is never touched); the namespace's own identity
 * is recorded before it is bound there.  Whenever the run is killed,
 * --clean can prove which of these it made. */
static int l_ns_add(lua_State *L)
{
	const char *name = nsl_checkstring(L, 1, "ns_add");
	char path[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1];
	char tmp[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1], id[64];
	char rname[2 * NAME_MAX + 1];
	static unsigned long serial;
	int err, fd, rec = 0;

	nl_check_nsname(L, "ns_add", name);
	nl_ns(L, "ns_add", NULL);	/* the cache exists before we move */
	err = prepare_run_dir(0);
	if (err)
		return add_fail(L, name, -err);
	err = nsl_rec_open();
	if (err)
		return nsl_rec_fail(L, "ns_add", name, -err);
	snprintf(path, sizeof(path), NSL_NETNS_DIR "/%s", name);
	nsl_rec_name(name, rname, sizeof(rname));
	snprintf(tmp, sizeof(tmp), NSL_NETNS_DIR "/.nsl-%s-%lu", nsl_rec_id(), ++serial);
	err = nsl_rec_note('+', "ns", "%s\t%s", rname, tmp + sizeof(NSL_NETNS_DIR));
	if (err)
		return nsl_rec_fail(L, "ns_add", name, -err);
	fd = open(tmp, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0 && errno == ENOENT && prepare_run_dir(1) == 0)
		fd = open(tmp, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		nsl_rec_note('-', "ns", "%s", rname);
		return add_fail(L, name, err);
	}
	if (nsl_fd_id(fd, id, sizeof(id)) == 0)
		err = nsl_rec_note('=', "ns", "%s\tfile\t%s", rname, id);
	close(fd);
	if (err) {	/* --clean could not prove the placeholder the run's */
		unlink(tmp);
		nsl_rec_note('-', "ns", "%s", rname);
		return nsl_rec_fail(L, "ns_add", name, -err);
	}
	if (link(tmp, path) < 0) {	/* exclusive: EEXIST when taken */
		err = errno;
		unlink(tmp);
		nsl_rec_note('-', "ns", "%s", rname);
		return add_fail(L, name, err);
	}
	unlink(tmp);
	if (unshare(CLONE_NEWNET) < 0) {
		err = errno;
		unlink(path);
		nsl_rec_note('-', "ns", "%s", rname);
		return add_fail(L, name, err);
	}
	if (nsl_file_id("/proc/thread-self/ns/net", id, sizeof(id)) == 0)
		rec = -nsl_rec_note('=', "ns", "%s\tnet\t%s", rname, id);
	if (rec || mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		err = rec ? rec : errno;	/* not bound: it goes as the thread leaves */
		nl_leave(L);
		unlink(path);
		nsl_rec_note('-', "ns", "%s", rname);
		if (rec)
			return nsl_rec_fail(L, "ns_add", name, rec);
		return add_fail(L, name, err);
	}
	nsl_rec_made();
	/* While inside, open its socket: the first request needs no switch.
	 * Failing here only means opening it later. */
	nl_ns_here(L, name);
	err = nl_leave(L);
	if (err)
		return nsl_fail(L, "ns_add", name, -err,
				"cannot return to the start namespace");
	return 0;
}

/* ns_del(name): removes the name; returns nothing.  Raises
 * "ns_del: <name>: no such network namespace" when it is not there. */
static int l_ns_del(lua_State *L)
{
	const char *name = nsl_checkstring(L, 1, "ns_del");
	char path[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1];

	nl_check_nsname(L, "ns_del", name);
	snprintf(path, sizeof(path), NSL_NETNS_DIR "/%s", name);
	nl_forget(L, name);
	umount2(path, MNT_DETACH);
	if (unlink(path) < 0)
		return nsl_fail(L, "ns_del", name, errno, errno == ENOENT ?
				"no such network namespace" : NULL);
	if (nsl_rec_active()) {
		char rname[2 * NAME_MAX + 1];

		nsl_rec_note('-', "ns", "%s", nsl_rec_name(name, rname, sizeof(rname)));
	}
	return 0;
}

/* ns_exists(name): pushes true when /run/netns/<name> is a namespace.
 * Raises only for an invalid name. */
static int l_ns_exists(lua_State *L)
{
	const char *name = nsl_checkstring(L, 1, "ns_exists");
	char path[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1];
	struct statfs sfs;

	nl_check_nsname(L, "ns_exists", name);
	snprintf(path, sizeof(path), NSL_NETNS_DIR "/%s", name);
	lua_pushboolean(L, statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC);
	return 1;
}

/* ns_list(): pushes the sorted array of names under /run/netns (empty
 * when the directory does not exist); raises "ns_list: /run/netns: ...". */
static int l_ns_list(lua_State *L)
{
	int err = nsl_push_dir(L, NSL_NETNS_DIR);

	if (err == -ENOENT)
		lua_newtable(L);	/* no /run/netns yet: none */
	else if (err < 0)
		return nsl_fail(L, "ns_list", NSL_NETNS_DIR, -err, NULL);
	return 1;
}

static const struct nsl_prim netns_prims[] = {
	{ "ns_add", l_ns_add, 0, NULL },
	{ "ns_del", l_ns_del, 0, NULL },
	{ "ns_exists", l_ns_exists, 0, NULL },
	{ "ns_list", l_ns_list, 0, NULL },
	{ NULL, NULL, 0, NULL }
};

/* Adds ns_add, ns_del, ns_exists, ns_list to the table at index 1. */
int nsl_open_netns(lua_State *L)
{
	nsl_register(L, netns_prims);
	return 0;
}
