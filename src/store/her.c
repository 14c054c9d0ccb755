/*
 * store/her — her app's enrolments, codes, phones and sessions (see her.h).
 */
#include "store/her.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypt.h"
#include "core/her.h"
#include "store/each.h"
#include "store/sealed.h"

int64_t her_enrol(db *d, int64_t case_id, int64_t device_id, int64_t assignment_id,
		  const char *app_name, int64_t by)
{
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO her_enrolments (case_id, device_id, assignment_id,"
			      " app_name, enrolled_by, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)"
			      " RETURNING id",
			      "iiitii", case_id, device_id, assignment_id, app_name, by,
			      clock_now_ms());

	return rc < 0 ? rc : id;
}

#define ENROL_COLS \
	"e.id, e.case_id, e.device_id, e.assignment_id, e.enrolled_by, e.enrolled_at," \
	" e.revoked_at, e.app_name, dv.uid, u.username FROM her_enrolments e" \
	" JOIN devices dv ON dv.id = e.device_id JOIN users u ON u.id = e.enrolled_by"

static void enrol_row(db_stmt *s, void *out)
{
	struct her_enrolment *o = out;

	memset(o, 0, sizeof *o);
	o->id = db_column_int64(s, 0);
	o->case_id = db_column_int64(s, 1);
	o->device_id = db_column_int64(s, 2);
	o->assignment_id = db_column_int64(s, 3);
	o->enrolled_by = db_column_int64(s, 4);
	o->enrolled_at = db_column_int64(s, 5);
	o->revoked_at = db_column_is_null(s, 6) ? 0 : db_column_int64(s, 6);
	snprintf(o->app_name, sizeof o->app_name, "%s", db_column_text(s, 7));
	snprintf(o->device_uid, sizeof o->device_uid, "%s", db_column_text(s, 8));
	snprintf(o->enrolled_by_name, sizeof o->enrolled_by_name, "%s", db_column_text(s, 9));
}

int her_enrolment_current(db *d, int64_t case_id, struct her_enrolment *out)
{
	return db_one(d, enrol_row, out,
		      "SELECT " ENROL_COLS " WHERE e.case_id = ? AND e.revoked_at IS NULL"
		      " ORDER BY e.id DESC LIMIT 1",
		      "i", case_id);
}

int her_enrolment_revoke(db *d, int64_t id, int64_t by, int64_t now)
{
	int rc = db_run(d, "UPDATE her_enrolments SET revoked_at = ?, revoked_by = ? WHERE id = ?",
			"iii", now, by, id);

	if (rc >= 0)
		rc = db_run(d,
			    "UPDATE her_devices SET revoked_at = ? WHERE enrolment_id = ?"
			    " AND revoked_at IS NULL",
			    "ii", now, id);
	if (rc >= 0)
		rc = db_run(d,
			    "DELETE FROM her_sessions WHERE her_device_id IN"
			    " (SELECT id FROM her_devices WHERE enrolment_id = ?)",
			    "i", id);
	return rc;
}

int her_enrolment_by_phone(db *d, const char *phone, struct her_enrolment *out)
{
	char match[CRYPT_KEYS_MAX][CRYPT_MATCH_LEN];
	int nm, rc = 0;

	/* under each key: a rotation may be half done */
	nm = sealed_match_all(d, "phone", phone, match, CRYPT_KEYS_MAX);
	if (nm < 0)
		return nm;
	for (int m = 0; m < nm && rc == 0; m++)
		rc = db_one(d, enrol_row, out,
			    "SELECT " ENROL_COLS " WHERE e.revoked_at IS NULL AND EXISTS (SELECT 1"
			    " FROM case_people cp JOIN person_identifiers i"
			    " ON i.person_id = cp.person_id WHERE cp.case_id = e.case_id"
			    " AND cp.role = 'victim' AND i.kind = 'phone' AND i.match_key = ?)"
			    " ORDER BY e.id DESC LIMIT 1",
			    "t", match[m]);
	return rc;
}

