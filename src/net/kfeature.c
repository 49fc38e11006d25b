/*
 * kfeature.c - which module and CONFIG_ option a refused kind needs.
 *
 * A kernel that does not know a link kind answers RTM_NEWLINK with
 * EOPNOTSUPP, "Unknown device type": true, but no help to a user whose
 * kernel merely lacks a module.  This table names what is missing, so the
 * error says what to load or configure.  Kinds nsl does not make yet are
 * listed too: a new *_add gets the explanation for free.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kfeature.h"

static const struct {
	const char *kind;	
