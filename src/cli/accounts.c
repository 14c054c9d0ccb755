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
	"usage: vigil user add USERNAME --role ROLE --agency AGENCY [--name NAME] [--service]\n"
	"                      [--db PATH]\n"
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
	"user's sessions and clears a sign-in lock.  --service makes a service account\n"
	"(an integration: no password, it acts only through API tokens that its agency's\n"
	"administrator makes for it); nothing is read from standard input then.\n";

static const char agency_help[] =
	"usage: vigil agency add CODE --name NAME --kind KIND [--db PATH]\n"
	"       vigil agency list [--db PATH]\n"
	"       vigil agency grant CLIENT --provider PROVIDER [--db PATH]\n"
	"       vigil agency revoke CLIENT --provider PROVIDER [--db PATH]\n"
	"       vigil agency grants [--db PATH]\n"
	"\n"
	"Manage the partner agencies users belong to.  KIND is one of police, nhs,\n"
	"charity, contractor, other.  CODE is short, lowercase: e.g. 'met', 'nlft'.\n"
	"'grant' lets PROVIDER (a monitoring contractor) monitor CLIENT's cases: its\n"
	"operators work their alerts and its devices may be assigned to them; 'revoke'\n"
	"ends that at once.  'grants' lists the live grants.\n";

enum { OPT_DB = 1000, OPT_ROLE, OPT_AGENCY, OPT_NAME, OPT_KIND, OPT_HELP, OPT_SERVICE, OPT_PROVIDER };

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "role", required_argument, NULL, OPT_ROLE },
	{ "agency", required_argument, NULL, OPT_AGENCY },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "kind", required_argument, NULL, OPT_KIND },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "service", no_argument, NULL, OPT_SERVICE },
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *db, *role, *agency, *name, *kind, *provider;
	int help, service;
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
		case OPT_SERVICE: a->service = 1; break;
		case OPT_PROVIDER: a->provider = optarg; break;
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
	if (a->service && role == ROLE_ADMIN)
		return cli_usage_error("user", "a service account cannot be an administrator");
	pw[0] = pw2[0] = '\0';
	if (a->service) {
		snprintf(hash, sizeof hash, "!service-account"); /* no password can match */
		goto open;
	}
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
	if (secret_password_hash(pw, hash) < 0) {
		fprintf(stderr, "vigil user: cannot hash the password (out of memory)\n");
		goto out;
	}
open:
	if (cli_open_db(cli_db_url(a->db), &d) < 0)
		goto out;
	if (agency_get_by_code(d, a->agency, &ag) <= 0) {
		fprintf(stderr, "vigil user: unknown agency '%s'; add it first with 'vigil agency add'\n",
			a->agency);
		goto out;
	}
	id = user_add(d, username, a->name ? a->name : username, role, ag.id, hash);
	if (id >= 0 && a->service && user_set_service(d, id) < 0)
		id = DB_ERROR;
	if (id == DB_CONSTRAINT) {
		fprintf(stderr, "vigil user: the username '%s' is taken\n", username);
		goto out;
	}
	if (id < 0) {
		fprintf(stderr, "vigil user: cannot add the user: %s\n", db_errmsg(d));
		goto out;
	}
	snprintf(object, sizeof object, "user:%s", username);
	snprintf(detail, sizeof detail, "role %s, agency %s%s", a->role, a->agency,
		 a->service ? ", service account" : "");
	cli_audit_action(d, "user.create", object, detail);
	printf("added %s %s (%s, %s)\n", a->service ? "service account" : "user", username, a->role,
	       a->agency);
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
	if (cli_commit(d, rc, "vigil user") < 0) {
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
	if (cli_commit(d, rc, "vigil user") < 0)
		goto out;
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

static int print_grant(const struct agency_service *g, void *arg)
{
	(void)arg;
	printf("%-6lld %-12s %-12s %s\n", (long long)g->id, g->client, g->provider, g->service);
	return 0;
}

/* The live grant between two agencies (its id and whether accepted). */
static int find_grant(const struct agency_service *g, void *arg)
{
	struct agency_service *want = arg;

	if (strcmp(g->provider, want->provider) || strcmp(g->client, want->client))
		return 0;
	want->id = g->id;
	want->accepted_at = g->accepted_at;
	return 1;
}

/* vigil agency grant|revoke CLIENT --provider P; vigil agency grants */
static int agency_grant(struct args *a)
{
	bool grant = strcmp(a->pos[0], "grant") == 0;
	struct agency client, provider;
	struct agency_service g = { 0 };
	char object[64], detail[128];
	db *d;
	int rc;

	if (strcmp(a->pos[0], "grants") == 0) {
		if (a->npos != 1)
			return cli_usage_error("agency", "'agency grants' takes no arguments");
		if (cli_open_db(cli_db_url(a->db), &d) < 0)
			return 1;
		printf("%-6s %-12s %-12s %s\n", "ID", "CLIENT", "PROVIDER", "SERVICE");
		rc = agency_service_each(d, 0, false, print_grant, NULL);
		db_close(d);
		return rc < 0;
	}
	if (a->npos != 2 || !a->provider)
		return cli_usage_error("agency", "'agency %s' takes one CLIENT and --provider PROVIDER",
				       a->pos[0]);
	if (cli_open_db(cli_db_url(a->db), &d) < 0)
		return 1;
	if (agency_get_by_code(d, a->pos[1], &client) <= 0 ||
	    agency_get_by_code(d, a->provider, &provider) <= 0) {
		fprintf(stderr, "vigil agency: unknown agency (see 'vigil agency list')\n");
		db_close(d);
		return 1;
	}
	if (client.id == provider.id) {
		fprintf(stderr, "vigil agency: an agency does not grant itself a service\n");
		db_close(d);
		return 1;
	}
	/* the command line speaks for both sides: a grant it makes (or finds
	 * waiting) counts at once */
	snprintf(g.client, sizeof g.client, "%s", client.code);
	snprintf(g.provider, sizeof g.provider, "%s", provider.code);
	rc = agency_service_each(d, client.id, false, find_grant, &g);
	if (rc >= 0 && grant && g.id && g.accepted_at) {
		printf("%s already provides monitoring to %s\n", provider.code, client.code);
		db_close(d);
		return 0;
	}
	if (rc >= 0 && !grant) {
		if (!g.id) {
			fprintf(stderr, "vigil agency: %s does not provide monitoring to %s\n",
				provider.code, client.code);
			db_close(d);
			return 1;
		}
	}
	if (rc >= 0)
		rc = db_begin_write(d);
	if (rc >= 0)
		rc = !grant ? agency_service_revoke(d, g.id, client.id, 0)
		     : g.id ? agency_service_accept(d, g.id, provider.id, 0)
			    : (int)agency_service_grant(d, client.id, provider.id,
							AGENCY_SERVICE_MONITORING, 0, NULL, true);
	if (cli_commit(d, rc, "vigil agency") < 0) {
		db_close(d);
		return 1;
	}
	snprintf(object, sizeof object, "agency:%s", provider.code);
	snprintf(detail, sizeof detail, "%s %s monitoring by %s", client.code,
		 grant ? "grants" : "revokes", provider.code);
	cli_audit_action(d, grant ? "grant.create" : "grant.revoke", object, detail);
	printf("%s: %s\n", grant ? "granted" : "revoked", detail);
	db_close(d);
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
		return cli_usage_error("agency", "say what to do: add, list, grant, revoke or grants");
	if (strcmp(a.pos[0], "grant") == 0 || strcmp(a.pos[0], "revoke") == 0 ||
	    strcmp(a.pos[0], "grants") == 0)
		return agency_grant(&a);
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
