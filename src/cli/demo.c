/*
 * demo — the demo data `vigil serve --demo` (and so `make run`) loads: the
 * partner agencies of a Stalking Threat Assessment Centre, one account per
 * role, and a small caseload in every state of the workflow (demo_cases.c)
 * so that the case pages and the compliance view show something true.
 * Passwords are generated for each database, never fixed in code, and kept
 * in a file beside the database (mode 0600) so that they can be shown again
 * at the next start.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/secret.h"
#include "store/account.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/settings.h"

static const struct {
	const char *code, *name, *kind;
} agencies[] = {
	{ "met", "Metropolitan Police Service", "police" },
	{ "nlft", "North London NHS Foundation Trust", "nhs" },
	{ "sas", "Stalking Advocacy Service", "charity" },
	{ "emc", "Electronic Monitoring Centre", "contractor" },
};

static const struct {
	const char *username, *name, *agency;
	enum role role;
} people[] = {
	{ "admin", "Demo Administrator", "met", ROLE_ADMIN },
	{ "officer", "DC Olivia Grant", "met", ROLE_OFFICER },
	{ "supervisor", "DS Samuel Reid", "met", ROLE_SUPERVISOR },
	{ "operator", "Omar Patel", "emc", ROLE_OPERATOR },
	{ "clinician", "Dr Claire Hughes", "nlft", ROLE_CLINICIAN },
	{ "advocate", "Ava Morgan", "sas", ROLE_ADVOCATE },
	{ "analyst", "Anna Lewis", "met", ROLE_ANALYST },
};

#define NPEOPLE (sizeof people / sizeof people[0])

static int print_file(const char *path, FILE *out)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(out,
			"Demo data was loaded into this database earlier, but the file with the\n"
			"demo passwords (%s) is gone. Set a new one with:\n"
			"  vigil user passwd admin --db DB   (the password is read from standard input)\n",
			path);
		return 0;
	}
	fprintf(out, "Demo accounts (passwords generated for this database; kept in %s):\n",
		path);
	while (fgets(line, sizeof line, f))
		fprintf(out, "  %s", line);
	fclose(f);
	return 0;
}

static int demo_loaded(db *d)
{
	return setting_get(d, "demo_loaded", NULL, 0);
}

/*
 * A database whose demo accounts were made before the caseload existed gets
 * the caseload on its next demo start, but only while it holds no cases other
 * than the monitoring simulator's: demo data is never mixed into real work.
 * 1 when the caseload should be loaded now, 0 when not, -1 on error.
 */
static int caseload_pending(db *d, FILE *out)
{
	int64_t others;
	int rc;

	rc = setting_get(d, "demo_caseload", NULL, 0);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	others = case_count_besides_demo(d);
	if (others < 0)
		return -1;
	if (others > 0) {
		fprintf(out, "The database has cases of its own; the demo caseload was not added "
			     "(start on a new database to see it).\n");
		return 0;
	}
	return 1;
}

/* The caseload alone, for a database whose demo accounts are older. */
/* The audit trail's "demo.load" entry; what was loaded in detail. */
static int audit_load(db *d, const char *detail)
{
	struct audit_entry e = { 0 };

	e.username = "cli:demo";
	e.action = "demo.load";
	e.outcome = "ok";
	e.client_addr = "local";
	e.detail = detail;
	return audit_append(d, &e);
}

static int caseload_add(struct vigil *v, db *d, FILE *out)
{
	char err[300] = "";

	if (db_begin_write(d) < 0)
		goto dberr;
	if (demo_cases_load(v, d, err, sizeof err) < 0 ||
	    setting_add(d, "demo_caseload", "1") < 0)
		goto rollback;
	if (audit_load(d, "demo caseload") < 0 || db_commit(d) < 0)
		goto rollback;
	fprintf(out, "Loaded the demo caseload.\n");
	return 0;
rollback:
	db_rollback(d);
dberr:
	fprintf(stderr, "vigil: cannot load the demo caseload: %s\n", err[0] ? err : db_errmsg(d));
	return -1;
}

int demo_load(struct vigil *v, db *d, const char *creds_path, FILE *out)
{
	char pw[NPEOPLE][32], hash[SECRET_HASH_LEN], err[300] = "";
	struct agency a;
	FILE *f = NULL;
	int rc, fd;

	rc = demo_loaded(d);
	if (rc < 0)
		goto dberr;
	if (rc == 1) {
		rc = caseload_pending(d, out);
		if (rc < 0)
			goto dberr;
		if (rc == 1 && caseload_add(v, d, out) < 0)
			return -1;
		return print_file(creds_path, out);
	}
	if (user_count(d) > 0) {
		fprintf(out, "The database already has user accounts; demo accounts not added.\n");
		return 0;
	}
	if (db_begin_write(d) < 0)
		goto dberr;
	for (size_t i = 0; i < sizeof agencies / sizeof agencies[0]; i++) {
		rc = agency_get_by_code(d, agencies[i].code, &a);
		if (rc == 0)
			rc = (int)agency_add(d, agencies[i].code, agencies[i].name, agencies[i].kind);
		if (rc < 0)
			goto rollback;
	}
	for (size_t i = 0; i < NPEOPLE; i++) {
		secret_password_generate(pw[i], sizeof pw[i]);
		if (agency_get_by_code(d, people[i].agency, &a) <= 0 ||
		    secret_password_hash(pw[i], hash) < 0 ||
		    user_add(d, people[i].username, people[i].name, people[i].role, a.id, hash) < 0)
			goto rollback;
	}
	if (demo_cases_load(v, d, err, sizeof err) < 0)
		goto rollback;
	if (setting_add(d, "demo_loaded", "1") < 0 || setting_add(d, "demo_caseload", "1") < 0)
		goto rollback;
	if (audit_load(d, "demo agencies, accounts and caseload") < 0)
		goto rollback;

	/* Write the passwords before committing: no demo accounts nobody can use. */
	unlink(creds_path);
	fd = open(creds_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "vigil: cannot write %s: %s\n", creds_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		db_rollback(d);
		return -1;
	}
	for (size_t i = 0; i < NPEOPLE; i++)
		fprintf(f, "%-11s %-24s (%s, %s: %s)\n", people[i].username, pw[i],
			access_role_name(people[i].role), people[i].agency, people[i].name);
	if (fclose(f) != 0 || db_commit(d) < 0) {
		fprintf(stderr, "vigil: cannot save the demo data\n");
		db_rollback(d);
		unlink(creds_path);
		return -1;
	}
	secret_wipe(pw, sizeof pw);
	fprintf(out, "Loaded the demo data.\n");
	return print_file(creds_path, out);
rollback:
	db_rollback(d);
dberr:
	fprintf(stderr, "vigil: cannot load the demo data: %s\n", err[0] ? err : db_errmsg(d));
	secret_wipe(pw, sizeof pw);
	return -1;
}
