/*
 * accounts — `vigil user ...` and `vigil agency ...`.
 *
 * Passwords are read from standard input, never taken as arguments (which
 * other users of the machine can read in the process list).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/secret.h"
#include "core/account.h"
#include "store/account.h"

static const char user_help[] =
	"usage: vigil user add USERNAME --role ROLE --agency AGENCY [--name NAME] [--db PATH]\n"
	"       vigil user list [--db PATH]\n"
	"       vigil user disable USERNAME [--db PATH]\n"
	"       vigil user enable USERNAME [--db PATH]\n"
	"       vigil user passwd USERNAME [--db PATH]\n"
	"\n"
	"Manage user accounts.  'add' reads the password from standard input (one line;\n"
	"at a terminal it asks twice without echo).  Passwords need at least 12 characters.\n"
	"Roles: officer, supervisor, operator, clinician, advocate, analyst, admin.\n"
	"AGENCY is an agency code (see 'vigil agency list').  Disabling an account ends its\n"
	"sessions at once.  'passwd' sets a new password (from standard input), ends the\n"
	"user's sessions and clears a sign-in lock.\n";

static const char agency_help[] =
	"usage: vigil agency add CODE --name NAME --kind KIND [--db PATH]\n"
	"       vigil agency list [--db PATH]\n"
	"\n"
	"Manage the partner agencies users belong to.  KIND is one of police, nhs,\n"
	"charity, contractor, other.  CODE is short, lowercase: e.g. 'met', 'nlft'.\n";

enum { OPT_DB = 1000, OPT_ROLE, OPT_AGENCY, OPT_NAME, OPT_KIND, OPT_HELP };

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "agency", required_argument, NULL, OPT_AGENCY },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *db, *role, *agency, *name, *kind;
	int help;
	int npos;
	const char *pos[4];
};

/* Parse options anywhere on the line; 0, or 2 after a usage error. */
static int parse(const char *cmd, int argc, char **argv, struct args *a)
{
	int c;

	memset(a, 0, sizeof *a);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: a->db = optarg; break;
		case OPT_ROLE: a->role = optarg; break;
		case OPT_AGENCY: a->agency = optarg; break;
		case OPT_NAME: a->name = optarg; break;
		case OPT_KIND: a->kind = optarg; break;
		case OPT_HELP: a->help = 1; break;
		case ':':
			return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (a->npos >= 4)
			return cli_usage_error(cmd, "too many arguments");
		a->pos[a->npos++] = argv[i];
	}
	return 0;
}

static int cmd_user_add(struct args *a)
{
	char why[200], pw[ACCOUNT_PASSWORD_MAX + 2], pw2[ACCOUNT_PASSWORD_MAX + 2];
	char hash[SECRET_HASH_LEN], detail[128], object[96];
	const char *username = a->pos[1];
	struct agency ag;
	enum role role;
	int64_t id;
	db *d = NULL;
	int ret = 1;

	if (a->npos != 2)
		return cli_usage_error("user", "'user add' takes one USERNAME");
	if (account_username_check(username, why, sizeof why) < 0)
		return cli_usage_error("user", "%s", why);
	if (!a->role || !a->agency)
		return cli_usage_error("user", "'user add' needs --role and --agency");
	role = access_role_parse(a->role);
	if (role == ROLE_NONE)
		return cli_usage_error("user", "unknown role '%s' (officer, supervisor, operator, "
					       "clinician, advocate, analyst, admin)", a->role);
	if (a->name && account_display_name_check(a->name, why, sizeof why) < 0)
		return cli_usage_error("user", "--name: %s", why);
	if (cli_read_secret("Password: ", pw, sizeof pw) < 0) {
		fprintf(stderr, "vigil user: no password on standard input\n");
		return 1;
	}
	if (isatty(0)) {
		if (cli_read_secret("Password again: ", pw2, sizeof pw2) < 0 || strcmp(pw, pw2)) {
			fprintf(stderr, "vigil user: the passwords differ\n");
			goto out;
		}
	}
	if (account_password_check(pw, username, why, sizeof why) < 0) {
		fprintf(stderr, "vigil user: %s\n", why);
		goto out;
	}
	if (cli_open_db(cli_db_url(a->db), &d) < 0)
		goto out;
	if (agency_get_by_code(d, a->agency, &ag) <= 0) {
		fprintf(stderr, "vigil user: unknown agency '%s'; add it first with 'vigil agency add'\n",
			a->agency);
		goto out;
	}
	if (secret_password_hash(pw, hash) < 0) {
		fprintf(stderr, "vigil user: cannot hash the password (out of memory)\n");
		goto out;
	}
	id = user_add(d, username, a->name ? a->name : username, role, ag.id, hash);
	if (id == DB_CONSTRAINT) {
		fprintf(stderr, "vigil user: the username '%s' is taken\n", username);
		goto out;
	}
	if (id < 0) {
		fprintf(stderr, "vigil user: cannot add the user: %s\n", db_errmsg(d));
		goto out;
	}
	snprintf(object, sizeof object, "user:%s", username);
	snprintf(detail, sizeof detail, "role %s, agency %s", a->role, a->agency);
	cli_audit_action(d, "user.create", object, detail);
	printf("added user %s (%s, %s)\n", username, a->role, a->agency);
	ret = 0;
out:
	secret_wipe(pw, sizeof pw);
	secret_wipe(pw2, sizeof pw2);
	secret_wipe(hash, sizeof hash);
	db_close(d);
	return ret;
}

