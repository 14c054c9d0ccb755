/*
 * common — what the subcommands share: finding and opening the database,
 * usage errors, reading a password, auditing command-line actions.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/sealed.h"

const char *cli_db_url(const char *opt)
{
	const char *env = getenv("VIGIL_DB");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return CLI_DEFAULT_DB;
}

int cli_open_db(const char *url, db **out)
{
	char err[512];
	db *d;

	if (db_open(&d, url, err, sizeof err) < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return -1;
	}
	if (db_migrate(d, err, sizeof err) < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		db_close(d);
		return -1;
	}
	*out = d;
	return 0;
}

const char *cli_data_key_path(const char *url, const char *opt, char *buf, size_t n)
{
	if (opt && *opt)
		return opt;
	if (strstr(url, "://"))
		return NULL;
	if (snprintf(buf, n, "%s.data-key", strncmp(url, "file:", 5) == 0 ? url + 5 : url) >= (int)n)
		return NULL;
	return buf;
}

static int found_key(int id, const char *checksum, const char *state, int64_t added_at,
		     void *arg)
{
	(void)id;
	(void)checksum;
	(void)state;
	(void)added_at;
	*(bool *)arg = true;
	return 1; /* one is enough */
}

/* Does the database record a data key? 1, 0, or negative. */
static int records_keys(db *d)
{
	bool found = false;
	int rc = sealed_keys_each(d, found_key, &found);

	return rc < 0 ? rc : found;
}

static void say_sealed(void *arg, const char *fmt, ...)
{
	char line[400];
	va_list ap;

	(void)arg;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_info("%s", line);
}

int cli_open_sealed(const char *url, const char *keyopt, bool create, db **out, crypt_keys **keys)
{
	struct sealed_progress pr = { 0 };
	char buf[600], err[600];
	const char *path = cli_data_key_path(url, keyopt, buf, sizeof buf);
	crypt_keys *k = NULL;
	db *d = NULL;
	int rc;

	*out = NULL;
	*keys = NULL;
	if (!path) {
		fprintf(stderr, "vigil: a database on a server needs --data-key FILE (a data key file "
				"made with 'vigil key init'): victims' details are sealed with it\n");
		return -1;
	}
	if (cli_open_db(url, &d) < 0)
		return -1;
	if (create && !keyopt && access(path, F_OK) != 0) {
		rc = records_keys(d);
		if (rc < 0) {
			fprintf(stderr, "vigil: cannot read the data keys: %s\n", db_errmsg(d));
			goto fail;
		}
		if (rc > 0) {
			fprintf(stderr,
				"vigil: the data key file %s is missing, and this database's victims' "
				"details are sealed with the key it held: put it back (or give "
				"--data-key FILE)\n",
				path);
			goto fail;
		}
		if (crypt_keyfile_create(path, err, sizeof err) < 0) {
			fprintf(stderr, "vigil: %s\n", err);
			goto fail;
		}
		log_info("made the data key file %s: keep it (and a copy) apart from the database "
			 "and its backups; without it, the victims' details cannot be read",
			 path);
	}
	if (crypt_keys_load(path, &k, err, sizeof err) < 0 || sealed_attach(d, k, err, sizeof err) < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		goto fail;
	}
	db_set_keys(d, k);
	rc = sealed_run_pending(d, 500, &pr, say_sealed, NULL);
	if (rc < 0) {
		fprintf(stderr, "vigil: the first sealing of the database failed: %s\n",
			db_errmsg(d));
		goto fail;
	}
	if (pr.sealed)
		log_info("sealed %lld value(s) that were in clear, with data key %d",
			 (long long)pr.sealed, crypt_keys_current(k));
	*out = d;
	*keys = k;
	return 0;
fail:
	db_close(d);
	crypt_keys_free(k);
	return -1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vigil %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'vigil %s --help' for usage.\n", cmd);
	return 2;
}

enum { OPT_DB = 1000, OPT_HELP, OPT_KEY, OPT_OUT, OPT_IN };

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "data-key", required_argument, NULL, OPT_KEY },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "in", required_argument, NULL, OPT_IN },
	{ NULL, 0, NULL, 0 },
};

int cli_parse(const char *cmd, int argc, char **argv, unsigned takes, int maxpos,
	      struct cli_args *a)
{
	int c;

	memset(a, 0, sizeof *a);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == OPT_DB)
			a->db = optarg;
		else if (c == OPT_KEY && (takes & CLI_TAKES_KEY))
			a->key = optarg;
		else if ((c == OPT_OUT && (takes & CLI_TAKES_OUT)) ||
			 (c == OPT_IN && (takes & CLI_TAKES_IN)))
			a->file = optarg;
		else if (c == OPT_HELP)
			a->help = true;
		else if (c == ':')
			return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
		else
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	}
	for (int i = optind; i < argc; i++) {
		if (a->npos >= maxpos || a->npos >= 4)
			return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
		a->pos[a->npos++] = argv[i];
	}
	return 0;
}

int cli_commit(db *d, int rc, const char *cmd)
{
	if (rc >= 0)
		rc = db_commit(d);
	if (rc >= 0)
		return 0;
	fprintf(stderr, "%s: %s\n", cmd, db_errmsg(d));
	db_rollback(d);
	return -1;
}

int cli_audit_action(db *d, const char *action, const char *object, const char *detail)
{
	struct passwd *pw = getpwuid(getuid());
	char who[96];
	struct audit_entry e = { 0 };

	snprintf(who, sizeof who, "cli:%s", pw ? pw->pw_name : "unknown");
	e.username = who;
	e.action = action;
	e.object = object;
	e.outcome = "ok";
	e.client_addr = "local";
	e.detail = detail;
	return audit_record(d, &e);
}

int cli_read_secret(const char *prompt, char *out, size_t outlen)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO);
	size_t n;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(out, (int)outlen, stdin)) {
		if (tty) {
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
			fprintf(stderr, "\n");
		}
		return -1;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}
