/*
 * nft.c - nftables in-process: nft(commands [, {ns =}]) and
 * nft_list([{ns =}]), through libnftables (the library behind `nft`).
 *
 * libnftables talks netlink from the namespace of the calling thread,
 * so, as for nlsock.c's sockets, the thread enters the namespace, makes a
 * context, runs the commands, frees the context, and switches straight
 * back, with the signals nsl turns into Lua errors blocked for that
 * short while: a half-read netlink answer must not be cut by EINTR, and
 * the process never stays in another namespace.
 *
 * The commands go to libnftables as a file (a memfd) rather than a
 * buffer: the whole input is still one batch, one transaction (all or
 * nothing), and its error records then name the right line and column
 * ("file:3:36-36: Error: ..."), which the buffer form of libnftables
 * 1.0.x gets wrong.  nft_list turns the JSON form into Lua tables with
 * jansson, which libnftables itself is built on.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>
#include <nftables/libnftables.h>

#include "nl/nl.h"

/* What one run inside the namespace brings back. */
struct nft_run {
	int rc;			/* nft_run_cmd_*: 0 or -1 */
	int err;		/* errno of our own steps (enter, memfd) */
	const char *step;	/* which of them failed */
	char *out;		/* malloc'd copies of the buffers */
	char *errtext;
};

/* Enters ns, runs cmds (as a file when via_file, so errors carry line
 * and column) in a fresh context with output flags, and comes back.
 * With check, the thread enters a new, empty namespace of its own
 * instead (gone once it leaves) and the run is a dry run: the commands
 * are parsed and evaluated against an empty ruleset, nothing applied.
 * Never raises: the result and both buffers are in *run. */
static void nft_run_in(lua_State *L, struct nl_ns *ns, const char *cmds,
		       size_t len, int via_file, unsigned int flags,
		       struct nft_run *run, int check)
{
	sigset_t set, old;
	struct nft_ctx *ctx;
	char path[64];
	int fd = -1, back;

