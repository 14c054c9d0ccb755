/*
 * store/tasks — SQL for case tasks.
 */
#include "store/tasks.h"

#include "base/clock.h"

static void bind_opt(db_stmt *s, int i, int64_t v)
{
	if (v)
		db_bind_int64(s, i, v);
	else
		db_bind_null(s, i);
}

int64_t case_task_open(db *d, const struct case_task_new *t)
{
	int64_t id = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO case_tasks (case_id, kind, event, detail, event_at, due_at,"
			" order_id, breach_id, dedupe, opened_by, opened_at)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			" ON CONFLICT (dedupe) DO NOTHING RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, t->case_id);
	db_bind_text(s, 2, t->kind);
	db_bind_text(s, 3, t->event);
	db_bind_text(s, 4, t->detail);
	db_bind_int64(s, 5, t->event_at);
	db_bind_int64(s, 6, t->due_at);
	bind_opt(s, 7, t->order_id);
	bind_opt(s, 8, t->breach_id);
	db_bind_text(s, 9, t->dedupe);
	bind_opt(s, 10, t->opened_by);
	db_bind_int64(s, 11, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	return rc < 0 ? rc : id;
}

#define TASK_SELECT                                                                            \
	"SELECT t.id, t.case_id, t.kind, t.event, t.detail, t.event_at, t.due_at, t.order_id," \
	" t.breach_id, ob.username, t.opened_at, t.done_at, db.username, t.done_note, t.version" \
	" FROM case_tasks t LEFT JOIN users ob ON ob.id = t.opened_by"                         \
	" LEFT JOIN users db ON db.id = t.done_by"

static int run(db_stmt *s, int (*fn)(const struct case_task_row *t, void *arg), void *arg,
	       int *found)
{
	struct case_task_row t;
	int rc;

	while ((rc = db_step(s)) == DB_ROW) {
		t.id = db_column_int64(s, 0);
		t.case_id = db_column_int64(s, 1);
		t.kind = db_column_text(s, 2);
		t.event = db_column_text(s, 3);
		t.detail = db_column_text(s, 4);
		t.event_at = db_column_int64(s, 5);
		t.due_at = db_column_int64(s, 6);
		t.order_id = db_column_int64(s, 7);
		t.breach_id = db_column_int64(s, 8);
		t.opened_by = db_column_text(s, 9);
		t.opened_at = db_column_int64(s, 10);
		t.done_at = db_column_int64(s, 11);
		t.done_by = db_column_text(s, 12);
		t.done_note = db_column_text(s, 13);
		t.version = db_column_int64(s, 14);
		(*found)++;
		if (fn(&t, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int case_tasks_each(db *d, int64_t case_id,
		    int (*fn)(const struct case_task_row *t, void *arg), void *arg)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_prepare(d, &s,
			TASK_SELECT " WHERE t.case_id = ?"
			" ORDER BY CASE WHEN t.done_at IS NULL THEN 0 ELSE 1 END,"
			" CASE WHEN t.done_at IS NULL THEN t.due_at ELSE -t.done_at END, t.id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	return run(s, fn, arg, &found);
}

int case_task_get(db *d, int64_t case_id, int64_t id,
		  int (*fn)(const struct case_task_row *t, void *arg), void *arg)
{
	db_stmt *s;
	int rc, found = 0;

	rc = db_prepare(d, &s, TASK_SELECT " WHERE t.case_id = ? AND t.id = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_int64(s, 2, id);
	rc = run(s, fn, arg, &found);
	return rc < 0 ? rc : found > 0;
}

int case_task_done(db *d, int64_t id, int64_t expected_version, int64_t by, const char *note)
{
	int64_t changed = 0;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE case_tasks SET done_at = ?, done_by = ?, done_note = ?,"
			" version = version + 1 WHERE id = ? AND version = ? AND done_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	bind_opt(s, 2, by);
	db_bind_text(s, 3, note);
	db_bind_int64(s, 4, id);
	db_bind_int64(s, 5, expected_version);
	rc = db_step(s);
	if (rc == DB_DONE)
		changed = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : changed > 0;
}

int case_task_done_by_key(db *d, const char *dedupe, int64_t by, const char *note)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE case_tasks SET done_at = ?, done_by = ?, done_note = ?,"
			" version = version + 1 WHERE dedupe = ? AND done_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	bind_opt(s, 2, by);
	db_bind_text(s, 3, note);
	db_bind_text(s, 4, dedupe);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}
