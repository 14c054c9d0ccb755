/*
 * engine — see engine.h.  One owner thread; other threads only enqueue.
 */
#include "monitor/engine.h"

#include <jansson.h>
#include <math.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "core/alertkind.h"
#include "core/geo.h"
#include "core/zonerule.h"
#include "db/db.h"
#include "monitor/sinks.h"
#include "store/monitor.h"
#include "vigil.h"

#define MAX_RING 512 /* positions of a polygon zone */
#define CATCH_UP_MS 120000 /* newest fixes younger than this are applied again at start */
#define MAX_DEV_CASES 8 /* assignments a device is evaluated for */

struct dev_case {
	int64_t case_id;
	bool victim; /* the device watches the victim (else the suspect) */
	int64_t starts_at, ends_at; /* the assignment's period (ends_at 0: open) */
};

/* Does the assignment cover time t?  The engine asks at the time it
 * processes a fix: a watch applies from when it is set up, whatever time a
 * device's clock put on a fix sent just before. */
static bool covers(const struct dev_case *c, int64_t t)
{
	return t >= c->starts_at && (!c->ends_at || t < c->ends_at);
}

struct dev {
	int64_t id;
	char uid[FIX_UID_MAX + 1];
	bool offender;          /* an offender tag (else the victim's phone or alarm) */
	bool commandable;       /* its protocol takes commands (Teltonika) */
	bool reporting_fast;    /* asked last to report fast (reporting_ask) */
	int expected_interval_s;
	int64_t created_at;
	int ncases;
	float assumed_acc;      /* the accuracy taken when a fix reports none (its kind's) */
	struct dev_case *cases; /* ncases of them (most devices have one), owned */
	/* live state */
	bool have_fix;
	struct geo_point pos;
	double acc, speed, battery;
	int64_t fix_at;
	unsigned flags;
	bool lost;              /* a lost-signal alert is open */
	bool low_battery;
	bool acc_assumed;       /* acc is assumed_acc: the fix reported none */
	int64_t heard_at;       /* wall ms: the latest report of any kind received */
	int64_t applied_wall;   /* wall ms: when fix_at was applied (its device's "now") */
};

/* The device's own time now: its latest fix's time plus the wall time since
 * that fix was applied.  Timers fire on it, so that a backlog sent in a
 * burst is judged as it happened, not as if it were happening now. */
static int64_t dev_now(const struct dev *d, int64_t wall)
{
	if (!d->have_fix)
		return wall;
	return d->fix_at + (wall > d->applied_wall ? wall - d->applied_wall : 0);
}

/* What decided an alert: the fix (its time and device) or a timer, at event
 * time decided_at. */
struct decision {
	int64_t fix_at;     /* the fix that showed it (his, or hers for proximity) */
	int64_t decided_at; /* event time of the decision */
	const char *by;     /* "fix of DEVICE" / "timer" */
	const char *device; /* the device whose fix decided, NULL for a timer */
};

struct zone_rt {
	int64_t id, case_id;
	bool proximity;
	bool polygon;
	struct geo_point centre;
	double radius, warning;
	struct geo_point *ring;
	size_t nring;
};

/* One device watching one case: the engine's index from a case to its
 * devices, so that a proximity zone looks at the case's two or three
 * devices and not at every device in the city. */
struct case_dev {
	int64_t case_id;
	size_t dev; /* in devs: devices are only ever added at the end */
};

#define RELOAD_CASES_MAX 64 /* more changes at once than this: read everything */

struct track {
	int64_t device_id, zone_id;
	struct zone_track t;
	bool used;
	bool near_zone_escalated; /* lost-signal escalation raised for this zone */
	bool left;                /* left the zone since its last entry: a new visit */
	bool asked;               /* its possible entry has asked for faster reports */
	int64_t off_fix_at;       /* proximity: his fix last weighed (independent evidence) */
	int64_t pending_fix_at;   /* the fix that opened the possible entry */
};

struct engine {
	struct vigil *v;
	struct engine_config cfg;
	db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv, idle_cv;
	struct fix *queue;
	size_t qhead, qlen, qcap;
	bool reload, stopping, busy;
	/* a change to a few cases (or new devices) reads only those: a full
	 * reload at 100,000 devices stops the engine for some 200 ms */
	int64_t reload_cases[RELOAD_CASES_MAX];
	size_t nreload_cases;
	bool reload_devices;
	/* owned by the thread */
	struct dev *devs;
	size_t ndevs;
	struct zone_rt *zones;
	size_t nzones;
	struct case_dev *case_devs; /* in case order */
	size_t ncase_devs;
	struct track *tracks;
	size_t ntracks_cap, ntracks_used;
	int64_t last_escalation_check;
	bool catching_up;        /* applying the newest fixes again at start */
	atomic_bool broken;      /* its connection died or its lease went: the node stops it */
	atomic_llong session;    /* its connection's session (db_session_id) */
	atomic_ullong applied;   /* fixes taken from the queue and judged (metrics) */
	/* read by other threads under mu (device_live) */
};

#define PROBE_MS 3000 /* how often an idle engine checks its connection */
#define LEASE_WAIT_MS 20 /* how often an engine past its lease looks again */

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
static bool may_act(struct engine *e)
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
static int lease_holds(struct engine *e)
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

/* ---- configuration --------------------------------------------------------- */

static struct dev *dev_find(struct engine *e, int64_t id)
{
	/* devices are sorted by id: binary search */
	size_t lo = 0, hi = e->ndevs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->devs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->ndevs && e->devs[lo].id == id ? &e->devs[lo] : NULL;
}

struct load_ctx {
	struct engine *e;
	struct dev *old;
	size_t nold;
};

static int load_device(const struct device *dv, void *arg)
{
	struct load_ctx *lc = arg;
	struct engine *e = lc->e;
	struct dev *d;

	e->devs = xrealloc(e->devs, (e->ndevs + 1) * sizeof *e->devs);
	d = &e->devs[e->ndevs++];
	memset(d, 0, sizeof *d);
	d->id = dv->id;
	snprintf(d->uid, sizeof d->uid, "%s", dv->uid);
	d->offender = strcmp(dv->kind, "offender_tag") == 0;
	d->expected_interval_s = dv->expected_interval_s;
	d->created_at = dv->created_at;
	d->assumed_acc = (float)fix_assumed_accuracy(dv->kind);
	d->commandable = strcmp(dv->protocol, "teltonika") == 0;
	d->battery = NAN; /* nothing reported yet */
	/* keep what the engine knew of this device before the reload (both
	 * lists are in id order: a binary search, not a scan of 100,000) */
	for (size_t lo = 0, hi = lc->nold, i; lo < hi;) {
		i = (lo + hi) / 2;
		if (lc->old[i].id < dv->id) {
			lo = i + 1;
		} else if (lc->old[i].id > dv->id) {
			hi = i;
		} else {
			struct dev *o = &lc->old[i];

			d->have_fix = o->have_fix;
			d->pos = o->pos;
			d->acc = o->acc;
			d->acc_assumed = o->acc_assumed;
			d->reporting_fast = o->reporting_fast;
			d->speed = o->speed;
			d->battery = o->battery;
			d->fix_at = o->fix_at;
			d->flags = o->flags;
			d->lost = o->lost;
			d->low_battery = o->low_battery;
			d->heard_at = o->heard_at;
			d->applied_wall = o->applied_wall;
			break;
		}
	}
	return 0;
}

