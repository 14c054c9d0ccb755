/*
 * store/orders — SQL for orders, conditions and breaches, the breach's
 * consequences, and the duty-to-notify sweep.
 */
#include "store/orders.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/each.h"
#include "store/incidents.h"
#include "store/sealed.h"
#include "store/tasks.h"

#define HOUR_MS (3600LL * 1000)

static int64_t column_len(db_stmt *s, int col)
{
	return db_column_is_null(s, col) ? -1 : db_column_int64(s, col);
}

int64_t order_insert(db *d, const struct order_row *o, int64_t by)
{
	int64_t now = clock_now_ms(), id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO orders (case_id, kind, status, reference, court, applied_at,"
			  " granted_at, served_at, starts_at, ends_at, until_further_order,"
			  " notify_deadline, notified_at, notes, created_by, created_at, updated_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "ittttIIIIIiIItiii", o->case_id, o->kind, o->status, o->reference,
			  o->court, o->applied_at, o->granted_at, o->served_at, o->starts_at,
			  o->ends_at, (int64_t)o->until_further_order, o->notify_deadline,
			  o->notified_at, o->notes, by, now, now);
	return rc < 0 ? rc : id;
}

int order_update(db *d, const struct order_row *o, int64_t expected_version)
{
	int rc;

	rc = db_write(d,
		      "UPDATE orders SET kind = ?, status = ?, reference = ?, court = ?,"
		      " applied_at = ?, granted_at = ?, served_at = ?, starts_at = ?, ends_at = ?,"
		      " until_further_order = ?, notify_deadline = ?, notified_at = ?, notes = ?,"
		      " updated_at = ?, version = version + 1"
		      " WHERE id = ? AND case_id = ? AND version = ?",
		      "ttttIIIIIiIItiiii", o->kind, o->status, o->reference, o->court,
		      o->applied_at, o->granted_at, o->served_at, o->starts_at, o->ends_at,
		      (int64_t)o->until_further_order, o->notify_deadline, o->notified_at,
		      o->notes, clock_now_ms(), o->id, o->case_id, expected_version);
	return rc < 0 ? rc : rc > 0;
}

#define ORDER_SELECT                                                                       \
	"SELECT o.id, o.case_id, o.kind, o.status, o.reference, o.court, o.notes,"         \
	" o.applied_at, o.granted_at, o.served_at, o.starts_at, o.ends_at,"                \
	" o.until_further_order, o.notify_deadline, o.notified_at, u.username,"            \
	" o.created_at, o.updated_at, o.version FROM orders o JOIN users u ON u.id = o.created_by"

static void order_read(db_stmt *s, void *out)
{
	struct order_row *o = out;

	o->id = db_column_int64(s, 0);
	o->case_id = db_column_int64(s, 1);
	o->kind = db_column_text(s, 2);
	o->status = db_column_text(s, 3);
	o->reference = db_column_text(s, 4);
	o->court = db_column_text(s, 5);
	o->notes = db_column_text(s, 6);
	o->applied_at = db_column_int64(s, 7);
	o->granted_at = db_column_int64(s, 8);
	o->served_at = db_column_int64(s, 9);
	o->starts_at = db_column_int64(s, 10);
	o->ends_at = db_column_int64(s, 11);
	o->until_further_order = db_column_int64(s, 12) != 0;
	o->notify_deadline = db_column_int64(s, 13);
	o->notified_at = db_column_int64(s, 14);
	o->created_by = db_column_text(s, 15);
	o->created_at = db_column_int64(s, 16);
	o->updated_at = db_column_int64(s, 17);
	o->version = db_column_int64(s, 18);
}

/* An _each or _get caller's fn and arg, for db_each, and the rows found. */
STORE_EACH(order_each, struct order_row, order_read);

int order_get(db *d, int64_t case_id, int64_t id,
	      int (*fn)(const struct order_row *o, void *arg), void *arg)
{
	struct order_each c = { fn, arg, 0 };
	int rc;

	rc = db_each(d, order_each_row, &c, ORDER_SELECT " WHERE o.case_id = ? AND o.id = ?", "ii",
		     case_id, id);
	return rc < 0 ? rc : c.n > 0;
}

