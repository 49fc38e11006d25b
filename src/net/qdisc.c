/*
 * qdisc.c - link impairment: the root qdisc of a link (RTM_NEWQDISC,
 * RTM_DELQDISC, RTM_GETQDISC).
 *
 * link_impair(link, opts) makes the link's root qdisc a netem (delay,
 * jitter, loss, duplicate, corrupt, reorder, rate, limit) or, when only
 * rate (and limit) is asked, a tbf, which kernels without netem have.  It
 * replaces whatever root qdisc was there, as `tc qdisc replace` does;
 * every netem setting is sent, zeros too, so that a change never keeps
 * an older setting the call did not repeat.  link_impair(link, false)
 * deletes a root netem or tbf.  nl_push_impair reads it back for
 * link_get.  Units are those of tc: "50ms", "1%", "10mbit"; as in tc, a
 * second percentage is a correlation with the previous packet: "1% 25%"
 * for loss, duplicate, corrupt, reorder, and "10ms 25%" for jitter (the
 * delay's correlation).
 */
#include <errno.h>
#include <limits.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nl/kfeature.h"
#include "nl/nl.h"

#define PSCHED_SHIFT 6		/* the kernel's ticks: ns >> 6 */

/* What was asked: times in ns, probabilities (and correlations) scaled
 * to UINT32_MAX, rate in bytes per second. */
struct impair {
	int64_t delay, jitter;
	uint32_t loss, duplicate, corrupt, reorder;
	uint32_t delay_corr, loss_corr, dup_corr, corrupt_corr, reorder_corr;
	uint64_t rate;
	lua_Integer limit;
	int netem;		/* anything but rate and limit was asked */
};

/* A unit a number may carry, and what one of it is worth. */
struct unit {
	const char *name;
	double scale;
};

#define NUNITS(u) (sizeof(u) / sizeof((u)[0]))

static const struct unit percent[] = { { "%", 1 }, { "", 1 } };

/* The number in s written with one of the n units ("50ms", "10mbit"; a
 * unit "" lets it stand alone), scaled, into *v when it is within
 * lo..hi; 0, or -1 when s is no such number. */
static int read_unit(const char *s, const struct unit *u, size_t n, double lo,
		     double hi, double *v)
{
	char *end;
	double x = strtod(s, &end);
	size_t i;

	if (end == s)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcasecmp(end, u[i].name) && x * u[i].scale >= lo &&
		    x * u[i].scale <= hi) {
			*v = x * u[i].scale;
			return 0;
		}
	return -1;
}

/* A percentage (0 to 100) as tc keeps it: a probability of UINT32_MAX. */
static uint32_t probability(double pct)
{
	return (uint32_t)(pct / 100 * UINT32_MAX + 0.5);
}

/* Option key written as a number with one of the n units, scaled: a
 * value in lo..hi; 0 when the option is absent.  With corr, a
 * correlation may follow after a space ("10ms 25%", "1% 25%"), into
 * *corr (0 without one).  Raises "<prim>: <obj>: option '<key>':
 * <expected> expected, got '<s>'". */
static double opt_unit(struct nsl_opts *o, const char *key, const struct unit *u,
		       size_t n, double lo, double hi, uint32_t *corr,
		       const char *expected)
{
	const char *s, *sp;
	char word[64];
	double v, c;
	size_t len;

	if (corr)
		*corr = 0;
	if (nsl_opt_type(o, key) == LUA_TNIL)
		return 0;
	s = nsl_opt_str(o, key, NULL);
	sp = corr ? strchr(s, ' ') : NULL;
	len = sp ? (size_t)(sp - s) : strlen(s);
	if (len < sizeof(word)) {
		memcpy(word, s, len);
		word[len] = '\0';
		if (read_unit(word, u, n, lo, hi, &v) == 0) {
			if (!sp)
				return v;
			while (*sp == ' ')
				sp++;
			if (read_unit(sp, percent, NUNITS(percent), 0, 100, &c) == 0) {
				*corr = probability(c);
				return v;
			}
		}
	}
	return nsl_fail(o->L, o->p->name, o->obj, EINVAL,
			"option '%s': %s expected, got '%s'", key, expected, s);
}

/* "50ms", "1.5s", "200us", "10ns" into ns (a unit is required), under an
 * hour; with corr, also "10ms 25%" (that correlation into *corr). */
