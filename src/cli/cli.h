/*
 * cli — the subcommands of the `vigil` program and what they share.
 *
 * Each command returns the process exit status: 0 success, 1 failure (the
 * message already printed), 2 a usage error (unknown option, bad argument).
 */
#ifndef VIGIL_CLI_CLI_H
#define VIGIL_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "base/crypt.h"
#include "db/db.h"

#define CLI_DEFAULT_DB "vigil.db"

int cli_serve(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_agency(int argc, char **argv);
int cli_device(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_case(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_permissions(int argc, char **argv);
int cli_key(int argc, char **argv);

/* The database to use: --db, else $VIGIL_DB, else vigil.db. */
const char *cli_db_url(const char *opt);
/* Open and migrate; prints the reason and returns -1 on failure. */
int cli_open_db(const char *url, db **out);
/* The data key file: opt (--data-key, --key) when given, else beside a
 * SQLite database file (PATH.data-key) into buf; NULL for a server URL
 * without one. */
const char *cli_data_key_path(const char *url, const char *opt, char *buf, size_t n);
/*
 * Open and migrate the database for a command that reads or writes sealed
 * values: the data keys read from keyopt (or the default path), checked
 * against the keys the database records and attached to the connection
 * (store/sealed.h), and the database's first sealing run if it is due.  When
 * create, keyopt is NULL and the default file is missing, a database that
 * records no key yet gets a new file there (a server's first start, `make
 * run`).  Prints the reason and returns -1 on failure.  The caller closes the
 * database and frees the keys (after the database).
 */
int cli_open_sealed(const char *url, const char *keyopt, bool create, db **out, crypt_keys **keys);
/* What cli_parse() read. */
struct cli_args {
	const char *db;	  /* --db */
	const char *key;  /* --data-key */
	const char *file; /* --out or --in */
	bool help;	  /* --help */
	int npos;
	const char *pos[4]; /* the positional arguments */
};
/* The options cli_parse() takes besides --db and --help. */
enum { CLI_TAKES_KEY = 1, CLI_TAKES_OUT = 2, CLI_TAKES_IN = 4 };
/*
 * The options of the commands that take a database and little else: --db,
 * --help and those of --data-key, --out FILE and --in FILE that takes names
 * (any other is an unknown option), anywhere on the line; up to maxpos (at
 * most 4) positional arguments.  0, or 2 after a usage error.
 */
int cli_parse(const char *cmd, int argc, char **argv, unsigned takes, int maxpos,
	      struct cli_args *a);
/* Print "vigil CMD: message" and a hint to --help on stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* End a command's write transaction: commit it when rc says the work went
 * well, else (or when the commit fails) say why as "CMD: message" on stderr
 * and roll back.  0, or -1. */
int cli_commit(db *d, int rc, const char *cmd);
/* Record a command-line action in the audit trail as the operating-system user. */
int cli_audit_action(db *d, const char *action, const char *object, const char *detail);
/* Read one line (a password) from standard input without echo when it is a
 * terminal; strips the newline.  0, or -1 at end of input. */
int cli_read_secret(const char *prompt, char *out, size_t outlen);

struct vigil;
/* demo.c: load the demo agencies, accounts and caseload once, with passwords
 * generated for this database, written to creds_path (mode 0600) and printed
 * to out.  The caseload's assessments are scored with v's instruments and
 * its plans take suggestions from v's table. */
int demo_load(struct vigil *v, db *d, const char *creds_path, FILE *out);
/* demo_cases.c: the demo caseload, in the caller's transaction, after the
 * demo accounts exist, made by the centre's operations (ops/).  0, or -1
 * with err. */
int demo_cases_load(struct vigil *v, db *d, char *err, size_t errlen);

/* simulator.c — the demo's moving parts (`vigil serve --demo`): a tagged
 * stalker in London who drives towards the victim's home (warning, then
 * entry), loses signal for a while (lost signal), and later comes near the
 * victim in the street (proximity), so that a newcomer sees every kind of
 * alert appear live within two minutes.  The cycle repeats every five
 * minutes.  Its fixes go through the same ingest path as a real device's. */
struct simulator;
/* Create the demo monitoring case and devices once, then start. */
int simulator_start(struct vigil *v, struct simulator **out, char *err, size_t errlen);
void simulator_stop(struct simulator *s);

#endif
