/*
 * store/account — SQL for agencies and users.
 */
#include "store/account.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/each.h"

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

bool agency_kind_valid(const char *kind)
{
	static const char *kinds[] = { "police", "nhs", "charity", "contractor", "other" };

	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

int64_t agency_add(db *d, const char *code, const char *name, const char *kind)
{
	int64_t id;
	int rc = db_get_int64(d, &id, "INSERT INTO agencies (code, name, kind, created_at)"
				      " VALUES (?, ?, ?, ?) RETURNING id",
			      "ttti", code, name, kind, clock_now_ms());

	return rc < 0 ? rc : id;
}

static void agency_row(db_stmt *s, void *out)
{
	struct agency *a = out;

	a->id = db_column_int64(s, 0);
	copy(a->code, sizeof a->code, db_column_text(s, 1));
	copy(a->name, sizeof a->name, db_column_text(s, 2));
	copy(a->kind, sizeof a->kind, db_column_text(s, 3));
	a->created_at = db_column_int64(s, 4);
}

#define AGENCY_COLS "id, code, name, kind, created_at"

int agency_get_by_code(db *d, const char *code, struct agency *out)
{
	return db_one(d, agency_row, out, "SELECT " AGENCY_COLS " FROM agencies WHERE code = ?", "t",
		      code);
}

STORE_EACH(agency_each, struct agency, agency_row);

int agency_each(db *d, int (*fn)(const struct agency *a, void *arg), void *arg)
{
	struct agency_each e = { fn, arg, 0 };

	return db_each(d, agency_each_row, &e, "SELECT " AGENCY_COLS " FROM agencies ORDER BY code",
		       "");
}

int64_t agency_service_grant(db *d, int64_t client_id, int64_t provider_id, const char *service,
			     int64_t by, const char *note, bool accepted)
{
	int64_t id, now = clock_now_ms();
	int rc = db_get_int64(d, &id,
			      "INSERT INTO agency_services (client_id, provider_id, service, granted_by,"
			      " granted_at, note, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			      "iitIitI", client_id, provider_id, service, by, now, note,
			      accepted ? now : (int64_t)0);

	return rc < 0 ? rc : id;
}

int agency_service_accept(db *d, int64_t id, int64_t provider_id, int64_t by)
{
	int rc = db_write(d, "UPDATE agency_services SET accepted_at = ?, accepted_by = ?"
			     " WHERE id = ? AND provider_id = ? AND accepted_at IS NULL"
			     " AND revoked_at IS NULL",
			  "iIii", clock_now_ms(), by, id, provider_id);

	return rc < 0 ? rc : rc > 0;
}

int agency_service_revoke(db *d, int64_t id, int64_t agency_id, int64_t by)
{
	int rc = db_write(d, "UPDATE agency_services SET revoked_at = ?, revoked_by = ?"
			     " WHERE id = ? AND (client_id = ? OR provider_id = ?)"
			     " AND revoked_at IS NULL",
			  "iIiii", clock_now_ms(), by, id, agency_id, agency_id);

	return rc < 0 ? rc : rc > 0;
}

static void service_row(db_stmt *s, void *out)
{
	struct agency_service *g = out;

	g->id = db_column_int64(s, 0);
	copy(g->client, sizeof g->client, db_column_text(s, 1));
	copy(g->provider, sizeof g->provider, db_column_text(s, 2));
	copy(g->service, sizeof g->service, db_column_text(s, 3));
	g->granted_at = db_column_int64(s, 4);
	g->granted_by = db_column_int64(s, 5);
	g->revoked_at = db_column_int64(s, 6);
	g->note = db_column_text(s, 7);
	g->accepted_at = db_column_int64(s, 8);
}

STORE_EACH(service_each, struct agency_service, service_row);

int agency_service_each(db *d, int64_t agency_id, bool all,
			int (*fn)(const struct agency_service *g, void *arg), void *arg)
{
	struct service_each e = { fn, arg, 0 };

	return db_each(d, service_each_row, &e,
		       "SELECT g.id, c.code, p.code, g.service, g.granted_at, g.granted_by,"
		       " g.revoked_at, g.note, g.accepted_at FROM agency_services g"
		       " JOIN agencies c ON c.id = g.client_id JOIN agencies p ON p.id = g.provider_id"
		       " WHERE (? = 0 OR g.client_id = ? OR g.provider_id = ?)"
		       " AND (? = 1 OR g.revoked_at IS NULL) ORDER BY g.id DESC",
		       "iiii", agency_id, agency_id, agency_id, (int64_t)all);
}

int agency_serves(db *d, int64_t provider_id, int64_t client_id, const char *service)
{
	if (provider_id && provider_id == client_id)
		return 1;
	return db_exists(d,
			 "SELECT 1 FROM agency_services WHERE provider_id = ? AND client_id = ?"
			 " AND service = ? AND accepted_at IS NOT NULL AND revoked_at IS NULL",
			 "iit", provider_id, client_id, service);
}

int user_set_service(db *d, int64_t id)
{
	return db_run(d, "UPDATE users SET service = 1 WHERE id = ?", "i", id);
}

int64_t user_add(db *d, const char *username, const char *display_name, enum role role,
		 int64_t agency_id, const char *hash)
{
	int64_t now = clock_now_ms(), id;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO users (username, display_name, role, agency_id, password_hash,"
			      " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			      "tttitii", username, display_name, access_role_name(role), agency_id, hash,
			      now, now);

	return rc < 0 ? rc : id;
}

#define USER_COLS                                                                          \
	"u.id, u.username, u.display_name, u.role, u.agency_id, a.code, a.name, u.disabled," \
	" u.failed_logins, u.last_failed_at, u.locked_until, u.created_at, u.updated_at,"   \
	" u.version, u.password_hash, u.service"
#define USER_FROM " FROM users u JOIN agencies a ON a.id = u.agency_id"

static void user_row(db_stmt *s, void *out)
{
	struct user *u = out;

	u->id = db_column_int64(s, 0);
	copy(u->username, sizeof u->username, db_column_text(s, 1));
	copy(u->display_name, sizeof u->display_name, db_column_text(s, 2));
	u->role = access_role_parse(db_column_text(s, 3));
	u->agency_id = db_column_int64(s, 4);
	copy(u->agency_code, sizeof u->agency_code, db_column_text(s, 5));
	copy(u->agency_name, sizeof u->agency_name, db_column_text(s, 6));
	u->disabled = db_column_int64(s, 7) != 0;
	u->failed_logins = (int)db_column_int64(s, 8);
	u->last_failed_at = db_column_int64(s, 9);
	u->locked_until = db_column_int64(s, 10);
	u->created_at = db_column_int64(s, 11);
	u->updated_at = db_column_int64(s, 12);
	u->version = db_column_int64(s, 13);
	copy(u->password_hash, sizeof u->password_hash, db_column_text(s, 14));
	u->service = db_column_int64(s, 15) != 0;
}


int user_get_by_name(db *d, const char *username, struct user *out)
{
	return db_one(d, user_row, out, "SELECT " USER_COLS USER_FROM " WHERE u.username = ?", "t",
		      username);
}

int user_get_by_id(db *d, int64_t id, struct user *out)
{
	return db_one(d, user_row, out, "SELECT " USER_COLS USER_FROM " WHERE u.id = ?", "i", id);
}

STORE_EACH(user_each, struct user, user_row);

int user_each(db *d, int (*fn)(const struct user *u, void *arg), void *arg)
{
	struct user_each e = { fn, arg, 0 };

	return db_each(d, user_each_row, &e, "SELECT " USER_COLS USER_FROM " ORDER BY u.username",
		       "");
}

int64_t user_count(db *d)
{
	int64_t n;
	int rc = db_get_int64(d, &n, "SELECT COUNT(*) FROM users", "");

	return rc < 0 ? rc : n;
}

int user_update(db *d, int64_t id, int64_t expected_version, const struct user_change *c)
{
	/* a new password (an administrator's reset) also clears a lock-out */
	int64_t clear = c->unlock || c->password_hash;
	int changed;

	/* COALESCE keeps the stored value for each field the change leaves NULL,
	 * so one fixed statement serves every combination. */
	changed = db_write(d,
			   "UPDATE users SET display_name = COALESCE(?, display_name),"
			   " role = COALESCE(?, role), agency_id = COALESCE(?, agency_id),"
			   " disabled = CASE WHEN ? < 0 THEN disabled ELSE ? END,"
			   " password_hash = COALESCE(?, password_hash),"
			   " failed_logins = CASE WHEN ? = 1 THEN 0 ELSE failed_logins END,"
			   " locked_until = CASE WHEN ? = 1 THEN NULL ELSE locked_until END,"
			   " updated_at = ?, version = version + 1"
			   " WHERE id = ? AND (? = 0 OR version = ?)",
			   "ttIiitiiiiii", c->display_name,
			   c->role != ROLE_NONE ? access_role_name(c->role) : NULL, c->agency_id,
			   (int64_t)c->disabled, (int64_t)c->disabled, c->password_hash, clear, clear,
			   clock_now_ms(), id, expected_version, expected_version);
	if (changed < 0)
		return changed;
	if (changed && (c->disabled == 1 || c->password_hash)) {
		int rc = db_run(d, "DELETE FROM sessions WHERE user_id = ?", "i", id);

		if (rc < 0)
			return rc;
	}
	return changed > 0;
}

int user_login_failed_at(db *d, int64_t id, int64_t at)
{
	return db_run(d, "UPDATE users SET last_failed_at = ? WHERE id = ? AND last_failed_at < ?",
		      "iii", at, id, at);
}

int user_login_claim(db *d, int64_t id, int old_failed, int64_t old_last, int64_t old_locked,
		     int new_failed, int64_t at, int64_t new_locked)
{
	int rc = db_write(d, "UPDATE users SET failed_logins = ?, last_failed_at = ?, locked_until = ?"
			     " WHERE id = ? AND failed_logins = ? AND COALESCE(last_failed_at, 0) = ?"
			     " AND COALESCE(locked_until, 0) = ?",
			  "iiIiiii", (int64_t)new_failed, at, new_locked, id, (int64_t)old_failed,
			  old_last, old_locked);

	return rc < 0 ? rc : rc > 0;
}

int user_login_succeeded(db *d, int64_t id)
{
	return db_run(d,
		      "UPDATE users SET failed_logins = 0, last_failed_at = NULL, locked_until = NULL"
		      " WHERE id = ? AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
		      "i", id);
}

struct login_name {
	int *failed;
	int64_t *last_failed_at, *locked_until;
};

static void login_name_row(db_stmt *s, void *out)
{
	struct login_name *n = out;

	*n->failed = (int)db_column_int64(s, 0);
	*n->last_failed_at = db_column_int64(s, 1);
	*n->locked_until = db_column_int64(s, 2);
}

int login_name_get(db *d, const char *key, int *failed, int64_t *last_failed_at,
		   int64_t *locked_until)
{
	struct login_name n = { failed, last_failed_at, locked_until };

	*failed = 0;
	*last_failed_at = *locked_until = 0;
	return db_one(d, login_name_row, &n,
		      "SELECT failed_logins, last_failed_at, locked_until FROM login_names"
		      " WHERE name_key = ?",
		      "t", key);
}

int login_name_claim(db *d, const char *key, int old_failed, int64_t old_last, int64_t old_locked,
		     int new_failed, int64_t at, int64_t new_locked)
{
	/* made, or changed only if it still holds what was read */
	int rc = db_write(d,
			  "INSERT INTO login_names (name_key, failed_logins, last_failed_at, locked_until)"
			  " VALUES (?, ?, ?, ?)"
			  " ON CONFLICT (name_key) DO UPDATE SET failed_logins = excluded.failed_logins,"
			  " last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until"
			  " WHERE login_names.failed_logins = ? AND login_names.last_failed_at = ?"
			  " AND COALESCE(login_names.locked_until, 0) = ?",
			  "tiiIiii", key, (int64_t)new_failed, at, new_locked, (int64_t)old_failed,
			  old_last, old_locked);

	return rc < 0 ? rc : rc > 0;
}

int login_name_purge(db *d, int64_t before)
{
	return db_run(d,
		      "DELETE FROM login_names WHERE last_failed_at < ?"
		      " AND (locked_until IS NULL OR locked_until < ?)",
		      "ii", before, before);
}