int orders_each(db *d, int64_t case_id, int (*fn)(const struct order_row *o, void *arg),
		void *arg)
{
	struct order_each c = { fn, arg, 0 };

	return db_each(d, order_each_row, &c,
		       ORDER_SELECT " WHERE o.case_id = ? ORDER BY o.id DESC", "i", case_id);
}

int64_t order_condition_insert(db *d, const struct order_condition_row *c)
{
	int64_t id = 0;
	int rc;

	/* the detail (a street she must be kept away from) and the zone (drawn
	 * round her home) are sealed with the row's id, known once stored; a
	 * length of -1 (absent) is NULL */
	rc = db_get_int64(d, &id,
			  "INSERT INTO order_conditions (order_id, kind, detail, zone, radius_m,"
			  " warning_m, distance_m, starts_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
			  " RETURNING id",
			  "itnnNNNII", c->order_id, c->kind, (int64_t)c->radius_m,
			  (int64_t)c->warning_m, (int64_t)c->distance_m, c->starts_at, c->ends_at);
	if (rc >= 0)
		rc = sealed_update(d, "order_conditions", "detail", id, c->detail);
	if (rc >= 0)
		rc = sealed_update(d, "order_conditions", "zone", id, c->zone);
	return rc < 0 ? rc : id;
}

int order_conditions_clear(db *d, int64_t order_id)
{
	return db_run(d, "DELETE FROM order_conditions WHERE order_id = ?", "i", order_id);
}

/* An order_conditions_each caller's fn and arg, for db_each, and the first
 * failure to open a sealed value (which stops the rows). */
struct condition_ctx {
	db *d;
	int (*fn)(const struct order_condition_row *c, void *arg);
	void *arg;
	int rc;
};

static int condition_call(db_stmt *s, void *arg)
{
	struct condition_ctx *x = arg;
	struct order_condition_row c;
	char ad[SEALED_AD_MAX], *detail = NULL, *zone = NULL;
	int rc, stop;

	c.id = db_column_int64(s, 0);
	c.order_id = db_column_int64(s, 1);
	c.kind = db_column_text(s, 2);
	sealed_ad(ad, "order_conditions.detail", c.id);
	rc = sealed_get(x->d, ad, db_column_text(s, 3), &detail);
	sealed_ad(ad, "order_conditions.zone", c.id);
	if (rc >= 0)
		rc = sealed_get(x->d, ad, db_column_text(s, 4), &zone);
	if (rc < 0) {
		free(detail);
		x->rc = rc;
		return 1;
	}
	c.detail = detail;
	c.zone = zone;
	c.radius_m = column_len(s, 5);
	c.warning_m = column_len(s, 6);
	c.distance_m = column_len(s, 7);
	c.starts_at = db_column_int64(s, 8);
	c.ends_at = db_column_int64(s, 9);
	stop = x->fn(&c, x->arg);
	free(detail);
	free(zone);
	return stop;
}

int order_conditions_each(db *d, int64_t order_id,
			  int (*fn)(const struct order_condition_row *c, void *arg), void *arg)
{
	struct condition_ctx x = { d, fn, arg, 0 };
	int rc;

	rc = db_each(d, condition_call, &x,
		     "SELECT id, order_id, kind, detail, zone, radius_m, warning_m, distance_m,"
		     " starts_at, ends_at FROM order_conditions WHERE order_id = ? ORDER BY id",
		     "i", order_id);
	return rc < 0 ? rc : x.rc;
}

/* ---- breaches ------------------------------------------------------------------ */