static int print_user(const struct user *u, void *arg)
{
	int64_t now = clock_now_ms();

	(void)arg;
	printf("%-20s %-11s %-12s %-9s %s\n", u->username, access_role_name(u->role), u->agency_code,
	       u->disabled ? "disabled" : u->locked_until > now ? "locked" : "active",
	       u->display_name);
	return 0;
}

static int user_list(struct args *a)
{
	db *d;
	int rc;

	if (a->npos != 1)
		return cli_usage_error("user", "'user list' takes no arguments");
	if (cli_open_db(cli_db_url(a->db), &d) < 0)
		return 1;
	printf("%-20s %-11s %-12s %-9s %s\n", "USERNAME", "ROLE", "AGENCY", "STATE", "NAME");
	rc = user_each(d, print_user, NULL);
	if (rc < 0)
		fprintf(stderr, "vigil user: %s\n", db_errmsg(d));
	db_close(d);
	return rc < 0;
}

static int user_set_disabled(struct args *a, int disabled)
{
	struct user_change c = { .role = ROLE_NONE, .disabled = disabled };
	char object[96];
	struct user u;
	db *d;
	int rc;

	if (a->npos != 2)
		return cli_usage_error("user", "'user %s' takes one USERNAME", a->pos[0]);
	if (cli_open_db(cli_db_url(a->db), &d) < 0)
		return 1;
	rc = user_get_by_name(d, a->pos[1], &u);
	if (rc <= 0) {
		fprintf(stderr, "vigil user: %s\n", rc < 0 ? db_errmsg(d) : "no such user");
		db_close(d);
		return 1;
	}
	rc = db_begin_write(d);
	if (rc >= 0)
		rc = user_update(d, u.id, 0, &c);
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0) {
		fprintf(stderr, "vigil user: %s\n", db_errmsg(d));
		db_rollback(d);
		db_close(d);
		return 1;
	}
	snprintf(object, sizeof object, "user:%s", u.username);
	cli_audit_action(d, disabled ? "user.disable" : "user.enable", object, NULL);
	printf("%s user %s%s\n", disabled ? "disabled" : "enabled", u.username,
	       disabled ? "; their sessions are ended" : "");
	db_close(d);
	return 0;
}

static int user_passwd(struct args *a)
{
	struct user_change c = { .role = ROLE_NONE, .disabled = -1 };
	char why[200], pw[ACCOUNT_PASSWORD_MAX + 2], pw2[ACCOUNT_PASSWORD_MAX + 2];
	char hash[SECRET_HASH_LEN], object[96];
	struct user u;
	db *d = NULL;
	int rc, ret = 1;

	if (a->npos != 2)
		return cli_usage_error("user", "'user passwd' takes one USERNAME");
	if (cli_read_secret("New password: ", pw, sizeof pw) < 0) {
		fprintf(stderr, "vigil user: no password on standard input\n");
		return 1;
	}
	if (isatty(0) &&
	    (cli_read_secret("New password again: ", pw2, sizeof pw2) < 0 || strcmp(pw, pw2))) {
		fprintf(stderr, "vigil user: the passwords differ\n");
		goto out;
	}
	if (account_password_check(pw, a->pos[1], why, sizeof why) < 0) {
		fprintf(stderr, "vigil user: %s\n", why);
		goto out;
	}
	if (cli_open_db(cli_db_url(a->db), &d) < 0)
		goto out;
	rc = user_get_by_name(d, a->pos[1], &u);
	if (rc <= 0) {
		fprintf(stderr, "vigil user: %s\n", rc < 0 ? db_errmsg(d) : "no such user");
		goto out;
	}
	if (secret_password_hash(pw, hash) < 0) {
		fprintf(stderr, "vigil user: cannot hash the password (out of memory)\n");
		goto out;
	}
	c.password_hash = hash;
	rc = db_begin_write(d);
	if (rc >= 0)
		rc = user_update(d, u.id, 0, &c);
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0) {
		fprintf(stderr, "vigil user: %s\n", db_errmsg(d));
		db_rollback(d);
		goto out;
	}
	snprintf(object, sizeof object, "user:%s", u.username);
	cli_audit_action(d, "user.password", object, NULL);
	printf("set a new password for %s; their sessions are ended\n", u.username);
	ret = 0;