static int64_t opt_time(struct nsl_opts *o, const char *key, uint32_t *corr)
{
	static const struct unit units[] = {
		{ "s", 1e9 }, { "sec", 1e9 }, { "ms", 1e6 }, { "msec", 1e6 },
		{ "us", 1e3 }, { "usec", 1e3 }, { "ns", 1 }, { "nsec", 1 },
	};

	return (int64_t)(opt_unit(o, key, units, NUNITS(units), 0, 3600e9 - 1, corr,
				  corr ? "a time such as \"10ms\", or \"10ms 25%\" with a correlation," :
				  "a time such as \"50ms\", \"1s\", \"200us\"") + 0.5);
}

/* "1%", "0.5%" ("1" alone: percent) into a probability of UINT32_MAX,
 * as tc does; "1% 25%" also sets *corr, the correlation. */
static uint32_t opt_percent(struct nsl_opts *o, const char *key, uint32_t *corr)
{
	return probability(opt_unit(o, key, percent, NUNITS(percent), 0, 100, corr,
				    "a percentage such as \"1%\" (0 to 100), or \"1% 25%\" with a correlation,"));
}

/* "10mbit", "1gbit", "500kbit", "100bit", "1mbps" (bytes) into bytes per
 * second; the multiples are of 1000, as tc's. */
static uint64_t opt_rate(struct nsl_opts *o, const char *key)
{
	static const struct unit units[] = {
		{ "bit", 1 / 8.0 }, { "kbit", 1e3 / 8 }, { "mbit", 1e6 / 8 },
		{ "gbit", 1e9 / 8 }, { "bps", 1 }, { "kbps", 1e3 },
		{ "mbps", 1e6 }, { "gbps", 1e9 },
	};

	return (uint64_t)(opt_unit(o, key, units, NUNITS(units), 1, 1e12 - 1, NULL,
				   "a rate such as \"10mbit\", \"1gbit\", \"500kbit\"") + 0.5);
}

static void parse_impair(struct nsl_opts *o, struct impair *im)
{
	memset(im, 0, sizeof(*im));
	im->delay = opt_time(o, "delay", NULL);
	im->jitter = opt_time(o, "jitter", &im->delay_corr);
	im->loss = opt_percent(o, "loss", &im->loss_corr);
	im->duplicate = opt_percent(o, "duplicate", &im->dup_corr);
	im->corrupt = opt_percent(o, "corrupt", &im->corrupt_corr);
	im->reorder = opt_percent(o, "reorder", &im->reorder_corr);
	im->rate = opt_rate(o, "rate");
	im->limit = nsl_opt_int(o, "limit", 1, UINT32_MAX, 0);
	im->netem = im->delay || im->jitter || im->loss || im->duplicate ||
		    im->corrupt || im->reorder || !im->rate;
	if (im->jitter && !im->delay)
		nsl_fail(o->L, o->p->name, o->obj, EINVAL, "option 'jitter' needs a delay");
	if (im->reorder && !im->delay)
		nsl_fail(o->L, o->p->name, o->obj, EINVAL,
			 "option 'reorder' needs a delay (packets not delayed go first)");
}

/* TCA_OPTIONS of a netem: struct tc_netem_qopt, then attributes. */
static void put_netem(struct nl_req *q, const struct impair *im)
{
	struct tc_netem_qopt qopt = { 0 };
	struct tc_netem_corr corr = { im->delay_corr, im->loss_corr, im->dup_corr };
	struct tc_netem_corrupt corrupt = { im->corrupt, im->corrupt_corr };
	struct tc_netem_reorder reorder = { im->reorder, im->reorder_corr };
	struct tc_netem_rate rate = { 0 };
	struct nlattr *opts;

	qopt.latency = (uint32_t)(im->delay >> PSCHED_SHIFT > UINT32_MAX ? UINT32_MAX :
				  im->delay >> PSCHED_SHIFT);
	qopt.jitter = (uint32_t)(im->jitter >> PSCHED_SHIFT > UINT32_MAX ? UINT32_MAX :
				 im->jitter >> PSCHED_SHIFT);
	qopt.limit = im->limit ? (uint32_t)im->limit : 1000;
	qopt.loss = im->loss;
	qopt.duplicate = im->duplicate;
	qopt.gap = im->reorder ? 1 : 0;
	rate.rate = im->rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)im->rate;
	opts = nl_nest_start(q, TCA_OPTIONS);
	memcpy(nl_put_hdr(q, sizeof(qopt)), &qopt, sizeof(qopt));
	nl_put(q, TCA_NETEM_LATENCY64, sizeof(im->delay), &im->delay);
	nl_put(q, TCA_NETEM_JITTER64, sizeof(im->jitter), &im->jitter);
	nl_put(q, TCA_NETEM_CORR, sizeof(corr), &corr);
	nl_put(q, TCA_NETEM_CORRUPT, sizeof(corrupt), &corrupt);
	nl_put(q, TCA_NETEM_REORDER, sizeof(reorder), &reorder);
	nl_put(q, TCA_NETEM_RATE, sizeof(rate), &rate);
	if (im->rate >= UINT32_MAX)
		nl_put(q, TCA_NETEM_RATE64, sizeof(im->rate), &im->rate);
	nl_nest_end(q, opts);
}