static int load_assignment(const struct assignment *a, void *arg)
{
	struct engine *e = arg;
	struct dev *d = dev_find(e, a->device_id);

	if (d && d->ncases < MAX_DEV_CASES) {
		d->cases = xrealloc(d->cases, (size_t)(d->ncases + 1) * sizeof *d->cases);
		d->cases[d->ncases].case_id = a->case_id;
		d->cases[d->ncases].victim = strcmp(a->role, "victim") == 0;
		d->cases[d->ncases].starts_at = a->starts_at;
		d->cases[d->ncases].ends_at = a->ends_at;
		d->ncases++;
	}
	return 0;
}

/* Parse a zone's stored GeoJSON (validated when it was created). */
static int load_zone(const struct zone *z, void *arg)
{
	struct engine *e = arg;
	struct zone_rt *r;
	json_t *g = z->geometry ? json_loads(z->geometry, 0, NULL) : NULL, *coords;

	e->zones = xrealloc(e->zones, (e->nzones + 1) * sizeof *e->zones);
	r = &e->zones[e->nzones];
	memset(r, 0, sizeof *r);
	r->id = z->id;
	r->case_id = z->case_id;
	r->proximity = strcmp(z->kind, "proximity") == 0;
	r->radius = z->radius_m;
	r->warning = z->warning_m;
	coords = g ? json_object_get(g, "coordinates") : NULL;
	if (!r->proximity && g && !strcmp(json_string_value(json_object_get(g, "type")), "Point")) {
		r->centre.lon = json_number_value(json_array_get(coords, 0));
		r->centre.lat = json_number_value(json_array_get(coords, 1));
	} else if (!r->proximity && g) {
		json_t *outer = json_array_get(coords, 0), *pt;
		size_t i;

		r->polygon = true;
		r->nring = json_array_size(outer);
		r->ring = xcalloc(r->nring + 1, sizeof *r->ring);
		json_array_foreach(outer, i, pt) {
			r->ring[i].lon = json_number_value(json_array_get(pt, 0));
			r->ring[i].lat = json_number_value(json_array_get(pt, 1));
		}
	}
	json_decref(g);
	e->nzones++;
	return 0;
}

/* The zones of a case (0: of every case) into e->zones.  A zone whose sealed
 * geometry will not open (altered in the database, or sealed with a key the
 * file lacks) cannot be watched: said loudly, and the others are. */
static int zones_load(struct engine *e, int64_t case_id)
{
	int rc = zone_each(e->db, case_id, load_zone, e);

	if (rc == DB_SEALED) {
		log_error("monitoring engine: a zone is not watched: %s", db_note(e->db));
		rc = 0;
	}
	return rc;
}

/* Zones are kept in case order (then id), so that a fix looks only at its
 * cases' zones, found by binary search, and not at every zone in the city. */
static int zone_order(const void *a, const void *b)
{
	const struct zone_rt *x = a, *y = b;

	if (x->case_id != y->case_id)
		return x->case_id < y->case_id ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The run of one case in an array kept in case order (zones, case_devs):
 * its first index, with *n the length (0: where it would go).  case_at
 * reads element i's case. */
static size_t case_run(size_t count, int64_t case_id,
		       int64_t (*case_at)(const struct engine *e, size_t i), const struct engine *e,
		       size_t *n)
{
	size_t lo = 0, hi = count, end;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (case_at(e, mid) < case_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < count && case_at(e, end) == case_id; end++)
		;
	*n = end - lo;
	return lo;
}

static int64_t zone_case(const struct engine *e, size_t i)
{
	return e->zones[i].case_id;
}

static int64_t case_dev_case(const struct engine *e, size_t i)
{
	return e->case_devs[i].case_id;
}

/* The zones of one case: *n of them. */
static const struct zone_rt *case_zones(const struct engine *e, int64_t case_id, size_t *n)
{
	size_t at = case_run(e->nzones, case_id, zone_case, e, n);

	return *n ? e->zones + at : NULL;
}

static int case_dev_order(const void *a, const void *b)
{
	const struct case_dev *x = a, *y = b;

	if (x->case_id != y->case_id)
		return x->case_id < y->case_id ? -1 : 1;
	return (x->dev > y->dev) - (x->dev < y->dev);
}

/* Rebuild the case -> devices index from the devices' assignments. */
static void index_case_devs(struct engine *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->ndevs; i++)
		n += (size_t)e->devs[i].ncases;
	free(e->case_devs);
	e->case_devs = n ? xcalloc(n, sizeof *e->case_devs) : NULL;
	e->ncase_devs = 0;
	for (size_t i = 0; i < e->ndevs; i++)
		for (int k = 0; k < e->devs[i].ncases; k++)
			e->case_devs[e->ncase_devs++] =
				(struct case_dev){ e->devs[i].cases[k].case_id, i };
	if (!e->ncase_devs)
		return;
	qsort(e->case_devs, e->ncase_devs, sizeof *e->case_devs, case_dev_order);
	/* a device assigned to a case twice (two periods) is listed once: the
	 * rules see it once */
	n = 1;
	for (size_t i = 1; i < e->ncase_devs; i++)
		if (case_dev_order(&e->case_devs[i], &e->case_devs[n - 1]) != 0)
			e->case_devs[n++] = e->case_devs[i];
	e->ncase_devs = n;
}

/* The devices assigned to one case (in any role, any period): *n of them. */
static const struct case_dev *case_devs(const struct engine *e, int64_t case_id, size_t *n)
{
	size_t at = case_run(e->ncase_devs, case_id, case_dev_case, e, n);

	return *n ? e->case_devs + at : NULL;
}

/* Is d assigned to case_id in that role, now? */
static bool watches_case(const struct dev *d, int64_t case_id, bool victim, int64_t now)
{
	for (int k = 0; k < d->ncases; k++)
		if (d->cases[k].case_id == case_id && d->cases[k].victim == victim &&
		    covers(&d->cases[k], now))
			return true;
	return false;
}

static void free_devs(struct dev *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].cases);
	free(d);
}

static void free_zones(struct zone_rt *z, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(z[i].ring);
	free(z);
}

