/*
 * args.h - nsl's command line, read once (args.c) before the Lua state
 * exists: what main.c runs, whether the run goes rootless and with which
 * uplink (rootless.c), which world a subcommand joins (worlds.c).
 */
#ifndef NSL_ARGS_H
#define NSL_ARGS_H

/* The options of lua(1) and nsl's own, as flags. */
enum {
	HAS_ERROR = 1,
	HAS_I = 2,
	HAS_V = 4,
	HAS_E = 8,	/* -e */
	HAS_BIG_E = 16,	/* -E */
	HAS_CLEAN = 32,	/* --clean */
	HAS_HELP = 64,	/* --help, -h */
	HAS_VERSION = 128,	/* --version, -V */
};

struct nsl_args {
	int argc;
	char **argv;		/* --world and its value taken out */
	/* lua(1)'s reading, up to the first bad option */
	int flags;		/* HAS_*; HAS_ERROR alone on a bad option */
	int script;		/* the script's index (argc: none); the bad option's */
	struct nsl_arg_run {	/* -e CODE, -l NAME, -W, in their order */
		char opt;
		char *value;	/* argv's own: -l cuts it */
	} *run;
	int nrun;
	/* rootless.c's reading, up to the script or an option that runs
	 * nothing (--help, -h, --clean, --version, -V) */
	int rootless;		/* --rootless, --egress or --publish */
	int egress;		/* --egress */
	const char **publish;	/* the values of --publish, in order */
	int npublish;
	int publish_missing;	/* a last --publish without its value */
	int runs_nothing;	/* --help, --clean or --version came first */
	/* a subcommand's */
	const char *subcommand;	/* argv[1] when it is one (nsl_is_subcommand) */
	const char *world;	/* --world PID (-w PID but for capture), or NULL */
	const char *lab;	/* the first word after it that is no option */
	int json, all;		/* --json, --all among its arguments */
};

/* The command line of this run, read by nsl_args_parse. */
extern struct nsl_args nsl_args;

/* Reads argv once into nsl_args.  Exits with a message when --world
 * lacks its value. */
void nsl_args_parse(int argc, char **argv);

/* The subcommands' lines of --help. */
extern const char nsl_subcommand_help[];

/* True when word is a subcommand and no file of that name exists (a
 * script called "ls" in the current directory still runs). */
int nsl_is_subcommand(const char *word);

#endif
