/*
 * signal.c - SIGINT, SIGTERM and SIGHUP as Lua errors.
 *
 * As in lua(1), the handler never touches the state beyond arming a hook:
 * it stores the signal number, and the hook raises "interrupted!" (or
 * "terminated by signal N!") at the next Lua instruction.  Primitives
 * blocked in a system call see EINTR and call nsl_check_signal().  A
 * signal stays pending after it is raised, so nsl can die of it once the
 * state is closed; _shield() sets it aside while cleanup runs.
 */
#include <string.h>

#include "nsl.h"

volatile sig_atomic_t nsl_signal;
static lua_State *volatile armed_L;	/* state to interrupt, or NULL */

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* The hook armed by the signal handler: clears itself, raises the error. */
static void signal_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	nsl_check_signal(L);
}

static void arm_hook(lua_State *L)
{
	lua_sethook(L, signal_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void nsl_check_signal(lua_State *L)
{
	int sig = nsl_signal;

	if (!sig)
		return;
	/* Raised here, the error must not be raised again by the hook at the
	 * first instruction of whoever catches it (a rollback, say). */
	lua_sethook(L, NULL, 0, 0);
	if (armed_L && armed_L != L)
		lua_sethook(armed_L, NULL, 0, 0);
	/* No position: the traceback tells where; the message what. */
	if (sig == SIGINT)
		lua_pushliteral(L, "interrupted!");
	else
		lua_pushfstring(L, "terminated by signal %d (%s)!", sig, strsignal(sig));
	lua_error(L);
}

/* Async-signal context: store the number and arm the hook, nothing more.
 * lua_sethook is documented as safe to call from a signal handler. */
static void on_signal(int sig)
{
	lua_State *L = armed_L;

	nsl_signal = sig;
	if (L)
		arm_hook(L);
}

void nsl_signals_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++)
		sigaddset(set, handled_signals[i]);
}

/* No SA_RESTART: a primitive blocked in a system call sees EINTR and can
 * check nsl_signal instead of waiting for its syscall to finish. */
void nsl_signals_arm(lua_State *L)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	armed_L = L;
	for (i = 0; i < sizeof(handled_signals) / sizeof(handled_signals[0]); i++)
		sigaction(handled_signals[i], &sa, NULL);
	/* A signal that came while nothing was armed (between two -e chunks,
	 * say) still stops the next chunk at once. */
	if (L && nsl_signal)
		arm_hook(L);
}

/* Signals are still recorded (so the exit status can report them) but no
 * longer interrupt Lua code: used while the state is being closed, so that
 * cleanup code (__gc, __close) runs to its end. */
void nsl_signals_disarm(void)
{
	armed_L = NULL;
}

/* _shield(f, ...): calls f(...) with nsl's signals blocked and the pending
 * one set aside, so cleanup (a rollback, a teardown) runs to its end
 * whatever arrives meanwhile: not cut short by the signal that started it
 * at its first wait, nor by a second one.  The primitives' waits keep the
 * caller's mask (ppoll with the mask saved when they blocked), so they see
 * no signal either.  Afterwards the mask is restored: a signal that came
 * meanwhile is delivered then; the set-aside one (the first) stays the
 * pending one: the next blocking primitive raises it, and nsl dies of it
 * at the end.
 * Returns f's results; f's error propagates. */
static int l_shield(lua_State *L)
{
	sig_atomic_t saved = nsl_signal;
	lua_State *armed = armed_L;
	int status, n = lua_gettop(L);
	sigset_t set, old;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	nsl_signals_set(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (armed)
		lua_sethook(armed, NULL, 0, 0);
	nsl_signal = 0;
	status = lua_pcall(L, n - 1, LUA_MULTRET, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);	/* may run on_signal now */
	if (saved)
		nsl_signal = saved;	/* the first signal is the one nsl dies of */
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

int nsl_open_signal(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "_shield", l_shield, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	return 0;
}