static int load_last_fix(const struct fix *f, void *arg)
{
	struct engine *e = arg;
	struct dev *d = dev_find(e, f->device_id);

	if (d && (!d->have_fix || f->at > d->fix_at)) {
		d->have_fix = true;
		d->pos.lat = f->lat;
		d->pos.lon = f->lon;
		d->acc_assumed = isnan(f->accuracy);
		d->acc = d->acc_assumed ? d->assumed_acc : f->accuracy;
		d->speed = f->speed;
		d->battery = f->battery;
		d->fix_at = f->at;
		/* as far as is known, heard and applied when it was taken */
		d->applied_wall = f->at;
		if (d->heard_at < f->at)
			d->heard_at = f->at;
	}
	return 0;
}

static int load_fast(int64_t device_id, void *arg)
{
	struct dev *d = dev_find(arg, device_id);

	if (d)
		d->reporting_fast = true;
	return 0;
}

static int load_locked(struct engine *e, bool first);

/* Read devices, assignments and zones; keep live state.  Engine thread. */
static int load(struct engine *e, bool first)
{
	int rc;

	int64_t t0 = clock_mono_ns();

	/* readers (engine_device_live) never see half-built arrays */
	pthread_mutex_lock(&e->mu);
	rc = load_locked(e, first);
	pthread_mutex_unlock(&e->mu);
	if (rc >= 0)
		log_info("monitoring engine: %s %zu devices, %zu zones in %.0f ms",
			 first ? "loaded" : "reloaded", e->ndevs, e->nzones,
			 (double)(clock_mono_ns() - t0) / 1e6);
	return rc;
}

static int load_locked(struct engine *e, bool first)
{
	struct load_ctx lc = { e, e->devs, e->ndevs };
	struct zone_rt *oldz = e->zones;
	size_t noldz = e->nzones;
	int rc;

	e->devs = NULL;
	e->ndevs = 0;
	e->zones = NULL;
	e->nzones = 0;
	rc = device_each(e->db, load_device, &lc);
	if (rc >= 0)
		/* periods still to begin too: the engine checks them as time passes */
		rc = assignment_each_unended(e->db, clock_now_ms(), load_assignment, e);
	if (rc >= 0)
		rc = zones_load(e, 0);
	if (e->nzones)
		qsort(e->zones, e->nzones, sizeof *e->zones, zone_order);
	index_case_devs(e);
	if (rc >= 0 && first) {
		rc = fix_each_latest(e->db, load_last_fix, e);
		/* a victim's device whose newest fix will not open starts with no
		 * position (its next fix gives one): said, not guessed */
		if (rc == DB_SEALED) {
			log_error("monitoring engine: a device's newest position is not known: %s",
				  db_note(e->db));
			rc = 0;
		}
		/* tags left reporting fast by an engine before: the sweep puts
		 * those with nothing undecided back (tick) */
		if (rc >= 0)
			rc = device_reporting_each_fast(e->db, load_fast, e);
		/* a lost-signal period that began before a restart goes on: its
		 * alert (resolved or not) was raised after the device's last fix */
		for (size_t i = 0; rc >= 0 && i < e->ndevs; i++) {
			struct dev *d = &e->devs[i];
			int lost = alert_raised_since(e->db, d->id, 0, "lost_signal",
						      d->have_fix ? d->fix_at : d->created_at);

			if (lost < 0)
				rc = lost;
			d->lost = lost == 1;
		}
	}
	free_devs(lc.old, lc.nold);
	free_zones(oldz, noldz);
	if (rc < 0)
		log_error("monitoring engine: cannot load its state: %s", db_errmsg(e->db));
	return rc;
}

/* ---- a partial reload ------------------------------------------------------------ */

/* Read the devices registered since the engine last read them (ids only
 * grow, and devices are never removed).  Caller holds mu. */
static int load_new_devices(struct engine *e)
{
	struct load_ctx lc = { e, NULL, 0 };

	return device_each_after(e->db, e->ndevs ? e->devs[e->ndevs - 1].id : 0, load_device, &lc);
}

struct case_load {
	struct engine *e;
	size_t *devs; /* indices of the devices assigned */
	size_t n, cap;
	bool unknown; /* a device the engine has not read (see reload_case) */
};

static int load_case_assignment(const struct assignment *a, void *arg)
{
	struct case_load *cl = arg;
	struct dev *d = dev_find(cl->e, a->device_id);

	if (!d) {
		cl->unknown = true;
		return 1; /* stop: everything is read again */
	}
	load_assignment(a, cl->e);
	if (cl->n == cl->cap) {
		cl->cap = cl->cap ? cl->cap * 2 : 8;
		cl->devs = xrealloc(cl->devs, cl->cap * sizeof *cl->devs);
	}
	cl->devs[cl->n++] = (size_t)(d - cl->e->devs);
	return 0;
}

