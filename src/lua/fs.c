/*
 * fs.c - _mkdir(path [, mode]), mkdtemp(template_or_prefix), _rmdir(path),
 * _rmtree(path), _lock(path) and _unlock(fd), _read_file(path, max),
 * _write_whole(path, text): the file-system calls the Lua library needs
 * that Lua itself lacks (nsl.test makes its log and artifact folders, a
 * test's private folder with mkdtemp, and removes it; nsl.record locks
 * the records' directory and rewrites a record; nsl.lab writes lab files;
 * records and lab files, which another user or run may have forged, are
 * read without following or waiting).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsl.h"

/* _rmdir(path): removes an empty directory; pushes true, or false when
 * it is not there or not empty (or a mount point).  Never raises. */
static int l_rmdir(lua_State *L)
{
	lua_pushboolean(L, rmdir(luaL_checkstring(L, 1)) == 0);
	return 1;
}

/* _mkdir(path [, mode]): makes path and its missing parents (as mkdir
 * -p; mode default 0755); an existing directory is fine.  Returns true;
 * raises "mkdir: <path>: <reason>". */
static int l_mkdir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	mode_t mode = (mode_t)luaL_optinteger(L, 2, 0755);
	char buf[4096];
	struct stat sb;
	size_t len = strlen(path), i;

	if (len == 0 || len >= sizeof(buf))
		return nsl_fail(L, "mkdir", path, EINVAL, "invalid path");
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return nsl_fail(L, "mkdir", buf, errno, NULL);
		buf[i] = path[i];
	}
	if (stat(path, &sb) < 0)
		return nsl_fail(L, "mkdir", path, errno, NULL);
	if (!S_ISDIR(sb.st_mode))
		return nsl_fail(L, "mkdir", path, ENOTDIR, NULL);
	lua_pushboolean(L, 1);
	return 1;
}

/* mkdtemp(template_or_prefix): makes a new directory, mode 0700, of a
 * name no one could have taken before: template's trailing "XXXXXX"
 * (or six characters added to a prefix) become random ones, and the
 * kernel refuses a name that exists (mkdtemp(3)), so a directory someone
 * else made in a shared /tmp is never the one returned.  Pushes its
 * path; raises "mkdtemp: <template>: <reason>". */
static int l_mkdtemp(lua_State *L)
{
	const char *arg = nsl_checkstring(L, 1, "mkdtemp");
	size_t len = strlen(arg);
	char buf[PATH_MAX];
	int tmpl = len >= 6 && !strcmp(arg + len - 6, "XXXXXX");

	if (len == 0 || len + (tmpl ? 0 : 6) >= sizeof(buf))
		return nsl_fail(L, "mkdtemp", arg, len ? ENAMETOOLONG : EINVAL,
				len ? NULL : "an empty prefix");
	snprintf(buf, sizeof(buf), "%s%s", arg, tmpl ? "" : "XXXXXX");
	if (!mkdtemp(buf))
		return nsl_fail(L, "mkdtemp", arg, errno, NULL);
	lua_pushstring(L, buf);
	return 1;
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return errno;
	return 0;
}

/* _rmtree(path): removes the directory path and all it holds, never
 * following a symbolic link nor crossing into another file system (a
 * mount inside is an error, left alone).  Returns true; raises "rmtree:
 * <path>: <reason>".  Only the Lua library calls it, on folders it made. */
static int l_rmtree(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	int err;

	err = nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (err < 0 && errno != ENOENT)
		return nsl_fail(L, "rmtree", path, errno, NULL);
	if (err > 0)
		return nsl_fail(L, "rmtree", path, err, NULL);
	lua_pushboolean(L, 1);
	return 1;
}

/* _lock(path): takes an exclusive flock(2) on path (a file or a
 * directory that exists), waiting for it; pushes the fd that holds it.  _unlock(fd)
 * lets go (closes it).  For the few read-decide-write steps that two nsl
 * runs must not interleave (the root namespace's ip_forward).  Raises
 * "lock: <path>: <reason>". */