int64_t breach_record(db *d, const struct breach_new *b)
{
	struct incident e = { 0 };
	struct case_task_new t = { 0 };
	char *desc = NULL, key[40], detail[200];
	int64_t id = 0, now = clock_now_ms();
	int rc;

	/* the linked incident, in the case's hash-chained log */
	desc = xasprintf("Breach of order %lld: %s", (long long)b->order_id, b->description);
	e.case_id = b->case_id;
	e.recorded_by = b->by;
	e.recorded_by_name = b->by_name;
	e.occurred_at = b->occurred_at;
	e.behaviour = "breach_of_order";
	e.description = desc;
	rc = incident_append(d, &e);
	if (rc < 0)
		goto out;
	rc = db_get_int64(d, &id,
			  "INSERT INTO breaches (case_id, order_id, occurred_at, description, evidence,"
			  " alert_id, incident_id, recorded_by, recorded_at, updated_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "iiittIiiii", b->case_id, b->order_id, b->occurred_at, b->description,
			  b->evidence, b->alert_id, e.id, b->by, now, now);
	if (rc < 0)
		goto out;
	/* a breach is a crime to record: the standard gives 24 hours */
	snprintf(key, sizeof key, "crime:%lld", (long long)id);
	snprintf(detail, sizeof detail, "record breach %lld of order %lld as a crime (incident %lld)",
		 (long long)id, (long long)b->order_id, (long long)e.seq);
	t.case_id = b->case_id;
	t.kind = "crime_record";
	t.detail = detail;
	t.event_at = b->occurred_at;
	t.due_at = now + 24 * HOUR_MS;
	t.order_id = b->order_id;
	t.breach_id = id;
	t.dedupe = key;
	t.opened_by = b->by;
	rc = (int)case_task_open(d, &t);
	if (rc >= 0)
		rc = case_review_due_now(d, b->case_id);
	if (rc >= 0) {
		snprintf(detail, sizeof detail, "breach %lld of order %lld%s; review due now",
			 (long long)id, (long long)b->order_id,
			 b->alert_id ? ", confirmed from a monitoring alert" : "");
		rc = case_event_add(d, b->case_id, b->by, b->by_name, "breach", detail);
	}
	if (rc >= 0)
		rc = case_touch(d, b->case_id);
out:
	free(desc);
	return rc < 0 ? rc : id;
}

/* The order of the case in force at now that an alert most likely concerns:
 * the newest with an exclusion zone or a tag, else the newest.  0: none. */
static int64_t order_for_alert(db *d, int64_t case_id, int64_t now)
{
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "SELECT o.id FROM orders o WHERE o.case_id = ? AND o.status = 'granted'"
			  " AND o.kind <> 'pin_historic'"
			  " AND (o.starts_at IS NULL OR o.starts_at <= ?)"
			  " AND (o.ends_at IS NULL OR o.ends_at > ?)"
			  " ORDER BY CASE WHEN EXISTS (SELECT 1 FROM order_conditions oc"
			  "   WHERE oc.order_id = o.id AND oc.kind IN ('exclusion_zone', 'wear_tag'))"
			  "   THEN 0 ELSE 1 END, o.granted_at DESC, o.id DESC LIMIT 1",
			  "iii", case_id, now, now);
	return rc < 0 ? rc : id;
}

/* What breach_record_from_alert() reads: who confirmed it, and the alert's
 * fix time, opening time and device. */
struct alert_facts {
	char name[65];
	char uid[80];
	int64_t at, opened;
};

static void alert_user_row(db_stmt *s, void *out)
{
	struct alert_facts *f = out;

	snprintf(f->name, sizeof f->name, "%s", db_column_text(s, 0));
}

static void alert_fix_row(db_stmt *s, void *out)
{
	struct alert_facts *f = out;

	f->at = db_column_int64(s, 0);
	f->opened = db_column_int64(s, 1);
	snprintf(f->uid, sizeof f->uid, "%s", db_column_text(s, 2) ? db_column_text(s, 2) : "");
}