static int size_order(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Read one case's assignments and zones again, in place.  Caller holds mu.
 * Negative on a database error, 1 when the case names a device the engine
 * has not read: on PostgreSQL two registrations can commit out of id order,
 * so one with a lower id than the last read can appear later, which
 * load_new_devices() does not look for.  Either way the caller reads
 * everything again. */
static int reload_case(struct engine *e, int64_t case_id)
{
	size_t n, nz, m = 0;
	size_t at = case_run(e->ncase_devs, case_id, case_dev_case, e, &n);
	size_t zat = case_run(e->nzones, case_id, zone_case, e, &nz);
	struct case_load cl = { e, NULL, 0, 0, false };
	struct zone_rt *keep, *fresh;
	size_t nkeep, nfresh;
	int rc;

	/* forget the case's assignments, on its devices and in the index */
	for (size_t i = 0; i < n; i++) {
		struct dev *d = &e->devs[e->case_devs[at + i].dev];
		int k = 0;

		for (int j = 0; j < d->ncases; j++)
			if (d->cases[j].case_id != case_id)
				d->cases[k++] = d->cases[j];
		d->ncases = k;
	}
	if (n) {
		memmove(e->case_devs + at, e->case_devs + at + n,
			(e->ncase_devs - at - n) * sizeof *e->case_devs);
		e->ncase_devs -= n;
	}
	/* and its zones */
	if (nz) {
		for (size_t i = 0; i < nz; i++)
			free(e->zones[zat + i].ring);
		memmove(e->zones + zat, e->zones + zat + nz,
			(e->nzones - zat - nz) * sizeof *e->zones);
		e->nzones -= nz;
	}

	/* read them again */
	rc = assignment_each_unended_of_case(e->db, case_id, clock_now_ms(), load_case_assignment,
					     &cl);
	if (rc >= 0 && cl.unknown) {
		free(cl.devs);
		return 1;
	}
	if (cl.n) {
		qsort(cl.devs, cl.n, sizeof *cl.devs, size_order);
		for (size_t i = 0; i < cl.n; i++)
			if (!i || cl.devs[i] != cl.devs[m - 1])
				cl.devs[m++] = cl.devs[i];
		e->case_devs = xrealloc(e->case_devs, (e->ncase_devs + m) * sizeof *e->case_devs);
		if (e->ncase_devs > at)
			memmove(e->case_devs + at + m, e->case_devs + at,
				(e->ncase_devs - at) * sizeof *e->case_devs);
		for (size_t i = 0; i < m; i++)
			e->case_devs[at + i] = (struct case_dev){ case_id, cl.devs[i] };
		e->ncase_devs += m;
	}
	free(cl.devs);
	keep = e->zones;
	nkeep = e->nzones;
	e->zones = NULL;
	e->nzones = 0;
	if (rc >= 0)
		rc = zones_load(e, case_id); /* in id order */
	fresh = e->zones;
	nfresh = e->nzones;
	e->zones = keep;
	e->nzones = nkeep;
	if (rc < 0) {
		free_zones(fresh, nfresh);
		return rc;
	}
	if (nfresh) {
		e->zones = xrealloc(e->zones, (nkeep + nfresh) * sizeof *e->zones);
		if (nkeep > zat)
			memmove(e->zones + zat + nfresh, e->zones + zat,
				(nkeep - zat) * sizeof *e->zones);
		memcpy(e->zones + zat, fresh, nfresh * sizeof *fresh);
		e->nzones += nfresh;
	}
	free(fresh); /* the rings went with the copies */
	return 0;
}

/* New devices and the changed cases only; everything if that fails. */
static void reload_some(struct engine *e, const int64_t *cases, size_t n)
{
	int64_t t0 = clock_mono_ns();
	int rc;

	pthread_mutex_lock(&e->mu);
	/* a case's new assignment may name a device registered on another node */
	rc = load_new_devices(e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = reload_case(e, cases[i]);
	if (rc < 0)
		log_warn("monitoring engine: cannot read a change (%s): reading everything",
			 db_errmsg(e->db));
	else if (rc > 0)
		log_info("monitoring engine: a case names a device registered out of order:"
			 " reading everything");
	if (rc != 0)
		load_locked(e, false);
	pthread_mutex_unlock(&e->mu);
	log_debug("monitoring engine: read %zu changed case(s) and new devices in %.1f ms", n,
		  (double)(clock_mono_ns() - t0) / 1e6);
}

/* ---- tracks ------------------------------------------------------------------ */

static struct track *track_get(struct engine *e, int64_t device_id, int64_t zone_id)
{
	uint64_t h;
	size_t i;

	if (!e->ntracks_cap) {
		e->ntracks_cap = 1024;
		e->tracks = xcalloc(e->ntracks_cap, sizeof *e->tracks);
	}
	h = ((uint64_t)device_id * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)zone_id * 0xC2B2AE3D27D4EB4FULL);
	for (i = h % e->ntracks_cap;; i = (i + 1) % e->ntracks_cap) {
		struct track *t = &e->tracks[i];

		if (!t->used) {
			if (e->ntracks_used * 2 >= e->ntracks_cap) {
				/* grow and rehash, then look again */
				struct track *old = e->tracks;
				size_t oldcap = e->ntracks_cap;

				e->ntracks_cap *= 2;
				e->ntracks_used = 0;
				e->tracks = xcalloc(e->ntracks_cap, sizeof *e->tracks);
				for (size_t k = 0; k < oldcap; k++) {
					if (old[k].used) {
						struct track *n = track_get(e, old[k].device_id, old[k].zone_id);

						*n = old[k];
					}
				}
				free(old);
				return track_get(e, device_id, zone_id);
			}
			t->used = true;
			e->ntracks_used++;
			t->device_id = device_id;
			t->zone_id = zone_id;
			return t;
		}
		if (t->device_id == device_id && t->zone_id == zone_id)
			return t;
	}
}

/* The track of a device in a zone, or NULL when it has none (never made). */
static struct track *track_find(struct engine *e, int64_t device_id, int64_t zone_id)
{
	uint64_t h;

	if (!e->ntracks_cap)
		return NULL;
	h = ((uint64_t)device_id * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)zone_id * 0xC2B2AE3D27D4EB4FULL);
	for (size_t i = h % e->ntracks_cap;; i = (i + 1) % e->ntracks_cap) {
		struct track *t = &e->tracks[i];

		if (!t->used)
			return NULL;
		if (t->device_id == device_id && t->zone_id == zone_id)
			return t;
	}
}

/* ---- alerts -------------------------------------------------------------------- */

/*
 * Open an alert decided by dc (dc->decided_at 0: now).  One unresolved alert
 * per case, device, zone and kind: while one is open, a new visit (again,
 * after leaving) is counted on it as a repeat, and she is warned again; the
 * same visit seen again is nothing.  An alert decided longer ago than
 * current_ms is late: recorded at its own time, for the desk, not sent to her.
 */
static void raise_alert(struct engine *e, int64_t case_id, const struct dev *d, int64_t zone_id,
			const char *kind, const struct geo_point *pos, const struct decision *dc,
			bool visit_again, json_t *detail)
{
	/* how severe: the kind's, as raised by his device or hers (core/alertkind) */
	const char *severity = alert_kind_severity(kind, !d || d->offender);
	struct alert a = { 0 };
	char *dtext;
	bool existed;
	int64_t id, wall = clock_now_ms();
	int repeat = 0;
	int rc;

	/* catching up at start: an alert raised since this fix was taken came
	 * from it (or later news) before the stop, and is not raised twice */
	if (e->catching_up && d && alert_raised_since(e->db, d->id, zone_id, kind, dc->fix_at) == 1) {
		json_decref(detail);
		return;
	}
	a.decided_at = dc->decided_at ? dc->decided_at : wall;
	a.late = wall - a.decided_at > e->cfg.current_ms;
	snprintf(a.decided_by, sizeof a.decided_by, "%s", dc->device ? dc->device : "timer");
	dtext = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	a.case_id = case_id;
	a.device_id = d ? d->id : 0;
	a.zone_id = zone_id;
	snprintf(a.kind, sizeof a.kind, "%s", kind);
	snprintf(a.severity, sizeof a.severity, "%s", severity);
	a.opened_at = wall;
	a.fix_at = dc->fix_at;
	a.lat = pos ? pos->lat : NAN;
	a.lon = pos ? pos->lon : NAN;
	a.detail = dtext;
	if (!may_act(e)) {
		free(dtext);
		json_decref(detail);
		return;
	}
	rc = db_begin_write(e->db);
	/* Only while this node holds the lease (the epoch in the lease's row is
	 * this engine's): a node that was frozen or cut off and has been
	 * replaced opens nothing, even if it has not noticed yet. */
	if (rc >= 0)
		rc = lease_holds(e);
	/* Looking for an unresolved alert and opening one are serialised across
	 * nodes: should two engines run for a moment, they open one alert, not
	 * two. */
	if (rc >= 0)
		rc = db_lock_chain(e->db, "alert_open");
	id = rc < 0 ? rc : alert_open(e->db, &a, &existed);
	if (id >= 0 && !existed)
		id = alert_event_add(e->db, id, "opened") < 0 ? DB_ERROR : id;
	if (id >= 0 && existed && visit_again && !e->catching_up) {
		repeat = alert_repeat(e->db, id, a.decided_at);
		if (repeat < 0 || (repeat > 0 && alert_event_add(e->db, id, "repeated") < 0))
			id = DB_ERROR;
	}
	if (id >= 0 && db_commit(e->db) >= 0) {
		struct alert_news news = { id, kind, severity, a.late, repeat };

		if (!existed) {
			/* identifiers only: never a position in a log */
			log_info("alert %lld: %s (%s) case %lld device %s%s", (long long)id, kind, severity,
				 (long long)case_id, d ? d->uid : "-", a.late ? " (late)" : "");
			sinks_alert(e->v->sinks, &news);
		} else if (repeat > 0) {
			log_info("alert %lld: %s again (visit %d) case %lld device %s", (long long)id, kind,
				 repeat + 1, (long long)case_id, d ? d->uid : "-");
			sinks_alert(e->v->sinks, &news);
		}
	} else {
		log_error("cannot record a %s alert: %s", kind, db_errmsg(e->db));
		db_rollback(e->db);
	}
	free(dtext);
	json_decref(detail);
}

