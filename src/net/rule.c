/*
 * rule.c - policy routing rules (RTM_NEWRULE, RTM_DELRULE, RTM_GETRULE):
 * rule_add, rule_del, rule_list, both families.
 *
 * The family follows from/to (default inet); tables are read as
 * route.c reads them (nl_table_opt).  A rule rule_add makes is noted in
 * the run's record ("+rule" with every selector and its priority), so a
 * failed run deletes it again and nsl --clean deletes what a killed run
 * left.  So that the record names the exact rule before it exists,
 * rule_add without a priority picks the one the kernel would (the second
 * rule's priority minus one, fib_default_rule_pref) and sends it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl/dump.h"

/* Actions a caller may ask for; the rest only appear in rule_list. */
static const struct {
	const char *name;
	unsigned char action;
	int settable;
} actions[] = {
	{ "table", FR_ACT_TO_TBL, 1 }, { "blackhole", FR_ACT_BLACKHOLE, 1 },
	{ "unreachable", FR_ACT_UNREACHABLE, 1 }, { "prohibit", FR_ACT_PROHIBIT, 1 },
	{ "goto", FR_ACT_GOTO, 0 }, { "nop", FR_ACT_NOP, 0 },
};

/* One rule as the options give it. */
struct rule {
	int family, has_src, has_dst, has_mark, src_len, dst_len;
	unsigned char src[16], dst[16];
	char src_text[INET6_ADDRSTRLEN], dst_text[INET6_ADDRSTRLEN];
	const char *iif, *oif;
	uint32_t mark, mask;
	lua_Integer priority, table;	/* -1: absent */
	lua_Integer suppress;		/* suppress_prefixlength, -1: absent */
	int action;			/* index in actions[] */
};

/* Option field (from, to) as a CIDR of the rule's family; raises
 * "<prim>: <s>: <why>" or "... not of the rule's family". */
static int cidr_opt(struct nsl_opts *o, const char *field, struct rule *r,
		    unsigned char addr[16], int *len, char *text)
{
	const char *s = nsl_opt_str(o, field, NULL), *why;
	int fam;

	if (!s)
		return 0;
	if (nl_parse_cidr(s, &fam, addr, len, &why) < 0)
		nsl_fail(o->L, o->p->name, s, EINVAL, "%s: %s", field, why);
	if (r->family && fam != r->family)
		nsl_fail(o->L, o->p->name, s, EINVAL,
			 "%s: not of the rule's family", field);
	r->family = fam;
	inet_ntop(fam, addr, text, INET6_ADDRSTRLEN);
	return 1;
}

/* One number of fwmark's text (decimal or 0x hex, 0..2^32-1); -1 when
 * it is none. */
static long long mark_num(const char *s, size_t n)
{
	char buf[16], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(buf) || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || *end || v > 0xffffffffULL)
		return -1;
	return (long long)v;
}

/* opts.fwmark: an integer, or "n" / "n/mask" (decimal or 0x hex). */
static void mark_opt(struct nsl_opts *o, struct rule *r)
{
	const char *s, *slash;
	long long m, k = 0xffffffffLL;

	r->mask = 0xffffffffU;
	if (nsl_opt_type(o, "fwmark") == LUA_TNUMBER) {
		r->mark = (uint32_t)nsl_opt_int(o, "fwmark", 0, 0xffffffffLL, 0);
		r->has_mark = 1;
		return;
	}
	s = nsl_opt_str(o, "fwmark", NULL);
	if (!s)
		return;
	slash = strchr(s, '/');
	m = mark_num(s, slash ? (size_t)(slash - s) : strlen(s));
	if (slash)
		k = mark_num(slash + 1, strlen(slash + 1));
	if (m < 0 || k < 0)
		nsl_fail(o->L, o->p->name, s, EINVAL,
			 "fwmark: a number or \"mark/mask\" (0 to 0xffffffff each) expected");
	r->mark = (uint32_t)m;
	r->mask = (uint32_t)k;
	r->has_mark = 1;
}

