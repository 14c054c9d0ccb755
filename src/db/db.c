/*
 * db — engine dispatch, the connection pool and small conveniences shared by
 * both engines.  A connection is used by one thread at a time: the pool hands
 * one to each request for its duration.
 */
#include "db/backend.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

#define BE(x) (((struct db_common *)(x))->be)

static atomic_uint_fast64_t error_count, reconnect_count;

void db_count_error(void)
{
	atomic_fetch_add(&error_count, 1);
}

uint64_t db_error_count(void)
{
	return atomic_load(&error_count);
}

void db_count_reconnect(void)
{
	atomic_fetch_add(&reconnect_count, 1);
}

uint64_t db_reconnect_count(void)
{
	return atomic_load(&reconnect_count);
}

static int is_postgres_url(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

int db_open(db **out, const char *url, char *err, size_t errlen)
{
	*out = NULL;
	if (!url || !*url) {
		snprintf(err, errlen, "no database given (use --db PATH or --db postgres://...)");
		return DB_ERROR;
	}
	if (is_postgres_url(url))
		return db_pgsql_backend.open(out, url, err, errlen);
	return db_sqlite_backend.open(out, url, err, errlen);
}

void db_close(db *d)
{
	if (d)
		BE(d)->close(d);
}

const char *db_engine(const db *d)
{
	return ((const struct db_common *)d)->be->name;
}

void db_set_keys(db *d, crypt_keys *k)
{
	((struct db_conn_common *)d)->keys = k;
}

crypt_keys *db_keys(db *d)
{
	return ((struct db_conn_common *)d)->keys;
}

void db_set_note(db *d, const char *fmt, ...)
{
	struct db_conn_common *c = (struct db_conn_common *)d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->note, sizeof c->note, fmt, ap);
	va_end(ap);
}

const char *db_note(db *d)
{
	return ((struct db_conn_common *)d)->note;
}

/* The note of a sealed value that failed, until the next statement. */
const char *db_errmsg(db *d)
{
	const struct db_conn_common *c = (const struct db_conn_common *)d;

	return c->note[0] ? c->note : BE(d)->errmsg(d);
}

int db_exec(db *d, const char *sql)
{
	((struct db_conn_common *)d)->note[0] = '\0';
	return BE(d)->exec(d, sql);
}

int db_begin(db *d)
{
	((struct db_conn_common *)d)->note[0] = '\0';
	return BE(d)->begin_read(d);
}

int db_begin_write(db *d)
{
	((struct db_conn_common *)d)->note[0] = '\0';
	return BE(d)->begin_write(d);
}

int db_commit(db *d)
{
	return BE(d)->exec(d, "COMMIT");
}

int db_rollback(db *d)
{
	return BE(d)->exec(d, "ROLLBACK");
}

int db_lock_chain(db *d, const char *chain)
{
	return BE(d)->lock_chain(d, chain);
}

int db_prepare(db *d, db_stmt **out, const char *sql)
{
	*out = NULL;
	((struct db_conn_common *)d)->note[0] = '\0';
	return BE(d)->prepare(d, out, sql);
}

int db_bind_int64(db_stmt *s, int idx, int64_t v)
{
	return BE(s)->bind_int64(s, idx, v);
}

int db_bind_text(db_stmt *s, int idx, const char *v)
{
	return BE(s)->bind_text(s, idx, v);
}

int db_bind_double(db_stmt *s, int idx, double v)
{
	return BE(s)->bind_double(s, idx, v);
}

double db_column_double(db_stmt *s, int col)
{
	return BE(s)->column_double(s, col);
}

int db_bind_null(db_stmt *s, int idx)
{
	return BE(s)->bind_null(s, idx);
}

int db_step(db_stmt *s)
{
	return BE(s)->step(s);
}

int db_reset(db_stmt *s)
{
	return BE(s)->reset(s);
}

int db_column_is_null(db_stmt *s, int col)
{
	return BE(s)->column_is_null(s, col);
}

int64_t db_column_int64(db_stmt *s, int col)
{
	return BE(s)->column_int64(s, col);
}

const char *db_column_text(db_stmt *s, int col)
{
	return BE(s)->column_text(s, col);
}

void db_finalize(db_stmt *s)
{
	if (s)
		BE(s)->finalize(s);
}