/* A decision by a device's fix at its own time. */
static struct decision by_fix(const struct dev *d, int64_t at)
{
	return (struct decision){ at, at, "fix", d->uid };
}

static void device_event(struct engine *e, const struct dev *d, int64_t at, const char *kind)
{
	if (device_event_add(e->db, d->id, at, kind, NULL) < 0)
		log_error("cannot record device event %s: %s", kind, db_errmsg(e->db));
}

/* ---- rules ---------------------------------------------------------------------- */

/* Signed distance to the zone's edge.  Far beyond the warning ring (by more
 * than the position's uncertainty, the hysteresis and the estimate's own
 * error bound) the cheap estimate decides the same as the geodesic would;
 * near the line, the geodesic. */
static double zone_distance(const struct zone_rt *z, struct geo_point p, double slack)
{
	if (z->polygon)
		return geo_ring_signed_distance(z->ring, z->nring, p);
	{
		double fast = geo_fast_distance(z->centre, p);
		double margin = fast * GEO_FAST_REL_ERROR + GEO_FAST_ABS_ERROR;

		if (fast - margin > z->radius + z->warning + slack)
			return fast - z->radius;
	}
	return geo_distance(z->centre, p) - z->radius;
}

/* ---- asking the tag ---------------------------------------------------------- */

/* Has this offender a possible entry undecided, in a zone of his cases? */
static bool dev_pending(struct engine *e, const struct dev *d)
{
	for (int c = 0; c < d->ncases; c++) {
		size_t nz;
		const struct zone_rt *zs;

		if (d->cases[c].victim)
			continue;
		zs = case_zones(e, d->cases[c].case_id, &nz);
		for (size_t i = 0; i < nz; i++) {
			const struct track *t = track_find(e, d->id, zs[i].id);

			if (t && t->t.state == ZS_PENDING)
				return true;
		}
	}
	return false;
}

static void ask_reporting(struct engine *e, struct dev *d, bool fast)
{
	d->reporting_fast = fast;
	sinks_reporting(e->v->sinks, d->id, d->uid, fast ? REPORT_FAST : REPORT_NORMAL);
}

/*
 * After a step of a track: its possible entry opened asks the tag for
 * faster fixes, and the last of the tag's possible entries decided (an
 * entry, ruled out, lapsed) asks for its normal period again; the request
 * is queued (ingest/reporting.h), never waited for.  A device that cannot
 * be commanded (OsmAnd, JSON) is decided with what it sends, by the rule's
 * readings and its time (zone_tick): each of its possible entries is
 * recorded once as faster_reporting_unavailable.
 */
static void follow_track(struct engine *e, int64_t device_id, struct track *t,
			 const struct zone_rt *z, int64_t at)
{
	bool pending = t->t.state == ZS_PENDING;
	struct dev *d;

	if (pending == t->asked)
		return;
	t->asked = pending;
	if (!(d = dev_find(e, device_id)))
		return;
	if (!d->commandable) {
		if (pending) {
			char detail[96];

			snprintf(detail, sizeof detail, "{\"zone\":%lld,\"why\":\"its protocol takes no "
				 "commands\"}", (long long)z->id);
			if (device_event_add(e->db, d->id, at, "faster_reporting_unavailable", detail) < 0)
				log_error("cannot record device event faster_reporting_unavailable: %s",
					  db_errmsg(e->db));
		}
		return;
	}
	if (pending != d->reporting_fast && (pending || !dev_pending(e, d)))
		ask_reporting(e, d, pending);
}

/* Once a second: a tag left reporting fast with nothing undecided (its zone
 * or assignment removed, or by an engine before this one) goes back. */
static void reporting_sweep(struct engine *e)
{
	for (size_t i = 0; i < e->ndevs; i++)
		if (e->devs[i].reporting_fast && !dev_pending(e, &e->devs[i]))
			ask_reporting(e, &e->devs[i], false);
}

static void apply_event(struct engine *e, enum zone_event ev, const struct zone_rt *z,
			const struct dev *off, struct track *t, const struct decision *dc, double d,
			double u)
{
	const char *entry = z->proximity ? "proximity" : "zone_entry";
	const char *warn = z->proximity ? "proximity_warning" : "zone_warning";

	switch (ev) {
	case ZE_ENTER: {
		bool again = t && t->left;

		if (t)
			t->left = false;
		raise_alert(e, z->case_id, off, z->id, entry, &off->pos, dc, again,
			    json_pack("{s:f, s:f}", "distance_m", d, "uncertainty_m", u));
		break;
	}
	case ZE_WARNING:
		raise_alert(e, z->case_id, off, z->id, warn, &off->pos, dc, false,
			    json_pack("{s:f, s:f}", "distance_m", d, "uncertainty_m", u));
		if (t && t->t.state == ZS_PENDING) {
			t->pending_fix_at = dc->fix_at;
			device_event(e, off, dc->decided_at, "possible_entry_request_faster_reporting");
		}
		break;
	case ZE_POSSIBLE_ENTRY:
		/* not an alert yet: the tag should report faster until it is decided */
		if (t)
			t->pending_fix_at = dc->fix_at;
		device_event(e, off, dc->decided_at, "possible_entry_request_faster_reporting");
		break;
	case ZE_LEAVE:
		if (t)
			t->left = true;
		device_event(e, off, dc->decided_at, z->proximity ? "left_proximity" : "left_zone");
		break;
	default:
		break;
	}
	if (t)
		follow_track(e, off->id, t, z, dc->decided_at);
}

