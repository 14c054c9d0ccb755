/*
 * node — see node.h.  The node thread owns the node's connection (the
 * leadership and the notifications); request and ingest threads read the
 * engine pointer under a read lock, which the node thread takes for writing
 * only to put an engine in or take it out.
 */
#include "monitor/node.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "notify/notify.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/stream.h"
#include "store/monitor.h"
#include "vigil.h"

#define ROLE "engine"             /* the leadership's name */
#define ENGINE_CHANNEL "vigil_engine"
#define POLL_MS 1000              /* a standby asks for the leadership this often */
#define SLICE_MS 200              /* and looks at node_stop() this often */

struct node {
	struct vigil *v;
	struct engine_config ecfg;
	bool multinode;
	pthread_rwlock_t lock;    /* guards engine */
	struct engine *engine;    /* NULL while standing by */
	db *conn;                 /* node thread: leadership and LISTEN; NULL while reconnecting */
	pthread_t thread;
	bool have_thread;
	atomic_bool stopping;
	atomic_bool leads;
	atomic_uint_fast64_t takeovers;
};

/* ---- the engine in and out ------------------------------------------------ */

static int lead(struct node *n, char *err, size_t errlen)
{
	struct engine *e;

	if (engine_start(n->v, &n->ecfg, &e, err, errlen) < 0)
		return -1;
	pthread_rwlock_wrlock(&n->lock);
	n->engine = e;
	atomic_store(&n->leads, true);
	pthread_rwlock_unlock(&n->lock);
	/* and the webhooks: what the node before (or this one before a restart)
	 * had not delivered */
	notifier_resume(n->v->notifier);
	return 0;
}

/* Stop the engine.  abandon: the leadership is lost, so what is queued is
 * dropped rather than applied (the new leader rebuilds from the database);
 * else (shutdown, still leading) it is applied first. */
static void step_down(struct node *n, bool abandon)
{
	struct engine *e;

	pthread_rwlock_wrlock(&n->lock);
	e = n->engine;
	n->engine = NULL;
	atomic_store(&n->leads, false);
	pthread_rwlock_unlock(&n->lock);
	if (e && abandon) {
		engine_abandon(e);
		notifier_drop(n->v->notifier); /* the new leader resumes them */
	}
	engine_stop(e);
}

/* ---- the node's connection ----------------------------------------------- */

static int connect_node(struct node *n, char *err, size_t errlen)
{
	db *d;

	if (db_open(&d, n->v->cfg.db_url, err, errlen) < 0)
		return -1;
	db_set_name(d, "vigil node");
	if (db_listen(d, ENGINE_CHANNEL) < 0 || db_listen(d, STREAM_CHANNEL) < 0) {
		snprintf(err, errlen, "cannot listen for the other nodes: %s", db_errmsg(d));
		db_close(d);
		return -1;
	}
	n->conn = d;
	return 0;
}

/* The connection failed: whatever it held is gone. */
static void lose_connection(struct node *n, const char *msg)
{
	char why[300];
	size_t k = 0;

	/* libpq's messages run over several lines: one log line each */
	for (const char *p = msg; *p && k + 1 < sizeof why; p++) {
		char ch = *p == '\n' || *p == '\t' ? ' ' : *p;

		if (ch != ' ' || (k && why[k - 1] != ' '))
			why[k++] = ch;
	}
	while (k && why[k - 1] == ' ')
		k--;
	why[k] = '\0';
	if (atomic_load(&n->leads)) {
		step_down(n, true);
		log_error("lost the database connection that held the monitoring engine (%s): "
			  "stopped the engine until a node (this one or another) takes the lock", why);
	} else {
		log_warn("lost the node's database connection (%s): reconnecting", why);
	}
	db_close(n->conn);
	n->conn = NULL;
}

/* ---- fixes between nodes --------------------------------------------------- */

static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null(); /* json_real refuses inf */
}

/* A fix as a notification payload: every field the engine uses (an event
 * report may have no position: NaN goes as null).  NULL if the uid is not
 * UTF-8, which a registered device's cannot be. */
static char *fix_payload(const struct fix *f)
{
	json_t *o = json_pack("{s:I, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "device",
			      (json_int_t)f->device_id, "uid", f->uid, "at", (json_int_t)f->at,
			      "lat", num(f->lat), "lon", num(f->lon), "accuracy", num(f->accuracy),
			      "speed", num(f->speed), "heading", num(f->heading), "altitude",
			      num(f->altitude), "battery", num(f->battery), "flags",
			      (json_int_t)f->flags);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return text;
}