out:
	secret_wipe(pw, sizeof pw);
	secret_wipe(pw2, sizeof pw2);
	secret_wipe(hash, sizeof hash);
	db_close(d);
	return ret;
}

int cli_user(int argc, char **argv)
{
	struct args a;
	int rc = parse("user", argc, argv, &a);

	if (rc)
		return rc;
	if (a.help) {
		fputs(user_help, stdout);
		return 0;
	}
	if (a.npos == 0)
		return cli_usage_error("user", "say what to do: add, list, disable, enable or passwd");
	if (strcmp(a.pos[0], "add") == 0)
		return cmd_user_add(&a);
	if (strcmp(a.pos[0], "list") == 0)
		return user_list(&a);
	if (strcmp(a.pos[0], "disable") == 0)
		return user_set_disabled(&a, 1);
	if (strcmp(a.pos[0], "enable") == 0)
		return user_set_disabled(&a, 0);
	if (strcmp(a.pos[0], "passwd") == 0)
		return user_passwd(&a);
	return cli_usage_error("user", "unknown subcommand '%s'", a.pos[0]);
}

static int print_agency(const struct agency *ag, void *arg)
{
	(void)arg;
	printf("%-12s %-10s %s\n", ag->code, ag->kind, ag->name);
	return 0;
}

int cli_agency(int argc, char **argv)
{
	struct args a;
	char why[200], object[64];
	int rc = parse("agency", argc, argv, &a);
	int64_t id;
	db *d;

	if (rc)
		return rc;
	if (a.help) {
		fputs(agency_help, stdout);
		return 0;
	}
	if (a.npos == 0)
		return cli_usage_error("agency", "say what to do: add or list");
	if (strcmp(a.pos[0], "list") == 0) {
		if (a.npos != 1)
			return cli_usage_error("agency", "'agency list' takes no arguments");
		if (cli_open_db(cli_db_url(a.db), &d) < 0)
			return 1;
		printf("%-12s %-10s %s\n", "CODE", "KIND", "NAME");
		rc = agency_each(d, print_agency, NULL);
		db_close(d);
		return rc < 0;
	}
	if (strcmp(a.pos[0], "add") != 0)
		return cli_usage_error("agency", "unknown subcommand '%s'", a.pos[0]);
	if (a.npos != 2)
		return cli_usage_error("agency", "'agency add' takes one CODE");
	if (account_agency_code_check(a.pos[1], why, sizeof why) < 0)
		return cli_usage_error("agency", "%s", why);
	if (!a.name || account_display_name_check(a.name, why, sizeof why) < 0)
		return cli_usage_error("agency", "--name is required: %s",
				       a.name ? why : "the agency's full name");
	if (!a.kind || !agency_kind_valid(a.kind))
		return cli_usage_error("agency",
				       "--kind must be police, nhs, charity, contractor or other");
	if (cli_open_db(cli_db_url(a.db), &d) < 0)
		return 1;
	id = agency_add(d, a.pos[1], a.name, a.kind);
	if (id == DB_CONSTRAINT)
		fprintf(stderr, "vigil agency: the code '%s' is taken\n", a.pos[1]);
	else if (id < 0)
		fprintf(stderr, "vigil agency: %s\n", db_errmsg(d));
	else {
		snprintf(object, sizeof object, "agency:%s", a.pos[1]);
		cli_audit_action(d, "agency.create", object, NULL);
		printf("added agency %s\n", a.pos[1]);
	}
	db_close(d);
	return id < 0;
}
