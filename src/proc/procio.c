/*
 * procio.c - the mechanics under a process handle, without Lua: reaping
 * through the pidfd, signals to the process group, the pipes (drain what
 * the child wrote, feed what it should read), and stopping one process or
 * every live one at once.
 *
 * Under valgrind (which lacks pidfd_open) a handle has no pidfd: the
 * pump then polls the pipes in short slices and asks waitid by pid.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/sys.h"
#include "procio.h"

#define POLL_SLICE 10	/* ms: the longest nap when a pidfd cannot tell */

static struct proc *live;	/* every process not yet reaped */

/* Puts a new process on the live list (proc_reap takes it off). */
void proc_track(struct proc *p)
{
	p->next = live;
	p->prev = NULL;
	if (live)
		live->prev = p;
	live = p;
}

/* Closes *fd if open and marks it closed. */
void proc_close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Takes p off the live list (it has been reaped). */
static void unlink_live(struct proc *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else if (live == p)
		live = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

/* Collects the exit status if the child has ended; 1 when reaped. */
int proc_reap(struct proc *p, int block)
{
	siginfo_t si;

	if (p->exited)
		return 1;
	memset(&si, 0, sizeof(si));
	while ((p->pidfd >= 0
		? waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | (block ? 0 : WNOHANG))
		: waitid(P_PID, (id_t)p->pid, &si, WEXITED | (block ? 0 : WNOHANG))) < 0) {
		if (errno != EINTR) {
			si.si_pid = p->pid;	/* already gone: ECHILD */
			si.si_code = CLD_KILLED;
			si.si_status = 0;
			break;
		}
	}
	if (si.si_pid == 0)
		return 0;
	p->exited = 1;
	if (si.si_code == CLD_EXITED)
		p->code = si.si_status;
	else
		p->sig = si.si_status;
	proc_close_fd(&p->pidfd);
	unlink_live(p);
	return 1;
}

/* Sends sig to the process group it leads, else to it alone through
 * its pidfd; nothing once it is reaped (the pid may be another's). */
void proc_signal(struct proc *p, int sig)
{
	if (p->exited)
		return;
	/* The leader is not reaped yet, so its pid (the group's id) is ours. */
	if (p->pgrp && kill(-p->pid, sig) == 0)
		return;
	if (p->pidfd < 0)
		kill(p->pid, sig);
	else
		syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0);
}

/* Appends to a growing buffer; on out of memory the output is cut. */
static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return;	/* out of memory: the output is cut short */
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* Reads what a pipe holds now; closes it at end of file. */
void proc_drain(struct proc *p, int i)
{
	char chunk[16384];
	ssize_t n;

	while (p->out_fd[i] >= 0) {
		n = read(p->out_fd[i], chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(&p->out[i], chunk, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EINTR))
			continue;
		if (n == 0 || errno != EAGAIN)
			proc_close_fd(&p->out_fd[i]);
		break;
	}
}

/* Writes pending stdin as far as the pipe takes it; SIGPIPE is blocked
 * meanwhile (a child that closed its stdin must not kill nsl). */
void proc_feed(struct proc *p)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };

	if (p->in_fd < 0 || !p->in_data)
		return;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	while (p->in_off < p->in_len) {
		ssize_t n = write(p->in_fd, p->in_data + p->in_off,
				  p->in_len - p->in_off);

		if (n > 0)
			p->in_off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else {
			if (errno != EAGAIN)
				p->in_off = p->in_len;	/* EPIPE: reader gone */
			break;
		}
	}
	sigtimedwait(&pipe_set, NULL, &zero);	/* drop a pending SIGPIPE */
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (p->in_off == p->in_len) {
		free(p->in_data);
		p->in_data = NULL;
		p->in_len = p->in_off = 0;
		if (!p->in_keep)
			proc_close_fd(&p->in_fd);	/* all written: EOF for the child */
	}
}

/* One round: waits up to ms (-1: forever) for the child's end or its
 * pipes.  Returns 1 when reaped, 0 on time out, -1 on EINTR. */
int proc_pump(struct proc *p, int ms)
{
	return proc_pump_mask(p, ms, NULL);
}

/* proc_pump, with the signal mask to wait under (ppoll): a caller that
 * blocked nsl's signals to check nsl_signal passes the mask that lets
 * them in again, so none can slip in between its check and the wait. */
