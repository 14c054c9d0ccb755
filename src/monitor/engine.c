/*
 * engine — see engine.h: the owner thread, its queue and its life (engine_int.h).
 */
#include "monitor/engine_int.h"

#include "base/thread.h"

bool engine_broken(struct engine *e)
{
	return atomic_load(&e->broken);
}

int64_t engine_session_id(struct engine *e)
{
	return atomic_load(&e->session);
}

/* Mark the engine broken (once, with the reason in the log). */
static void broken(struct engine *e, const char *why)
{
	if (!atomic_exchange(&e->broken, true))
		log_error("the monitoring engine stops: %s", why);
}

/*
 * Before acting (applying fixes, running the timers, opening an alert), the
 * engine checks its node's lease against the monotonic clock: a node frozen
 * (SIGSTOP, a stalled machine) or cut off past its lease's deadline may have
 * been replaced, and must not act until its node has renewed the lease, or
 * has found it lost and stops this engine.  It waits meanwhile; false when
 * the engine is stopping (what it was about to do is dropped: the node that
 * leads now rebuilds from the database).
 */
bool eng_may_act(struct engine *e)
{
	const atomic_llong *until = e->cfg.lease_until_ms;

	for (;;) {
		bool stopping;

		if (!until || clock_mono_ns() / 1000000 < atomic_load(until))
			return true;
		pthread_mutex_lock(&e->mu);
		stopping = e->stopping;
		pthread_mutex_unlock(&e->mu);
		if (stopping)
			return false;
		nanosleep(&(struct timespec){ 0, LEASE_WAIT_MS * 1000000L }, NULL);
	}
}

/* In a write transaction about to open or escalate alerts: does this
 * engine's node still hold the lease?  0 when it does (the lease's row is
 * then locked until the commit), negative when not or on an error. */
int eng_lease_holds(struct engine *e)
{
	int rc;

	if (!e->cfg.lease_role)
		return 0;
	rc = db_lease_check(e->db, e->cfg.lease_role, e->cfg.lease_epoch);
	if (rc == 0) {
		broken(e, "another node holds the lease on the monitoring engine now");
		return DB_ERROR;
	}
	return rc < 0 ? rc : 0;
}

void engine_config_defaults(struct engine_config *c)
{
	/* every field set: the lease's (unset where one node always leads) are
	 * NULL and 0, never what the caller's stack held */
	memset(c, 0, sizeof *c);
	c->lost_factor = 3;
	c->lost_floor_ms = 120000;
	c->lost_speed_mps = 2.0;
	c->hysteresis_m = 20;
	c->confirm_ms = ZONE_CONFIRM_MS;
	c->escalate_after_ms = 60000;
	c->low_battery_pct = 15;
	c->victim_age_speed_mps = 1.5;
	c->current_ms = 120000;
}


/* ---- the thread ---------------------------------------------------------------------- */

/*
 * At start, apply each device's newest fix again if it is recent.  A fix is
 * acknowledged once stored, before the engine applies it: one still queued
 * when the engine's node stopped or died (or sent while no node led) is
 * stored but was never applied.  Tracks start afresh, so this decides on the
 * newest position as if it had just come; alerts already raised since it are
 * not raised again (raise_alert), so a fix the old engine did apply changes
 * nothing.
 */
#define REPLAY_MS (24 * 3600 * 1000LL) /* reports older than a day are history */

/* The unapplied reports are read whole before any is applied: applying one
 * writes (events, alerts) on the same connection, which an open SELECT on
 * it would hold up. */
struct fixes_out {
	struct fix **v;
	size_t *n, *cap;
};

static int collect_report(const struct fix *f, void *arg)
{
	struct fixes_out *o = arg;

	if (*o->n == *o->cap) {
		*o->cap = *o->cap ? *o->cap * 2 : 16;
		*o->v = xrealloc(*o->v, *o->cap * sizeof **o->v);
	}
	(*o->v)[(*o->n)++] = *f;
	return 0;
}

/* A report no engine applied (its engine stopped first): apply it now. */
static int replay_report(const struct fix *f, void *arg)
{
	struct engine *e = arg;
	struct dev *d = eng_dev_find(e, f->device_id);

	if (d) {
		log_info("applying a %s report of device %s that no engine applied before",
			 (f->flags & FIX_SOS) ? "panic/SOS" : "device event", d->uid);
		eng_device_flags(e, d, f);
	}
	return 0;
}

