/*
 * Unit tests for store/orders on a real database (SQLite, and PostgreSQL when
 * VIGIL_TEST_PG names a server): a monitoring alert resolved as
 * breach_confirmed becomes a breach through breach_record_from_alert(), with
 * its linked incident, crime-record task, review due at once and timeline
 * event; once only; never without an order in force; and the duty-to-notify
 * sweep raises one task per missed deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypt.h"
#include "base/secret.h"
#include "core/order.h"
#include "db/db.h"
#include "store/account.h"
#include "store/audit.h"
#include "store/cases.h"
#include "store/incidents.h"
#include "store/monitor.h"
#include "store/orders.h"
#include "store/sealed.h"
#include "testdb.h"
#include "store/tasks.h"

#define DAY (24LL * 3600 * 1000)

struct fx {
	struct testdb t; /* first: testdb_setup() */
	int64_t user, agency;
};

/* A data key of the test's own (the linked incident of a breach is sealed), an
 * agency and an operator. */
static int seed(void *fixture)
{
	struct fx *f = fixture;

	if (testdb_keys(&f->t) < 0)
		return -1;
	f->user = testdb_user(&f->t, "met", "operator1", "Omar", ROLE_OPERATOR, &f->agency);
	return f->user > 0 ? 0 : -1;
}

static int setup_sqlite(void **state)
{
	return testdb_setup(state, sizeof(struct fx), NULL, seed);
}

static int setup_pg(void **state)
{
	return testdb_setup(state, sizeof(struct fx), "vigil_unit_orders", seed);
}