int proc_pump_mask(struct proc *p, int ms, const sigset_t *mask)
{
	struct timespec ts, *tsp = NULL;
	struct pollfd fds[4];
	int n = 0, r, i;

	if (p->exited)
		return 1;
	fds[n].fd = p->pidfd;
	fds[n++].events = POLLIN;
	for (i = 0; i < 2; i++)
		if (p->out_fd[i] >= 0) {
			fds[n].fd = p->out_fd[i];
			fds[n++].events = POLLIN;
		}
	if (p->in_fd >= 0 && p->in_data) {
		fds[n].fd = p->in_fd;
		fds[n++].events = POLLOUT;
	}
	if (p->pidfd < 0 && (ms < 0 || ms > POLL_SLICE))
		ms = POLL_SLICE;	/* no pidfd: look at the child now and then */
	if (ms >= 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		tsp = &ts;
	}
	r = ppoll(fds, (nfds_t)n, tsp, mask);
	if (r < 0)
		return errno == EINTR ? -1 : 0;
	if (p->pidfd < 0 && !fds[0].revents && proc_reap(p, 0)) {
		for (i = 0; i < 2; i++)
			proc_drain(p, i);
		return 1;
	}
	for (i = 0; i < 2; i++)
		proc_drain(p, i);
	proc_feed(p);
	if (fds[0].revents) {
		/* Ended: take what it wrote, without waiting for EOF (a
		 * grandchild may hold the pipe open). */
		for (i = 0; i < 2; i++)
			proc_drain(p, i);
		return proc_reap(p, 0);
	}
	return 0;
}

/* Does process pid catch signal sig (a handler, per SigCgt)? */
static int catches(pid_t pid, int sig)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 1;	/* cannot tell: give it the grace period */
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "SigCgt:", 7) == 0) {
			mask = strtoull(line + 7, NULL, 16);
			break;
		}
	fclose(f);
	return (mask >> (sig - 1)) & 1;
}

/* The first step of a stop: SIGTERM.  PID 1 of a PID namespace ignores
 * every signal it has no handler for, even from outside (`sleep` as PID 1
 * never ends on SIGTERM): without one it gets SIGKILL at once rather than
 * after a grace period spent for nothing. */
static void terminate(struct proc *p)
{
	proc_signal(p, SIGTERM);
	if (p->pidns_init && !p->exited && !catches(p->pid, SIGTERM))
		proc_signal(p, SIGKILL);
}

/* SIGTERM, up to p->grace seconds for it to end, then SIGKILL to its
 * group; reaped on return.  Signals to nsl do not cut it short. */
void proc_stop(struct proc *p)
{
	double deadline;

	if (p->exited)
		return;
	terminate(p);
	deadline = nsl_mono() + p->grace;
	while (!p->exited && nsl_mono() < deadline) {
		int ms = (int)((deadline - nsl_mono()) * 1000) + 1;

		proc_pump(p, ms);
	}
	proc_signal(p, SIGKILL);
	proc_reap(p, 1);
}

/* Reaps the live processes that have ended (the first 64 on the list),
 * so a finished background process is no zombie for long: one poll,
 * without waiting, then waitid for each that ended. */
void proc_reap_finished(void)
{
	struct pollfd fds[64];
	struct proc *ps[64], *p;
	int n = 0, i;

	for (p = live; p && n < 64; p = p->next) {
		if (p->pidfd < 0)
			continue;
		ps[n] = p;
		fds[n].fd = p->pidfd;
		fds[n++].events = POLLIN;
	}
	if (n == 0 || poll(fds, (nfds_t)n, 0) <= 0)
		return;
	for (i = 0; i < n; i++)
		if (fds[i].revents)
			proc_reap(ps[i], 0);
}

/* Stops every live process at once: one grace period for all. */
void proc_stop_all(void)
{
	struct proc *p, *next;
	double deadline, grace = 0;

	for (p = live; p; p = p->next) {
		terminate(p);
		if (p->grace > grace)
			grace = p->grace;
	}
	deadline = nsl_mono() + grace;
	while (live && nsl_mono() < deadline) {
		struct pollfd fds[64];
		int n = 0;

		for (p = live; p && n < 64; p = p->next) {
			fds[n].fd = p->pidfd;
			fds[n++].events = POLLIN;
		}
		poll(fds, (nfds_t)n, POLL_SLICE);
		for (p = live; p; p = next) {
			next = p->next;
			proc_reap(p, 0);
		}
	}
	for (p = live; p; p = next) {
		next = p->next;
		proc_signal(p, SIGKILL);
		proc_reap(p, 1);
	}
}

/* Releases everything a handle holds, stopping its process first.
 * __gc, __close and close(); safe to call twice. */
void proc_release(struct proc *p)
{
	int i;

	proc_stop(p);
	proc_close_fd(&p->in_fd);
	for (i = 0; i < 2; i++)
		proc_close_fd(&p->out_fd[i]);
	free(p->in_data);
	p->in_data = NULL;
	p->in_len = p->in_off = 0;
}

/* Frees the captured output (the result table holds its copy). */
void proc_free_output(struct proc *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(p->out[i].data);
		p->out[i].data = NULL;
		p->out[i].len = p->out[i].cap = 0;
	}
}
