/*
 * pgsql — the PostgreSQL engine (libpq), for force-wide and national
 * deployments.  Callers write SQLite-and-PostgreSQL SQL with `?` placeholders;
 * this file rewrites them to $1, $2... (outside string literals and quoted
 * names), sends parameters as text with their types (int8 or text; NULL
 * untyped), and reads results as text.
 *
 * Differences from SQLite handled here:
 *  - write transactions are plain BEGIN (row locks, READ COMMITTED); appends to
 *    a hash chain are serialised by a transaction-scoped advisory lock;
 *  - db_begin() is a REPEATABLE READ transaction, one snapshot for a
 *    consistent read (e.g. verifying a chain while others append);
 *  - SQLSTATE class 23 (integrity) maps to DB_CONSTRAINT; serialisation
 *    failures, deadlocks and lock timeouts to DB_BUSY;
 *  - several nodes share one database: the leadership is a lease (a row of
 *    `leases`, timed on the server's clock), and nodes tell each other with
 *    LISTEN/NOTIFY;
 *  - a session the server ended (SQLSTATE class 08, 57P01-57P03, or libpq
 *    finding the connection closed) is DB_GONE, and db_heal() connects
 *    again with the same parameters, restoring the session's name and its
 *    LISTENs.
 */
#include "db/backend.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"

#define INT8OID 20
#define TEXTOID 25
#define FLOAT8OID 701
/* PostgreSQL's own limit is 65,535; a batch of fixes uses 640 */
#define MAX_PARAMS 4096

/* The database's clock, in the portable form (ms since the epoch): a lease
 * is timed by it, never by a node's own clock. */
#define NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

struct db {
	struct db_conn_common c;
	PGconn *conn;
	bool lost;         /* found dead: db_heal() connects again */
	bool leader_tuned; /* the server probes this session (db_lease_hold) */
	char name[64];     /* application_name, restored on reconnection */
	char **channels;   /* LISTENed, restored on reconnection */
	size_t nchannels;
	char err[512];
};

struct db_stmt {
	struct db_common c;
	struct db *d;
	char *sql;
	int nparams;
	char **values; /* nparams of them */
	Oid *types;
	PGresult *res;
	int row, nrows;
	int64_t changes;
};

/* Keep a message, on one line: libpq's run over several, indented. */
static void set_err(struct db *d, const char *msg)
{
	size_t k = 0;

	for (const char *p = msg ? msg : "unknown PostgreSQL error"; *p && k + 1 < sizeof d->err;
	     p++) {
		char ch = *p == '\n' || *p == '\t' ? ' ' : *p;

		if (ch != ' ' || (k && d->err[k - 1] != ' '))
			d->err[k++] = ch;
	}
	while (k && d->err[k - 1] == ' ')
		k--;
	d->err[k] = '\0';
}

/* Does this failure mean the session is gone?  Class 08 (connection
 * exception), 57P01 admin_shutdown (pg_terminate_backend, a fast shutdown),
 * 57P02 crash_shutdown, 57P03 cannot_connect_now; or libpq found the
 * connection closed (no SQLSTATE then). */
static bool session_lost(struct db *d, const char *state)
{
	if (PQstatus(d->conn) != CONNECTION_OK)
		return true;
	return state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
			 strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0);
}

/* Map a result's status to DB_* and keep its message. */
static int check(struct db *d, PGresult *res)
{
	const char *state;

	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		return DB_OK;
	default:
		break;
	}
	set_err(d, res ? PQresultErrorMessage(res) : PQerrorMessage(d->conn));
	db_count_error();
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (session_lost(d, state)) {
		d->lost = true;
		return DB_GONE;
	}
	if (state && strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		      strcmp(state, "55P03") == 0))
		return DB_BUSY;
	return DB_ERROR;
}

static int pg_exec(db *d, const char *sql);

/* What the server says outside any statement (with client_min_messages at
 * warning: mostly its goodbye to an idle session it ends) goes to the log,
 * one line, rather than to stderr as libpq would print it.  A FATAL one is
 * that goodbye (pg_terminate_backend, a fast shutdown), and so is the
 * WARNING of an immediate shutdown (SQLSTATE 57P02): the session is over,
 * even before the end of the stream follows a moment after. */
