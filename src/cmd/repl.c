/*
 * repl.c - nsl's interactive loop.
 *
 * As lua(1): a line is first compiled as "return <line>" so expressions
 * print; otherwise as a statement, and a syntax error at <eof> asks for
 * another line.  Unlike lua(1), values are printed by the Lua library
 * (nsl.repl: tables nested and sorted, arrays of records as columns),
 * Tab completes globals and fields, and Ctrl-C at the prompt discards
 * the line instead of killing the program.
 *
 * On a terminal, lines come from libedit through its callback interface,
 * so that a SIGINT during input is seen as EINTR from poll() and handled
 * here, outside the signal handler.  Otherwise a plain getline() is used.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cmd.h"

#define HISTORY_MAX 1000

enum { LINE_OK, LINE_EOF, LINE_CANCEL };

static int use_editline;
static char *history_path;
static lua_State *repl_L;	/* for the completion callback */

/* ---- line input ------------------------------------------------------ */

static char *cb_line;
static int cb_done;

static void on_line(char *line)
{
	cb_line = line;
	cb_done = 1;
	rl_callback_handler_remove();
}

static int read_editline(const char *prompt, char **out)
{
	cb_line = NULL;
	cb_done = 0;
	rl_callback_handler_install(prompt, on_line);
	while (!cb_done) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

		/* A signal may land in poll() or in libedit's own read(). */
		if (poll(&pfd, 1, -1) > 0) {
			if (!(pfd.revents & POLLIN))
				break;	/* the terminal hung up: end of input */
			rl_callback_read_char();
		} else if (errno != EINTR) {
			break;
		}
		if (nsl_signal && !cb_done) {
			rl_callback_handler_remove();
			fputs("\n", stdout);
			fflush(stdout);
			return LINE_CANCEL;
		}
	}
	if (!cb_done)
		rl_callback_handler_remove();
	if (cb_line == NULL)
		return LINE_EOF;
	*out = cb_line;
	return LINE_OK;
}

static int read_plain(const char *prompt, char **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	fputs(prompt, stdout);
	fflush(stdout);
	n = getline(&line, &cap, stdin);
	if (n < 0) {
		int cancelled = (errno == EINTR && nsl_signal);

		free(line);
		clearerr(stdin);
		return cancelled ? LINE_CANCEL : LINE_EOF;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	*out = line;
	return LINE_OK;
}

/* Reads one line (malloc'd, no newline) with SIGINT/SIGTERM recorded but
 * not raised: LINE_CANCEL when one arrived. */
static int read_line(lua_State *L, int first, char **out)
{
	const char *prompt;
	int r;

	lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
	prompt = lua_tostring(L, -1);
	if (prompt == NULL)
		prompt = first ? "nsl> " : "...> ";
	nsl_signal = 0;
	nsl_signals_arm(NULL);
	r = use_editline ? read_editline(prompt, out) : read_plain(prompt, out);
	lua_pop(L, 1);
	return r;
}

static void remember(const char *chunk)
{
	if (!use_editline || chunk[0] == '\0')
		return;
	add_history(chunk);
	if (history_path)
		write_history(history_path);
}

/* ---- compiling ------------------------------------------------------- */

/* Is the error on top of the stack a chunk that ended too early? */
static int incomplete(lua_State *L, int status)
{
	static const char eof[] = "<eof>";
	size_t len;
	const char *msg;

	if (status != LUA_ERRSYNTAX)
		return 0;
	msg = lua_tolstring(L, -1, &len);
	if (len >= sizeof(eof) - 1 &&
	    strcmp(msg + len - (sizeof(eof) - 1), eof) == 0) {
		lua_pop(L, 1);
		return 1;
	}
	return 0;
}

/* Reads and compiles one chunk, asking for more lines while it is
 * incomplete.  Pushes the function (or the error message) and returns
 * the load status, or -1 at end of input, or -2 when Ctrl-C discarded it. */
static int load_chunk(lua_State *L)
{
	char *line = NULL;
	int r, status;
	const char *chunk;

	r = read_line(L, 1, &line);
	if (r != LINE_OK)
		return r == LINE_EOF ? -1 : -2;
	lua_pushfstring(L, "return %s", line);
	status = luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=stdin");
	if (status == LUA_OK) {
		lua_remove(L, -2);
		remember(line);
		free(line);
		return LUA_OK;
	}
	lua_pop(L, 2);

	lua_pushstring(L, line);
	free(line);
	for (;;) {
		chunk = lua_tostring(L, -1);
		status = luaL_loadbuffer(L, chunk, lua_rawlen(L, -1), "=stdin");
		if (!incomplete(L, status))
			break;
		r = read_line(L, 0, &line);
		if (r == LINE_CANCEL) {
			lua_pop(L, 1);
			return -2;
		}
		if (r == LINE_EOF) {	/* report the error of what we have */
			status = luaL_loadbuffer(L, chunk, lua_rawlen(L, -1), "=stdin");
			break;
		}
		lua_pushfstring(L, "\n%s", line);
		lua_concat(L, 2);
		free(line);
	}
	remember(lua_tostring(L, -2));
	lua_remove(L, -2);
	return status;
}

/* ---- printing and completion (both in Lua: nsl.repl) ----------------- */

/* Calls nsl.repl's function `name` with the n values on top of the
 * stack, unprotected calls being the caller's business. */
static void push_repl_function(lua_State *L, const char *name)
{
	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.repl");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, name);
	lua_remove(L, -2);
}

static int show_results_protected(lua_State *L)
{
	int n = lua_gettop(L);

	push_repl_function(L, "show");
	lua_insert(L, 1);
	lua_call(L, n, 0);
	return 0;
}

static void show_results(lua_State *L)
{
	int n = lua_gettop(L);

	if (n == 0)
		return;
	lua_pushcfunction(L, show_results_protected);
	lua_insert(L, 1);
	if (lua_pcall(L, n, 0, 0) != LUA_OK)
		nsl_report(L, LUA_ERRRUN);
}

static char **matches;
static size_t nmatches;

static void free_matches(void)
{
	size_t i;

	for (i = 0; i < nmatches; i++)
		free(matches[i]);
	free(matches);
	matches = NULL;
	nmatches = 0;
}

static int collect_candidates(lua_State *L)
{
	const char *text = lua_tostring(L, 1);
	int quoted = lua_toboolean(L, 2);
	lua_Integer i, n;

	push_repl_function(L, "complete");
	lua_pushstring(L, text);
	lua_pushboolean(L, quoted);
	lua_call(L, 2, 1);
	n = luaL_len(L, -1);
	matches = calloc((size_t)n + 1, sizeof(*matches));
	if (matches == NULL)
		return 0;
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, -1, i);
		if (lua_isstring(L, -1)) {
			char *s = strdup(lua_tostring(L, -1));

			if (s)
				matches[nmatches++] = s;
		}
		lua_pop(L, 1);
	}
	return 0;
}