int64_t db_changes(db_stmt *s)
{
	return BE(s)->changes(s);
}

int db_column_count(db_stmt *s)
{
	return BE(s)->column_count(s);
}

const char *db_column_name(db_stmt *s, int col)
{
	return BE(s)->column_name(s, col);
}

int db_column_type(db_stmt *s, int col)
{
	return BE(s)->column_type(s, col);
}

int db_tables_each(db *d, int (*fn)(const char *table, void *arg), void *arg)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, BE(d)->list_tables_sql);
	if (rc < 0)
		return rc;
	while ((rc = db_step(s)) == DB_ROW)
		if (fn(db_column_text(s, 0), arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

static bool table_known(db *d, const char *table)
{
	for (int i = 0; db_tables[i]; i++)
		if (strcmp(db_tables[i], table) == 0)
			return true;
	db_set_note(d, "unknown table '%.64s'", table);
	return false;
}

static bool column_ok(const char *s)
{
	return s && *s && strlen(s) < 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

int db_table_select(db *d, const char *table, bool none, db_stmt **out)
{
	char sql[128];

	if (!table_known(d, table))
		return DB_ERROR;
	snprintf(sql, sizeof sql, "SELECT * FROM %s%s", table, none ? " WHERE 1 = 0" : "");
	return db_prepare(d, out, sql);
}

int db_table_count(db *d, const char *table, int64_t *n)
{
	char sql[128];
	int rc;

	*n = 0;
	if (!table_known(d, table))
		return DB_ERROR;
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
	rc = db_get_int64(d, n, sql, "");
	return rc < 0 ? rc : 0;
}

int db_table_insert(db *d, const char *table, const char *const *cols, int n, db_stmt **out)
{
	struct buf sql;
	int rc;

	if (!table_known(d, table))
		return DB_ERROR;
	buf_init(&sql);
	buf_printf(&sql, "INSERT INTO %s (", table);
	for (int i = 0; i < n; i++) {
		if (!column_ok(cols[i])) {
			buf_free(&sql);
			db_set_note(d, "table %s: a bad column name", table);
			return DB_ERROR;
		}
		buf_printf(&sql, "%s%s", i ? ", " : "", cols[i]);
	}
	buf_puts(&sql, ") VALUES (");
	for (int i = 0; i < n; i++)
		buf_puts(&sql, i ? ", ?" : "?");
	buf_puts(&sql, ")");
	rc = db_prepare(d, out, sql.data);
	buf_free(&sql);
	return rc;
}

int db_identity_sync(db *d, const char *table)
{
	return BE(d)->identity_sync(d, table);
}

bool db_multinode(const db *d)
{
	return ((const struct db_common *)d)->be->multinode;
}

void db_set_writer(db *d, enum db_writer w)
{
	if (BE(d)->set_writer)
		BE(d)->set_writer(d, w);
}

int db_scrub_on(db *d)
{
	return BE(d)->scrub_on ? BE(d)->scrub_on(d) : 0;
}

int db_compact(db *d)
{
	return BE(d)->compact ? BE(d)->compact(d) : 0;
}

bool db_alive(db *d)
{
	return !BE(d)->alive || BE(d)->alive(d);
}

int db_sync_full(db *d)
{
	return strcmp(db_engine(d), "sqlite") == 0 ? db_exec(d, "PRAGMA synchronous=FULL") : 0;
}

int db_ping(db *d)
{
	return db_exec(d, "SELECT 1");
}

int db_heal(db *d)
{
	return BE(d)->heal ? BE(d)->heal(d) : DB_OK;
}

void db_set_name(db *d, const char *name)
{
	if (BE(d)->set_name)
		BE(d)->set_name(d, name);
}

int64_t db_session_id(db *d)
{
	return BE(d)->session_id ? BE(d)->session_id(d) : 0;
}

int db_lease_hold(db *d, struct db_lease *l, const int64_t *sessions, int nsessions)
{
	char list[24 * 8] = "";
	size_t k = 0;

	l->granted = false;
	l->fenced = 0;
	if (!BE(d)->lease_hold) {
		/* one node: it always leads */
		l->granted = l->epoch == 0;
		l->epoch = 1;
		return 1;
	}
	for (int i = 0; i < nsessions && i < 8; i++)
		if (sessions[i] > 0)
			k += (size_t)snprintf(list + k, sizeof list - k, "%s%lld", k ? "," : "",
					      (long long)sessions[i]);
	return BE(d)->lease_hold(d, l, list);
}

int db_lease_release(db *d, struct db_lease *l)
{
	int rc = BE(d)->lease_release && l->epoch ? BE(d)->lease_release(d, l) : DB_OK;

	l->epoch = 0;
	return rc;
}

int db_lease_check(db *d, const char *role, int64_t epoch)
{
	return BE(d)->lease_check ? BE(d)->lease_check(d, role, epoch) : 1;
}

/* Channel names go into LISTEN as identifiers, never as parameters: keep them
 * to a plain name. */
static bool channel_ok(const char *channel)
{
	size_t n = strlen(channel);

	return n > 0 && n < 64 && strspn(channel, "abcdefghijklmnopqrstuvwxyz_") == n;
}

int db_notify(db *d, const char *channel, const char *payload)
{
	if (!channel_ok(channel) || strlen(payload) > DB_NOTIFY_MAX)
		return DB_ERROR;
	return BE(d)->notify(d, channel, payload);
}

int db_listen(db *d, const char *channel)
{
	if (!BE(d)->listen || !channel_ok(channel))
		return DB_ERROR;
	return BE(d)->listen(d, channel);
}

int db_notice_wait(db *d, int timeout_ms, char *channel, size_t chlen, char *payload,
		   size_t paylen)
{
	if (!BE(d)->notice_wait)
		return DB_ERROR;
	return BE(d)->notice_wait(d, timeout_ms, channel, chlen, payload, paylen);
}

/* Bind the parameters fmt describes (db_run) from ap: 0 or negative. */
static int bind_va(db_stmt *s, const char *fmt, va_list ap)
{
	int rc = 0, i = 1;

	for (const char *f = fmt; f && *f && rc >= 0; f++, i++) {
		switch (*f) {
		case 't':
			rc = db_bind_text(s, i, va_arg(ap, const char *));
			break;
		case 'i':
			rc = db_bind_int64(s, i, va_arg(ap, int64_t));
			break;
		case 'I':
			rc = db_bind_id(s, i, va_arg(ap, int64_t));
			break;
		case 'N': {
			int64_t v = va_arg(ap, int64_t);

			rc = v < 0 ? db_bind_null(s, i) : db_bind_int64(s, i, v);
			break;
		}
		case 'd':
			rc = db_bind_double(s, i, va_arg(ap, double));
			break;
		case 'n':
			rc = db_bind_null(s, i);
			break;
		default: /* a programming error: refuse rather than bind a wrong value */
			rc = DB_ERROR;
			break;
		}
	}
	return rc;
}

/* Prepare sql, bind fmt's parameters from ap and step once: DB_ROW, DB_DONE
 * or negative; *s is left to finalize. */
static int step_once(db *d, db_stmt **s, const char *sql, const char *fmt, va_list ap)
{
	int rc;

	*s = NULL;
	rc = db_prepare(d, s, sql);
	if (rc >= 0)
		rc = bind_va(*s, fmt, ap);
	if (rc >= 0)
		rc = db_step(*s);
	return rc;
}

/* step_once, finalized: DB_ROW, DB_DONE or negative. */
static int run_va(db *d, const char *sql, const char *fmt, va_list ap)
{
	db_stmt *s;
	int rc = step_once(d, &s, sql, fmt, ap);

	db_finalize(s);
	return rc;
}

int db_run(db *d, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_va(d, sql, fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : DB_OK;
}

int db_exists(db *d, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = run_va(d, sql, fmt, ap);
	va_end(ap);
	return rc < 0 ? rc : rc == DB_ROW;
}

int db_get_int64(db *d, int64_t *out, const char *sql, const char *fmt, ...)
{
	db_stmt *s;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = step_once(d, &s, sql, fmt, ap);
	va_end(ap);
	*out = rc == DB_ROW && !db_column_is_null(s, 0) ? db_column_int64(s, 0) : 0;
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int db_bind_id(db_stmt *s, int idx, int64_t v)
{
	return v ? db_bind_int64(s, idx, v) : db_bind_null(s, idx);
}

int db_query(db *d, db_stmt **out, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int rc;

	*out = NULL;
	rc = db_prepare(d, out, sql);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	rc = bind_va(*out, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		db_finalize(*out);
		*out = NULL;
	}
	return rc;
}

int db_write(db *d, const char *sql, const char *fmt, ...)
{
	db_stmt *s;
	va_list ap;
	int64_t n;
	int rc;

	va_start(ap, fmt);
	rc = step_once(d, &s, sql, fmt, ap);
	va_end(ap);
	n = rc >= 0 ? db_changes(s) : 0;
	db_finalize(s);
	if (rc < 0)
		return rc;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

int db_one(db *d, db_row_fn *row, void *out, const char *sql, const char *fmt, ...)
{
	db_stmt *s;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = step_once(d, &s, sql, fmt, ap);
	va_end(ap);
	if (rc == DB_ROW)
		row(s, out);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int db_rows(db_stmt *s, db_each_fn *fn, void *arg)
{
	int rc;

	while ((rc = db_step(s)) == DB_ROW)
		if (fn(s, arg))
			break;
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int db_each(db *d, db_each_fn *fn, void *arg, const char *sql, const char *fmt, ...)
{
	db_stmt *s = NULL;
	va_list ap;
	int rc;

	rc = db_prepare(d, &s, sql);
	if (rc < 0)
		return rc;
	va_start(ap, fmt);
	rc = bind_va(s, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		db_finalize(s);
		return rc;
	}
	return db_rows(s, fn, arg);
}

/* ---- pool ---------------------------------------------------------------- */

/* While the database is away, one acquirer in this long tries to connect a
 * dead connection again; the others hand theirs out dead at once. */
#define RETRY_MS 250

struct db_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n, nfree;
	db **all;
	db **free;
	/* the database is away: since when (monotonic ms), and when next to try */
	bool away;
	int64_t away_since, retry_at;
};

static int64_t mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

int db_pool_open(db_pool **out, const char *url, int n, const char *name, char *err,
		 size_t errlen)
{
	struct db_pool *p = xcalloc(1, sizeof *p);

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->all = xcalloc((size_t)n, sizeof *p->all);
	p->free = xcalloc((size_t)n, sizeof *p->free);
	for (int i = 0; i < n; i++) {
		if (db_open(&p->all[i], url, err, errlen) < 0) {
			p->n = i;
			db_pool_close(p);
			return DB_ERROR;
		}
		if (name)
			db_set_name(p->all[i], name);
		p->free[i] = p->all[i];
	}
	p->n = p->nfree = n;
	*out = p;
	return DB_OK;
}

void db_pool_set_keys(db_pool *p, crypt_keys *k)
{
	pthread_mutex_lock(&p->mu);
	for (int i = 0; i < p->n; i++)
		db_set_keys(p->all[i], k);
	pthread_mutex_unlock(&p->mu);
}

void db_pool_close(db_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		db_close(p->all[i]);
	free(p->all);
	free(p->free);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

db *db_pool_acquire(db_pool *p)
{
	bool try_dead;
	int64_t now;
	db *d;
	int rc;

	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	d = p->free[--p->nfree];
	now = mono_ms();
	try_dead = !p->away || now >= p->retry_at;
	if (p->away && try_dead)
		p->retry_at = now + RETRY_MS;
	pthread_mutex_unlock(&p->mu);

	/* a live-looking connection is always looked at (cheap: no round trip),
	 * a dead one connected again unless the database is known to be away
	 * and another acquirer tried a moment ago */
	if (!db_alive(d) && !try_dead)
		return d;
	rc = db_heal(d);
	pthread_mutex_lock(&p->mu);
	if (rc == DB_GONE && !p->away) {
		p->away = true;
		p->away_since = now;
		p->retry_at = now + RETRY_MS;
		log_error("the database cannot be reached (%s): requests are answered 503 until it "
			  "is back", db_errmsg(d));
	} else if (rc >= 0 && p->away) {
		p->away = false;
		log_info("the database is back (it was away for %lld ms)",
			 (long long)(mono_ms() - p->away_since));
	}
	pthread_mutex_unlock(&p->mu);
	return d;
}

void db_pool_release(db_pool *p, db *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&p->mu);
	p->free[p->nfree++] = d;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}