int breach_record_from_alert(db *d, int64_t case_id, int64_t alert_id, const char *note,
			     int64_t by)
{
	struct breach_new b = { 0 };
	struct alert_facts f = { "", "", 0, 0 };
	char when[40], *evidence;
	json_t *ev;
	int64_t order, id, at;
	char *desc;
	int rc;

	rc = db_exists(d, "SELECT 1 FROM breaches WHERE alert_id = ?", "i", alert_id);
	if (rc != 0)
		return rc; /* negative, or 1: it exists */
	rc = db_one(d, alert_user_row, &f, "SELECT username FROM users WHERE id = ?", "i", by);
	if (rc < 0)
		return rc;
	if (!f.name[0])
		return DB_CONSTRAINT; /* by must be an account */
	/* the breach happened when the fix that entered was taken, not when the
	 * desk resolved the alert: cite that fix */
	rc = db_one(d, alert_fix_row, &f,
		    "SELECT a.fix_at, a.opened_at, dv.uid FROM alerts a"
		    " LEFT JOIN devices dv ON dv.id = a.device_id WHERE a.id = ? AND a.case_id = ?",
		    "ii", alert_id, case_id);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return DB_CONSTRAINT; /* no such alert on this case */
	at = f.at ? f.at : f.opened;
	order = order_for_alert(d, case_id, at);
	if (order < 0)
		return (int)order;
	if (order == 0)
		return BREACH_NO_ORDER;
	clock_format(at, when, sizeof when);
	ev = json_pack("{s:[], s:[I], s:{s:s, s:s, s:s}}", "incidents", "alerts", (json_int_t)alert_id,
		       "trail", "device", f.uid, "from", when, "to", when);
	evidence = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	desc = xasprintf("monitoring alert %lld resolved as a confirmed breach: the fix of %s at %s%s%s",
			 (long long)alert_id, f.uid[0] ? f.uid : "the device", when,
			 note && *note ? ": " : "", note && *note ? note : "");
	b.case_id = case_id;
	b.order_id = order;
	b.occurred_at = at;
	b.description = desc;
	b.evidence = evidence;
	b.alert_id = alert_id;
	b.by = by;
	b.by_name = f.name;
	id = breach_record(d, &b);
	free(desc);
	free(evidence);
	return id < 0 ? (int)id : 0;
}

#define BREACH_SELECT                                                                       \
	"SELECT b.id, b.case_id, b.order_id, b.occurred_at, b.description, b.evidence,"     \
	" b.alert_id, b.incident_id, i.seq, b.crime_reference, b.crime_recorded_at,"        \
	" b.outcome, u.username, b.recorded_at, b.updated_at, b.version FROM breaches b"    \
	" JOIN users u ON u.id = b.recorded_by JOIN incidents i ON i.id = b.incident_id"

static void breach_read(db_stmt *s, void *out)
{
	struct breach_row *b = out;

	b->id = db_column_int64(s, 0);
	b->case_id = db_column_int64(s, 1);
	b->order_id = db_column_int64(s, 2);
	b->occurred_at = db_column_int64(s, 3);
	b->description = db_column_text(s, 4);
	b->evidence = db_column_text(s, 5);
	b->alert_id = db_column_int64(s, 6);
	b->incident_id = db_column_int64(s, 7);
	b->incident_seq = db_column_int64(s, 8);
	b->crime_reference = db_column_text(s, 9);
	b->crime_recorded_at = db_column_int64(s, 10);
	b->outcome = db_column_text(s, 11);
	b->recorded_by = db_column_text(s, 12);
	b->recorded_at = db_column_int64(s, 13);
	b->updated_at = db_column_int64(s, 14);
	b->version = db_column_int64(s, 15);
}

/* A breaches_each or breach_get caller's fn and arg, for db_each, and the
 * rows found. */
STORE_EACH(breach_each, struct breach_row, breach_read);

int breaches_each(db *d, int64_t case_id, int64_t order_id,
		  int (*fn)(const struct breach_row *b, void *arg), void *arg)
{
	struct breach_each c = { fn, arg, 0 };

	return db_each(d, breach_each_row, &c,
		       BREACH_SELECT " WHERE b.case_id = ? AND (? = 0 OR b.order_id = ?)"
				     " ORDER BY b.id DESC",
		       "iii", case_id, order_id, order_id);
}

int breach_get(db *d, int64_t case_id, int64_t id,
	       int (*fn)(const struct breach_row *b, void *arg), void *arg)
{
	struct breach_each c = { fn, arg, 0 };
	int rc;

	rc = db_each(d, breach_each_row, &c, BREACH_SELECT " WHERE b.case_id = ? AND b.id = ?",
		     "ii", case_id, id);
	return rc < 0 ? rc : c.n > 0;
}

