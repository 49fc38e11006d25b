/*
 * args.c - nsl's command line, read once, before the Lua state exists,
 * into nsl_args (args.h): lua(1)'s options for main.c, the rootless ones
 * (--rootless, --egress, --publish) for rootless.c, a subcommand's world
 * (--world, taken out of argv), its lab and its --json and --all for
 * worlds.c.  The subcommands are named here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"

struct nsl_args nsl_args;

static const char *const subcommands[] = {
	"ls", "show", "exec", "dot", "up", "down", "link", "impair", "partition", "heal", "capture",
	"_keep", NULL
};

const char nsl_subcommand_help[] =
	"Subcommands (first argument, when no file of that name exists):\n"
	"  ls [--json]                     the live runs and their topologies; dead runs' leftovers\n"
	"  show [--json] [NODE|RUN]        the live state of running topologies\n"
	"  exec [--run ID] NODE [-- cmd]   run cmd (default: a shell) in a node of a live topology\n"
	"  dot SCRIPT.lua [-o FILE]        draw the topologies a script describes (.dot or .svg)\n"
	"  up FILE [--name NAME]           bring FILE's description up, detached; prints the run name\n"
	"  down RUN | --all                take a lab nsl up made down\n"
	"  link RUN NODE:IF down|up        cut a link of a lab nsl up made, or restore it\n"
	"  impair RUN NODE:IF K=V...|off   delay=20ms loss=1% rate=10mbit... on that link, live\n"
	"  partition RUN A B / heal RUN    cut every link between nodes A and B / restore them\n"
	"  capture RUN NODE:IF [-w FILE]   pcap of that interface (to stdout without -w)\n"
	"  (ls, show, exec, down, link...: --world PID (-w PID but for capture): in that rootless\n"
	"   world; ls lists them all)\n";

/* See args.h. */
int nsl_is_subcommand(const char *word)
{
	size_t i;

	for (i = 0; subcommands[i]; i++)
		if (strcmp(word, subcommands[i]) == 0)
			return access(word, F_OK) != 0;
	return 0;
}

/* --world PID (-w PID, --world=PID) among the subcommand's options
 * (before "--"; for exec, before NODE too: the words after it are the
 * command's, "grep -w" included; capture's -w is its file): taken out
 * of argv; its value, or NULL. */
static const char *take_world(int *argc, char **argv)
{
	const char *v = NULL;
	int i, drop = 0, exec = strcmp(argv[1], "exec") == 0;

	for (i = 2; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		if (exec && argv[i][0] != '-')
			break;	/* NODE */
		if (exec && strcmp(argv[i], "--run") == 0) {
			i++;	/* its value is no NODE */
			continue;
		}
		if (strncmp(argv[i], "--world=", 8) == 0) {
			v = argv[i] + 8;
			drop = 1;
		} else if (strcmp(argv[i], "--world") == 0 ||
			   (strcmp(argv[i], "-w") == 0 && strcmp(argv[1], "capture") != 0)) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "nsl: %s: %s needs a value (a world's pid: nsl ls)\n",
					argv[1], argv[i]);
				exit(EXIT_FAILURE);
			}
			v = argv[i + 1];
			drop = 2;
		} else {
			continue;
		}
		memmove(argv + i, argv + i + drop, (size_t)(*argc - i - drop + 1) * sizeof(*argv));
		*argc -= drop;
		i--;
	}
	return v;
}

/* The options before the script, once, read two ways: as lua(1) reads
 * them (flags, and the script's index; the first bad option ends that
 * reading, and its index takes the script's place) and as rootless.c
 * does (which skips what it does not know, and ends at an option that
 * runs nothing: --help, -h, --clean, --version, -V). */
