/*
 * store/account — SQL for agencies and users.
 */
#include "store/account.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

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
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s, "INSERT INTO agencies (code, name, kind, created_at) "
			       "VALUES (?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, code);
	db_bind_text(s, 2, name);
	db_bind_text(s, 3, kind);
	db_bind_int64(s, 4, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

static void agency_row(db_stmt *s, struct agency *a)
{
	a->id = db_column_int64(s, 0);
	copy(a->code, sizeof a->code, db_column_text(s, 1));
	copy(a->name, sizeof a->name, db_column_text(s, 2));
	copy(a->kind, sizeof a->kind, db_column_text(s, 3));
	a->created_at = db_column_int64(s, 4);
}

#define AGENCY_COLS "id, code, name, kind, created_at"

int agency_get_by_code(db *d, const char *code, struct agency *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " AGENCY_COLS " FROM agencies WHERE code = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, code);
	rc = db_step(s);
	if (rc == DB_ROW)
		agency_row(s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int agency_each(db *d, int (*fn)(const struct agency *a, void *arg), void *arg)
{
	struct agency a;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " AGENCY_COLS " FROM agencies ORDER BY code");
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		agency_row(s, &a);
		if (fn(&a, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int64_t agency_service_grant(db *d, int64_t client_id, int64_t provider_id, const char *service,
			     int64_t by, const char *note, bool accepted)
{
	db_stmt *s;
	int64_t id = 0, now = clock_now_ms();
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO agency_services (client_id, provider_id, service, granted_by,"
			" granted_at, note, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, client_id);
	db_bind_int64(s, 2, provider_id);
	db_bind_text(s, 3, service);
	if (by)
		db_bind_int64(s, 4, by);
	else
		db_bind_null(s, 4);
	db_bind_int64(s, 5, now);
	db_bind_text(s, 6, note);
	if (accepted)
		db_bind_int64(s, 7, now);
	else
		db_bind_null(s, 7);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

int agency_service_accept(db *d, int64_t id, int64_t provider_id, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE agency_services SET accepted_at = ?, accepted_by = ?"
			" WHERE id = ? AND provider_id = ? AND accepted_at IS NULL AND revoked_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	if (by)
		db_bind_int64(s, 2, by);
	else
		db_bind_null(s, 2);
	db_bind_int64(s, 3, id);
	db_bind_int64(s, 4, provider_id);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) > 0;
	db_finalize(s);
	return rc;
}

int agency_service_revoke(db *d, int64_t id, int64_t agency_id, int64_t by)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE agency_services SET revoked_at = ?, revoked_by = ?"
			" WHERE id = ? AND (client_id = ? OR provider_id = ?) AND revoked_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	if (by)
		db_bind_int64(s, 2, by);
	else
		db_bind_null(s, 2);
	db_bind_int64(s, 3, id);
	db_bind_int64(s, 4, agency_id);
	db_bind_int64(s, 5, agency_id);
	rc = db_step(s);
	if (rc >= 0)
		rc = db_changes(s) > 0;
	db_finalize(s);
	return rc;
}

int agency_service_each(db *d, int64_t agency_id, bool all,
			int (*fn)(const struct agency_service *g, void *arg), void *arg)
{
	struct agency_service g;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT g.id, c.code, p.code, g.service, g.granted_at, g.granted_by,"
			" g.revoked_at, g.note, g.accepted_at FROM agency_services g"
			" JOIN agencies c ON c.id = g.client_id JOIN agencies p ON p.id = g.provider_id"
			" WHERE (? = 0 OR g.client_id = ? OR g.provider_id = ?)"
			" AND (? = 1 OR g.revoked_at IS NULL) ORDER BY g.id DESC");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, agency_id);
	db_bind_int64(s, 2, agency_id);
	db_bind_int64(s, 3, agency_id);
	db_bind_int64(s, 4, all ? 1 : 0);
	while ((rc = db_step(s)) == DB_ROW) {
		g.id = db_column_int64(s, 0);
		copy(g.client, sizeof g.client, db_column_text(s, 1));
		copy(g.provider, sizeof g.provider, db_column_text(s, 2));
		copy(g.service, sizeof g.service, db_column_text(s, 3));
		g.granted_at = db_column_int64(s, 4);
		g.granted_by = db_column_int64(s, 5);
		g.revoked_at = db_column_int64(s, 6);
		g.note = db_column_text(s, 7);
		g.accepted_at = db_column_int64(s, 8);
		if (fn(&g, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int agency_serves(db *d, int64_t provider_id, int64_t client_id, const char *service)
{
	db_stmt *s;
	int rc;

	if (provider_id && provider_id == client_id)
		return 1;
	rc = db_prepare(d, &s,
			"SELECT 1 FROM agency_services WHERE provider_id = ? AND client_id = ?"
			" AND service = ? AND accepted_at IS NOT NULL AND revoked_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, provider_id);
	db_bind_int64(s, 2, client_id);
	db_bind_text(s, 3, service);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int user_set_service(db *d, int64_t id)
{
	return db_run(d, "UPDATE users SET service = 1 WHERE id = ?", "i", id);
}

int64_t user_add(db *d, const char *username, const char *display_name, enum role role,
		 int64_t agency_id, const char *hash)
{
	int64_t now = clock_now_ms(), id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO users (username, display_name, role, agency_id, password_hash,"
			" created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, username);
	db_bind_text(s, 2, display_name);
	db_bind_text(s, 3, access_role_name(role));
	db_bind_int64(s, 4, agency_id);
	db_bind_text(s, 5, hash);
	db_bind_int64(s, 6, now);
	db_bind_int64(s, 7, now);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

#define USER_COLS                                                                          \
	"u.id, u.username, u.display_name, u.role, u.agency_id, a.code, a.name, u.disabled," \
	" u.failed_logins, u.last_failed_at, u.locked_until, u.created_at, u.updated_at,"   \
	" u.version, u.password_hash, u.service"
#define USER_FROM " FROM users u JOIN agencies a ON a.id = u.agency_id"

static void user_row(db_stmt *s, struct user *u)
{
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

static int user_get(db *d, const char *sql, const char *name, int64_t id, struct user *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	if (name)
		db_bind_text(s, 1, name);
	else
		db_bind_int64(s, 1, id);
	rc = db_step(s);
	if (rc == DB_ROW)
		user_row(s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int user_get_by_name(db *d, const char *username, struct user *out)
{
	return user_get(d, "SELECT " USER_COLS USER_FROM " WHERE u.username = ?", username, 0,
			out);
}

int user_get_by_id(db *d, int64_t id, struct user *out)
{
	return user_get(d, "SELECT " USER_COLS USER_FROM " WHERE u.id = ?", NULL, id, out);
}

int user_each(db *d, int (*fn)(const struct user *u, void *arg), void *arg)
{
	struct user u;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT " USER_COLS USER_FROM " ORDER BY u.username");
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW) {
		user_row(s, &u);
		if (fn(&u, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int64_t user_count(db *d)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s, "SELECT COUNT(*) FROM users");
	if (rc < 0)
		return rc;
	rc = db_step(s);
	if (rc == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : n;
}

int user_update(db *d, int64_t id, int64_t expected_version, const struct user_change *c)
{
	db_stmt *s;
	int64_t changed;
	int rc;

	/* COALESCE keeps the stored value for each field the change leaves NULL,
	 * so one fixed statement serves every combination. */
	rc = db_prepare(d, &s,
			"UPDATE users SET display_name = COALESCE(?, display_name),"
			" role = COALESCE(?, role), agency_id = COALESCE(?, agency_id),"
			" disabled = COALESCE(?, disabled), password_hash = COALESCE(?, password_hash),"
			" failed_logins = CASE WHEN ? = 1 THEN 0 ELSE failed_logins END,"
			" locked_until = CASE WHEN ? = 1 THEN NULL ELSE locked_until END,"
			" updated_at = ?, version = version + 1"
			" WHERE id = ? AND (? = 0 OR version = ?)");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, c->display_name);
	if (c->role != ROLE_NONE)
		db_bind_text(s, 2, access_role_name(c->role));
	else
		db_bind_null(s, 2);
	if (c->agency_id)
		db_bind_int64(s, 3, c->agency_id);
	else
		db_bind_null(s, 3);
	if (c->disabled >= 0)
		db_bind_int64(s, 4, c->disabled);
	else
		db_bind_null(s, 4);
	db_bind_text(s, 5, c->password_hash);
	/* a new password (an administrator's reset) also clears a lock-out */
	db_bind_int64(s, 6, c->unlock || c->password_hash);
	db_bind_int64(s, 7, c->unlock || c->password_hash);
	db_bind_int64(s, 8, clock_now_ms());
	db_bind_int64(s, 9, id);
	db_bind_int64(s, 10, expected_version);
	db_bind_int64(s, 11, expected_version);
	rc = db_step(s);
	changed = rc == DB_DONE ? db_changes(s) : 0;
	db_finalize(s);
	if (rc < 0)
		return rc;
	if (changed && (c->disabled == 1 || c->password_hash)) {
		rc = db_run(d, "DELETE FROM sessions WHERE user_id = ?", "i", id);
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
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE users SET failed_logins = ?, last_failed_at = ?,"
			" locked_until = CASE WHEN ? = 0 THEN NULL ELSE ? END"
			" WHERE id = ? AND failed_logins = ? AND COALESCE(last_failed_at, 0) = ?"
			" AND COALESCE(locked_until, 0) = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, new_failed);
	db_bind_int64(s, 2, at);
	db_bind_int64(s, 3, new_locked);
	db_bind_int64(s, 4, new_locked);
	db_bind_int64(s, 5, id);
	db_bind_int64(s, 6, old_failed);
	db_bind_int64(s, 7, old_last);
	db_bind_int64(s, 8, old_locked);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

int user_login_succeeded(db *d, int64_t id)
{
	return db_run(d,
		      "UPDATE users SET failed_logins = 0, last_failed_at = NULL, locked_until = NULL"
		      " WHERE id = ? AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
		      "i", id);
}

int login_name_get(db *d, const char *key, int *failed, int64_t *last_failed_at,
		   int64_t *locked_until)
{
	db_stmt *s;
	int rc;

	*failed = 0;
	*last_failed_at = *locked_until = 0;
	rc = db_prepare(d, &s,
			"SELECT failed_logins, last_failed_at, locked_until FROM login_names"
			" WHERE name_key = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, key);
	rc = db_step(s);
	if (rc == DB_ROW) {
		*failed = (int)db_column_int64(s, 0);
		*last_failed_at = db_column_int64(s, 1);
		*locked_until = db_column_int64(s, 2);
	}
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int login_name_claim(db *d, const char *key, int old_failed, int64_t old_last, int64_t old_locked,
		     int new_failed, int64_t at, int64_t new_locked)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	/* made, or changed only if it still holds what was read */
	rc = db_prepare(d, &s,
			"INSERT INTO login_names (name_key, failed_logins, last_failed_at, locked_until)"
			" VALUES (?, ?, ?, CASE WHEN ? = 0 THEN NULL ELSE ? END)"
			" ON CONFLICT (name_key) DO UPDATE SET failed_logins = excluded.failed_logins,"
			" last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until"
			" WHERE login_names.failed_logins = ? AND login_names.last_failed_at = ?"
			" AND COALESCE(login_names.locked_until, 0) = ?");
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, key);
	db_bind_int64(s, 2, new_failed);
	db_bind_int64(s, 3, at);
	db_bind_int64(s, 4, new_locked);
	db_bind_int64(s, 5, new_locked);
	db_bind_int64(s, 6, old_failed);
	db_bind_int64(s, 7, old_last);
	db_bind_int64(s, 8, old_locked);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}

int login_name_purge(db *d, int64_t before)
{
	return db_run(d,
		      "DELETE FROM login_names WHERE last_failed_at < ?"
		      " AND (locked_until IS NULL OR locked_until < ?)",
		      "ii", before, before);
}