/* Generator for rl_completion_matches: hands out (and gives away) the
 * candidates collected for this completion. */
static char *next_match(const char *text, int state)
{
	static size_t next;

	(void)text;
	if (state == 0)
		next = 0;
	if (next < nmatches) {
		char *s = matches[next];

		matches[next++] = NULL;
		return s;
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	lua_State *L = repl_L;
	char **result;
	int top = lua_gettop(L);

	(void)end;
	rl_attempted_completion_over = 1;
	free_matches();
	lua_pushcfunction(L, collect_candidates);
	lua_pushstring(L, text);
	/* Inside a string literal: node names of live topologies. */
	lua_pushboolean(L, start > 0 && rl_line_buffer &&
			(rl_line_buffer[start - 1] == '"' || rl_line_buffer[start - 1] == '\''));
	if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
		lua_settop(L, top);
		free_matches();
		return NULL;
	}
	lua_settop(L, top);
	if (nmatches == 0) {
		free_matches();
		return NULL;
	}
	result = rl_completion_matches(text, next_match);
	free_matches();
	return result;
}

/* ---- setup and loop -------------------------------------------------- */

static void editline_open(lua_State *L)
{
	const char *path = getenv("NSL_HISTORY");
	const char *home = getenv("HOME");

	repl_L = L;
	rl_readline_name = NSL_NAME;
	rl_catch_signals = 0;
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = (char *)" \t\n\"\\'`@$><=;|&{}()[]+-*/%^~#,";
	rl_completion_append_character = '\0';
	using_history();
	stifle_history(HISTORY_MAX);
	if (path == NULL && home && *home) {
		size_t len = strlen(home) + sizeof("/.nsl_history");

		history_path = malloc(len);
		if (history_path)
			snprintf(history_path, len, "%s/.nsl_history", home);
	} else if (path && *path) {
		history_path = strdup(path);
	}
	if (history_path)
		read_history(history_path);
}

static void editline_close(void)
{
	free_matches();
	clear_history();
	free(history_path);
	history_path = NULL;
	repl_L = NULL;
}

void nsl_repl(lua_State *L)
{
	int status;

	lua_settop(L, 0);
	use_editline = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (use_editline)
		editline_open(L);
	for (;;) {
		status = load_chunk(L);
		if (status == -1) {
			fputs("\n", stdout);	/* leave the shell's prompt on a line of its own */
			break;
		}
		if (status == -2) {
			if (nsl_signal != SIGINT)
				break;	/* SIGTERM/SIGHUP at the prompt: leave */
			continue;
		}
		if (status == LUA_OK)
			status = nsl_docall(L, 0, LUA_MULTRET);
		if (status == LUA_OK)
			show_results(L);
		else
			nsl_report(L, status);
		lua_settop(L, 0);
		if (nsl_signal != 0 && nsl_signal != SIGINT)
			break;
		nsl_signal = 0;	/* Ctrl-C stopped one chunk, not the REPL */
	}
	nsl_signals_disarm();
	lua_settop(L, 0);
	if (use_editline)
		editline_close();
	fflush(stdout);
}