int her_code_add(db *d, int64_t enrolment_id, const char *digest, int64_t now, int64_t expires)
{
	return db_run(d,
		      "INSERT INTO her_codes (enrolment_id, digest, sent_at, expires_at)"
		      " VALUES (?, ?, ?, ?)",
		      "itii", enrolment_id, digest, now, expires);
}

int her_codes_since(db *d, int64_t enrolment_id, int64_t since)
{
	int64_t n = 0;
	int rc = db_get_int64(d, &n,
			      "SELECT COUNT(*) FROM her_codes WHERE enrolment_id = ?"
			      " AND sent_at > ?",
			      "ii", enrolment_id, since);

	return rc < 0 ? rc : (int)n;
}

/* The latest code of an enrolment, as her_code_check() weighs it. */
struct her_code {
	int64_t id, expires, attempts;
	bool used;
	char stored[SECRET_DIGEST_LEN];
};

static void code_row(db_stmt *s, void *out)
{
	struct her_code *c = out;

	c->id = db_column_int64(s, 0);
	snprintf(c->stored, sizeof c->stored, "%s", db_column_text(s, 1));
	c->expires = db_column_int64(s, 2);
	c->attempts = db_column_int64(s, 3);
	c->used = !db_column_is_null(s, 4);
}

int her_code_check(db *d, int64_t enrolment_id, const char *digest, int64_t now, int max_attempts)
{
	struct her_code c = { .id = 0 };
	int64_t attempts = 0;
	int rc;

	rc = db_one(d, code_row, &c,
		    "SELECT id, digest, expires_at, attempts, used_at FROM her_codes"
		    " WHERE enrolment_id = ? ORDER BY id DESC LIMIT 1",
		    "i", enrolment_id);
	if (rc < 0)
		return rc;
	if (!c.id || c.used || now > c.expires)
		return 0;
	if (c.attempts >= max_attempts)
		return 2;
	/* the try is counted before the code is compared, by one statement
	 * that only a try within the allowance passes: tries at the same moment
	 * (PostgreSQL's write transactions are read committed) cannot all pass
	 * the check above on the same count */
	rc = db_get_int64(d, &attempts,
			  "UPDATE her_codes SET attempts = attempts + 1 WHERE id = ?"
			  " AND attempts < ? RETURNING attempts",
			  "ii", c.id, (int64_t)max_attempts);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return 2;
	if (secret_equal(c.stored, digest)) {
		/* used once: of two right tries at the same moment, one */
		rc = db_write(d,
			      "UPDATE her_codes SET used_at = ? WHERE id = ? AND used_at IS NULL",
			      "ii", now, c.id);
		return rc < 0 ? rc : rc > 0;
	}
	return attempts >= max_attempts ? 2 : 0;
}

int64_t her_device_add(db *d, int64_t enrolment_id, const char *digest, const char *pin_hash,
		       int64_t now)
{
	int64_t id = 0;
	int rc = db_get_int64(d, &id,
			      "INSERT INTO her_devices (enrolment_id, digest, pin_hash, created_at)"
			      " VALUES (?, ?, ?, ?) RETURNING id",
			      "itti", enrolment_id, digest, pin_hash, now);

	return rc < 0 ? rc : id;
}

#define DEVICE_COLS \
	"h.id, h.enrolment_id, e.case_id, e.device_id, COALESCE(h.revoked_at, e.revoked_at)," \
	" h.failed_pins, h.pin_hash, dv.uid, e.app_name FROM her_devices h" \
	" JOIN her_enrolments e ON e.id = h.enrolment_id JOIN devices dv ON dv.id = e.device_id"

static void device_row(db_stmt *s, void *out)
{
	struct her_device *o = out;

	memset(o, 0, sizeof *o);
	o->id = db_column_int64(s, 0);
	o->enrolment_id = db_column_int64(s, 1);
	o->case_id = db_column_int64(s, 2);
	o->device_id = db_column_int64(s, 3);
	o->revoked_at = db_column_is_null(s, 4) ? 0 : db_column_int64(s, 4);
	o->failed_pins = (int)db_column_int64(s, 5);
	snprintf(o->pin_hash, sizeof o->pin_hash, "%s", db_column_text(s, 6));
	snprintf(o->device_uid, sizeof o->device_uid, "%s", db_column_text(s, 7));
	snprintf(o->app_name, sizeof o->app_name, "%s", db_column_text(s, 8));
}