/* TCA_OPTIONS of a tbf at im->rate: a burst of 10 ms of traffic (at
 * least 4 full frames), a queue of 100 ms (or limit frames). */
static void put_tbf(struct nl_req *q, const struct impair *im)
{
	struct tc_tbf_qopt qopt = { 0 };
	uint64_t burst = im->rate / 100, limit;
	struct nlattr *opts;

	if (burst < 4 * 1514)
		burst = 4 * 1514;
	limit = im->limit ? (uint64_t)im->limit * 1514 : im->rate / 10 + burst;
	qopt.rate.rate = im->rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)im->rate;
	qopt.rate.linklayer = TC_LINKLAYER_ETHERNET;	/* no rate table */
	qopt.limit = limit > UINT32_MAX ? UINT32_MAX : (uint32_t)limit;
	qopt.buffer = (uint32_t)((double)burst / (double)im->rate * 1e9) >> PSCHED_SHIFT;
	opts = nl_nest_start(q, TCA_OPTIONS);
	nl_put(q, TCA_TBF_PARMS, sizeof(qopt), &qopt);
	nl_put_u32(q, TCA_TBF_BURST, (uint32_t)burst);
	if (im->rate >= UINT32_MAX)
		nl_put(q, TCA_TBF_RATE64, sizeof(im->rate), &im->rate);
	nl_nest_end(q, opts);
}

/* The root qdisc of a link, read back. */
struct root {
	int index;
	char kind[16];
	struct impair im;
	int found;
};

/* netem's TCA_OPTIONS: the struct, then attributes after it. */
static void read_netem(const struct nlattr *opts, struct impair *im)
{
	const char *p = mnl_attr_get_payload(opts);
	size_t len = mnl_attr_get_payload_len(opts), off = MNL_ALIGN(sizeof(struct tc_netem_qopt));
	const struct tc_netem_qopt *qopt = (const void *)p;

	if (len < sizeof(*qopt))
		return;
	im->delay = (int64_t)qopt->latency << PSCHED_SHIFT;
	im->jitter = (int64_t)qopt->jitter << PSCHED_SHIFT;
	im->limit = qopt->limit;
	im->loss = qopt->loss;
	im->duplicate = qopt->duplicate;
	while (off + sizeof(struct nlattr) <= len) {
		const struct nlattr *a = (const void *)(p + off);
		const void *v = mnl_attr_get_payload(a);
		size_t alen = mnl_attr_get_payload_len(a);

		if (a->nla_len < sizeof(*a) || off + a->nla_len > len)
			break;
		switch (mnl_attr_get_type(a)) {
		case TCA_NETEM_LATENCY64:
			if (alen >= 8)
				memcpy(&im->delay, v, 8);
			break;
		case TCA_NETEM_JITTER64:
			if (alen >= 8)
				memcpy(&im->jitter, v, 8);
			break;
		case TCA_NETEM_CORR:
			if (alen >= sizeof(struct tc_netem_corr)) {
				const struct tc_netem_corr *c = v;

				im->delay_corr = c->delay_corr;
				im->loss_corr = c->loss_corr;
				im->dup_corr = c->dup_corr;
			}
			break;
		case TCA_NETEM_CORRUPT:
			if (alen >= sizeof(struct tc_netem_corrupt)) {
				im->corrupt = ((const struct tc_netem_corrupt *)v)->probability;
				im->corrupt_corr = ((const struct tc_netem_corrupt *)v)->correlation;
			}
			break;
		case TCA_NETEM_REORDER:
			if (alen >= sizeof(struct tc_netem_reorder)) {
				im->reorder = ((const struct tc_netem_reorder *)v)->probability;
				im->reorder_corr = ((const struct tc_netem_reorder *)v)->correlation;
			}
			break;
		case TCA_NETEM_RATE:
			if (alen >= sizeof(struct tc_netem_rate) && !im->rate)
				im->rate = ((const struct tc_netem_rate *)v)->rate;
			break;
		case TCA_NETEM_RATE64:
			if (alen >= 8)
				memcpy(&im->rate, v, 8);
			break;
		}
		off += MNL_ALIGN(a->nla_len);
	}
}

