/*
 * node — see node.h.  The node thread owns the node's connection (the lease
 * and the notifications); request and ingest threads read the engine
 * pointer under a read lock, which the node thread takes for writing only to
 * put an engine in or take it out.
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
#include <unistd.h>

#include "base/clock.h"
#include "base/secret.h"
#include "base/log.h"
#include "base/mem.h"
#include "monitor/sinks.h"
#include "store/monitor.h"
#include "vigil.h"

#define ROLE "engine"             /* the lease's name */
#define ENGINE_CHANNEL "vigil_engine"
#define POLL_MS 1000              /* the leader renews its lease, a standby asks for it, this often */
#define LEASE_MS 5000             /* a grant or a renewal lasts this long, on the database's clock */
/* The leader counts its lease as run out this much before the deadline it
 * was given, from the moment it asked (before the database's clock read the
 * time it was given from): so it stops acting before any other node can be
 * granted the lease, whatever the delays on the way. */
#define LEASE_MARGIN_MS 1000
#define SLICE_MS 200              /* and looks at node_stop() this often */

struct node {
	struct vigil *v;
	struct engine_config ecfg;
	bool multinode;
	pthread_rwlock_t lock;    /* guards engine */
	struct engine *engine;    /* NULL while standing by */
	db *conn;                 /* node thread: the lease and LISTEN */
	struct db_lease lease;    /* node thread */
	/* while leading: the lease's deadline on the monotonic clock (ms) */
	atomic_llong lease_until;
	bool conn_lost;           /* node thread: said in the log, not yet back */
	/* node thread: fixes a stopped engine had queued and not applied, for
	 * the next engine here or, if another node leads, for that one */
	struct fix *held;
	size_t nheld;
	int64_t next_ask;         /* node thread: no asking for the lease before (backoff) */
	int64_t backoff;
	pthread_t thread;
	bool have_thread;
	atomic_bool stopping;
	atomic_bool leads;
	atomic_uint_fast64_t takeovers;
};

static int64_t mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

/* Within the lease's deadline, as this node measures it? */
static bool lease_current(struct node *n)
{
	return !n->multinode || mono_ms() < atomic_load(&n->lease_until);
}

/* ---- the engine in and out ------------------------------------------------ */

static int lead(struct node *n, char *err, size_t errlen)
{
	struct engine *e;

	if (n->multinode) {
		n->ecfg.lease_until_ms = &n->lease_until;
		n->ecfg.lease_role = ROLE;
		n->ecfg.lease_epoch = n->lease.epoch;
	}
	if (engine_start(n->v, &n->ecfg, &e, err, errlen) < 0)
		return -1;
	pthread_rwlock_wrlock(&n->lock);
	n->engine = e;
	atomic_store(&n->leads, true);
	pthread_rwlock_unlock(&n->lock);
	/* and the webhooks: what the node before (or this one before a restart)
	 * had not delivered */
	sinks_leading(n->v->sinks, true);
	return 0;
}

/* Stop the engine.  abandon: the lease is lost, or may be (its deadline
 * passed), or the engine's connection died, so what is queued is not applied
 * by it but held for the next engine: this node's if it still holds the
 * lease, else the node that leads now (hand_on()); else (shutdown, still
 * leading) it is applied first. */
static void step_down(struct node *n, bool abandon)
{
	struct engine *e;

	pthread_rwlock_wrlock(&n->lock);
	e = n->engine;
	n->engine = NULL;
	atomic_store(&n->leads, false);
	pthread_rwlock_unlock(&n->lock);
	if (e && abandon) {
		struct fix *queued;
		size_t k = engine_abandon(e, &queued);

		sinks_leading(n->v->sinks, false); /* the next leader resumes them */
		engine_stop(e);
		if (k) {
			n->held = xrealloc(n->held, (n->nheld + k) * sizeof *n->held);
			memcpy(n->held + n->nheld, queued, k * sizeof *queued);
			n->nheld += k;
		}
		free(queued);
		return;
	}
	engine_stop(e);
}

/* ---- the node's connection ----------------------------------------------- */

static int listen_on(const char *channel, void *arg)
{
	return db_listen(arg, channel);
}

