/*
 * accept — the common ingest path.
 */
#include "ingest/accept.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#include "base/clock.h"
#include "base/log.h"
#include "core/her.h"
#include "ingest/commit.h"
#include "monitor/node.h"
#include "store/monitor.h"
#include "vigil.h"

static atomic_ullong n_stored, n_dup, n_unknown, n_rejected;
/* The unregistered-device warning: one line a second at most, so that a
 * flood of made-up identifiers cannot fill the log; the lines it held back
 * are counted on the next one (and all are in /metrics, vigil_fixes_total
 * {result="unknown_device"}). */
static atomic_llong unknown_logged_at;
static atomic_ullong unknown_held;

static void log_unknown(const char *uid, int64_t now)
{
	long long last = atomic_load(&unknown_logged_at);
	unsigned long long held;

	if (now - last < 1000 || !atomic_compare_exchange_strong(&unknown_logged_at, &last, now)) {
		atomic_fetch_add(&unknown_held, 1);
		return;
	}
	held = atomic_exchange(&unknown_held, 0);
	/* the uid is not a location: safe to log, and the operator needs it */
	if (held)
		log_warn("fix from unregistered device '%.64s' refused (and %llu more from "
			 "unregistered devices in the last seconds)", uid, held);
	else
		log_warn("fix from unregistered device '%.64s' refused", uid);
}

void ingest_counters(unsigned long long *stored, unsigned long long *duplicates,
		     unsigned long long *unknown, unsigned long long *rejected)
{
	*stored = atomic_load(&n_stored);
	*duplicates = atomic_load(&n_dup);
	*unknown = atomic_load(&n_unknown);
	*rejected = atomic_load(&n_rejected);
}

/* A group's devices: each uid once, in strcmp order, with its id (0: not
 * registered).  Looked up 64 at a time rather than one by one: on
 * PostgreSQL every statement is a round trip, and an OsmAnd group is a fix
 * from each of many phones. */
struct known {
	const char *uid;
	int64_t id;
	bool victim; /* her phone or alarm: its positions are sealed */
};

struct known_set {
	struct known *k;
	size_t n;
};