/* Reads the options of rule_add / rule_del into r; raises on a mistake. */
static void read_rule(struct nsl_opts *o, struct rule *r, int adding)
{
	lua_State *L = o->L;
	const char *prim = o->p->name, *act;
	int fam;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->has_src = cidr_opt(o, "from", r, r->src, &r->src_len, r->src_text);
	r->has_dst = cidr_opt(o, "to", r, r->dst, &r->dst_len, r->dst_text);
	o->obj = r->has_src ? nsl_opt_str(o, "from", NULL) :
		 r->has_dst ? nsl_opt_str(o, "to", NULL) : "rule";
	fam = nl_family_opt(o);
	if (fam && r->family && fam != r->family)
		nsl_fail(L, prim, o->obj, EINVAL,
			 "not of family %s", fam == AF_INET ? "inet" : "inet6");
	if (!r->family)
		r->family = fam ? fam : AF_INET;
	r->priority = nsl_opt_int(o, "priority", 0, 0xffffffffLL, -1);
	r->table = nl_table_opt(o, -1);
	if (r->table == 0)
		nsl_fail(L, prim, "all", EINVAL, "table 'all' is only for route_list");
	r->iif = nsl_opt_str(o, "iif", NULL);
	r->oif = nsl_opt_str(o, "oif", NULL);
	if (r->iif)
		nl_check_ifname(L, prim, r->iif);
	if (r->oif)
		nl_check_ifname(L, prim, r->oif);
	mark_opt(o, r);
	r->suppress = nsl_opt_int(o, "suppress_prefixlength", 0,
				  r->family == AF_INET ? 32 : 128, -1);
	act = nsl_opt_str(o, "action", NULL);
	r->action = 0;
	if (act) {
		for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
			if (actions[i].settable && !strcmp(act, actions[i].name))
				break;
		if (i == sizeof(actions) / sizeof(actions[0]))
			nsl_fail(L, prim, act, EINVAL,
				 "unknown action (table, blackhole, unreachable or prohibit)");
		r->action = (int)i;
	}
	if (r->action && r->table >= 0)
		nsl_fail(L, prim, act, EINVAL, "a rule of action %s takes no table", act);
	if (adding && !r->action && r->table < 0)
		nsl_fail(L, prim, o->obj, EINVAL,
			 "give table (or action = \"blackhole\", \"unreachable\", \"prohibit\")");
	if (!adding && r->priority < 0 && !r->has_src && !r->has_dst && !r->iif &&
	    !r->oif && !r->has_mark && r->table < 0 && !act)
		nsl_fail(L, prim, o->obj, EINVAL,
			 "give what the rule matches (priority, from, to, iif, oif, fwmark, table)");
}

/* The rule as its record line's selector text: "family=inet priority=10
 * from=10.0.0.0/24 ..." (no tabs: names and CIDRs hold none), into buf. */
static void rule_text(const struct rule *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "family=%s",
			 r->family == AF_INET ? "inet" : "inet6");

#define ADD(...) do { if (n >= 0 && (size_t)n < len) \
		n += snprintf(buf + n, len - (size_t)n, __VA_ARGS__); } while (0)
	if (r->priority >= 0)
		ADD(" priority=%lld", (long long)r->priority);
	if (r->has_src)
		ADD(" from=%s/%d", r->src_text, r->src_len);
	if (r->has_dst)
		ADD(" to=%s/%d", r->dst_text, r->dst_len);
	if (r->iif)
		ADD(" iif=%s", r->iif);
	if (r->oif)
		ADD(" oif=%s", r->oif);
	if (r->has_mark)
		ADD(" fwmark=0x%x/0x%x", r->mark, r->mask);
	if (r->table >= 0)
		ADD(" table=%lld", (long long)r->table);
	if (r->action)
		ADD(" action=%s", actions[r->action].name);
#undef ADD
}

/* Notes rule r of ns in the run's record: '+' before it is made (with the
 * namespace's identity), '-' once deleted or when it was not made.
 * Never raises: 0, or -errno when a + line could not be written. */
static int record_rule(struct nl_ns *ns, int sign, const struct rule *r)
{
	char nsn[2 * NAME_MAX + 1], nsid[64], raw[512], text[1024];

	rule_text(r, raw, sizeof(raw));
	nsl_rec_name(raw, text, sizeof(text));	/* an iif name may hold a backslash */
	nsl_rec_name(ns->name, nsn, sizeof(nsn));
	if (sign == '-') {
		nsl_rec_note('-', "rule", "%s\t%s", text, nsn);
		return 0;
	}
	if (ns->fd < 0 || nsl_fd_id(ns->fd, nsid, sizeof(nsid)) < 0)
		nsl_file_id("/proc/self/ns/net", nsid, sizeof(nsid));	/* home */
	return nsl_rec_note('+', "rule", "%s\t%s\t%s", text, nsn, nsid);
}

struct first_two {
	int n;
	uint32_t pref[2];
};