static int connect_node(struct node *n, char *err, size_t errlen)
{
	db *d;

	if (db_open(&d, n->v->cfg.db_url, err, errlen) < 0)
		return -1;
	db_set_name(d, "vigil node");
	db_set_keys(d, n->v->keys); /* a standby reads a device's newest fix */
	if (db_listen(d, ENGINE_CHANNEL) < 0 ||
	    sinks_notice_channels(n->v->sinks, listen_on, d) < 0) {
		snprintf(err, errlen, "cannot listen for the other nodes: %s", db_errmsg(d));
		db_close(d);
		return -1;
	}
	n->conn = d;
	return 0;
}

/* The node's connection failed: say so once (it is healed at the next ask). */
static void connection_failed(struct node *n)
{
	if (n->conn_lost)
		return;
	n->conn_lost = true;
	log_warn("the node's database connection failed (%s): connecting again every second%s",
		 db_errmsg(n->conn),
		 atomic_load(&n->leads) ? "; the engine runs on until its lease's deadline" : "");
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
	if (!n || !n->multinode || node_leads(n))
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
	/* within the lease's deadline now, so before any other node could be
	 * granted it by its running out: the commit was too, and this engine
	 * has the fixes (a grant because this node's own session ended ends
	 * the engine's session too: the engine stops, and hands its queue on) */
	if (n->engine && lease_current(n)) {
		engine_submit_many(n->engine, f, results, count, stored_value);
		pthread_rwlock_unlock(&n->lock);
		return;
	}
	pthread_rwlock_unlock(&n->lock);
	/* the leadership went between the store and now (or may have: this
	 * node was stopped past its lease's deadline): tell whoever leads */
	forwarded = node_fixes_forward(n, d, f, results, count, stored_value);
	if (forwarded < 0)
		log_error("cannot pass %zu stored fixes to the engine's node: %s", count,
			  db_errmsg(d));
}

/* The fixes a stopped engine had queued and not applied (node thread): to
 * this node's new engine, or (to_engine NULL) to whoever leads now, on the
 * node's connection, as a standby passes what it stores.  Their alerts are
 * not raised twice: an engine looks for an unresolved alert first, and an
 * older fix than one it applied fires nothing. */
static void hand_on(struct node *n, struct engine *to_engine)
{
	size_t sent = 0;

	if (!n->nheld)
		return;
	if (to_engine) {
		for (size_t i = 0; i < n->nheld; i++)
			engine_submit(to_engine, &n->held[i]);
		sent = n->nheld;
	}
	for (size_t i = 0; !to_engine && i < n->nheld && db_alive(n->conn); i++) {
		char *payload = fix_payload(&n->held[i]), *msg;

		if (!payload)
			continue;
		msg = xasprintf("fix %s", payload);
		if (db_notify(n->conn, ENGINE_CHANNEL, msg) >= 0)
			sent++;
		free(msg);
		free(payload);
	}
	if (sent < n->nheld)
		log_warn("%zu fix(es) a stopped engine had queued could not be passed on (the next "
			 "engine applies each device's newest again)", n->nheld - sent);
	free(n->held);
	n->held = NULL;
	n->nheld = 0;
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
	return n && atomic_load(&n->leads) && lease_current(n);
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
	if (rc == DB_SEALED) {
		/* her device's newest position will not open: no position, said */
		log_error("device %lld: %s", (long long)device_id, db_note(d));
		rc = 0;
	}
	if (rc < 0)
		return false;
	if (rc == 1) {
		out->have_fix = true;
		out->fix_at = f.at;
		out->lat = f.lat;
		out->lon = f.lon;
		out->accuracy = f.accuracy;
		if (isnan(f.accuracy)) {
			/* it reported none: its kind's assumption, as the engine takes it */
			struct device dv;

			out->accuracy_assumed = true;
			out->accuracy = fix_assumed_accuracy(device_get_by_id(d, device_id, &dv) == 1
								     ? dv.kind
								     : NULL);
		}
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
		uint64_t applied;
		size_t queued = engine_queued(n->engine, &applied);

		/* the engine's own accounting of what it holds: device state,
		 * zones and their rings, per-zone tracks (not the queue) */
		buf_printf(out,
			   "# HELP vigil_engine_devices Devices the monitoring engine holds.\n"
			   "# TYPE vigil_engine_devices gauge\n"
			   "vigil_engine_devices %zu\n"
			   "# HELP vigil_engine_memory_bytes The monitoring engine's state in bytes.\n"
			   "# TYPE vigil_engine_memory_bytes gauge\n"
			   "vigil_engine_memory_bytes %zu\n"
			   "# HELP vigil_engine_queued Stored fixes waiting for the engine to judge them.\n"
			   "# TYPE vigil_engine_queued gauge\n"
			   "vigil_engine_queued %zu\n"
			   "# HELP vigil_engine_fixes_judged_total Fixes the engine has judged since it "
			   "started.\n"
			   "# TYPE vigil_engine_fixes_judged_total counter\n"
			   "vigil_engine_fixes_judged_total %llu\n",
			   devices, bytes, queued, (unsigned long long)applied);
	}
	pthread_rwlock_unlock(&n->lock);
}