int breach_update(db *d, int64_t id, int64_t expected_version, const char *crime_reference,
		  const char *outcome)
{
	int64_t now = clock_now_ms();
	int rc;

	rc = db_write(d,
		      "UPDATE breaches SET"
		      " crime_recorded_at = CASE WHEN crime_reference IS NULL"
		      "   AND CAST(? AS TEXT) IS NOT NULL THEN ? ELSE crime_recorded_at END,"
		      " crime_reference = COALESCE(?, crime_reference),"
		      " outcome = COALESCE(?, outcome), updated_at = ?, version = version + 1"
		      " WHERE id = ? AND version = ?",
		      "tittiii", crime_reference, now, crime_reference, outcome, now, id,
		      expected_version);
	return rc < 0 ? rc : rc > 0;
}

/* ---- the duty to notify ------------------------------------------------------ */

int64_t order_duty_raise(db *d, int64_t case_id, int64_t order_id, int64_t deadline)
{
	struct case_task_new t = { 0 };
	char key[40], when[40], detail[300];
	int64_t id;
	int rc;

	snprintf(key, sizeof key, "duty:%lld", (long long)order_id);
	clock_format(deadline, when, sizeof when);
	snprintf(detail, sizeof detail,
		 "the subject of order %lld (a Stalking Protection Order) did not notify his name "
		 "and home address by %s, three days from service: follow up, and consider the "
		 "offence of failing to notify",
		 (long long)order_id, when);
	t.case_id = case_id;
	t.kind = "duty_to_notify";
	t.detail = detail;
	t.event_at = deadline;
	t.due_at = deadline;
	t.order_id = order_id;
	t.dedupe = key;
	id = case_task_open(d, &t);
	if (id > 0) {
		rc = case_event_add(d, case_id, 0, "vigil", "duty_to_notify_missed", detail);
		if (rc < 0)
			return rc;
	}
	return id;
}

struct due {
	int64_t order_id, case_id, deadline;
	char ref[24];
};

/* The orders due, read by due_call. */
struct dues {
	struct due *v;
	size_t n, cap;
};

static int due_call(db_stmt *s, void *arg)
{
	struct dues *u = arg;
	struct due *e;

	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 8;
		u->v = xrealloc(u->v, u->cap * sizeof *u->v);
	}
	e = &u->v[u->n++];
	e->order_id = db_column_int64(s, 0);
	e->case_id = db_column_int64(s, 1);
	e->deadline = db_column_int64(s, 2);
	snprintf(e->ref, sizeof e->ref, "%s", db_column_text(s, 3));
	return 0;
}

int order_duty_sweep(db *d, int64_t now, int *raised)
{
	struct dues u = { NULL, 0, 0 };
	struct due *v;
	size_t n;
	int rc;

	*raised = 0;
	/* read first, outside a write transaction: usually there is nothing */
	rc = db_each(d, due_call, &u,
		     "SELECT o.id, o.case_id, o.notify_deadline, c.ref FROM orders o"
		     " JOIN cases c ON c.id = o.case_id"
		     " WHERE o.status = 'granted' AND o.kind IN ('spo_interim', 'spo_full')"
		     " AND o.notify_deadline IS NOT NULL AND o.notify_deadline <= ?"
		     " AND o.notified_at IS NULL AND NOT EXISTS (SELECT 1 FROM case_tasks t"
		     "   WHERE t.order_id = o.id AND t.kind = 'duty_to_notify')"
		     " ORDER BY o.id LIMIT 1000",
		     "i", now);
	v = u.v;
	n = u.n;
	if (rc < 0 || n == 0)
		goto out;
	rc = db_begin_write(d);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct audit_entry e = { 0 };
		char object[40], detail[60];
		int64_t id = order_duty_raise(d, v[i].case_id, v[i].order_id, v[i].deadline);

		if (id <= 0) {
			rc = id < 0 ? (int)id : 0; /* raised meanwhile by another node */
			continue;
		}
		snprintf(object, sizeof object, "case:%s", v[i].ref);
		snprintf(detail, sizeof detail, "duty_to_notify missed: order %lld",
			 (long long)v[i].order_id);
		e.username = "vigil";
		e.action = "task.raise";
		e.object = object;
		e.outcome = "ok";
		e.client_addr = "local";
		e.detail = detail;
		rc = audit_append(d, &e);
		if (rc >= 0)
			(*raised)++;
	}
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0) {
		db_rollback(d);
		*raised = 0;
	}
out:
	free(v);
	return rc < 0 ? rc : 0;
}