static void on_notice(void *arg, const PGresult *res)
{
	struct db *d = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char line[300];

	if ((sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0)) ||
	    (state && session_lost(d, state)))
		d->lost = true;
	snprintf(line, sizeof line, "%s", PQresultErrorMessage(res));
	line[strcspn(line, "\n")] = '\0';
	log_warn("PostgreSQL says: %s", line);
}

/* What a session is given after it connects, again after a reconnection:
 * quiet NOTICEs (e.g. "relation already exists, skipping"), UTC times, its
 * name, its LISTENs. */
static int session_setup(struct db *d)
{
	int rc;

	rc = pg_exec(d, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
	if (rc >= 0 && d->name[0]) {
		const char *params[1] = { d->name };
		PGresult *res = PQexecParams(d->conn,
					     "SELECT set_config('application_name', $1, false)", 1,
					     NULL, params, NULL, NULL, 0);

		rc = check(d, res);
		PQclear(res);
	}
	for (size_t i = 0; rc >= 0 && i < d->nchannels; i++) {
		char sql[96];

		snprintf(sql, sizeof sql, "LISTEN \"%s\"", d->channels[i]);
		rc = pg_exec(d, sql);
	}
	return rc;
}

static int pg_open(db **out, const char *url, char *err, size_t errlen)
{
	struct db *d = xcalloc(1, sizeof *d);

	/* TCP keepalives every few seconds, so that a connection to a server that
	 * vanished (not closed: a machine or a network gone) fails within seconds
	 * rather than the system's two hours; the URL may say otherwise, since
	 * its parameters come after these.  A connection (and a reconnection,
	 * db_heal) gives up after connect_timeout seconds. */
	static const char *const keys[] = { "keepalives_idle", "keepalives_interval",
					    "keepalives_count", "tcp_user_timeout",
					    "connect_timeout", "dbname", NULL };
	/* keepalives probe an idle connection; tcp_user_timeout (ms) ends one
	 * whose sent data goes unacknowledged (keepalives never fire then) */
	const char *vals[] = { "4", "2", "2", "10000", "5", url, NULL };

	d->c.be = &db_pgsql_backend;
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		char msg[400];

		snprintf(msg, sizeof msg, "%s", PQerrorMessage(d->conn));
		msg[strcspn(msg, "\n")] = '\0';
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s", msg);
		PQfinish(d->conn);
		free(d);
		return DB_ERROR;
	}
	PQsetNoticeReceiver(d->conn, on_notice, d);
	session_setup(d);
	*out = d;
	return DB_OK;
}

static void pg_close(db *d)
{
	PQfinish(d->conn);
	for (size_t i = 0; i < d->nchannels; i++)
		free(d->channels[i]);
	free(d->channels);
	free(d);
}

static const char *pg_errmsg(db *d)
{
	return d->err[0] ? d->err : PQerrorMessage(d->conn);
}

static int pg_exec(db *d, const char *sql)
{
	PGresult *res = PQexec(d->conn, sql);
	int rc = check(d, res);

	PQclear(res);
	return rc;
}

static int pg_begin_read(db *d)
{
	return pg_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

static int pg_begin_write(db *d)
{
	return pg_exec(d, "BEGIN");
}

/* A stable 63-bit advisory-lock key for a name (FNV-1a). */
static int64_t lock_key(const char *prefix, const char *name)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = prefix; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return (int64_t)(h >> 1);
}

static int pg_lock_chain(db *d, const char *chain)
{
	const char *params[1];
	char key[24];
	PGresult *res;
	int rc;

	snprintf(key, sizeof key, "%lld", (long long)lock_key("", chain));
	params[0] = key;
	res = PQexecParams(d->conn, "SELECT pg_advisory_xact_lock($1::bigint)", 1, NULL, params,
			   NULL, NULL, 0);
	rc = check(d, res);
	PQclear(res);
	return rc;
}

/* ---- the lease (db.h) ------------------------------------------------------ */

/* Run a statement with text parameters; the result (for its rows) in *out
 * when asked for, else cleared.  DB_OK or a negative code. */