static int opt_num(json_t *o, const char *key, double *out)
{
	json_t *x = json_object_get(o, key);

	if (json_is_null(x)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(x))
		return -1;
	*out = json_number_value(x);
	return 0;
}

/* Read a payload back, refusing anything that is not a whole, possible fix:
 * the eleven fields fix_payload() writes and no others. */
static int fix_parse(const char *text, struct fix *f, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	json_int_t dev, at, flags;
	const char *uid;
	int rc = -1;

	fix_init(f);
	if (!o || json_unpack_ex(o, &jerr, 0, "{s:I, s:s, s:I, s:I}", "device", &dev, "uid", &uid,
				 "at", &at, "flags", &flags) < 0) {
		snprintf(why, whylen, "%s", jerr.text);
		goto out;
	}
	if (json_object_size(o) != 11 || dev <= 0 || strlen(uid) > FIX_UID_MAX || flags < 0 ||
	    flags > 0xffff || opt_num(o, "lat", &f->lat) < 0 || opt_num(o, "lon", &f->lon) < 0 ||
	    opt_num(o, "accuracy", &f->accuracy) < 0 ||
	    opt_num(o, "speed", &f->speed) < 0 || opt_num(o, "heading", &f->heading) < 0 ||
	    opt_num(o, "altitude", &f->altitude) < 0 || opt_num(o, "battery", &f->battery) < 0) {
		snprintf(why, whylen, "a field is missing, unknown, out of range or not a number");
		goto out;
	}
	f->device_id = dev;
	f->at = at;
	f->flags = (unsigned)flags;
	snprintf(f->uid, sizeof f->uid, "%s", uid);
	rc = fix_check(f, clock_now_ms(), why, whylen);
out:
	json_decref(o);
	return rc;
}

int node_fixes_forward(struct node *n, db *d, const struct fix *f, const int *results,
		       size_t count, int stored_value)
{
	if (!n || !n->multinode || atomic_load(&n->leads))
		return 0;
	for (size_t i = 0; i < count; i++) {
		char *payload, *msg;
		int rc;

		if (results[i] != stored_value)
			continue;
		payload = fix_payload(&f[i]);
		if (!payload)
			return DB_ERROR;
		msg = xasprintf("fix %s", payload);
		rc = db_notify(d, ENGINE_CHANNEL, msg);
		free(msg);
		free(payload);
		if (rc < 0)
			return rc;
	}
	return 1;
}

void node_fixes_stored(struct node *n, db *d, const struct fix *f, const int *results,
		       size_t count, int stored_value)
{
	int forwarded;

	if (!n)
		return;
	pthread_rwlock_rdlock(&n->lock);
	if (n->engine) {
		engine_submit_many(n->engine, f, results, count, stored_value);
		pthread_rwlock_unlock(&n->lock);
		return;
	}
	pthread_rwlock_unlock(&n->lock);
	/* the leadership went between the store and now: tell whoever leads */
	forwarded = node_fixes_forward(n, d, f, results, count, stored_value);
	if (forwarded < 0)
		log_error("cannot pass %zu stored fixes to the engine's node: %s", count,
			  db_errmsg(d));
}

/* ---- configuration ----------------------------------------------------------- */

int node_config_changing(struct node *n, db *d, int64_t changed)
{
	char msg[48];

	if (!n || !n->multinode)
		return 0;
	if (changed > 0)
		snprintf(msg, sizeof msg, "reload case %lld", (long long)changed);
	else
		snprintf(msg, sizeof msg, "%s",
			 changed == NODE_CHANGED_DEVICES ? "reload devices" : "reload");
	return db_notify(d, ENGINE_CHANNEL, msg);
}

static void reload(struct engine *e, int64_t changed)
{
	if (changed > 0)
		engine_reload_case(e, changed);
	else if (changed == NODE_CHANGED_DEVICES)
		engine_reload_devices(e);
	else
		engine_reload(e);
}

void node_config_changed(struct node *n, int64_t changed)
{
	/* The leader reads at once, before any fix that follows the change is
	 * queued (its notification comes later through the node thread and
	 * reads once more, which is harmless: changes are rare).  A standby's
	 * notification reaches the leader before any fix committed after it. */
	if (!n)
		return;
	pthread_rwlock_rdlock(&n->lock);
	if (n->engine)
		reload(n->engine, changed);
	pthread_rwlock_unlock(&n->lock);
}

/* ---- reading ------------------------------------------------------------------- */

