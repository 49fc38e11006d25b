/*
 * fs.c - _mkdir(path [, mode]): the one file-system call the Lua library
 * needs that Lua itself lacks (nsl.test makes its log and artifact
 * folders with it; os.remove removes them again).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

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

/* Adds _mkdir to the table at index 1. */
int nsl_open_fs(lua_State *L)
{
	lua_pushcfunction(L, l_mkdir);
	lua_setfield(L, 1, "_mkdir");
	return 0;
}