static void catch_up(struct engine *e)
{
	int64_t now = clock_now_ms();

	e->catching_up = true;
	/* first the reported events (a panic, a tamper) an engine acknowledged
	 * but never applied: an alert raised for one since is not raised again */
	{
		struct fix *pending = NULL;
		size_t n = 0, cap = 0;
		struct fixes_out out = { &pending, &n, &cap };

		if (device_report_each_unapplied(e->db, now - REPLAY_MS, collect_report, &out) < 0)
			log_error("cannot read the device reports left unapplied: %s", db_errmsg(e->db));
		for (size_t i = 0; i < n; i++) {
			replay_report(&pending[i], e);
			if (device_report_applied(e->db, pending[i].device_id, pending[i].at, now) < 0)
				log_warn("cannot mark a device report applied: %s", db_errmsg(e->db));
		}
		free(pending);
	}
	for (size_t i = 0; i < e->ndevs; i++) {
		struct dev *d = &e->devs[i];

		if (!d->have_fix || now - d->fix_at > CATCH_UP_MS)
			continue;
		if (d->offender)
			eng_evaluate_offender(e, d, now);
		else
			eng_evaluate_victim(e, d, now);
	}
	e->catching_up = false;
}

static void *run(void *arg)
{
	struct engine *e = arg;
	int64_t last_tick = 0, last_probe = clock_now_ms();

	catch_up(e);

	for (;;) {
		struct fix batch[256];
		int64_t cases[RELOAD_CASES_MAX];
		size_t n = 0, ncases;
		bool reload, some;

		pthread_mutex_lock(&e->mu);
		if (!e->qlen && !e->reload && !e->nreload_cases && !e->reload_devices && !e->stopping) {
			e->busy = false;
			pthread_cond_broadcast(&e->idle_cv);
			thread_wait_ms(&e->cv, &e->mu, 200);
		}
		if (e->stopping && !e->qlen) {
			pthread_mutex_unlock(&e->mu);
			break;
		}
		e->busy = true;
		reload = e->reload;
		e->reload = false;
		ncases = e->nreload_cases;
		memcpy(cases, e->reload_cases, ncases * sizeof *cases);
		some = ncases || e->reload_devices;
		e->nreload_cases = 0;
		e->reload_devices = false;
		while (e->qlen && n < sizeof batch / sizeof batch[0]) {
			batch[n++] = e->queue[e->qhead];
			e->qhead = (e->qhead + 1) % e->qcap;
			e->qlen--;
		}
		pthread_mutex_unlock(&e->mu);
		/* past the lease, nothing is applied: not what was taken from the
		 * queue (dropped if the engine stops: the next leader rebuilds) */
		if (!eng_may_act(e)) {
			pthread_mutex_lock(&e->mu);
			e->busy = false;
			pthread_cond_broadcast(&e->idle_cv);
			pthread_mutex_unlock(&e->mu);
			break;
		}
		if (reload)
			eng_load(e, false);
		else if (some)
			eng_reload_some(e, cases, ncases);
		for (size_t i = 0; i < n; i++)
			eng_process_fix(e, &batch[i]);
		atomic_fetch_add(&e->applied, n);
		if (clock_now_ms() - last_tick >= 1000) {
			last_tick = clock_now_ms();
			eng_tick(e, last_tick);
			/* a connection the server ended shows only when used: use it
			 * every few seconds when nothing else did */
			if (db_multinode(e->db) && last_tick - last_probe >= PROBE_MS) {
				last_probe = last_tick;
				(void)db_ping(e->db); /* a failure shows in db_alive() below */
			}
		}
		/* A dead connection: what failed on it (an alert, an event) is
		 * not lost, but this engine cannot record it.  The node stops it
		 * and starts another on a new connection, which rebuilds the
		 * state and applies the newest fixes again, raising what was not
		 * recorded (and nothing twice). */
		if (!db_alive(e->db)) {
			char why[400];

			snprintf(why, sizeof why, "its database connection died (%s)", db_errmsg(e->db));
			broken(e, why);
		}
	}
	return NULL;
}

int engine_start(struct vigil *v, const struct engine_config *c, struct engine **out, char *err,
		 size_t errlen)
{
	struct engine *e = xcalloc(1, sizeof *e);

	e->v = v;
	e->cfg = *c;
	if (db_open(&e->db, v->cfg.db_url, err, errlen) < 0) {
		free(e);
		return -1;
	}
	db_set_keys(e->db, v->keys); /* it reads her positions and zones */
	/* an alert is written ahead of the ingest committer's next group (db.h) */
	db_set_writer(e->db, DB_WRITER_URGENT);
	/* named, so that an administrator (or a test) can tell it from the others */
	db_set_name(e->db, "vigil monitoring engine");
	atomic_store(&e->session, db_session_id(e->db));
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	pthread_cond_init(&e->idle_cv, NULL);
	e->qcap = 4096;
	e->queue = xcalloc(e->qcap, sizeof *e->queue);
	if (eng_load(e, true) < 0) {
		snprintf(err, errlen, "the monitoring engine cannot load its state: %s", db_errmsg(e->db));
		engine_stop(e);
		return -1;
	}
	if (pthread_create(&e->thread, NULL, run, e) != 0) {
		snprintf(err, errlen, "cannot start the monitoring engine's thread");
		engine_stop(e);
		return -1;
	}
	*out = e;
	return 0;
}