bool node_leads(struct node *n)
{
	return n && atomic_load(&n->leads);
}

bool node_device_live(struct node *n, db *d, int64_t device_id, struct device_live *out)
{
	struct fix f;
	int rc, lost;

	if (!n)
		return false;
	pthread_rwlock_rdlock(&n->lock);
	if (n->engine) {
		bool found = engine_device_live(n->engine, device_id, out);

		pthread_rwlock_unlock(&n->lock);
		return found;
	}
	pthread_rwlock_unlock(&n->lock);
	/* a standby: what the database knows (not charging, which is not stored) */
	memset(out, 0, sizeof *out);
	out->battery = NAN;
	rc = fix_latest(d, device_id, &f);
	if (rc < 0)
		return false;
	if (rc == 1) {
		out->have_fix = true;
		out->fix_at = f.at;
		out->lat = f.lat;
		out->lon = f.lon;
		out->accuracy = isnan(f.accuracy) ? FIX_DEFAULT_ACCURACY : f.accuracy;
		out->battery = f.battery;
	}
	lost = alert_raised_since(d, device_id, 0, "lost_signal", rc == 1 ? f.at : 0);
	out->lost = lost == 1;
	return true;
}

void node_metrics(struct node *n, struct buf *out)
{
	buf_printf(out,
		   "# HELP vigil_engine_leader Whether this node runs the monitoring engine.\n"
		   "# TYPE vigil_engine_leader gauge\n"
		   "vigil_engine_leader %d\n"
		   "# HELP vigil_engine_takeovers_total Times this node took the engine over from "
		   "another.\n"
		   "# TYPE vigil_engine_takeovers_total counter\n"
		   "vigil_engine_takeovers_total %llu\n",
		   node_leads(n) ? 1 : 0, (unsigned long long)atomic_load(&n->takeovers));
	pthread_rwlock_rdlock(&n->lock);
	if (n->engine) {
		size_t devices, bytes = engine_memory(n->engine, &devices);

		/* the engine's own accounting of what it holds: device state,
		 * zones and their rings, per-zone tracks (not the queue) */
		buf_printf(out,
			   "# HELP vigil_engine_devices Devices the monitoring engine holds.\n"
			   "# TYPE vigil_engine_devices gauge\n"
			   "vigil_engine_devices %zu\n"
			   "# HELP vigil_engine_memory_bytes The monitoring engine's state in bytes.\n"
			   "# TYPE vigil_engine_memory_bytes gauge\n"
			   "vigil_engine_memory_bytes %zu\n",
			   devices, bytes);
	}
	pthread_rwlock_unlock(&n->lock);
}

/* ---- the node thread ------------------------------------------------------------- */

static void notice(struct node *n, const char *channel, const char *payload)
{
	if (strcmp(channel, STREAM_CHANNEL) == 0) {
		stream_wake(n->v->stream);
		return;
	}
	if (strcmp(channel, ENGINE_CHANNEL) != 0)
		return;
	/* for the engine: nothing to do on a standby */
	pthread_rwlock_rdlock(&n->lock);
	if (n->engine) {
		long long id;
		char end;

		if (strcmp(payload, "reload") == 0) {
			reload(n->engine, NODE_CHANGED_ALL);
		} else if (strcmp(payload, "reload devices") == 0) {
			reload(n->engine, NODE_CHANGED_DEVICES);
		} else if (sscanf(payload, "reload case %lld%c", &id, &end) == 1 && id > 0) {
			reload(n->engine, id);
		} else if (strncmp(payload, "fix ", 4) == 0) {
			struct fix f;
			char why[160];

			if (fix_parse(payload + 4, &f, why, sizeof why) == 0)
				engine_submit(n->engine, &f);
			else
				log_warn("a fix passed by another node is refused: %s", why);
		} else {
			log_warn("an unknown notification on %s is ignored", ENGINE_CHANNEL);
		}
	}
	pthread_rwlock_unlock(&n->lock);
}