static void read_tbf(const struct nlattr *opts, struct impair *im)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, opts) {
		if (mnl_attr_get_type(a) == TCA_TBF_PARMS &&
		    mnl_attr_get_payload_len(a) >= sizeof(struct tc_tbf_qopt) && !im->rate)
			im->rate = ((const struct tc_tbf_qopt *)mnl_attr_get_payload(a))->rate.rate;
		if (mnl_attr_get_type(a) == TCA_TBF_RATE64 && mnl_attr_get_payload_len(a) >= 8)
			memcpy(&im->rate, mnl_attr_get_payload(a), 8);
	}
}

/* One RTM_NEWQDISC of the dump: keeps the root qdisc of st->index. */
static int root_cb(const struct nlmsghdr *h, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a, *opts = NULL;
	struct root *st = data;

	if (h->nlmsg_type != RTM_NEWQDISC || tcm->tcm_ifindex != st->index ||
	    tcm->tcm_parent != TC_H_ROOT)
		return 0;
	st->found = 1;
	mnl_attr_for_each(a, h, sizeof(*tcm)) {
		if (mnl_attr_get_type(a) == TCA_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(st->kind, sizeof(st->kind), "%s", mnl_attr_get_str(a));
		if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opts = a;
	}
	if (opts && !strcmp(st->kind, "netem"))
		read_netem(opts, &st->im);
	else if (opts && !strcmp(st->kind, "tbf"))
		read_tbf(opts, &st->im);
	return 0;
}

/* The root qdisc of link index in ns (one dump of the link's qdiscs). */
static void get_root(lua_State *L, struct nl_ns *ns, const char *prim,
		     const char *name, int index, struct root *st)
{
	struct nl_req q;
	struct tcmsg *tcm;

	memset(st, 0, sizeof(*st));
	st->index = index;
	tcm = nl_req_start(&q, L, prim, name, RTM_GETQDISC, NLM_F_DUMP, sizeof(*tcm));
	tcm->tcm_ifindex = index;	/* 6.x kernels filter on it; root_cb does anyway */
	nl_req_do(&q, ns, root_cb, st);
}

/* Pushes ns as "50ms", "1500us", "1s"... */
static void push_time(lua_State *L, int64_t ns)
{
	if (ns % 1000000000 == 0)
		lua_pushfstring(L, "%Is", (lua_Integer)(ns / 1000000000));
	else if (ns % 1000000 == 0)
		lua_pushfstring(L, "%Ims", (lua_Integer)(ns / 1000000));
	else if (ns % 1000 == 0)
		lua_pushfstring(L, "%Ius", (lua_Integer)(ns / 1000));
	else
		lua_pushfstring(L, "%Ins", (lua_Integer)ns);
}

/* Pushes a probability as "1%", "0.5%" (to 6 significant digits). */
static void push_percent(lua_State *L, uint32_t p)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.6g%%", (double)p / UINT32_MAX * 100);
	lua_pushstring(L, buf);
}

/* Pushes the string on top followed by " <corr>%" when corr is not 0. */
static void push_corr(lua_State *L, uint32_t corr)
{
	if (!corr)
		return;
	lua_pushliteral(L, " ");
	push_percent(L, corr);
	lua_concat(L, 3);
}

/* Pushes bytes per second as "10mbit", "1gbit", "500kbit", "8bit". */
static void push_rate(lua_State *L, uint64_t bytes)
{
	uint64_t bits = bytes * 8;

	if (bits % 1000000000 == 0)
		lua_pushfstring(L, "%Igbit", (lua_Integer)(bits / 1000000000));
	else if (bits % 1000000 == 0)
		lua_pushfstring(L, "%Imbit", (lua_Integer)(bits / 1000000));
	else if (bits % 1000 == 0)
		lua_pushfstring(L, "%Ikbit", (lua_Integer)(bits / 1000));
	else
		lua_pushfstring(L, "%Ibit", (lua_Integer)bits);
}