int her_device_get(db *d, const char *digest, struct her_device *out)
{
	return db_one(d, device_row, out, "SELECT " DEVICE_COLS " WHERE h.digest = ?", "t", digest);
}

int her_device_pin_failed(db *d, int64_t id, int max, int64_t now)
{
	int rc = db_run(d, "UPDATE her_devices SET failed_pins = failed_pins + 1 WHERE id = ?", "i", id);
	int64_t n = 0;

	if (rc < 0)
		return rc;
	rc = db_get_int64(d, &n, "SELECT failed_pins FROM her_devices WHERE id = ?", "i", id);
	if (rc < 0)
		return rc;
	if (n >= max) {
		rc = db_run(d, "UPDATE her_devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
			    "ii", now, id);
		if (rc >= 0)
			rc = db_run(d, "DELETE FROM her_sessions WHERE her_device_id = ?", "i", id);
		if (rc < 0)
			return rc;
	}
	return (int)n;
}

int her_device_pin_ok(db *d, int64_t id)
{
	return db_run(d, "UPDATE her_devices SET failed_pins = 0 WHERE id = ?", "i", id);
}

int her_session_add(db *d, const char *digest, int64_t her_device_id, int64_t now,
		    int64_t expires)
{
	return db_run(d,
		      "INSERT INTO her_sessions (digest, her_device_id, created_at, expires_at)"
		      " VALUES (?, ?, ?, ?)",
		      "tiii", digest, her_device_id, now, expires);
}

int her_session_get(db *d, const char *digest, int64_t now, int64_t idle, struct her_device *out)
{
	int rc = db_one(d, device_row, out,
			"SELECT " DEVICE_COLS " JOIN her_sessions x ON x.her_device_id = h.id"
			" WHERE x.digest = ? AND x.expires_at > ?",
			"ti", digest, now);

	if (rc == 1 && out->revoked_at)
		rc = 0;
	if (rc == 1)
		rc = db_run(d, "UPDATE her_sessions SET expires_at = ? WHERE digest = ?", "it",
			    now + idle, digest) < 0 ? DB_ERROR : 1;
	return rc;
}

int her_session_end(db *d, const char *digest)
{
	return db_run(d, "DELETE FROM her_sessions WHERE digest = ?", "t", digest);
}

static void her_alert_row(db_stmt *s, void *out)
{
	*(struct her_alert *)out = (struct her_alert){
		.id = db_column_int64(s, 0),
		.kind = db_column_text(s, 1),
		.state = db_column_text(s, 2),
		.opened_at = db_column_int64(s, 3),
		.acknowledged_at = db_column_is_null(s, 4) ? 0 : db_column_int64(s, 4),
		.dispatched_at = db_column_is_null(s, 5) ? 0 : db_column_int64(s, 5),
		.resolved_at = db_column_is_null(s, 6) ? 0 : db_column_int64(s, 6),
		.warning_state = db_column_is_null(s, 7) ? NULL : db_column_text(s, 7),
	};
}

STORE_EACH(her_alert_each, struct her_alert, her_alert_row);

int her_alerts_each(db *d, int64_t case_id, int limit,
		    int (*fn)(const struct her_alert *a, void *arg), void *arg)
{
	struct her_alert_each c = { fn, arg, 0 };

	return db_each(d, her_alert_each_row, &c,
		       "SELECT a.id, a.kind, a.state, a.opened_at, a.acknowledged_at,"
		       " a.dispatched_at, a.resolved_at, m.state FROM alerts a"
		       " LEFT JOIN victim_messages m"
		       " ON m.alert_id = a.id AND m.repeat_no = 0 WHERE a.case_id = ? AND"
		       " (a.kind = 'panic' OR (a.kind IN ('zone_entry', 'proximity',"
		       " 'lost_signal_near_zone') AND m.id IS NOT NULL))"
		       " ORDER BY a.opened_at DESC, a.id DESC LIMIT ?",
		       "ii", case_id, (int64_t)limit);
}