/* The distance from his position to hers, less the zone's radius, and its
 * uncertainty: both accuracies, widened by the gap between the times of the
 * two fixes (event time: whichever is older has aged by the other's time). */
static double proximity_distance(const struct engine *e, const struct dev *off,
				 const struct dev *vic, const struct zone_rt *z, double *u)
{
	int64_t older = off->fix_at < vic->fix_at ? off->fix_at : vic->fix_at;
	int64_t newer = off->fix_at < vic->fix_at ? vic->fix_at : off->fix_at;

	*u = zone_fix_uncertainty(off->acc) + zone_fix_uncertainty(vic->acc) +
	     age_uncertainty_m(older, newer, e->cfg.victim_age_speed_mps, 1000);
	return geo_distance(off->pos, vic->pos) - z->radius;
}

/*
 * The offender against the victim devices of the zone's case.  vic_moved:
 * evaluate against that device of hers only, because she moved (her fix is
 * no new reading of him: it cannot confirm a possible entry); NULL: he moved,
 * and his fix is a reading, weighed once however many devices she carries.
 */
static void proximity_for_offender(struct engine *e, struct dev *off, const struct zone_rt *z,
				   const struct dev *vic_moved, int64_t wall)
{
	size_t n;
	const struct case_dev *cd = case_devs(e, z->case_id, &n);
	struct zone_params p = { z->warning, e->cfg.hysteresis_m, e->cfg.confirm_ms };

	for (size_t i = 0; i < n; i++) {
		struct dev *vic = &e->devs[cd[i].dev];
		struct track *t;
		double dist, u;

		if (vic->offender || !vic->have_fix || !watches_case(vic, z->case_id, true, wall) ||
		    (vic_moved && vic != vic_moved))
			continue;
		dist = proximity_distance(e, off, vic, z, &u);
		t = track_get(e, off->id, z->id);
		if (!vic_moved && off->fix_at > t->off_fix_at) {
			struct decision dc = by_fix(off, off->fix_at);

			t->off_fix_at = off->fix_at;
			apply_event(e, zone_step(&t->t, &p, dist, u, off->fix_at), z, off, t, &dc, dist, u);
		} else {
			const struct dev *by = vic_moved ? vic_moved : off;
			struct decision dc = by_fix(by, by->fix_at);

			apply_event(e, zone_step_passive(&t->t, &p, dist, u, by->fix_at), z, off, t, &dc,
				    dist, u);
		}
	}
}

static void evaluate_offender(struct engine *e, struct dev *off, int64_t wall)
{
	for (int c = 0; c < off->ncases; c++) {
		if (off->cases[c].victim || !covers(&off->cases[c], wall))
			continue;
		size_t nz;
		const struct zone_rt *zs = case_zones(e, off->cases[c].case_id, &nz);

		for (size_t i = 0; i < nz; i++) {
			const struct zone_rt *z = &zs[i];

			if (z->proximity) {
				proximity_for_offender(e, off, z, NULL, wall);
			} else {
				struct zone_params p = { z->warning, e->cfg.hysteresis_m, e->cfg.confirm_ms };
				struct track *t = track_get(e, off->id, z->id);
				double u = zone_fix_uncertainty(off->acc);
				double d = zone_distance(z, off->pos, u + e->cfg.hysteresis_m + 50);
				struct decision dc = by_fix(off, off->fix_at);

				apply_event(e, zone_step(&t->t, &p, d, u, off->fix_at), z, off, t, &dc, d, u);
			}
		}
	}
}

/* A victim moved: re-evaluate the proximity zones of her cases. */
static void evaluate_victim(struct engine *e, struct dev *vic, int64_t wall)
{
	for (int c = 0; c < vic->ncases; c++) {
		if (!vic->cases[c].victim || !covers(&vic->cases[c], wall))
			continue;
		size_t nz;
		const struct zone_rt *zs = case_zones(e, vic->cases[c].case_id, &nz);

		for (size_t i = 0; i < nz; i++) {
			const struct zone_rt *z = &zs[i];

			if (!z->proximity)
				continue;
			size_t n;
			const struct case_dev *cd = case_devs(e, z->case_id, &n);

			for (size_t k = 0; k < n; k++) {
				struct dev *off = &e->devs[cd[k].dev];

				if (off->offender && off->have_fix &&
				    watches_case(off, z->case_id, false, wall))
					proximity_for_offender(e, off, z, vic, wall);
			}
		}
	}
}

/* The zone of a track (NULL when it was removed). */
static const struct zone_rt *zone_of(const struct engine *e, int64_t case_id, int64_t zone_id)
{
	size_t nz;
	const struct zone_rt *zs = case_zones(e, case_id, &nz);

	for (size_t i = 0; i < nz; i++)
		if (zs[i].id == zone_id)
			return &zs[i];
	return NULL;
}

/* Decide, at its own deadline, a possible entry of this track whose deadline
 * is at or before until (event time): what a timer would have decided had
 * the device's next fix not been sent in the same burst. */
static void decide_by_time(struct engine *e, struct dev *off, const struct zone_rt *z,
			   struct track *t, int64_t until)
{
	struct zone_params p = { z->warning, e->cfg.hysteresis_m, e->cfg.confirm_ms };
	int64_t deadline = zone_deadline(&t->t, &p);
	struct decision dc = { t->pending_fix_at ? t->pending_fix_at : t->t.pending_since, deadline,
			       "timer", NULL };

	if (!deadline || deadline > until)
		return;
	apply_event(e, zone_tick(&t->t, &p, deadline), z, off, t, &dc, t->t.last_d,
		    zone_fix_uncertainty(off->acc));
}

/* An offender's fix at time at is about to be applied: first decide what
 * time alone decided before it. */
static void advance_to(struct engine *e, struct dev *off, int64_t at)
{
	for (int c = 0; c < off->ncases; c++) {
		size_t nz;
		const struct zone_rt *zs;

		if (off->cases[c].victim)
			continue;
		zs = case_zones(e, off->cases[c].case_id, &nz);
		for (size_t i = 0; i < nz; i++) {
			struct track *t = track_find(e, off->id, zs[i].id);

			if (t && t->t.state == ZS_PENDING)
				decide_by_time(e, off, &zs[i], t, at);
		}
	}
}

/*
 * A fix older than the one already applied (sent out of order): it cannot
 * move the device back in time, but what it shows is not ignored.  A
 * position confidently inside an exclusion zone is an entry at its own time,
 * late if that was long ago (an open alert for the zone absorbs it).
 */