static int by_uid(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct known *known_find(const struct known_set *ks, const char *uid)
{
	return bsearch(&uid, ks->k, ks->n, sizeof *ks->k, by_uid);
}

static int known_found(const struct device *dv, void *arg)
{
	struct known *k = known_find(arg, dv->uid);

	if (k) {
		k->id = dv->id;
		k->victim = strcmp(dv->kind, "offender_tag") != 0;
	}
	return 0;
}

static int lookup_devices(db *d, const struct fix *f, size_t n, struct known_set *ks)
{
	const char **uids = xcalloc(n ? n : 1, sizeof *uids);
	size_t m = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		uids[i] = f[i].uid;
	qsort(uids, n, sizeof *uids, by_uid);
	for (size_t i = 0; i < n; i++)
		if (!m || strcmp(uids[i], uids[m - 1]))
			uids[m++] = uids[i];
	ks->k = xcalloc(m ? m : 1, sizeof *ks->k);
	ks->n = m;
	for (size_t i = 0; i < m; i++)
		ks->k[i].uid = uids[i];
	rc = device_each_of_uids(d, uids, m, known_found, ks);
	free(uids);
	return rc;
}

/* Check one fix whose device is known: ACCEPT_STORED meaning "may be stored". */
static int check(db *d, const struct known_set *ks, struct fix *f, int64_t now, int64_t skew_ms,
		 bool *victim, char *why, size_t whylen)
{
	const struct known *k = known_find(ks, f->uid);

	*victim = k && k->victim;
	/* her app's device reports through her session only: under its uid (which
	 * the centre's staff see) from a device port or the API, a fix could raise
	 * a false panic for her or move "her" away from him */
	if (!(f->flags & FIX_FROM_HER) &&
	    !strncmp(f->uid, HER_DEVICE_PREFIX, strlen(HER_DEVICE_PREFIX))) {
		snprintf(why, whylen, "device '%s' reports through her app only", f->uid);
		return ACCEPT_REJECTED;
	}

	if (!k || !k->id) {
		atomic_fetch_add(&n_unknown, 1);
		log_unknown(f->uid, now);
		snprintf(why, whylen, "device '%s' is not registered", f->uid);
		return ACCEPT_UNKNOWN;
	}
	f->device_id = k->id;
	/* a panic is raised even when the reading beside it is garbage */
	if (fix_salvage_event(f, now))
		log_warn("device %lld: an event report's impossible readings dropped, the event kept",
			 (long long)k->id);
	if (fix_check(f, now, why, whylen) < 0) {
		atomic_fetch_add(&n_rejected, 1);
		return device_count_rejected(d, k->id) < 0 ? ACCEPT_ERROR : ACCEPT_REJECTED;
	}
	/* ahead of our clock by more than the skew allowed: kept, flagged, and
	 * out of the rules (engine.c: a clock fault on the desk) */
	if (f->at > now + skew_ms)
		f->flags |= FIX_CLOCK_AHEAD;
	return ACCEPT_STORED;
}

int ingest_accept_batch(struct vigil *v, db *d, struct fix *f, size_t n, int *results,
			char (*why)[160])
{
	int64_t now = clock_now_ms();
	int rc, forwarded = 0;
	bool began;

	/* through the committer, in one transaction with other callers' fixes;
	 * it stores them by calling here again with its own connection */
	if (v->committer && !committer_owns(v->committer, d))
		return committer_accept(v->committer, f, n, results, why);

	int *skip = xcalloc(n, sizeof *skip), *stored = xcalloc(n, sizeof *stored);
	bool *victim = xcalloc(n, sizeof *victim);
	struct known_set ks = { NULL, 0 };

	/* one transaction from the lookup on: read on their own, the devices
	 * would be a read transaction of their own, with its locks */
	rc = db_begin_write(d);
	began = rc >= 0;
	if (rc >= 0)
		rc = lookup_devices(d, f, n, &ks);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		why[i][0] = '\0';
		results[i] = check(d, &ks, &f[i], now, v->cfg.clock_skew_ms, &victim[i], why[i],
				   sizeof why[i]);
		if (results[i] == ACCEPT_ERROR)
			rc = DB_ERROR;
		/* an event report has no position to keep in the history */
		skip[i] = results[i] != ACCEPT_STORED || (f[i].flags & FIX_NO_POSITION);
	}
	if (rc >= 0)
		rc = fix_store_many(d, f, skip, victim, n, now, stored);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		if (!skip[i] && !stored[i])
			results[i] = ACCEPT_DUPLICATE;
	/* a panic or a tamper is kept until an engine has applied it */
	for (size_t i = 0; rc >= 0 && i < n; i++)
		if (results[i] == ACCEPT_STORED && (f[i].flags & DEVICE_REPORT_FLAGS))
			rc = device_report_store(d, &f[i], victim[i], now);
	free(skip);
	free(victim);
	free(stored);
	free(ks.k);
	/* on a standby, the leader's engine hears of the fixes with the commit */
	if (rc >= 0)
		rc = forwarded = node_fixes_forward(v->node, d, f, results, n, ACCEPT_STORED);
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0) {
		log_error("cannot store fixes: %s", db_errmsg(d));
		if (began)
			db_rollback(d);
		return ACCEPT_ERROR;
	}
	/* durable now: hand them to the engine */
	if (!forwarded)
		node_fixes_stored(v->node, d, f, results, n, ACCEPT_STORED);
	for (size_t i = 0; i < n; i++) {
		if (results[i] == ACCEPT_STORED)
			atomic_fetch_add(&n_stored, 1);
		else if (results[i] == ACCEPT_DUPLICATE)
			atomic_fetch_add(&n_dup, 1);
	}
	return 0;
}

enum accept_result ingest_accept(struct vigil *v, db *d, struct fix *f, char *why, size_t whylen)
{
	char w[1][160];
	int result;

	if (ingest_accept_batch(v, d, f, 1, &result, w) < 0)
		return ACCEPT_ERROR;
	snprintf(why, whylen, "%s", w[0]);
	return (enum accept_result)result;
}