/* See nl.h: sets field impair of the record on top. */
void nl_push_impair(lua_State *L, struct nl_ns *ns, const char *prim,
		    const char *name, int index)
{
	struct root st;

	get_root(L, ns, prim, name, index, &st);
	if (strcmp(st.kind, "netem") && strcmp(st.kind, "tbf"))
		return;
	lua_createtable(L, 0, 8);
	lua_pushstring(L, st.kind);
	lua_setfield(L, -2, "qdisc");
#define SET(field, cond, push) if (cond) { push; lua_setfield(L, -2, field); }
	SET("delay", st.im.delay, push_time(L, st.im.delay));
	SET("jitter", st.im.jitter, (push_time(L, st.im.jitter), push_corr(L, st.im.delay_corr)));
	SET("loss", st.im.loss, (push_percent(L, st.im.loss), push_corr(L, st.im.loss_corr)));
	SET("duplicate", st.im.duplicate,
	    (push_percent(L, st.im.duplicate), push_corr(L, st.im.dup_corr)));
	SET("corrupt", st.im.corrupt,
	    (push_percent(L, st.im.corrupt), push_corr(L, st.im.corrupt_corr)));
	SET("reorder", st.im.reorder,
	    (push_percent(L, st.im.reorder), push_corr(L, st.im.reorder_corr)));
	SET("rate", st.im.rate, push_rate(L, st.im.rate));
	SET("limit", st.im.limit, lua_pushinteger(L, st.im.limit));
#undef SET
	lua_setfield(L, -2, "impair");
}

/* link_impair(link, opts | false): sets (replaces) or removes the link's
 * root impairment; returns nothing.  Raises "link_impair: <link>:
 * <reason>". */
static int l_link_impair(lua_State *L)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *name = nsl_checkstring(L, 1, p->name);
	struct nsl_opts o;
	struct nl_ns *ns;
	struct impair im;
	struct nl_req q;
	struct tcmsg *tcm;
	char ext[256], missing[128];
	const char *kind;
	int index, err, off = lua_type(L, 2) == LUA_TBOOLEAN;

	if (off && lua_toboolean(L, 2))
		return nsl_fail(L, p->name, name, EINVAL,
				"an impairment table or false expected, got true");
	nsl_opts_begin(L, &o, p, off ? 3 : 2);
	o.obj = name;
	nl_check_ifname(L, p->name, name);
	ns = nl_opts_ns(&o);
	if (!off)
		parse_impair(&o, &im);
	index = nl_ifindex(L, ns, p->name, name);
	if (off) {
		struct root st;

		get_root(L, ns, p->name, name, index, &st);
		if (strcmp(st.kind, "netem") && strcmp(st.kind, "tbf"))
			return 0;	/* nothing to remove */
		tcm = nl_req_start(&q, L, p->name, name, RTM_DELQDISC, 0, sizeof(*tcm));
		tcm->tcm_ifindex = index;
		tcm->tcm_parent = TC_H_ROOT;
		nl_req_do(&q, ns, NULL, NULL);
		return 0;
	}
	kind = im.netem ? "netem" : "tbf";
	tcm = nl_req_start(&q, L, p->name, name, RTM_NEWQDISC,
			   NLM_F_CREATE | NLM_F_REPLACE, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = index;
	tcm->tcm_parent = TC_H_ROOT;
	nl_put_strz(&q, TCA_KIND, kind);
	if (im.netem)
		put_netem(&q, &im);
	else
		put_tbf(&q, &im);
	err = nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
	if (err == -ENOENT && kfeature_missing(kind, missing, sizeof(missing))) {
		const char *cfg = strrchr(missing, ' ');

		return nsl_fail(L, p->name, name, ENOENT, "this kernel has no %s (%s)",
				kind, cfg ? cfg + 1 : missing);
	}
	if (err)
		return nsl_fail(L, p->name, name, -err, ext[0] ? "%s" : NULL, ext);
	return 0;
}

static const struct nsl_prim qdisc_prims[] = {
	{ "link_impair", l_link_impair, 2,
	  "ns delay jitter loss duplicate corrupt reorder rate limit" },
	{ NULL, NULL, 0, NULL }
};

/* Adds link_impair to the table at index 1. */
int nsl_open_qdisc(lua_State *L)
{
	nsl_register(L, qdisc_prims);
	return 0;
}