static void late_fix(struct engine *e, struct dev *off, const struct fix *f, int64_t wall)
{
	struct geo_point at = { f->lat, f->lon };
	double u = zone_fix_uncertainty(isnan(f->accuracy) ? off->assumed_acc : f->accuracy);

	for (int c = 0; c < off->ncases; c++) {
		size_t nz;
		const struct zone_rt *zs;

		if (off->cases[c].victim || !covers(&off->cases[c], wall))
			continue;
		zs = case_zones(e, off->cases[c].case_id, &nz);
		for (size_t i = 0; i < nz; i++) {
			double d;

			if (zs[i].proximity)
				continue;
			d = zone_distance(&zs[i], at, u + e->cfg.hysteresis_m + 50);
			if (d + ZONE_CONFIDENCE * u <= 0) {
				struct decision dc = by_fix(off, f->at);

				raise_alert(e, zs[i].case_id, off, zs[i].id, "zone_entry", &at, &dc, false,
					    json_pack("{s:f, s:f, s:b}", "distance_m", d, "uncertainty_m", u,
						      "out_of_order", 1));
			}
		}
	}
}

static void device_flags(struct engine *e, struct dev *d, const struct fix *f)
{
	static const struct {
		unsigned flag;
		const char *offender_kind, *victim_kind;
	} events[] = {
		{ FIX_SOS, "sos", "panic" },
		{ FIX_TAMPER, "tamper", "tamper" },
		{ FIX_CASE_OPEN, "case_open", "case_open" },
		{ FIX_POWER_OFF, "powered_off", "powered_off" },
	};

	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		if (!(f->flags & events[i].flag))
			continue;
		device_event(e, d, f->at, d->offender ? events[i].offender_kind : events[i].victim_kind);
		for (int c = 0; c < d->ncases; c++) {
			struct geo_point at = { f->lat, f->lon };
			struct decision dc = by_fix(d, f->at);

			if (!covers(&d->cases[c], clock_now_ms()))
				continue;
			raise_alert(e, d->cases[c].case_id, d, 0,
				    d->offender ? events[i].offender_kind : events[i].victim_kind,
				    (f->flags & FIX_NO_POSITION) ? NULL : &at, &dc, false, NULL);
		}
	}
	{
		bool low = (f->flags & FIX_LOW_BATTERY) ||
			   (!isnan(f->battery) && f->battery <= e->cfg.low_battery_pct &&
			    !(f->flags & FIX_CHARGING));

		if (low && !d->low_battery) {
			struct decision dc = by_fix(d, f->at);

			device_event(e, d, f->at, "low_battery");
			for (int c = 0; c < d->ncases; c++)
				if (covers(&d->cases[c], clock_now_ms()))
					raise_alert(e, d->cases[c].case_id, d, 0, "low_battery", NULL,
						    &dc, false,
						    isnan(f->battery) ? NULL
								      : json_pack("{s:f}", "battery", f->battery));
		}
		pthread_mutex_lock(&e->mu); /* engine_device_live reads these */
		d->low_battery = low;
		pthread_mutex_unlock(&e->mu);
	}
	pthread_mutex_lock(&e->mu);
	if (f->flags & FIX_CHARGING)
		d->flags |= FIX_CHARGING;
	else
		d->flags &= ~(unsigned)FIX_CHARGING;
	pthread_mutex_unlock(&e->mu);
}

/* A fix stamped further ahead of the server's clock than the allowed skew:
 * it moves nothing (a tag whose clock runs fast must not blind the rules to
 * its next fixes), and the desk is told once, until the alert is resolved.
 * What it reports (a panic) still counts, at the time it was received. */
static void clock_fault(struct engine *e, struct dev *d, const struct fix *f, int64_t wall)
{
	struct fix now = *f;
	struct decision dc = { wall, wall, "fix", d->uid };

	device_event(e, d, wall, "clock_wrong");
	for (int c = 0; c < d->ncases; c++)
		if (covers(&d->cases[c], wall))
			raise_alert(e, d->cases[c].case_id, d, 0, "clock_fault", NULL, &dc, false,
				    json_pack("{s:I}", "ahead_s", (json_int_t)((f->at - wall) / 1000)));
	now.at = wall;
	device_flags(e, d, &now);
}

static void process_fix(struct engine *e, const struct fix *f)
{
	struct dev *d = dev_find(e, f->device_id);
	int64_t wall = clock_now_ms();
	bool newer, older;

	if (!d) {
		/* stored, so registered: one the engine missed (registrations on
		 * PostgreSQL can commit out of id order): read the new ones, and
		 * everything if it is still not there */
		pthread_mutex_lock(&e->mu);
		if (load_new_devices(e) < 0 || !dev_find(e, f->device_id))
			load_locked(e, false);
		pthread_mutex_unlock(&e->mu);
		d = dev_find(e, f->device_id);
		if (!d)
			return;
	}
	pthread_mutex_lock(&e->mu);
	d->heard_at = wall; /* whatever it says, the device is heard */
	pthread_mutex_unlock(&e->mu);
	if (d->lost) {
		pthread_mutex_lock(&e->mu);
		d->lost = false;
		pthread_mutex_unlock(&e->mu);
		device_event(e, d, wall, "signal_restored");
		for (size_t i = 0; i < e->ntracks_cap; i++)
			if (e->tracks && e->tracks[i].used && e->tracks[i].device_id == d->id)
				e->tracks[i].near_zone_escalated = false;
	}
	if (f->flags & FIX_CLOCK_AHEAD) {
		clock_fault(e, d, f, wall);
	} else {
		newer = !(f->flags & FIX_NO_POSITION) && (!d->have_fix || f->at > d->fix_at);
		older = !(f->flags & FIX_NO_POSITION) && d->have_fix && f->at < d->fix_at;
		/* what time alone decided before this fix was taken comes first */
		if (newer && d->offender && d->have_fix)
			advance_to(e, d, f->at);
		if (newer) {
			pthread_mutex_lock(&e->mu);
			d->have_fix = true;
			d->pos.lat = f->lat;
			d->pos.lon = f->lon;
			d->acc_assumed = isnan(f->accuracy);
			d->acc = d->acc_assumed ? d->assumed_acc : f->accuracy;
			d->speed = f->speed;
			if (!isnan(f->battery))
				d->battery = f->battery;
			d->fix_at = f->at;
			d->applied_wall = wall;
			pthread_mutex_unlock(&e->mu);
		}
		/* events are raised where the fix carrying them was */
		device_flags(e, d, f);
		if (older && d->offender)
			late_fix(e, d, f, wall);
		if (newer) {
			if (d->offender)
				evaluate_offender(e, d, wall);
			else
				evaluate_victim(e, d, wall);
		}
	}
	if ((f->flags & DEVICE_REPORT_FLAGS) &&
	    device_report_applied(e->db, d->id, f->at, wall) < 0)
		log_warn("cannot mark a device report applied (it will be applied again at the "
			 "next start, without raising twice): %s", db_errmsg(e->db));
}