/* One rule of the dump that picks a priority: keeps the first two. */
static int pref_cb(const struct nlmsghdr *h, void *data)
{
	struct first_two *f = data;
	const struct nlattr *a;
	uint32_t pref = 0;

	if (h->nlmsg_type != RTM_NEWRULE || f->n >= 2)
		return 0;
	mnl_attr_for_each(a, h, sizeof(struct fib_rule_hdr))
		if (mnl_attr_get_type(a) == FRA_PRIORITY &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			pref = mnl_attr_get_u32(a);
	f->pref[f->n++] = pref;
	return 0;
}

/* The priority the kernel would give a rule of family in ns
 * (fib_default_rule_pref): the second rule's minus one, or 0. */
static lua_Integer default_pref(lua_State *L, struct nl_ns *ns, const char *prim,
				int family)
{
	struct first_two f = { 0, { 0, 0 } };
	struct fib_rule_hdr *frh;
	struct nl_req q;

	frh = nl_req_start(&q, L, prim, "rules", RTM_GETRULE, NLM_F_DUMP, sizeof(*frh));
	frh->family = (unsigned char)family;
	nl_req_do(&q, ns, pref_cb, &f);
	return f.n == 2 && f.pref[1] ? (lua_Integer)f.pref[1] - 1 : 0;
}

/* Puts r into a request of type started in q. */
static void put_rule(struct nl_req *q, int type, const struct rule *r)
{
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(q->nlh);
	size_t alen = r->family == AF_INET ? 4 : 16;

	frh->family = (unsigned char)r->family;
	frh->src_len = (unsigned char)(r->has_src ? r->src_len : 0);
	frh->dst_len = (unsigned char)(r->has_dst ? r->dst_len : 0);
	if (r->table >= 0)
		frh->table = r->table < 256 ? (unsigned char)r->table : RT_TABLE_UNSPEC;
	if (type == RTM_NEWRULE || r->table >= 0 || r->action)
		frh->action = actions[r->action].action;
	if (r->table >= 0)
		nl_put_u32(q, FRA_TABLE, (uint32_t)r->table);
	if (r->priority >= 0)
		nl_put_u32(q, FRA_PRIORITY, (uint32_t)r->priority);
	if (r->has_src)
		nl_put(q, FRA_SRC, alen, r->src);
	if (r->has_dst)
		nl_put(q, FRA_DST, alen, r->dst);
	if (r->iif)
		nl_put_strz(q, FRA_IIFNAME, r->iif);
	if (r->oif)
		nl_put_strz(q, FRA_OIFNAME, r->oif);
	if (r->has_mark) {
		nl_put_u32(q, FRA_FWMARK, r->mark);
		nl_put_u32(q, FRA_FWMASK, r->mask);
	}
	if (r->suppress >= 0)
		nl_put_u32(q, FRA_SUPPRESS_PREFIXLEN, (uint32_t)r->suppress);
}

/* rule_add / rule_del(opts): from, to, table, priority, iif, oif,
 * fwmark, family, action, ns; returns nothing.  Raises "<prim>: <obj>:
 * <reason>" (EEXIST: the same rule is there; ENOENT: no such rule). */
static int rule_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name, *obj;
	struct nsl_opts o;
	struct nl_req q;
	struct rule r;
	struct nl_ns *ns;
	char ext[256];
	int rec = 1, err;	/* rec 1: not kept */

	nsl_opts_begin(L, &o, p, 1);
	read_rule(&o, &r, type == RTM_NEWRULE);
	ns = nl_opts_ns(&o);
	obj = o.obj;
	if (type == RTM_NEWRULE && r.priority < 0)
		r.priority = default_pref(L, ns, prim, r.family);
	nl_req_start(&q, L, prim, obj, type, type == RTM_NEWRULE ?
		     NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(struct fib_rule_hdr));
	put_rule(&q, type, &r);
	if (type == RTM_NEWRULE) {
		rec = nsl_rec_open();
		if (!rec)
			rec = record_rule(ns, '+', &r);
	}
	err = nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
	if (err && !rec)
		record_rule(ns, '-', &r);
	if (err)
		return nsl_fail(L, prim, obj, -err, ext[0] ? "%s" : NULL, ext);
	if (type == RTM_DELRULE && nsl_rec_active())
		record_rule(ns, '-', &r);
	if (rec < 0) {	/* made, but it cannot be recorded: undo */
		nl_req_start(&q, L, prim, obj, RTM_DELRULE, 0, sizeof(struct fib_rule_hdr));
		put_rule(&q, RTM_DELRULE, &r);
		nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
		return nsl_rec_fail(L, prim, obj, -rec);
	}
	if (type == RTM_NEWRULE)
		nsl_rec_made();
	return 0;
}

/* rule_add(opts): see rule_change. */
static int l_rule_add(lua_State *L)
{
	return rule_change(L, RTM_NEWRULE);
}

/* rule_del(opts): see rule_change. */
static int l_rule_del(lua_State *L)
{
	return rule_change(L, RTM_DELRULE);
}

/* Sets field of the table on top to "addr/len" from attribute a. */
static void put_cidr(lua_State *L, int family, const struct nlattr *a, int len,
		     const char *field)
{
	char text[INET6_ADDRSTRLEN];

	if (mnl_attr_get_payload_len(a) == (family == AF_INET ? 4u : 16u) &&
	    inet_ntop(family, mnl_attr_get_payload(a), text, sizeof(text))) {
		lua_pushfstring(L, "%s/%d", text, len);
		lua_setfield(L, -2, field);
	}
}