static int run_params(struct db *d, const char *sql, int n, const char *const *params,
		      PGresult **out)
{
	PGresult *res = PQexecParams(d->conn, sql, n, NULL, params, NULL, NULL, 0);
	int rc = check(d, res);

	if (out && rc >= 0)
		*out = res;
	else
		PQclear(res);
	return rc;
}

/* The lease's row as read, with the database's time of reading. */
struct lease_row {
	bool found;
	char holder[64];
	char sessions[200]; /* pids, the renewing session's first */
	int64_t epoch, expires_at, renewed_at, now;
};

static int lease_read(struct db *d, const char *role, bool lock, struct lease_row *r)
{
	const char *params[1] = { role };
	PGresult *res;
	int rc;

	memset(r, 0, sizeof *r);
	rc = run_params(d,
			lock ? "SELECT holder, epoch, expires_at, sessions, renewed_at, " NOW_MS
			       " FROM leases WHERE name = $1 FOR UPDATE"
			     : "SELECT holder, epoch, expires_at, sessions, renewed_at, " NOW_MS
			       " FROM leases WHERE name = $1",
			1, params, &res);
	if (rc < 0)
		return rc;
	if (PQntuples(res) == 1) {
		r->found = true;
		snprintf(r->holder, sizeof r->holder, "%s", PQgetvalue(res, 0, 0));
		r->epoch = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		r->expires_at = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		snprintf(r->sessions, sizeof r->sessions, "%s", PQgetvalue(res, 0, 3));
		r->renewed_at = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
		r->now = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	}
	PQclear(res);
	return DB_OK;
}

/* May l be granted the lease as the row stands?  Yes when it is free (never
 * held, released, past its deadline) or already this node's; and when the
 * session that renews it (the first recorded) has ended: its node died, or
 * lost that connection, and need not be waited for.  A session is the one
 * recorded only if it had begun by the last renewal (a pid may be reused).
 * 1, 0, or a negative code. */
static int lease_free(struct db *d, const struct db_lease *l, const struct lease_row *r)
{
	const char *params[2];
	char pid[24], at[24];
	PGresult *res;
	int rc, alive;

	if (!r->holder[0] || r->expires_at <= r->now || strcmp(r->holder, l->holder) == 0)
		return 1;
	snprintf(pid, sizeof pid, "%lld", strtoll(r->sessions, NULL, 10));
	snprintf(at, sizeof at, "%lld", (long long)r->renewed_at);
	params[0] = pid;
	params[1] = at;
	rc = run_params(d,
			"SELECT 1 FROM pg_stat_activity WHERE pid = $1::int"
			" AND backend_start <= to_timestamp($2::bigint / 1000.0)",
			2, params, &res);
	if (rc < 0)
		return rc;
	alive = PQntuples(res) > 0;
	PQclear(res);
	return !alive;
}

/* End the sessions the previous holder recorded (those that had begun by
 * its last renewal), so that a holder that was frozen or cut off finds its
 * connections dead when it wakes.  How many were ended, or negative. */
static int lease_fence(struct db *d, const struct lease_row *r)
{
	const char *params[2];
	char at[24];
	PGresult *res;
	int rc, n;

	snprintf(at, sizeof at, "%lld", (long long)r->renewed_at);
	params[0] = r->sessions;
	params[1] = at;
	rc = run_params(d,
			"SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
			" WHERE pid = ANY (string_to_array($1, ',')::int[]) AND pid <> pg_backend_pid()"
			" AND backend_start <= to_timestamp($2::bigint / 1000.0)",
			2, params, &res);
	if (rc < 0)
		return rc;
	n = PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return n;
}