	memset(run, 0, sizeof(*run));
	run->rc = -1;
	if (via_file) {
		fd = memfd_create("nsl-nft", MFD_CLOEXEC);
		if (fd < 0 || write(fd, cmds, len) != (ssize_t)len) {
			run->err = errno ? errno : EIO;
			run->step = "memfd";
			if (fd >= 0)
				close(fd);
			return;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	nsl_signals_set(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (check)
		run->err = unshare(CLONE_NEWNET) < 0 ? errno : 0;
	else
		run->err = -nl_enter(L, ns);
	if (run->err) {
		run->step = check ? "unshare" : "setns";
		goto out;
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx) {
		nft_ctx_set_dry_run(ctx, check != 0);
		nft_ctx_buffer_output(ctx);
		nft_ctx_buffer_error(ctx);
		nft_ctx_output_set_flags(ctx, flags);
		run->rc = via_file ? nft_run_cmd_from_filename(ctx, path)
				   : nft_run_cmd_from_buffer(ctx, cmds);
		run->out = strdup(nft_ctx_get_output_buffer(ctx));
		run->errtext = strdup(nft_ctx_get_error_buffer(ctx));
		nft_ctx_free(ctx);
	} else {
		run->err = ENOMEM;
		run->step = "nft_ctx_new";
	}
	back = nl_leave(L);
	if (back) {
		run->err = -back;
		run->step = "cannot return to the start namespace";
	}
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd >= 0)
		close(fd);
}

/* Frees the buffers of a run. */
static void nft_run_free(struct nft_run *run)
{
	free(run->out);
	free(run->errtext);
	run->out = run->errtext = NULL;
}

/* Pushes libnftables' error text with our file name replaced:
 * "/proc/self/fd/5:3:36-36: Error: x\n<line>\n<caret>" becomes
 * "line 3, column 36: x\n<line>\n<caret>" (trailing newlines dropped). */
static void push_reason(lua_State *L, const char *text)
{
	luaL_Buffer b;
	const char *p = text, *e;
	size_t n;

	luaL_buffinit(L, &b);
	while (*p) {
		int line, col, used = 0;
		const char *eol = strchr(p, '\n');

		if (sscanf(p, "/proc/self/fd/%*d:%d:%d%n", &line, &col, &used) == 2 &&
		    used > 0) {
			const char *rest = p + used;

			while (*rest && *rest != ' ')	/* "-36:" */
				rest++;
			while (*rest == ' ')
				rest++;
			if (strncmp(rest, "Error: ", 7) == 0)
				rest += 7;
			lua_pushfstring(L, "line %d, column %d: ", line, col);
			luaL_addvalue(&b);
			p = rest;
			eol = strchr(p, '\n');
		} else if (strncmp(p, "Error: ", 7) == 0) {
			p += 7;
		}
		n = eol ? (size_t)(eol - p) + 1 : strlen(p);
		luaL_addlstring(&b, p, n);
		p += n;
	}
	luaL_pushresult(&b);
	e = lua_tolstring(L, -1, &n);
	while (n > 0 && e[n - 1] == '\n')
		n--;
	lua_pushlstring(L, e, n);
	lua_remove(L, -2);
}

/* The object of an error: the namespace's name, "host" for nsl's own. */
static const char *ns_object(const char *name)
{
	return name ? name : "host";
}

/* Raises the error of a failed run as prim (its buffers freed first). */
static int run_fail(lua_State *L, const char *prim, const char *nsname,
		    struct nft_run *run)
{
	const char *reason;

	if (run->step) {
		nft_run_free(run);
		return nsl_fail(L, prim, ns_object(nsname), run->err, "%s: %s",
				run->step, strerror(run->err));
	}
	push_reason(L, run->errtext && *run->errtext ? run->errtext
		    : "libnftables refused the commands");
	nft_run_free(run);
	reason = lua_tostring(L, -1);
	return nsl_fail(L, prim, ns_object(nsname), EINVAL, "%s", reason);
}

/* nft(commands [, opts]): applies commands (the nft language, any number
 * of lines) in opts.ns, all or nothing; with opts.check only checks them
 * against an empty ruleset (see nft_run_in); with opts.handles, listings
 * show each object's handle ("# handle 4"), as nft -a.  Returns what nft
 * printed (a string, often ""); raises "nft: <ns>: line L, column C: <reason>"
 * with the offending line and a caret below it. */
static int l_nft(lua_State *L)
{
	size_t len;
	const char *cmds = luaL_checklstring(L, 1, &len), *nsname;
	struct nft_run run;
	struct nl_ns *ns;
	struct nsl_opts o;
	int check, handles;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	nsname = nsl_opt_str(&o, "ns", NULL);
	check = nsl_opt_bool(&o, "check", 0);
	handles = nsl_opt_bool(&o, "handles", 0);
	if (check && nsname)
		return nsl_fail(L, "nft", nsname, EINVAL, "option 'check': checks in a "
				"namespace of its own, not in ns");
	ns = nl_opts_ns(&o);	/* also opens the way home */
	if (memchr(cmds, '\0', len))
		return nsl_fail(L, "nft", ns_object(nsname), EINVAL,
				"commands hold a NUL byte");
	nft_run_in(L, ns, cmds, len, 1, handles ? NFT_CTX_OUTPUT_HANDLE : 0,
		   &run, check);
	if (run.rc != 0 || run.step)
		return run_fail(L, "nft", nsname, &run);
	lua_pushstring(L, run.out ? run.out : "");
	nft_run_free(&run);
	return 1;
}

/* nft_list([opts]): the ruleset of opts.ns.  Pushes its text (as
 * `nft list ruleset` prints it) and a table from its JSON form
 * ({ nftables = { {metainfo = ...}, {table = ...}, ... } }). */
static int l_nft_list(lua_State *L)
{
	const char *nsname;
	struct nft_run run;
	json_error_t jerr;
	struct nl_ns *ns;
	json_t *doc;
	struct nsl_opts o;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	nsname = nsl_opt_str(&o, "ns", NULL);
	ns = nl_opts_ns(&o);
	nft_run_in(L, ns, "list ruleset", 12, 0, 0, &run, 0);
	if (run.rc != 0 || run.step)
		return run_fail(L, "nft_list", nsname, &run);
	lua_pushstring(L, run.out ? run.out : "");
	nft_run_free(&run);
	nft_run_in(L, ns, "list ruleset", 12, 0, NFT_CTX_OUTPUT_JSON, &run, 0);
	if (run.rc != 0 || run.step)
		return run_fail(L, "nft_list", nsname, &run);
	doc = json_loads(run.out ? run.out : "", 0, &jerr);
	nft_run_free(&run);
	if (!doc)
		return nsl_fail(L, "nft_list", ns_object(nsname), EINVAL,
				"JSON: %s", jerr.text);
	nsl_push_json(L, doc, 0);
	return 2;
}

static const struct nsl_prim nft_prims[] = {
	{ "nft", l_nft, 2, "ns check handles" },
	{ "nft_list", l_nft_list, 1, "ns" },
	{ NULL, NULL, 0, NULL }
};

/* Adds nft and nft_list to the table at index 1. */
int nsl_open_nft(lua_State *L)
{
	nsl_register(L, nft_prims);
	return 0;
}