/* ---- the node thread ------------------------------------------------------------- */

static void notice(struct node *n, const char *channel, const char *payload)
{
	/* alert events of another node (the streams read them), a command for
	 * a tag whose session may be here or its answer: the subscribers' */
	if (strcmp(channel, ENGINE_CHANNEL) != 0) {
		sinks_notice(n->v->sinks, channel, payload);
		return;
	}
	/* for the engine: nothing to do on a standby.  A leader past its
	 * lease's deadline queues it all the same: its engine waits, and applies
	 * it if the lease is renewed, or hands it on if the lease is lost (the
	 * node granted it hears the notification too) */
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

/* Ask for the lease, or renew it (node thread, every POLL_MS), and start or
 * stop the engine by the answer. */
static void ask(struct node *n)
{
	int64_t sessions[2], t0;
	char err[512];
	int rc, k = 0;

	rc = db_heal(n->conn);
	if (rc < 0) {
		connection_failed(n);
		return;
	}
	if (rc == 1 && !n->conn_lost)
		log_warn("the node's database connection had been ended by the server: connected again");
	else if (rc == 1 || n->conn_lost)
		log_info("the node's database connection is back");
	if (rc == 1 || n->conn_lost) {
		n->conn_lost = false;
		sinks_events(n->v->sinks); /* events may have come meanwhile */
	}
	if (!atomic_load(&n->leads) && mono_ms() < n->next_ask)
		return; /* backing off after an engine that would not start */
	/* the sessions a node taking over ends: this one, and the engine's */
	sessions[k++] = db_session_id(n->conn);
	pthread_rwlock_rdlock(&n->lock);
	if (n->engine)
		sessions[k++] = engine_session_id(n->engine);
	pthread_rwlock_unlock(&n->lock);
	t0 = mono_ms();
	rc = db_lease_hold(n->conn, &n->lease, sessions, k);
	if (rc < 0) {
		/* the lease is as it was: held until its deadline, if it was */
		connection_failed(n);
		return;
	}
	if (rc == 0) {
		atomic_store(&n->lease_until, 0);
		if (atomic_load(&n->leads)) {
			log_error("another node has the lease on the monitoring engine now: stopping "
				  "the engine");
			step_down(n, true);
		}
		hand_on(n, NULL);
		return;
	}
	atomic_store(&n->lease_until, t0 + LEASE_MS - LEASE_MARGIN_MS);
	if (atomic_load(&n->leads))
		return;
	if (lead(n, err, sizeof err) < 0) {
		/* let another node take it at once: this one gives the lease up
		 * and waits longer each time (up to 30 s) before asking again, so
		 * that a healthy standby wins it */
		log_error("cannot start the monitoring engine (asking for the lease again in %lld s): "
			  "%s", (long long)(n->backoff / 1000), err);
		atomic_store(&n->lease_until, 0);
		db_lease_release(n->conn, &n->lease);
		hand_on(n, NULL);
		n->next_ask = mono_ms() + n->backoff;
		n->backoff = n->backoff * 2 > 30000 ? 30000 : n->backoff * 2;
		return;
	}
	n->backoff = POLL_MS;
	pthread_rwlock_rdlock(&n->lock);
	hand_on(n, n->engine);
	pthread_rwlock_unlock(&n->lock);
	if (n->lease.granted) {
		atomic_fetch_add(&n->takeovers, 1);
		log_info("took over the monitoring engine (lease epoch %lld; %d session(s) of the node "
			 "before ended; state rebuilt in %lld ms)", (long long)n->lease.epoch,
			 n->lease.fenced, (long long)(mono_ms() - t0));
	} else {
		log_info("started the monitoring engine again under the same lease (epoch %lld; state "
			 "rebuilt in %lld ms)", (long long)n->lease.epoch, (long long)(mono_ms() - t0));
	}
}

static void *run(void *arg)
{
	struct node *n = arg;
	int64_t next_poll = mono_ms() + POLL_MS;
	char channel[64], payload[DB_NOTIFY_MAX + 1];

	while (!atomic_load(&n->stopping)) {
		int64_t now = mono_ms();
		int rc, wait;

		/* Past the lease's deadline (this node was frozen, or could not
		 * renew it): another node may be granted it now, so stop at once,
		 * before anything else, and ask again like a standby. */
		if (atomic_load(&n->leads) && now >= atomic_load(&n->lease_until)) {
			log_error("the lease on the monitoring engine ran out (last renewed more than %d ms "
				  "ago): stopping the engine", LEASE_MS - LEASE_MARGIN_MS);
			step_down(n, true);
			next_poll = now;
		}
		/* the engine's own connection died, or it found the lease gone: a
		 * new engine on a new connection, rebuilt from the database, if this
		 * node still holds the lease (asked at once) */
		if (atomic_load(&n->leads) && n->engine && engine_broken(n->engine)) {
			step_down(n, true);
			next_poll = now;
		}
		if (now >= next_poll) {
			next_poll = now + POLL_MS;
			ask(n);
		}
		wait = (int)(next_poll - mono_ms());
		wait = wait < 0 ? 0 : wait > SLICE_MS ? SLICE_MS : wait;
		if (!db_alive(n->conn)) {
			nanosleep(&(struct timespec){ 0, (long)wait * 1000000L }, NULL);
			continue;
		}
		rc = db_notice_wait(n->conn, wait, channel, sizeof channel, payload, sizeof payload);
		if (rc < 0)
			connection_failed(n);
		else if (rc == 1)
			notice(n, channel, payload);
	}
	return NULL;
}

/* A name for this node in the lease's row, unique among the nodes. */
static void holder_name(char *out, size_t outlen)
{
	char host[64] = "", tok[SECRET_TOKEN_LEN];

	if (gethostname(host, sizeof host - 1) < 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	secret_token(tok);
	snprintf(out, outlen, "%.32s/%d/%.8s", host, (int)getpid(), tok);
}

int node_start(struct vigil *v, const struct engine_config *ec, struct node **out, char *err,
	       size_t errlen)
{
	struct node *n = xcalloc(1, sizeof *n);
	int64_t sessions[1], t0;
	db *d;
	int rc;

	n->v = v;
	n->ecfg = *ec;
	n->backoff = POLL_MS;
	snprintf(n->lease.role, sizeof n->lease.role, "%s", ROLE);
	holder_name(n->lease.holder, sizeof n->lease.holder);
	n->lease.ttl_ms = LEASE_MS;
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
	db_set_keys(d, v->keys);
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
	/* what the engine asks a tag is acted on only within the lease */
	sinks_lease(v->sinks, &n->lease_until);
	if (connect_node(n, err, errlen) < 0)
		goto fail;
	sessions[0] = db_session_id(n->conn);
	t0 = mono_ms();
	rc = db_lease_hold(n->conn, &n->lease, sessions, 1);
	if (rc < 0) {
		snprintf(err, errlen, "cannot ask for the monitoring engine's lease: %s",
			 db_errmsg(n->conn));
		goto fail;
	}
	if (rc == 1) {
		atomic_store(&n->lease_until, t0 + LEASE_MS - LEASE_MARGIN_MS);
		if (lead(n, err, errlen) < 0) {
			db_lease_release(n->conn, &n->lease);
			goto fail;
		}
		log_info("this node runs the monitoring engine (lease epoch %lld)",
			 (long long)n->lease.epoch);
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
	/* apply what is queued while the lease is still held (an engine past
	 * its deadline drops it: the next leader applies the newest fixes
	 * again), then give the lease up, so that a standby takes over at once
	 * rather than at the deadline */
	step_down(n, false);
	if (n->conn && n->lease.epoch &&
	    (db_heal(n->conn) < 0 || db_lease_release(n->conn, &n->lease) < 0))
		log_warn("cannot give the lease up (a standby takes over at its deadline): %s",
			 db_errmsg(n->conn));
	db_close(n->conn);
	free(n->held);
	if (n->multinode)
		sinks_lease(n->v->sinks, NULL);
	pthread_rwlock_destroy(&n->lock);
	free(n);
}