static int pg_lease_hold(db *d, struct db_lease *l, const char *sessions)
{
	const char *params[5];
	char ttl[24], epoch[24];
	struct lease_row r;
	PGresult *res;
	int64_t granted = 0;
	int rc;

	/* The server probes this session every few seconds, so that a holder
	 * whose machine vanished (no FIN, no RST) has its session ended within
	 * about ten seconds, instead of the system's two hours: the next holder
	 * need not wait for the deadline then. */
	if (!d->leader_tuned) {
		rc = pg_exec(d, "SET tcp_keepalives_idle = 4; SET tcp_keepalives_interval = 2;"
				" SET tcp_keepalives_count = 2; SET tcp_user_timeout = 10000");
		if (rc < 0)
			return rc;
		d->leader_tuned = true;
	}
	snprintf(ttl, sizeof ttl, "%lld", (long long)l->ttl_ms);
	if (l->epoch > 0) {
		/* renew: only while the row still names this node and this epoch */
		snprintf(epoch, sizeof epoch, "%lld", (long long)l->epoch);
		params[0] = l->role;
		params[1] = l->holder;
		params[2] = epoch;
		params[3] = ttl;
		params[4] = sessions;
		rc = run_params(d,
				"UPDATE leases SET expires_at = " NOW_MS " + $4::bigint,"
				" renewed_at = " NOW_MS ", sessions = $5"
				" WHERE name = $1 AND holder = $2 AND epoch = $3::bigint RETURNING epoch",
				5, params, &res);
		if (rc < 0)
			return rc;
		rc = PQntuples(res);
		PQclear(res);
		if (rc == 1)
			return 1;
		l->epoch = 0; /* another node has been granted it */
	}
	/* Not held: look without locking (a standby asks every second) ... */
	rc = lease_read(d, l->role, false, &r);
	if (rc < 0)
		return rc;
	if (r.found) {
		rc = lease_free(d, l, &r);
		if (rc <= 0)
			return rc;
	} else {
		/* the first node ever to ask: make the row, free */
		params[0] = l->role;
		rc = run_params(d,
				"INSERT INTO leases (name, holder, epoch, expires_at, sessions, granted_at,"
				" renewed_at) VALUES ($1, '', 0, 0, '', 0, 0) ON CONFLICT (name) DO NOTHING",
				1, params, NULL);
		if (rc < 0)
			return rc;
	}
	/* ... and take it, the row locked, deciding again on what is there now */
	rc = pg_exec(d, "BEGIN");
	if (rc < 0)
		return rc;
	rc = lease_read(d, l->role, true, &r);
	if (rc >= 0)
		rc = r.found ? lease_free(d, l, &r) : 0;
	if (rc > 0) {
		params[0] = l->role;
		params[1] = l->holder;
		params[2] = ttl;
		params[3] = sessions;
		rc = run_params(d,
				"UPDATE leases SET holder = $2, epoch = epoch + 1,"
				" expires_at = " NOW_MS " + $3::bigint, granted_at = " NOW_MS ","
				" renewed_at = " NOW_MS ", sessions = $4 WHERE name = $1 RETURNING epoch",
				4, params, &res);
		if (rc >= 0) {
			granted = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
			PQclear(res);
			rc = granted > 0 ? pg_exec(d, "COMMIT") : DB_ERROR;
		}
	}
	if (rc < 0 || !granted) {
		int keep = rc;

		if (PQtransactionStatus(d->conn) != PQTRANS_IDLE)
			pg_exec(d, "ROLLBACK");
		return keep < 0 ? keep : 0;
	}
	l->epoch = granted;
	l->granted = true;
	if (r.holder[0] && strcmp(r.holder, l->holder) != 0 && r.sessions[0]) {
		rc = lease_fence(d, &r);
		/* failing, the epoch still fences the old holder's writes */
		l->fenced = rc > 0 ? rc : 0;
	}
	return 1;
}

static int pg_lease_release(db *d, struct db_lease *l)
{
	const char *params[3];
	char epoch[24];

	snprintf(epoch, sizeof epoch, "%lld", (long long)l->epoch);
	params[0] = l->role;
	params[1] = l->holder;
	params[2] = epoch;
	return run_params(d,
			  "UPDATE leases SET expires_at = 0, sessions = ''"
			  " WHERE name = $1 AND holder = $2 AND epoch = $3::bigint",
			  3, params, NULL);
}