/* ---- time ------------------------------------------------------------------------- */

/* Lost signal is silence: nothing heard from the device (by the wall
 * clock) for longer than its interval allows.  A backlog sent in a burst is
 * the device heard, whatever times its fixes carry. */
static void lost_signal(struct engine *e, struct dev *d, int64_t now)
{
	int64_t since = d->heard_at ? d->heard_at : d->created_at;
	bool watching = false;

	for (int c = 0; c < d->ncases; c++) {
		watching = watching || covers(&d->cases[c], now);
		/* silence counts from when the watch began, not before */
		if (covers(&d->cases[c], now) && d->cases[c].starts_at > since)
			since = d->cases[c].starts_at;
	}
	if (!watching || now - since < lost_signal_after_ms(d->expected_interval_s, e->cfg.lost_factor,
							    e->cfg.lost_floor_ms))
		return;
	if (!d->lost) {
		struct decision dc = { d->have_fix ? d->fix_at : 0, now, "timer", NULL };

		pthread_mutex_lock(&e->mu);
		d->lost = true;
		pthread_mutex_unlock(&e->mu);
		device_event(e, d, now, "lost_signal");
		for (int c = 0; c < d->ncases; c++)
			if (covers(&d->cases[c], now))
				raise_alert(e, d->cases[c].case_id, d, 0, "lost_signal",
					    d->have_fix ? &d->pos : NULL, &dc, false,
				    json_pack("{s:I}", "silent_s", (json_int_t)((now - since) / 1000)));
	}
	/* while it stays lost, the area he could have reached grows; when it
	 * reaches a protected place, escalate without waiting for a fix */
	if (!d->offender || !d->have_fix)
		return;
	{
		/* how far he could have gone since his last fix, in his own time */
		double reach = lost_reach_m(d->fix_at, dev_now(d, now), e->cfg.lost_speed_mps);

		for (int c = 0; c < d->ncases; c++) {
			if (!covers(&d->cases[c], now))
				continue;
			size_t nz;
			const struct zone_rt *zs = case_zones(e, d->cases[c].case_id, &nz);

			for (size_t i = 0; i < nz; i++) {
				const struct zone_rt *z = &zs[i];
				struct track *t;
				double dist;

				if (z->proximity)
					continue;
				t = track_get(e, d->id, z->id);
				if (t->near_zone_escalated)
					continue;
				/* already raised in this silence (before a restart)? */
				if (alert_raised_since(e->db, d->id, z->id, "lost_signal_near_zone",
						       d->fix_at) == 1) {
					t->near_zone_escalated = true;
					continue;
				}
				dist = zone_distance(z, d->pos, reach + d->acc + 50);
				if (reach + d->acc >= dist) {
					struct decision dc = { d->fix_at, now, "timer", NULL };

					t->near_zone_escalated = true;
					raise_alert(e, z->case_id, d, z->id, "lost_signal_near_zone", &d->pos,
						    &dc, false,
						    json_pack("{s:f, s:f}", "reach_m", reach, "distance_m", dist));
				}
			}
		}
	}
}

struct esc_ctx {
	struct engine *e;
	bool failed; /* an escalation's event was not recorded */
};

static int escalated(int64_t alert_id, void *arg)
{
	struct esc_ctx *x = arg;

	if (alert_event_add(x->e->db, alert_id, "escalated") < 0)
		x->failed = true;
	log_warn("alert %lld not acknowledged in time: escalated", (long long)alert_id);
	return 0;
}

static void tick(struct engine *e, int64_t now)
{
	/* a possible entry still waiting is decided when its device's own time
	 * (its latest fix's, plus the wall time since) passes the deadline */
	for (size_t i = 0; i < e->ntracks_cap; i++) {
		struct track *t = &e->tracks[i];
		struct dev *d;
		const struct zone_rt *z = NULL;

		if (!t->used || t->t.state != ZS_PENDING || !(d = dev_find(e, t->device_id)))
			continue;
		for (int c = 0; !z && c < d->ncases; c++)
			z = zone_of(e, d->cases[c].case_id, t->zone_id);
		if (z)
			decide_by_time(e, d, z, t, dev_now(d, now));
	}
	for (size_t i = 0; i < e->ndevs; i++)
		lost_signal(e, &e->devs[i], now);
	reporting_sweep(e);
	if (now - e->last_escalation_check >= 1000) {
		struct esc_ctx x = { e, false };
		int n;

		e->last_escalation_check = now;
		if (db_begin_write(e->db) >= 0) {
			n = lease_holds(e);
			if (n >= 0)
				n = alert_escalate_unacknowledged(e->db, now - e->cfg.escalate_after_ms,
								  now, escalated, &x);
			if (n >= 0 && x.failed)
				n = DB_ERROR;
			if (n >= 0 && db_commit(e->db) >= 0) {
				if (n > 0)
					sinks_events(e->v->sinks);
			} else {
				db_rollback(e->db);
			}
		}
	}
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
	struct dev *d = dev_find(e, f->device_id);

	if (d) {
		log_info("applying a %s report of device %s that no engine applied before",
			 (f->flags & FIX_SOS) ? "panic/SOS" : "device event", d->uid);
		device_flags(e, d, f);
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
			evaluate_offender(e, d, now);
		else
			evaluate_victim(e, d, now);
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
		struct timespec until;

		pthread_mutex_lock(&e->mu);
		if (!e->qlen && !e->reload && !e->nreload_cases && !e->reload_devices && !e->stopping) {
			e->busy = false;
			pthread_cond_broadcast(&e->idle_cv);
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 200 * 1000 * 1000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&e->cv, &e->mu, &until);
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
		if (!may_act(e)) {
			pthread_mutex_lock(&e->mu);
			e->busy = false;
			pthread_cond_broadcast(&e->idle_cv);
			pthread_mutex_unlock(&e->mu);
			break;
		}
		if (reload)
			load(e, false);
		else if (some)
			reload_some(e, cases, ncases);
		for (size_t i = 0; i < n; i++)
			process_fix(e, &batch[i]);
		atomic_fetch_add(&e->applied, n);
		if (clock_now_ms() - last_tick >= 1000) {
			last_tick = clock_now_ms();
			tick(e, last_tick);
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
	if (load(e, true) < 0) {
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
		pthread_mutex_lock(&e->mu);
		e->stopping = true;
		pthread_cond_signal(&e->cv);
		pthread_mutex_unlock(&e->mu);
		pthread_join(e->thread, NULL);
	}
	db_close(e->db);
	free_devs(e->devs, e->ndevs);
	free_zones(e->zones, e->nzones);
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
	e->busy = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
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
	e->busy = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

void engine_reload_devices(struct engine *e)
{
	pthread_mutex_lock(&e->mu);
	e->reload_devices = true;
	e->busy = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
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
	d = dev_find(e, device_id);
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