/* One RTM_NEWRULE of inet or inet6: appends {priority, family, from, to,
 * table, iif, oif, fwmark, action}. */
static int rule_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;
	lua_State *L = d->L;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	uint32_t table = frh->table, mark = 0, mask = 0, pref = 0;
	int has_mark = 0;
	size_t i;

	if (h->nlmsg_type != RTM_NEWRULE ||
	    (frh->family != AF_INET && frh->family != AF_INET6))
		return 0;
	lua_createtable(L, 0, 9);
	lua_pushstring(L, frh->family == AF_INET ? "inet" : "inet6");
	lua_setfield(L, -2, "family");
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].action == frh->action) {
			lua_pushstring(L, actions[i].name);
			lua_setfield(L, -2, "action");
		}
	mnl_attr_for_each(a, h, sizeof(*frh)) {
		int t = mnl_attr_get_type(a);

		/* numbers are u32s, names NUL-terminated: skip one that is not */
		if (((t == FRA_PRIORITY || t == FRA_TABLE || t == FRA_FWMARK || t == FRA_FWMASK ||
		      t == FRA_SUPPRESS_PREFIXLEN) &&
		     mnl_attr_validate(a, MNL_TYPE_U32) < 0) ||
		    ((t == FRA_IIFNAME || t == FRA_OIFNAME) &&
		     mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0))
			continue;
		switch (t) {
		case FRA_PRIORITY:
			pref = mnl_attr_get_u32(a);
			break;
		case FRA_TABLE:
			table = mnl_attr_get_u32(a);
			break;
		case FRA_SRC:
			put_cidr(L, frh->family, a, frh->src_len, "from");
			break;
		case FRA_DST:
			put_cidr(L, frh->family, a, frh->dst_len, "to");
			break;
		case FRA_IIFNAME:
			lua_pushstring(L, mnl_attr_get_str(a));
			lua_setfield(L, -2, "iif");
			break;
		case FRA_OIFNAME:
			lua_pushstring(L, mnl_attr_get_str(a));
			lua_setfield(L, -2, "oif");
			break;
		case FRA_FWMARK:
			mark = mnl_attr_get_u32(a);
			has_mark = 1;
			break;
		case FRA_FWMASK:
			mask = mnl_attr_get_u32(a);
			has_mark = 1;
			break;
		case FRA_SUPPRESS_PREFIXLEN:
			if (mnl_attr_get_u32(a) != 0xffffffffU) {
				lua_pushinteger(L, mnl_attr_get_u32(a));
				lua_setfield(L, -2, "suppress_prefixlength");
			}
			break;
		}
	}
	lua_pushinteger(L, pref);
	lua_setfield(L, -2, "priority");
	if (table && frh->action == FR_ACT_TO_TBL) {
		lua_pushinteger(L, table);
		lua_setfield(L, -2, "table");
	}
	if (has_mark && mask == 0xffffffffU) {
		lua_pushinteger(L, mark);
		lua_setfield(L, -2, "fwmark");
	} else if (has_mark) {
		char text[32];

		snprintf(text, sizeof(text), "0x%x/0x%x", (unsigned)mark, (unsigned)mask);
		lua_pushstring(L, text);
		lua_setfield(L, -2, "fwmark");
	}
	nl_dump_add(d);
	return 0;
}

/* rule_list(opts): pushes an array of rule records of opts.ns (family
 * opts.family, default both), in the kernel's order (by priority), its
 * metatable named "nsl.rule_list".  Raises "rule_list: <ns>: ...". */
static int l_rule_list(lua_State *L)
{
	struct fib_rule_hdr *frh;
	struct nl_dump d;
	struct nsl_opts o;
	struct nl_req q;
	int fam;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	fam = nl_family_opt(&o);
	nl_dump_begin(&d, &o, NULL, 0);
	frh = nl_dump_req(&d, &q, NULL, "rules", RTM_GETRULE, sizeof(*frh));
	frh->family = (unsigned char)(fam ? fam : AF_UNSPEC);
	return nl_dump_end(&d, &q, rule_cb);
}

#define RULE_KEYS "ns from to table priority iif oif fwmark family action " \
		  "suppress_prefixlength"

static const struct nsl_prim rule_prims[] = {
	{ "rule_add", l_rule_add, 1, RULE_KEYS },
	{ "rule_del", l_rule_del, 1, RULE_KEYS },
	{ "rule_list", l_rule_list, 1, "ns family" },
	{ NULL, NULL, 0, NULL }
};

/* Adds rule_add, rule_del, rule_list to the table at index 1. */
int nsl_open_rule(lua_State *L)
{
	nsl_register(L, rule_prims);
	return 0;
}