static int pg_lease_check(db *d, const char *role, int64_t epoch)
{
	const char *params[1] = { role };
	PGresult *res;
	int rc;

	/* FOR SHARE: a grant (an UPDATE of the row) waits for this transaction,
	 * and this one, waiting for a grant, reads the row as it is after it */
	rc = run_params(d, "SELECT epoch FROM leases WHERE name = $1 FOR SHARE", 1, params, &res);
	if (rc < 0)
		return rc;
	rc = PQntuples(res) == 1 && strtoll(PQgetvalue(res, 0, 0), NULL, 10) == epoch;
	PQclear(res);
	return rc;
}

static int pg_notify(db *d, const char *channel, const char *payload)
{
	const char *params[2] = { channel, payload };
	PGresult *res = PQexecParams(d->conn, "SELECT pg_notify($1, $2)", 2, NULL, params, NULL,
				     NULL, 0);
	int rc = check(d, res);

	PQclear(res);
	return rc;
}

static int pg_listen(db *d, const char *channel)
{
	char sql[96];
	int rc;

	/* db.c let through only a plain lower-case name */
	snprintf(sql, sizeof sql, "LISTEN \"%s\"", channel);
	rc = pg_exec(d, sql);
	if (rc < 0)
		return rc;
	/* kept, to listen again after a reconnection */
	for (size_t i = 0; i < d->nchannels; i++)
		if (strcmp(d->channels[i], channel) == 0)
			return rc;
	d->channels = xrealloc(d->channels, (d->nchannels + 1) * sizeof *d->channels);
	d->channels[d->nchannels++] = xstrdup(channel);
	return rc;
}

static int pg_notice_wait(db *d, int timeout_ms, char *channel, size_t chlen, char *payload,
			  size_t paylen)
{
	PGnotify *n;

	for (int waited = 0;; waited = 1) {
		if (!PQconsumeInput(d->conn)) {
			set_err(d, PQerrorMessage(d->conn));
			d->lost = true;
			return DB_GONE;
		}
		n = PQnotifies(d->conn);
		if (n) {
			snprintf(channel, chlen, "%s", n->relname);
			snprintf(payload, paylen, "%s", n->extra);
			PQfreemem(n);
			return 1;
		}
		if (waited)
			return 0;
		{
			struct pollfd pfd = { .fd = PQsocket(d->conn), .events = POLLIN };
			int r;

			if (pfd.fd < 0) {
				set_err(d, "the connection to PostgreSQL is closed");
				d->lost = true;
				return DB_GONE;
			}
			r = poll(&pfd, 1, timeout_ms);
			if (r == 0)
				return 0;
			if (r < 0 && errno != EINTR) {
				set_err(d, strerror(errno));
				return DB_ERROR;
			}
		}
	}
}

/* Rewrite ? to $n outside '...' literals, "..." names and -- comments. */
static char *rewrite(const char *sql, int *nparams)
{
	struct buf b;
	int n = 0;

	buf_init(&b);
	for (const char *p = sql; *p; p++) {
		if (*p == '\'' || *p == '"') {
			char q = *p;

			buf_append(&b, p, 1);
			while (*++p) {
				buf_append(&b, p, 1);
				if (*p == q) {
					if (p[1] == q) { /* doubled quote */
						buf_append(&b, ++p, 1);
						continue;
					}
					break;
				}
			}
			if (!*p)
				break;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				buf_append(&b, p++, 1);
			if (!*p)
				break;
			buf_append(&b, p, 1);
		} else if (*p == '?') {
			buf_printf(&b, "$%d", ++n);
		} else {
			buf_append(&b, p, 1);
		}
	}
	*nparams = n;
	return buf_steal(&b);
}

static int pg_prepare(db *d, db_stmt **out, const char *sql)
{
	struct db_stmt *s = xcalloc(1, sizeof *s);

	s->c.be = &db_pgsql_backend;
	s->d = d;
	s->sql = rewrite(sql, &s->nparams);
	if (s->nparams > MAX_PARAMS) {
		set_err(d, "too many parameters in one statement");
		free(s->sql);
		free(s);
		return DB_ERROR;
	}
	s->values = xcalloc((size_t)s->nparams + 1, sizeof *s->values);
	s->types = xcalloc((size_t)s->nparams + 1, sizeof *s->types);
	*out = s;
	return DB_OK;
}