void engine_stop(struct engine *e)
{
	if (!e)
		return;
	if (e->thread) {
		thread_stop(e->thread, &e->mu, &e->cv, &e->stopping);
	}
	db_close(e->db);
	eng_free_devs(e->devs, e->ndevs);
	eng_free_zones(e->zones, e->nzones);
	free(e->case_devs);
	free(e->tracks);
	free(e->queue);
	pthread_cond_destroy(&e->idle_cv);
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

size_t engine_abandon(struct engine *e, struct fix **out)
{
	size_t n;

	pthread_mutex_lock(&e->mu);
	n = e->qlen;
	*out = xcalloc(n ? n : 1, sizeof **out);
	for (size_t i = 0; i < n; i++)
		(*out)[i] = e->queue[(e->qhead + i) % e->qcap];
	e->qhead = e->qlen = 0;
	pthread_mutex_unlock(&e->mu);
	return n;
}

/* The caller, holding e->mu, has given the thread work: wake it (busy until
 * it has done it), and let e->mu go. */
static void wake_unlock(struct engine *e)
{
	e->busy = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

/* Queue one fix; the caller holds e->mu. */
static void enqueue(struct engine *e, const struct fix *f)
{
	if (e->qlen == e->qcap) {
		/* grow rather than drop: a fix is already stored and acknowledged */
		struct fix *q = xcalloc(e->qcap * 2, sizeof *q);

		for (size_t i = 0; i < e->qlen; i++)
			q[i] = e->queue[(e->qhead + i) % e->qcap];
		free(e->queue);
		e->queue = q;
		e->qhead = 0;
		e->qcap *= 2;
	}
	e->queue[(e->qhead + e->qlen) % e->qcap] = *f;
	e->qlen++;
}

void engine_submit(struct engine *e, const struct fix *f)
{
	engine_submit_many(e, f, &(int){ 1 }, 1, 1);
}

void engine_submit_many(struct engine *e, const struct fix *f, const int *results, size_t n,
			int wanted)
{
	bool any = false;

	pthread_mutex_lock(&e->mu);
	for (size_t i = 0; i < n; i++) {
		if (results[i] == wanted) {
			enqueue(e, &f[i]);
			any = true;
		}
	}
	if (any) {
		e->busy = true;
		pthread_cond_signal(&e->cv);
	}
	pthread_mutex_unlock(&e->mu);
}

void engine_reload(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	e->reload = true;
	wake_unlock(e);
}

void engine_reload_case(struct engine *e, int64_t case_id)
{
	pthread_mutex_lock(&e->mu);
	if (!e->reload) {
		bool listed = false;

		for (size_t i = 0; i < e->nreload_cases; i++)
			listed = listed || e->reload_cases[i] == case_id;
		if (!listed && e->nreload_cases == RELOAD_CASES_MAX)
			e->reload = true; /* a lot at once: everything */
		else if (!listed)
			e->reload_cases[e->nreload_cases++] = case_id;
	}
	wake_unlock(e);
}

void engine_reload_devices(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	e->reload_devices = true;
	wake_unlock(e);
}

void engine_drain(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	while (e->busy || e->qlen || e->reload || e->nreload_cases || e->reload_devices)
		pthread_cond_wait(&e->idle_cv, &e->mu);
	pthread_mutex_unlock(&e->mu);
}

bool engine_device_live(struct engine *e, int64_t device_id, struct device_live *out)
{
	struct dev *d;
	bool found;

	pthread_mutex_lock(&e->mu);
	d = eng_dev_find(e, device_id);
	found = d != NULL;
	if (d) {
		out->have_fix = d->have_fix;
		out->fix_at = d->fix_at;
		out->lat = d->pos.lat;
		out->lon = d->pos.lon;
		out->accuracy = d->acc;
		out->accuracy_assumed = d->acc_assumed;
		out->battery = d->battery;
		out->lost = d->lost;
		out->tamper = false;
		out->charging = (d->flags & FIX_CHARGING) != 0;
		out->flags = d->flags;
	}
	pthread_mutex_unlock(&e->mu);
	return found;
}

size_t engine_queued(struct engine *e, uint64_t *applied)
{
	size_t n;

	pthread_mutex_lock(&e->mu);
	n = e->qlen;
	pthread_mutex_unlock(&e->mu);
	*applied = atomic_load(&e->applied);
	return n;
}

size_t engine_memory(struct engine *e, size_t *devices)
{
	size_t bytes;

	pthread_mutex_lock(&e->mu);
	*devices = e->ndevs;
	bytes = e->ndevs * sizeof *e->devs + e->ntracks_cap * sizeof *e->tracks +
		e->nzones * sizeof *e->zones + e->ncase_devs * sizeof *e->case_devs;
	for (size_t i = 0; i < e->ndevs; i++)
		bytes += (size_t)e->devs[i].ncases * sizeof *e->devs[i].cases;
	for (size_t i = 0; i < e->nzones; i++)
		bytes += e->zones[i].nring * sizeof(struct geo_point);
	pthread_mutex_unlock(&e->mu);
	return bytes;
}
