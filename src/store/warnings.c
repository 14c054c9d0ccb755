/*
 * store/warnings — her number, her code word and her messages' delivery
 * (see warnings.h).  Nothing here writes her number anywhere: it is read,
 * opened, and handed to the notifier for the one request that needs it.
 */
#include "store/warnings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/monitor.h"
#include "store/people.h"
#include "store/sealed.h"

struct victims {
	int64_t ids[8];
	int n;
};

static int add_victim(const struct person_row *p, void *arg)
{
	struct victims *v = arg;

	if (!strcmp(p->role, "victim") && v->n < 8)
		v->ids[v->n++] = p->id;
	return 0;
}

struct phone {
	char *out;
	size_t outlen;
	bool found;
};

static int first_phone(const char *kind, const char *value, void *arg)
{
	struct phone *ph = arg;

	if (strcmp(kind, "phone") != 0 || strlen(value) >= ph->outlen)
		return 0;
	snprintf(ph->out, ph->outlen, "%s", value);
	ph->found = true;
	return 1; /* stop */
}

int warning_phone(db *d, int64_t case_id, char *out, size_t outlen)
{
	struct victims v = { .n = 0 };
	struct phone ph = { out, outlen, false };
	int rc;

	rc = case_people_each(d, case_id, add_victim, &v);
	for (int i = 0; rc >= 0 && i < v.n && !ph.found; i++)
		rc = person_identifiers_each(d, v.ids[i], true, first_phone, &ph);
	if (rc < 0)
		return rc;
	return ph.found ? 1 : 0;
}

int warning_word_get(db *d, int64_t case_id, char **word, int64_t *version)
{
	db_stmt *s;
	int rc;

	*word = NULL;
	if (version)
		*version = 0;
	rc = db_prepare(d, &s, "SELECT id, code_word, version FROM case_warning_words WHERE case_id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	rc = db_step(s);
	if (rc == DB_ROW) {
		char ad[SEALED_AD_MAX];

		if (version)
			*version = db_column_int64(s, 2);
		sealed_ad(ad, "case_warning_words.code_word", db_column_int64(s, 0));
		rc = db_column_is_null(s, 1) ? 0 : sealed_get(d, ad, db_column_text(s, 1), word);
		if (rc >= 0)
			rc = *word ? 1 : 0;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_finalize(s);
	return rc;
}

int warning_word_set(db *d, int64_t case_id, const char *word, int64_t by)
{
	int64_t id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO case_warning_words (case_id, code_word, updated_at, updated_by)"
			" VALUES (?, NULL, ?, ?) ON CONFLICT (case_id) DO UPDATE SET code_word = NULL,"
			" updated_at = excluded.updated_at, updated_by = excluded.updated_by,"
			" version = case_warning_words.version + 1 RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, clock_now_ms());
	db_bind_int64(s, 3, by);
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc < 0)
		return rc;
	return sealed_update(d, "case_warning_words", "code_word", id, word);
}

int warning_message_set(db *d, int64_t alert_id, int repeat, const char *provider,
			const char *state, const char *reference, const char *detail)
{
	int64_t now = clock_now_ms();

	/* the reference, once known, stays (a later state need not repeat it) */
	return db_run(d,
		      "INSERT INTO victim_messages (alert_id, repeat_no, provider, reference, state,"
		      " detail, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
		      " ON CONFLICT (alert_id, repeat_no) DO UPDATE SET provider = excluded.provider,"
		      " reference = COALESCE(excluded.reference, victim_messages.reference),"
		      " state = excluded.state, detail = excluded.detail,"
		      " updated_at = excluded.updated_at",
		      "iittttii", alert_id, (int64_t)repeat, provider, reference, state, detail, now,
		      now);
}

#define MESSAGE_COLS \
	"alert_id, repeat_no, provider, reference, state, detail, escalated, created_at, updated_at"

static int each(db_stmt *s, int (*fn)(const struct warning_message *m, void *arg), void *arg)
{
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		struct warning_message m = {
			.alert_id = db_column_int64(s, 0),
			.repeat = (int)db_column_int64(s, 1),
			.provider = db_column_text(s, 2),
			.reference = db_column_is_null(s, 3) ? NULL : db_column_text(s, 3),
			.state = db_column_text(s, 4),
			.detail = db_column_is_null(s, 5) ? NULL : db_column_text(s, 5),
			.escalated = db_column_int64(s, 6) != 0,
			.created_at = db_column_int64(s, 7),
			.updated_at = db_column_int64(s, 8),
		};
		if (fn(&m, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int warning_message_each(db *d, int64_t alert_id,
			 int (*fn)(const struct warning_message *m, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT " MESSAGE_COLS " FROM victim_messages WHERE alert_id = ? ORDER BY repeat_no");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, alert_id);
	return each(s, fn, arg);
}

int warning_awaiting_each(db *d, int64_t since,
			  int (*fn)(const struct warning_message *m, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT " MESSAGE_COLS " FROM victim_messages WHERE provider = 'notify'"
			" AND state = 'sent' AND reference IS NOT NULL AND created_at >= ? ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, since);
	return each(s, fn, arg);
}

int warning_escalate(db *d, int64_t alert_id, int repeat, int64_t now)
{
	db_stmt *s;
	int64_t changed = 0;
	int rc;

	rc = db_begin_write(d);
	if (rc < 0)
		return rc;
	rc = db_prepare(d, &s,
			"UPDATE victim_messages SET escalated = 1 WHERE alert_id = ? AND repeat_no = ?"
			" AND escalated = 0");
	if (rc >= 0) {
		db_bind_int64(s, 1, alert_id);
		db_bind_int64(s, 2, repeat);
		rc = db_step(s);
		changed = db_changes(s);
		db_finalize(s);
	}
	if (rc >= 0 && changed > 0) {
		/* as an alert not acknowledged in time is: no new version (the
		 * operator's acknowledge, in flight, still applies) */
		rc = db_run(d, "UPDATE alerts SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL",
			    "ii", now, alert_id);
		if (rc >= 0 && alert_event_add(d, alert_id, "victim_unreached") < 0)
			rc = DB_ERROR;
		if (rc >= 0)
			rc = alert_events_announce(d);
	}
	if (rc < 0) {
		db_rollback(d);
		return rc;
	}
	rc = db_commit(d);
	return rc < 0 ? rc : changed > 0;
}