static int set_param(db_stmt *s, int idx, char *v, Oid type)
{
	if (idx < 1 || idx > s->nparams) {
		free(v);
		set_err(s->d, "parameter index out of range");
		return DB_ERROR;
	}
	free(s->values[idx - 1]);
	s->values[idx - 1] = v;
	s->types[idx - 1] = type;
	return DB_OK;
}

static int pg_bind_int64(db_stmt *s, int idx, int64_t v)
{
	return set_param(s, idx, xasprintf("%lld", (long long)v), INT8OID);
}

static int pg_bind_text(db_stmt *s, int idx, const char *v)
{
	return set_param(s, idx, v ? xstrdup(v) : NULL, v ? TEXTOID : 0);
}

static int pg_column_is_null(db_stmt *s, int col);

static int pg_bind_double(db_stmt *s, int idx, double v)
{
	/* 17 significant digits: the text reads back as the same double */
	return set_param(s, idx, xasprintf("%.17g", v), FLOAT8OID);
}

static double pg_column_double(db_stmt *s, int col)
{
	if (pg_column_is_null(s, col))
		return 0;
	return strtod(PQgetvalue(s->res, s->row, col), NULL);
}

static int pg_bind_null(db_stmt *s, int idx)
{
	return set_param(s, idx, NULL, 0);
}

static int pg_step(db_stmt *s)
{
	int rc;

	if (!s->res) {
		s->res = PQexecParams(s->d->conn, s->sql, s->nparams, s->types,
				      (const char *const *)s->values, NULL, NULL, 0);
		rc = check(s->d, s->res);
		if (rc < 0) {
			PQclear(s->res);
			s->res = NULL;
			return rc;
		}
		s->row = -1;
		s->nrows = PQntuples(s->res);
		s->changes = strtoll(PQcmdTuples(s->res)[0] ? PQcmdTuples(s->res) : "0", NULL, 10);
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DB_ROW;
	}
	return DB_DONE;
}

static int pg_reset(db_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	for (int i = 0; i < s->nparams; i++) {
		free(s->values[i]);
		s->values[i] = NULL;
		s->types[i] = 0;
	}
	return DB_OK;
}

static int pg_column_is_null(db_stmt *s, int col)
{
	return !s->res || s->row < 0 || PQgetisnull(s->res, s->row, col);
}

static int64_t pg_column_int64(db_stmt *s, int col)
{
	if (pg_column_is_null(s, col))
		return 0;
	return strtoll(PQgetvalue(s->res, s->row, col), NULL, 10);
}

