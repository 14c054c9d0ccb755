/*
 * store/tasks — SQL for case tasks.
 */
#include "store/tasks.h"

#include "base/clock.h"
#include "store/each.h"

int64_t case_task_open(db *d, const struct case_task_new *t)
{
	int64_t id = 0;
	int rc;

	rc = db_get_int64(d, &id,
			  "INSERT INTO case_tasks (case_id, kind, event, detail, event_at, due_at,"
			  " order_id, breach_id, dedupe, opened_by, opened_at)"
			  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			  " ON CONFLICT (dedupe) DO NOTHING RETURNING id",
			  "itttiiIItIi", t->case_id, t->kind, t->event, t->detail, t->event_at,
			  t->due_at, t->order_id, t->breach_id, t->dedupe, t->opened_by,
			  clock_now_ms());
	return rc < 0 ? rc : id;
}

#define TASK_SELECT                                                                            \
	"SELECT t.id, t.case_id, t.kind, t.event, t.detail, t.event_at, t.due_at, t.order_id," \
	" t.breach_id, ob.username, t.opened_at, t.done_at, db.username, t.done_note, t.version" \
	" FROM case_tasks t LEFT JOIN users ob ON ob.id = t.opened_by"                         \
	" LEFT JOIN users db ON db.id = t.done_by"

static void task_row(db_stmt *s, void *out)
{
	struct case_task_row *t = out;

	t->id = db_column_int64(s, 0);
	t->case_id = db_column_int64(s, 1);
	t->kind = db_column_text(s, 2);
	t->event = db_column_text(s, 3);
	t->detail = db_column_text(s, 4);
	t->event_at = db_column_int64(s, 5);
	t->due_at = db_column_int64(s, 6);
	t->order_id = db_column_int64(s, 7);
	t->breach_id = db_column_int64(s, 8);
	t->opened_by = db_column_text(s, 9);
	t->opened_at = db_column_int64(s, 10);
	t->done_at = db_column_int64(s, 11);
	t->done_by = db_column_text(s, 12);
	t->done_note = db_column_text(s, 13);
	t->version = db_column_int64(s, 14);
}

STORE_EACH(task_each, struct case_task_row, task_row);

int case_tasks_each(db *d, int64_t case_id,
		    int (*fn)(const struct case_task_row *t, void *arg), void *arg)
{
	struct task_each c = { fn, arg, 0 };

	return db_each(d, task_each_row, &c,
		       TASK_SELECT " WHERE t.case_id = ?"
		       " ORDER BY CASE WHEN t.done_at IS NULL THEN 0 ELSE 1 END,"
		       " CASE WHEN t.done_at IS NULL THEN t.due_at ELSE -t.done_at END, t.id",
		       "i", case_id);
}

int case_task_get(db *d, int64_t case_id, int64_t id,
		  int (*fn)(const struct case_task_row *t, void *arg), void *arg)
{
	struct task_each c = { fn, arg, 0 };
	int rc = db_each(d, task_each_row, &c, TASK_SELECT " WHERE t.case_id = ? AND t.id = ?",
			 "ii", case_id, id);

	return rc < 0 ? rc : c.n > 0;
}

int case_task_done(db *d, int64_t id, int64_t expected_version, int64_t by, const char *note)
{
	int rc = db_write(d,
			  "UPDATE case_tasks SET done_at = ?, done_by = ?, done_note = ?,"
			  " version = version + 1 WHERE id = ? AND version = ? AND done_at IS NULL",
			  "iItii", clock_now_ms(), by, note, id, expected_version);

	return rc < 0 ? rc : rc > 0;
}

int case_task_done_by_key(db *d, const char *dedupe, int64_t by, const char *note)
{
	return db_run(d,
		      "UPDATE case_tasks SET done_at = ?, done_by = ?, done_note = ?,"
		      " version = version + 1 WHERE dedupe = ? AND done_at IS NULL",
		      "iItt", clock_now_ms(), by, note, dedupe);
}