static void read_options(struct nsl_args *a)
{
	char **argv = a->argv;
	int i, lua_done = 0, rl_done = 0;

	for (i = 1; i < a->argc && !(lua_done && rl_done); i++) {
		const char *s = argv[i], *v;
		char *value;
		int flag = 0, runs_nothing = 0, bad = 0, at = i;

		if (s[0] != '-' || strcmp(s, "-") == 0 || strcmp(s, "--") == 0) {
			if (!lua_done)	/* the script; after "--", the next */
				a->script = strcmp(s, "--") == 0 ? i + 1 : i;
			return;
		}
		if (strcmp(s, "--clean") == 0) {
			flag = HAS_CLEAN;
			runs_nothing = 1;
		} else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			flag = HAS_HELP;
			runs_nothing = 1;
		} else if (strcmp(s, "--version") == 0 || strcmp(s, "-V") == 0) {
			flag = HAS_VERSION;
			runs_nothing = 1;
		} else if (strcmp(s, "--rootless") == 0 || strcmp(s, "--egress") == 0) {
			if (!rl_done) {
				a->rootless = 1;
				a->egress |= s[2] == 'e';
			}
		} else if (strncmp(s, "--publish=", 10) == 0 || strcmp(s, "--publish") == 0) {
			v = s[9] == '=' ? s + 10 : argv[i + 1];
			if (s[9] != '=' && v)
				i++;	/* its value */
			bad = v == NULL;
			if (!rl_done && v) {
				a->rootless = 1;
				a->publish[a->npublish++] = v;
			} else if (!rl_done) {
				a->publish_missing = 1;
			}
		} else if (s[1] == '-') {
			bad = 1;
		} else if (s[1] == 'e' || s[1] == 'l') {
			flag = s[1] == 'e' ? HAS_E : 0;
			value = argv[i] + 2;
			if (s[2] == '\0') {	/* its value is the next word */
				bad = i + 1 >= a->argc || argv[i + 1][0] == '-';
				if (i + 1 < a->argc)
					value = argv[++i];
			}
			if (!bad && !lua_done)
				a->run[a->nrun++] = (struct nsl_arg_run){ s[1], value };
		} else if (!strchr("EWiv", s[1]) || s[2] != '\0') {
			bad = 1;
		} else if (s[1] == 'E') {
			flag = HAS_BIG_E;
		} else if (s[1] == 'W') {
			if (!lua_done)
				a->run[a->nrun++] = (struct nsl_arg_run){ 'W', NULL };
		} else if (s[1] == 'i' || s[1] == 'v') {
			flag = s[1] == 'i' ? HAS_I | HAS_V : HAS_V;	/* -i implies -v */
		}
		if (bad && !lua_done) {
			a->flags = HAS_ERROR;
			a->script = at;
			lua_done = 1;
		} else if (!lua_done) {
			a->flags |= flag;
		}
		if (runs_nothing && !rl_done)
			a->runs_nothing = rl_done = 1;
	}
	if (!lua_done)
		a->script = i;
}

/* A subcommand's own arguments that C reads: --json, --all, and the
 * first word that is no option (a lab's name), skipping the values of
 * --run and -w. */
static void read_subcommand(struct nsl_args *a)
{
	int i;

	for (i = 2; i < a->argc; i++) {
		a->json |= strcmp(a->argv[i], "--json") == 0;
		a->all |= strcmp(a->argv[i], "--all") == 0;
	}
	for (i = 2; i < a->argc && !a->lab; i++) {
		if (strcmp(a->argv[i], "--run") == 0 || strcmp(a->argv[i], "-w") == 0)
			i++;
		else if (a->argv[i][0] != '-')
			a->lab = a->argv[i];
	}
}

/* See args.h. */
void nsl_args_parse(int argc, char **argv)
{
	struct nsl_args *a = &nsl_args;

	memset(a, 0, sizeof(*a));
	a->argc = argc;
	a->argv = argv;
	a->publish = calloc((size_t)argc + 1, sizeof(*a->publish));
	a->run = calloc((size_t)argc + 1, sizeof(*a->run));
	if (!a->publish || !a->run) {
		fprintf(stderr, "nsl: not enough memory\n");
		exit(EXIT_FAILURE);
	}
	if (argc > 1 && nsl_is_subcommand(argv[1])) {
		a->subcommand = argv[1];
		/* dot runs nothing; up starts a keeper (_keep), which goes
		 * into a world of its own as a script does: neither joins
		 * one. */
		if (strcmp(argv[1], "dot") != 0 && strcmp(argv[1], "up") != 0 &&
		    strcmp(argv[1], "_keep") != 0)
			a->world = take_world(&a->argc, argv);
		read_subcommand(a);
	}
	read_options(a);
}