static const char *pg_column_text(db_stmt *s, int col)
{
	if (pg_column_is_null(s, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static void pg_finalize(db_stmt *s)
{
	pg_reset(s);
	free(s->values);
	free(s->types);
	free(s->sql);
	free(s);
}

static int64_t pg_changes(db_stmt *s)
{
	return s->changes;
}

static int pg_column_count(db_stmt *s)
{
	return s->res ? PQnfields(s->res) : 0;
}

static const char *pg_column_name(db_stmt *s, int col)
{
	return s->res ? PQfname(s->res, col) : NULL;
}

static int pg_column_type(db_stmt *s, int col)
{
	Oid t;

	if (pg_column_is_null(s, col))
		return DB_NULL;
	t = PQftype(s->res, col);
	/* int2, int4, int8; float4, float8 */
	if (t == 20 || t == 21 || t == 23)
		return DB_INT;
	return t == 700 || t == 701 ? DB_REAL : DB_TEXT;
}

static int pg_identity_sync(db *d, const char *table)
{
	const char *params[1] = { table };
	char sql[300];
	PGresult *res;
	int rc;

	/* The table name is one of the schema's own (callers pass names from a
	 * fixed list); still, refuse anything but a plain identifier. */
	if (!*table || strlen(table) > 63 || strspn(table, "abcdefghijklmnopqrstuvwxyz_") != strlen(table)) {
		set_err(d, "not a table name");
		return DB_ERROR;
	}
	/* Only tables whose id is an identity column have a sequence; for the
	 * others pg_get_serial_sequence is NULL and nothing is done. */
	res = PQexecParams(d->conn,
			   "SELECT pg_get_serial_sequence($1, 'id') FROM information_schema.columns"
			   " WHERE table_schema = current_schema() AND table_name = $1"
			   " AND column_name = 'id'",
			   1, NULL, params, NULL, NULL, 0);
	rc = check(d, res);
	if (rc < 0 || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return rc;
	}
	PQclear(res);
	snprintf(sql, sizeof sql,
		 "SELECT setval(pg_get_serial_sequence('%s', 'id'),"
		 " (SELECT COALESCE(MAX(id), 0) + 1 FROM %s), false)",
		 table, table);
	return pg_exec(d, sql);
}

static bool pg_alive(db *d)
{
	return !d->lost && PQstatus(d->conn) == CONNECTION_OK;
}

/* The server's goodbye to an idle session (a FATAL message, then the end of
 * the stream) waits on the socket until someone reads it: read what is there,
 * without blocking.  False when that shows the session is over. */
static bool idle_session_ok(struct db *d)
{
	for (int i = 0; i < 4; i++) {
		struct pollfd pfd = { .fd = PQsocket(d->conn), .events = POLLIN };
		int r;

		if (pfd.fd < 0)
			return false;
		r = poll(&pfd, 1, 0);
		if (r == 0 || (r < 0 && errno == EINTR))
			return true; /* nothing came: as alive as can be told */
		if (r < 0)
			return false;
		/* a notification, a notice, or the goodbye: read it, and parse
		 * it (PQisBusy does), so that a FATAL message reaches on_notice;
		 * notifications stay queued in libpq for db_notice_wait() */
		if (!PQconsumeInput(d->conn))
			return false;
		(void)PQisBusy(d->conn);
		if (!pg_alive(d))
			return false;
	}
	return true;
}

static int pg_heal(db *d)
{
	if (pg_alive(d)) {
		/* in a transaction it is in use: its statements will tell */
		if (PQtransactionStatus(d->conn) != PQTRANS_IDLE || idle_session_ok(d))
			return DB_OK;
		set_err(d, PQerrorMessage(d->conn));
		d->lost = true;
	}
	/* connect again with the parameters it was opened with */
	PQreset(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		set_err(d, PQerrorMessage(d->conn));
		return DB_GONE;
	}
	d->lost = false;
	d->leader_tuned = false;
	d->err[0] = '\0';
	if (session_setup(d) < 0) {
		d->lost = true;
		return DB_GONE;
	}
	db_count_reconnect();
	return 1;
}

static void pg_set_name(db *d, const char *name)
{
	const char *params[1] = { name };

	snprintf(d->name, sizeof d->name, "%s", name);
	if (pg_alive(d))
		run_params(d, "SELECT set_config('application_name', $1, false)", 1, params, NULL);
}

static int64_t pg_session_id(db *d)
{
	return pg_alive(d) ? PQbackendPID(d->conn) : 0;
}

const struct db_backend db_pgsql_backend = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.errmsg = pg_errmsg,
	.exec = pg_exec,
	.begin_read = pg_begin_read,
	.begin_write = pg_begin_write,
	.lock_chain = pg_lock_chain,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.bind_double = pg_bind_double,
	.column_double = pg_column_double,
	.step = pg_step,
	.reset = pg_reset,
	.column_is_null = pg_column_is_null,
	.column_int64 = pg_column_int64,
	.column_text = pg_column_text,
	.finalize = pg_finalize,
	.changes = pg_changes,
	.column_count = pg_column_count,
	.column_name = pg_column_name,
	.column_type = pg_column_type,
	.identity_sync = pg_identity_sync,
	.alive = pg_alive,
	.heal = pg_heal,
	.set_name = pg_set_name,
	.session_id = pg_session_id,
	.multinode = true,
	.lease_hold = pg_lease_hold,
	.lease_release = pg_lease_release,
	.lease_check = pg_lease_check,
	.notify = pg_notify,
	.listen = pg_listen,
	.notice_wait = pg_notice_wait,
	.id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
	.list_tables_sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
			   " ORDER BY tablename",
};