static int l_lock(lua_State *L)
{
	const char *path = nsl_checkstring(L, 1, "lock");
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return nsl_fail(L, "lock", path, errno, NULL);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = errno;

			close(fd);
			return nsl_fail(L, "lock", path, err, NULL);
		}
	}
	lua_pushinteger(L, fd);
	return 1;
}

static int l_unlock(lua_State *L)
{
	lua_Integer fd = luaL_checkinteger(L, 1);

	luaL_argcheck(L, fd > 2 && fd <= INT_MAX, 1, "a descriptor _lock gave");
	close((int)fd);
	return 0;
}

/* _read_file(path, max): the whole of a regular file of at most max
 * bytes, opened without following a symbolic link nor waiting (a FIFO
 * never blocks: it is refused, as is anything but a regular file).
 * Pushes its text, or nil, the reason ("not a regular file (a FIFO)",
 * "larger than 4194304 bytes", strerror) and the errno (0 for a reason
 * of its own); raises only for a wrong argument. */
static int l_read_file(lua_State *L)
{
	const char *path = nsl_checkstring(L, 1, "_read_file");
	lua_Integer max = luaL_checkinteger(L, 2);
	luaL_Buffer b;
	struct stat sb;
	const char *why = NULL;
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;

	luaL_argcheck(L, max >= 0 && max <= (1 << 30), 2, "0 to 1 GiB");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		why = err == ELOOP ? "a symbolic link" : NULL;
		goto out;
	}
	if (fstat(fd, &sb) < 0) {
		err = errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		why = S_ISFIFO(sb.st_mode) ? "not a regular file (a FIFO)" :
			S_ISDIR(sb.st_mode) ? "not a regular file (a directory)" :
			S_ISSOCK(sb.st_mode) ? "not a regular file (a socket)" :
			"not a regular file (a device)";
		goto out;
	}
	if (sb.st_size > max)
		goto big;
	/* The size can change under us: read in pieces, up to max + 1. */
	luaL_buffinit(L, &b);
	while (len <= (size_t)max) {
		size_t want = (size_t)max + 1 - len;

		if (want > 65536)
			want = 65536;
		buf = luaL_prepbuffsize(&b, want);
		n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto out;
		}
		if (n == 0)
			break;
		luaL_addsize(&b, (size_t)n);
		len += (size_t)n;
	}
	if (len > (size_t)max)
		goto big;
	close(fd);
	luaL_pushresult(&b);
	return 1;
big:
	lua_pushfstring(L, "larger than %I bytes", max);
	why = lua_tostring(L, -1);
out:
	if (fd >= 0)
		close(fd);
	lua_pushnil(L);
	lua_pushstring(L, why ? why : strerror(err));
	lua_pushinteger(L, err);
	return 3;
}

/* _write_whole(path, text [, mode]): path holds text, whole, or keeps
 * what it held (see nsl_write_whole; mode default 0644).  Returns true;
 * raises "write: <path>: <reason>" (No space left on device...). */
static int l_write_whole(lua_State *L)
{
	const char *path = nsl_checkstring(L, 1, "write");
	size_t len;
	const char *text = luaL_checklstring(L, 2, &len);
	mode_t mode = (mode_t)luaL_optinteger(L, 3, 0644);
	int err = nsl_write_whole(path, text, len, mode);

	if (err)
		return nsl_fail(L, "write", path, -err, NULL);
	lua_pushboolean(L, 1);
	return 1;
}

/* Adds _mkdir, mkdtemp, _rmdir, _rmtree, _lock, _unlock, _read_file and
 * _write_whole to the table at * index 1. */
int nsl_open_fs(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "_mkdir", l_mkdir, 0, NULL },
		{ "mkdtemp", l_mkdtemp, 0, NULL },
		{ "_rmdir", l_rmdir, 0, NULL },
		{ "_rmtree", l_rmtree, 0, NULL },
		{ "_lock", l_lock, 0, NULL },
		{ "_unlock", l_unlock, 0, NULL },
		{ "_read_file", l_read_file, 0, NULL },
		{ "_write_whole", l_write_whole, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	return 0;
}
