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
#include "store/each.h"
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

/* The code word's row read for warning_word_get(): its version, and the
 * word opened (what sealed_get() answered in rc). */
struct word_read {
	db *d;
	char **word;
	int64_t *version;
	int rc;
};

static void word_row(db_stmt *s, void *out)
{
	struct word_read *w = out;
	char ad[SEALED_AD_MAX];

	if (w->version)
		*w->version = db_column_int64(s, 2);
	sealed_ad(ad, "case_warning_words.code_word", db_column_int64(s, 0));
	w->rc = db_column_is_null(s, 1) ? 0 : sealed_get(w->d, ad, db_column_text(s, 1), w->word);
}

int warning_word_get(db *d, int64_t case_id, char **word, int64_t *version)
{
	struct word_read w = { d, word, version, 0 };
	int rc;

	*word = NULL;
	if (version)
		*version = 0;
	rc = db_one(d, word_row, &w,
		    "SELECT id, code_word, version FROM case_warning_words WHERE case_id = ?", "i",
		    case_id);
	if (rc == 1)
		rc = w.rc < 0 ? w.rc : *word ? 1 : 0;
	return rc;
}

int warning_word_set(db *d, int64_t case_id, const char *word, int64_t by)
{
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO case_warning_words (case_id, code_word, updated_at,"
			  " updated_by) VALUES (?, NULL, ?, ?) ON CONFLICT (case_id)"
			  " DO UPDATE SET code_word = NULL,"
			  " updated_at = excluded.updated_at, updated_by = excluded.updated_by,"
			  " version = case_warning_words.version + 1 RETURNING id",
			  "iii", case_id, clock_now_ms(), by);
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

static void message_row(db_stmt *s, void *out)
{
	struct warning_message *m = out;

	m->alert_id = db_column_int64(s, 0);
	m->repeat = (int)db_column_int64(s, 1);
	m->provider = db_column_text(s, 2);
	m->reference = db_column_is_null(s, 3) ? NULL : db_column_text(s, 3);
	m->state = db_column_text(s, 4);
	m->detail = db_column_is_null(s, 5) ? NULL : db_column_text(s, 5);
	m->escalated = db_column_int64(s, 6) != 0;
	m->created_at = db_column_int64(s, 7);
	m->updated_at = db_column_int64(s, 8);
}

STORE_EACH(message_each, struct warning_message, message_row);

int warning_message_each(db *d, int64_t alert_id,
			 int (*fn)(const struct warning_message *m, void *arg), void *arg)
{
	struct message_each c = { fn, arg, 0 };

	return db_each(d, message_each_row, &c,
		       "SELECT " MESSAGE_COLS " FROM victim_messages WHERE alert_id = ?"
		       " ORDER BY repeat_no",
		       "i", alert_id);
}

int warning_awaiting_each(db *d, int64_t since,
			  int (*fn)(const struct warning_message *m, void *arg), void *arg)
{
	struct message_each c = { fn, arg, 0 };

	return db_each(d, message_each_row, &c,
		       "SELECT " MESSAGE_COLS " FROM victim_messages WHERE provider = 'notify'"
		       " AND state = 'sent' AND reference IS NOT NULL AND created_at >= ?"
		       " ORDER BY id",
		       "i", since);
}

int warning_escalate(db *d, int64_t alert_id, int repeat, int64_t now)
{
	int64_t changed = 0;
	int rc;

	rc = db_begin_write(d);
	if (rc < 0)
		return rc;
	rc = db_write(d,
		      "UPDATE victim_messages SET escalated = 1 WHERE alert_id = ?"
		      " AND repeat_no = ? AND escalated = 0",
		      "ii", alert_id, (int64_t)repeat);
	changed = rc > 0 ? rc : 0;
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
