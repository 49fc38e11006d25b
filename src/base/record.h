/*
 * record.h - the run's record file, without Lua (record.c): every line
 * of it is written by nsl_rec_note, in one format that lua/nsl/record.lua
 * reads (rollback, --clean):
 *
 *   <sign><kind>\t<field>[\t<field>...]\n
 *
 * sign "+" (made: the object, where and how to prove it the run's), "-"
 * (gone: the first fields of its + line), "=" (the identity of what a +
 * line names, once known).  The kinds and their fields:
 *
 *   +ns NAME TMP            =ns NAME file|net ID        -ns NAME
 *   +uts PATH TMP           =uts PATH file|uts ID       -uts PATH
 *   +mnt PATH TMP           =mnt PATH file|mnt ID       -mnt PATH
 *   +link NAME NS IFINDEX NSID                          -link NAME NS
 *   +vlan PORT NS LO HI SELF IFINDEX NSID               -vlan PORT NS LO HI SELF
 *   +fdb MAC DEV NS VLAN IFINDEX NSID FLAGS             -fdb MAC DEV NS VLAN FLAGS
 *   +neigh ADDR DEV NS IFINDEX NSID PROXY               -neigh ADDR DEV NS PROXY
 *   +rule TEXT NS NSID                                  -rule TEXT NS
 *   +proc PID START
 *   +nft, +sysctl, +log, -link ... (the Lua library's, through _record_note)
 *   -all, then the + and = lines a teardown left (nsl_rec_release)
 *
 * Names (of namespaces, links) are written through nsl_rec_name, which
 * escapes backslash, tab and newline.
 */
#ifndef NSL_RECORD_H
#define NSL_RECORD_H

#include <stddef.h>

/* The directory (NSL_RUN_DIR or /run/nsl) and this run's id
 * "<pid>-<start>". */
const char *nsl_rec_dir(void);
const char *nsl_rec_id(void);

/* The record's path while it is open, else NULL. */
const char *nsl_rec_path(void);

/* Opens the record (making its directory) once; 0 or -errno.  A primitive
 * that makes an object calls it before making anything. */
int nsl_rec_open(void);

/* Appends the line "<sign><kind>\t<fields>\n" (fields a printf format of
 * tab-separated fields), whole or not at all (a short write, on a full
 * file system, is cut off again); 0 or -errno.  Never raises: it may run
 * while the thread is inside another namespace.  A primitive whose +
 * line fails makes nothing, or undoes what it made, and raises with
 * nsl_rec_fail (nsl.h); a - line that cannot be written is let be. */
int nsl_rec_note(char sign, const char *kind, const char *fields, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends "-all\n" and lines (the + and = lines of what a teardown left,
 * without their last newline) in one write; 0 or -errno. */
int nsl_rec_release(const char *lines, size_t len);

/* A name as the record keeps it: backslash, tab and newline escaped as
 * "\\\\", "\\t", "\\n" (a namespace name may hold them); returns buf
 * (which holds 2 * strlen(name) + 1 bytes). */
const char *nsl_rec_name(const char *name, char *buf, size_t len);

/* Counts one object made (after its line is written): Lua compares the
 * count around a call that raised, to tell whether it made something. */
void nsl_rec_made(void);

/* How many objects were made (nsl_rec_made), and how many + lines were
 * written (lua/nsl/record.lua numbers its entries by them). */
long long nsl_rec_seq(void);
long long nsl_rec_mark(void);

/* True when a line of this run's record starts with prefix (a scan of
 * the file: for rare calls, such as a link moved by link_set_ns). */
int nsl_rec_has(const char *prefix);

/* True once something was recorded (the record is open). */
int nsl_rec_active(void);

/* Closes the record at the end of the run, removing it unless keep. */
void nsl_rec_close(int keep);

#endif
