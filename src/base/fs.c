/*
 * fs.c - _mkdir(path [, mode]), _rmtree(path), _lock(path), _unlock(fd)
 * and _write_whole(path, text): the file-system calls the Lua library
 * needs that Lua itself lacks (nsl.test makes its log and artifact
 * folders and removes a test's private folder; nsl.record locks the
 * records' directory and rewrites a record; nsl.lab writes lab files).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsl.h"

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

/* See nsl.h. */
int nsl_write_all(int fd, const char *buf, size_t len, size_t *done)
{
	ssize_t w;

	*done = 0;
	while (*done < len) {
		w = write(fd, buf + *done, len - *done);
		if (w > 0)
			*done += (size_t)w;
		else if (w == 0)
			return -EIO;
		else if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* See nsl.h. */
int nsl_write_whole(const char *path, const char *text, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t done;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	err = -nsl_write_all(fd, text, len, &done);
	if (!err && fsync(fd) < 0 && errno != EINVAL)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err)
		unlink(tmp);
	return -err;
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

/* Adds _mkdir, _rmtree, _lock, _unlock and _write_whole to the table at
 * index 1. */
int nsl_open_fs(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "_mkdir", l_mkdir, 0, NULL },
		{ "_rmtree", l_rmtree, 0, NULL },
		{ "_lock", l_lock, 0, NULL },
		{ "_unlock", l_unlock, 0, NULL },
		{ "_write_whole", l_write_whole, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	return 0;
}
