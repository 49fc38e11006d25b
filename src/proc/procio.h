/*
 * procio.h - the mechanics of a running child, without Lua (procio.c):
 * its pipes pumped, its end reaped, its process group stopped, and the
 * live list that nsl's end stops.  The Lua handle around it is proc.c.
 */
#ifndef NSL_PROCIO_H
#define NSL_PROCIO_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

struct buf {
	char *data;
	size_t len, cap;
};

struct proc {
	pid_t pid;
	int pidfd;		/* -1 once reaped */
	int pgrp;		/* signal the whole process group */
	int in_fd, out_fd[2];	/* parent ends; -1 when closed */
	char *in_data;		/* stdin still to write */
	size_t in_len, in_off;
	int in_keep;		/* stdin = true: open until close_stdin() */
	struct buf out[2];	/* captured stdout, stderr */
	int captured;
	int exited;		/* reaped: code/sig are final */
	int code, sig, timed_out;
	double grace;		/* SIGTERM -> SIGKILL when stopping */
	int pidns_init;		/* PID 1 of a PID namespace of its own */
	struct proc *next, *prev;	/* the live list */
};

void proc_close_fd(int *fd);
void proc_track(struct proc *p);
/* 1 when the process has ended and is reaped (block: wait for it). */
int proc_reap(struct proc *p, int block);
/* Signals the process group (the process alone if it leads none). */
void proc_signal(struct proc *p, int sig);
void proc_drain(struct proc *p, int i);
void proc_feed(struct proc *p);
/* Waits up to ms for the end or the pipes: 1 reaped, 0 not, -1 EINTR. */
int proc_pump(struct proc *p, int ms);
int proc_pump_mask(struct proc *p, int ms, const sigset_t *mask);
/* SIGTERM, up to p->grace seconds, SIGKILL; reaped on return. */
void proc_stop(struct proc *p);
/* Reaps, without waiting, the live processes that have ended. */
void proc_reap_finished(void);
/* Every live process: SIGTERM all, one grace period, SIGKILL, reap. */
void proc_stop_all(void);
/* Stops the process and closes its pipes (the output stays). */
void proc_release(struct proc *p);
void proc_free_output(struct proc *p);

#endif