static int64_t new_case(struct fx *f, char ref[24])
{
	struct case_new n = { "ex_partner", "online", NULL, f->user, f->agency, f->user, 2026, 0 };
	int64_t id;

	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	id = case_insert(f->t.d, &n, ref);
	assert_true(id > 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	return id;
}

static int64_t new_order(struct fx *f, int64_t case_id, const char *kind, int64_t granted,
			 int64_t ends, bool zone)
{
	struct order_row o = { 0 };
	int64_t id;

	o.case_id = case_id;
	o.kind = kind;
	o.status = "granted";
	o.granted_at = granted;
	o.starts_at = granted;
	o.ends_at = ends;
	o.until_further_order = ends == 0;
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	id = order_insert(f->t.d, &o, f->user);
	assert_true(id > 0);
	if (zone) {
		struct order_condition_row c = { 0 };

		c.order_id = id;
		c.kind = "exclusion_zone";
		c.zone = "{\"type\":\"Point\",\"coordinates\":[-0.1,51.5]}";
		c.radius_m = 500;
		c.warning_m = 250;
		c.distance_m = -1;
		assert_true(order_condition_insert(f->t.d, &c) > 0);
	}
	assert_int_equal(db_commit(f->t.d), DB_OK);
	return id;
}

static int64_t count(struct fx *f, const char *sql, int64_t arg)
{
	db_stmt *s;
	int64_t n = -1;

	assert_int_equal(db_prepare(f->t.d, &s, sql), DB_OK);
	db_bind_int64(s, 1, arg);
	if (db_step(s) == DB_ROW)
		n = db_column_int64(s, 0);
	db_finalize(s);
	return n;
}

/* A zone-entry alert on the case, decided by a fix taken at fix_at. */
static int64_t new_alert(struct fx *f, int64_t case_id, int64_t fix_at)
{
	static int n;
	struct alert a = { 0 };
	char uid[32];
	bool existed;
	int64_t dev, id;

	snprintf(uid, sizeof uid, "tag-%d-%d", (int)getpid(), ++n);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	dev = device_insert(f->t.d, uid, "offender_tag", "json", 60, f->agency, f->user);
	assert_true(dev > 0);
	a.case_id = case_id;
	a.device_id = dev;
	snprintf(a.kind, sizeof a.kind, "zone_entry");
	snprintf(a.severity, sizeof a.severity, "critical");
	a.opened_at = clock_now_ms();
	a.fix_at = fix_at;
	a.lat = 51.5;
	a.lon = -0.1;
	id = alert_open(f->t.d, &a, &existed);
	assert_true(id > 0 && !existed);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	return id;
}

static int64_t want_alert; /* the alert keep_breach expects */

static int keep_breach(const struct breach_row *b, void *arg)
{
	struct breach_row *out = arg;
	char alerts[40], cites[40];

	*out = *b;
	out->description = NULL; /* valid only during the call */
	out->evidence = NULL;
	out->crime_reference = NULL;
	out->outcome = NULL;
	out->recorded_by = NULL;
	snprintf(alerts, sizeof alerts, "\"alerts\":[%lld]", (long long)want_alert);
	snprintf(cites, sizeof cites, "alert %lld", (long long)want_alert);
	assert_non_null(strstr(b->evidence, alerts));
	assert_non_null(strstr(b->description, cites));
	assert_non_null(strstr(b->description, "seen in the zone"));
	return 1;
}

static int incident_is_breach(const struct incident *e, void *arg)
{
	(void)arg;
	assert_string_equal(e->behaviour, "breach_of_order");
	assert_string_equal(e->recorded_by_name, "operator1");
	return 0;
}

static int task_is_crime_record(const struct case_task_row *t, void *arg)
{
	int64_t *breach = arg;

	assert_string_equal(t->kind, "crime_record");
	assert_true(t->breach_id == *breach);
	assert_true(t->done_at == 0);
	assert_true(t->due_at > clock_now_ms() + 23 * 3600 * 1000LL);
	return 0;
}

static void an_alert_resolved_as_breach_confirmed_records_the_breach(void **state)
{
	struct fx *f = *state;
	struct breach_row b = { 0 };
	struct case_record c;
	struct incident_verify_result vr;
	int64_t now = clock_now_ms(), cid, plain, zoned;
	char ref[24];

	cid = new_case(f, ref);
	/* two orders in force: the alert concerns the one with the zone */
	zoned = new_order(f, cid, "spo_full", now - 30 * DAY, 0, true);
	plain = new_order(f, cid, "non_molestation", now - 10 * DAY, now + 300 * DAY, false);
	assert_true(plain > zoned);

	/* he entered five minutes ago; the desk confirms it now */
	want_alert = new_alert(f, cid, now - 5 * 60000);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(breach_record_from_alert(f->t.d, cid, want_alert, "seen in the zone", f->user), 0);
	assert_int_equal(db_commit(f->t.d), DB_OK);

	assert_int_equal(breaches_each(f->t.d, cid, 0, keep_breach, &b), 0);
	assert_true(b.id > 0);
	assert_true(b.order_id == zoned);
	assert_true(b.alert_id == want_alert);
	/* timed at the fix that entered, not at the desk's confirmation */
	assert_true(b.occurred_at == now - 5 * 60000);
	assert_true(b.incident_seq == 1);
	assert_true(b.crime_recorded_at == 0);
	/* the linked incident, in an intact chain */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents WHERE case_id = ?", cid), 1);
	assert_int_equal(incident_each(f->t.d, cid, incident_is_breach, NULL), 0);
	assert_int_equal(incident_verify(f->t.d, cid, &vr), 0);
	/* the crime record it prompts */
	assert_int_equal(case_tasks_each(f->t.d, cid, task_is_crime_record, &b.id), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM case_tasks WHERE case_id = ?", cid), 1);
	/* a review due at once, and the timeline */
	assert_int_equal(case_get_by_id(f->t.d, cid, &c), 1);
	assert_true(c.review_due_at != 0 && c.review_due_at <= clock_now_ms());
	assert_true(c.review_due_at >= now);
	case_record_free(&c);
	assert_int_equal(count(f,
			       "SELECT COUNT(*) FROM case_events WHERE case_id = ? AND kind = 'breach'",
			       cid),
			 1);
}

static void the_same_alert_is_recorded_once(void **state)
{
	struct fx *f = *state;
	int64_t now = clock_now_ms(), cid;
	char ref[24];

	int64_t alert;

	cid = new_case(f, ref);
	new_order(f, cid, "bail_conditions", now - DAY, now + 30 * DAY, false);
	alert = new_alert(f, cid, now - 1000);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(breach_record_from_alert(f->t.d, cid, alert, NULL, f->user), 0);
	assert_int_equal(breach_record_from_alert(f->t.d, cid, alert, NULL, f->user), 1);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM breaches WHERE case_id = ?", cid), 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents WHERE case_id = ?", cid), 1);
}

