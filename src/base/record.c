/*
 * record.c - the run's record file (record.h), without Lua: opened once,
 * appended to by nsl_rec_note, the one writer of its lines.
 *
 * Every object a primitive makes (a namespace, a link, a UTS namespace, a
 * background process) is noted in one file per run, NSL_RUN_DIR (default
 * /run/nsl) "/<pid>-<start time>", by the C code that makes it, before
 * the primitive returns: a signal (whose Lua error is raised only when the
 * primitive returns) cannot come between the object and its line.  The
 * file is opened once and appended to with one write(2) per line (no
 * fsync: it lives on tmpfs, and only a dead process, not a dead machine,
 * must be covered).  The line format is described in lua/nsl/record.lua,
 * which reads it (rollback, --clean), and in record.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "sys.h"

static int rec_fd = -1;
static char rec_path[PATH_MAX];
static char rec_id[64];
static long long rec_seq;	/* how many objects were recorded */
static long long rec_plus;	/* how many + lines were written */

/* See record.h. */
const char *nsl_rec_dir(void)
{
	const char *d = getenv("NSL_RUN_DIR");

	return d && *d ? d : "/run/nsl";
}

/* See record.h. */
const char *nsl_rec_id(void)
{
	struct nsl_pstat st;

	if (!rec_id[0]) {
		if (nsl_proc_stat((long)getpid(), &st) < 0)
			st.start = 0;
		snprintf(rec_id, sizeof(rec_id), "%ld-%llu", (long)getpid(),
			 (unsigned long long)st.start);
	}
	return rec_id;
}

/* See record.h. */
const char *nsl_rec_path(void)
{
	return rec_fd >= 0 ? rec_path : NULL;
}

/* See record.h. */
int nsl_rec_open(void)
{
	const char *dir = nsl_rec_dir();

	if (rec_fd >= 0)
		return 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(rec_path, sizeof(rec_path), "%s/%s", dir, nsl_rec_id());
	rec_fd = open(rec_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (rec_fd < 0)
		return -errno;
	return 0;
}

/* Appends n bytes of text (whole lines) to the open record, whole or not
 * at all; 0 or -errno. */
static int rec_append(const char *text, size_t n)
{
	size_t done;
	off_t end;
	int err;

	end = lseek(rec_fd, 0, SEEK_END);	/* only this run appends to it */
	err = nsl_write_all(rec_fd, text, n, &done);	/* O_APPEND */
	if (err) {
		/* a full file system: no half line, which would run into the
		 * next and hide both from the reader */
		if (done && (end < 0 || ftruncate(rec_fd, end) < 0))
			fprintf(stderr, "nsl: the run's record %s ends in a half line\n",
				rec_path);
		return err;
	}
	if (text[0] == '+')
		rec_plus++;
	return 0;
}

/* See record.h. */
int nsl_rec_note(char sign, const char *kind, const char *fields, ...)
{
	char line[2 * PATH_MAX];
	va_list ap;
	int n, m, err;

	err = nsl_rec_open();
	if (err)
		return err;
	n = snprintf(line, sizeof(line), "%c%s\t", sign, kind);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -ENAMETOOLONG;
	va_start(ap, fields);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fields, ap);
	va_end(ap);
	if (m < 0 || (size_t)(n + m) + 1 >= sizeof(line))
		return -ENAMETOOLONG;
	n += m;
	line[n++] = '\n';
	return rec_append(line, (size_t)n);
}

/* See record.h. */
int nsl_rec_release(const char *lines, size_t len)
{
	char *text;
	size_t n = len + sizeof("-all\n\n");
	int err;

	if (rec_fd < 0)
		return 0;
	text = malloc(n);
	if (!text)
		return -ENOMEM;
	n = (size_t)snprintf(text, n, "-all\n%.*s%s", (int)len, lines, len ? "\n" : "");
	err = rec_append(text, n);
	free(text);
	return err;
}

/* See record.h. */
const char *nsl_rec_name(const char *name, char *buf, size_t len)
{
	size_t o = 0;

	for (; *name && o + 3 < len; name++) {
		char c = *name;

		if (c == '\\' || c == '\t' || c == '\n') {
			buf[o++] = '\\';
			c = c == '\t' ? 't' : c == '\n' ? 'n' : '\\';
		}
		buf[o++] = c;
	}
	buf[o] = '\0';
	return buf;
}

/* See record.h. */
void nsl_rec_made(void)
{
	rec_seq++;
}

/* See record.h. */
int nsl_rec_has(const char *prefix)
{
	char line[2 * PATH_MAX];
	size_t n = strlen(prefix);
	int found = 0;
	FILE *f;

	if (rec_fd < 0 || !(f = fopen(rec_path, "re")))
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, prefix, n) == 0;
	fclose(f);
	return found;
}

/* See record.h. */
int nsl_rec_active(void)
{
	return rec_fd >= 0;
}

/* See record.h. */
long long nsl_rec_seq(void)
{
	return rec_seq;
}

/* See record.h. */
long long nsl_rec_mark(void)
{
	return rec_plus;
}

/* See record.h. */
void nsl_rec_close(int keep)
{
	if (rec_fd < 0)
		return;
	close(rec_fd);
	rec_fd = -1;
	if (!keep)
		unlink(rec_path);
}