static void *run(void *arg)
{
	struct node *n = arg;
	int64_t next_poll = clock_now_ms() + POLL_MS, next_connect = 0, backoff = POLL_MS;
	char err[512], channel[64], payload[DB_NOTIFY_MAX + 1];
	bool warned = false;

	while (!atomic_load(&n->stopping)) {
		int64_t now = clock_now_ms();
		int rc, wait;

		if (!n->conn) {
			if (now < next_connect) {
				nanosleep(&(struct timespec){ 0, SLICE_MS * 1000000L }, NULL);
				continue;
			}
			next_connect = now + POLL_MS;
			if (connect_node(n, err, sizeof err) < 0) {
				if (!warned)
					log_warn("the node cannot reach the database, trying every second: %s",
						 err);
				warned = true;
				continue;
			}
			warned = false;
			log_info("the node's database connection is back");
			stream_wake(n->v->stream); /* events may have come meanwhile */
			next_poll = now;
		}
		/* the engine's own connection died: give the lock up with this
		 * node's connection, so that a node (this one or another) starts
		 * an engine on a new connection, rebuilt from the database */
		if (atomic_load(&n->leads) && n->engine && engine_broken(n->engine)) {
			lose_connection(n, "the monitoring engine's own database connection died");
			next_connect = clock_now_ms();
			continue;
		}
		if (now >= next_poll) {
			next_poll = now + POLL_MS;
			rc = db_lead(n->conn, ROLE);
			if (rc < 0) {
				lose_connection(n, db_errmsg(n->conn));
				continue;
			}
			if (rc == 1 && !atomic_load(&n->leads)) {
				int64_t t0 = clock_now_ms();

				if (lead(n, err, sizeof err) < 0) {
					/* let another node try: the leadership goes with the
					 * connection, and this node waits longer each time
					 * (up to 30 s) so that a healthy standby wins it */
					log_error("cannot take over the monitoring engine (trying again in "
						  "%lld s): %s", (long long)(backoff / 1000), err);
					db_close(n->conn);
					n->conn = NULL;
					next_connect = clock_now_ms() + backoff;
					backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
					continue;
				}
				backoff = POLL_MS;
				atomic_fetch_add(&n->takeovers, 1);
				log_info("took over the monitoring engine (state rebuilt in %lld ms)",
					 (long long)(clock_now_ms() - t0));
			} else if (rc == 0 && atomic_load(&n->leads)) {
				step_down(n, true);
				log_error("another node holds the monitoring engine's lock: stopped the engine");
			}
		}
		wait = (int)(next_poll - clock_now_ms());
		wait = wait < 0 ? 0 : wait > SLICE_MS ? SLICE_MS : wait;
		rc = db_notice_wait(n->conn, wait, channel, sizeof channel, payload, sizeof payload);
		if (rc < 0)
			lose_connection(n, db_errmsg(n->conn));
		else if (rc == 1)
			notice(n, channel, payload);
	}
	return NULL;
}

int node_start(struct vigil *v, const struct engine_config *ec, struct node **out, char *err,
	       size_t errlen)
{
	struct node *n = xcalloc(1, sizeof *n);
	db *d;
	int rc;

	n->v = v;
	n->ecfg = *ec;
	{
		/* writers first: a step-down must not wait behind a stream of
		 * readers (ingest and HTTP threads) while a stale engine runs */
		pthread_rwlockattr_t attr;

		pthread_rwlockattr_init(&attr);
		pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&n->lock, &attr);
		pthread_rwlockattr_destroy(&attr);
	}
	if (db_open(&d, v->cfg.db_url, err, errlen) < 0)
		goto fail;
	n->multinode = db_multinode(d);
	if (!n->multinode) {
		/* one node: it leads, and needs no connection of its own */
		db_close(d);
		if (lead(n, err, errlen) < 0)
			goto fail;
		*out = n;
		return 0;
	}
	db_close(d);
	if (connect_node(n, err, errlen) < 0)
		goto fail;
	rc = db_lead(n->conn, ROLE);
	if (rc < 0) {
		snprintf(err, errlen, "cannot ask for the monitoring engine's lock: %s",
			 db_errmsg(n->conn));
		goto fail;
	}
	if (rc == 1) {
		if (lead(n, err, errlen) < 0)
			goto fail;
		log_info("this node runs the monitoring engine");
	} else {
		log_info("standing by: another node runs the monitoring engine");
	}
	if (pthread_create(&n->thread, NULL, run, n) != 0) {
		snprintf(err, errlen, "cannot start the node's thread");
		goto fail;
	}
	n->have_thread = true;
	*out = n;
	return 0;
fail:
	node_stop(n);
	return -1;
}

void node_stop(struct node *n)
{
	if (!n)
		return;
	atomic_store(&n->stopping, true);
	if (n->have_thread)
		pthread_join(n->thread, NULL);
	/* apply what is queued while the lock is still held, then let it go */
	step_down(n, false);
	db_close(n->conn);
	pthread_rwlock_destroy(&n->lock);
	free(n);
}
