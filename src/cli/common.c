/*
 * common — what the subcommands share: finding and opening the database,
 * usage errors, reading a password, auditing command-line actions.
 */
#include "cli/cli.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/mem.h"
#include "store/audit.h"

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