static void no_breach_without_an_order_in_force(void **state)
{
	struct fx *f = *state;
	int64_t now = clock_now_ms(), cid;
	char ref[24];

	int64_t alert, other;
	char ref2[24];

	cid = new_case(f, ref);
	/* ended yesterday, and a historic PIN: neither is in force */
	new_order(f, cid, "bail_conditions", now - 60 * DAY, now - DAY, false);
	new_order(f, cid, "pin_historic", now - 900 * DAY, 0, false);
	alert = new_alert(f, cid, now - 1000);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(breach_record_from_alert(f->t.d, cid, alert, NULL, f->user), BREACH_NO_ORDER);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	/* nor by someone who is not an account, nor for another case's alert */
	new_order(f, cid, "spo_interim", now - DAY, 0, false);
	other = new_alert(f, new_case(f, ref2), now - 1000);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	assert_int_equal(breach_record_from_alert(f->t.d, cid, alert, NULL, 999999), DB_CONSTRAINT);
	assert_int_equal(breach_record_from_alert(f->t.d, cid, other, NULL, f->user), DB_CONSTRAINT);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM breaches WHERE case_id = ?", cid), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM incidents WHERE case_id = ?", cid), 0);
}

static void a_missed_duty_to_notify_raises_one_task(void **state)
{
	struct fx *f = *state;
	struct order_row o = { 0 };
	struct audit_verify_result ar;
	int64_t now = clock_now_ms(), cid, late, early;
	char ref[24];
	int raised;

	cid = new_case(f, ref);
	o.case_id = cid;
	o.kind = "spo_interim";
	o.status = "granted";
	o.granted_at = o.starts_at = o.served_at = now - 5 * DAY;
	o.notify_deadline = order_notify_deadline(o.served_at);
	assert_int_equal(db_begin_write(f->t.d), DB_OK);
	late = order_insert(f->t.d, &o, f->user);
	o.granted_at = o.starts_at = o.served_at = now - DAY / 2;
	o.notify_deadline = order_notify_deadline(o.served_at);
	early = order_insert(f->t.d, &o, f->user);
	assert_int_equal(db_commit(f->t.d), DB_OK);
	assert_true(late > 0 && early > 0);

	assert_int_equal(order_duty_sweep(f->t.d, now, &raised), 0);
	assert_int_equal(raised, 1);
	assert_int_equal(count(f,
			       "SELECT COUNT(*) FROM case_tasks WHERE kind = 'duty_to_notify'"
			       " AND order_id = ?",
			       late),
			 1);
	assert_int_equal(order_duty_sweep(f->t.d, now, &raised), 0);
	assert_int_equal(raised, 0);
	/* three days on, the second deadline has passed too */
	assert_int_equal(order_duty_sweep(f->t.d, now + 4 * DAY, &raised), 0);
	assert_int_equal(raised, 1);
	assert_int_equal(audit_verify(f->t.d, &ar), 0);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'task.raise' AND ? = 1",
			       1),
			 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_alert_resolved_as_breach_confirmed_records_the_breach),
		cmocka_unit_test(the_same_alert_is_recorded_once),
		cmocka_unit_test(no_breach_without_an_order_in_force),
		cmocka_unit_test(a_missed_duty_to_notify_raises_one_task),
	};
	int failed = cmocka_run_group_tests_name("store/orders on SQLite", tests, setup_sqlite,
						 testdb_teardown);

	if (getenv("VIGIL_TEST_PG") && *getenv("VIGIL_TEST_PG"))
		failed += cmocka_run_group_tests_name("store/orders on PostgreSQL", tests, setup_pg,
						      testdb_teardown);
	return failed;
}