int her_push_add(db *d, int64_t her_device_id, const char *endpoint, int64_t now)
{
	return db_run(d,
		      "INSERT INTO her_push (her_device_id, endpoint, created_at) VALUES (?, ?, ?)"
		      " ON CONFLICT (her_device_id, endpoint) DO NOTHING",
		      "iti", her_device_id, endpoint, now);
}

struct her_push_ctx {
	int (*fn)(int64_t id, const char *endpoint, void *arg);
	void *arg;
};

static int her_push_one(db_stmt *s, void *arg)
{
	struct her_push_ctx *c = arg;

	return c->fn(db_column_int64(s, 0), db_column_text(s, 1), c->arg);
}

int her_push_each(db *d, int64_t case_id, int (*fn)(int64_t id, const char *endpoint, void *arg),
		  void *arg)
{
	struct her_push_ctx c = { fn, arg };

	return db_each(d, her_push_one, &c,
		       "SELECT p.id, p.endpoint FROM her_push p JOIN her_devices h"
		       " ON h.id = p.her_device_id JOIN her_enrolments e ON e.id = h.enrolment_id"
		       " WHERE e.case_id = ? AND h.revoked_at IS NULL AND e.revoked_at IS NULL"
		       " ORDER BY p.id",
		       "i", case_id);
}

int her_push_remove(db *d, int64_t id)
{
	return db_run(d, "DELETE FROM her_push WHERE id = ?", "i", id);
}

static int her_part_one(db_stmt *s, void *arg)
{
	unsigned *bits = arg;

	for (int p = 0; p < HER_PARTS; p++)
		if (!strcmp(db_column_text(s, 0), her_part_name((enum her_part)p)))
			*bits |= 1u << p;
	return 0;
}

int her_released(db *d, int64_t case_id, unsigned *bits)
{
	*bits = 0;
	return db_each(d, her_part_one, bits, "SELECT part FROM her_releases WHERE case_id = ?",
		       "i", case_id);
}

int her_release_set(db *d, int64_t case_id, const char *part, bool on, int64_t by)
{
	if (!on)
		return db_run(d, "DELETE FROM her_releases WHERE case_id = ? AND part = ?", "it", case_id,
			      part);
	return db_run(d,
		      "INSERT INTO her_releases (case_id, part, released_by, released_at)"
		      " VALUES (?, ?, ?, ?) ON CONFLICT (case_id, part) DO NOTHING",
		      "itii", case_id, part, by, clock_now_ms());
}

struct her_devices_ctx {
	int (*fn)(int64_t id, int64_t created_at, int64_t revoked_at, void *arg);
	void *arg;
};

static int her_device_one(db_stmt *s, void *arg)
{
	struct her_devices_ctx *c = arg;

	return c->fn(db_column_int64(s, 0), db_column_int64(s, 1),
		     db_column_is_null(s, 2) ? 0 : db_column_int64(s, 2), c->arg);
}

int her_devices_each(db *d, int64_t enrolment_id,
		     int (*fn)(int64_t id, int64_t created_at, int64_t revoked_at, void *arg),
		     void *arg)
{
	struct her_devices_ctx c = { fn, arg };

	return db_each(d, her_device_one, &c,
		       "SELECT id, created_at, revoked_at FROM her_devices WHERE enrolment_id = ?"
		       " ORDER BY id",
		       "i", enrolment_id);
}

int her_device_revoke(db *d, int64_t enrolment_id, int64_t id, int64_t now)
{
	int n = db_write(d,
			 "UPDATE her_devices SET revoked_at = ? WHERE id = ? AND enrolment_id = ?"
			 " AND revoked_at IS NULL",
			 "iii", now, id, enrolment_id);
	int rc = n;

	if (n > 0)
		rc = db_run(d, "DELETE FROM her_sessions WHERE her_device_id = ?", "i", id);
	return rc < 0 ? rc : n > 0;
}
