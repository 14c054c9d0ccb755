/*
 * monitor/engine_int.h — private to the engine's files: the state the owner
 * thread holds (devices, their cases, zones, tracks) and what the files share.
 *
 *   engine.c  the thread: its queue, start and stop, the lease, the live view
 *   state.c   reading the devices, assignments and zones, and reading a case
 *             again; the per-zone tracks
 *   rules.c   the rules a fix or the clock sets off: zones, proximity, device
 *             events, lost signal, asking the tag to report faster
 *   raise.c   raising an alert (severity from core/alertkind) and recording
 *             a device event, and publishing them (monitor/sinks)
 *
 * Everything here belongs to the owner thread, but for what engine.mu guards
 * (see struct engine).
 */
#ifndef VIGIL_MONITOR_ENGINE_INT_H
#define VIGIL_MONITOR_ENGINE_INT_H


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
#include "monitor/engine.h"

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
static inline bool covers(const struct dev_case *c, int64_t t)
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
static inline int64_t dev_now(const struct dev *d, int64_t wall)
{
	if (!d->have_fix)
		return wall;
	return d->fix_at + (wall > d->applied_wall ? wall - d->applied_wall : 0);
}

/* d is where f says, as well as f says, at f's time (its battery and when
 * it was heard and applied are the caller's to take). */
static inline void dev_take_fix(struct dev *d, const struct fix *f)
{
	d->have_fix = true;
	d->pos.lat = f->lat;
	d->pos.lon = f->lon;
	d->acc_assumed = isnan(f->accuracy);
	d->acc = d->acc_assumed ? d->assumed_acc : f->accuracy;
	d->speed = f->speed;
	d->fix_at = f->at;
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

int eng_lease_holds(struct engine *e);
bool eng_may_act(struct engine *e);
const struct case_dev *eng_case_devs(const struct engine *e, int64_t case_id, size_t *n);
const struct zone_rt *eng_case_zones(const struct engine *e, int64_t case_id, size_t *n);
struct dev *eng_dev_find(struct engine *e, int64_t id);
void eng_free_devs(struct dev *d, size_t n);
void eng_free_zones(struct zone_rt *z, size_t n);
int eng_load(struct engine *e, bool first);
int eng_load_locked(struct engine *e, bool first);
int eng_load_new_devices(struct engine *e);
void eng_reload_some(struct engine *e, const int64_t *cases, size_t n);
struct track *eng_track_find(struct engine *e, int64_t device_id, int64_t zone_id);
struct track *eng_track_get(struct engine *e, int64_t device_id, int64_t zone_id);
bool eng_watches_case(const struct dev *d, int64_t case_id, bool victim, int64_t now);
struct decision eng_by_fix(const struct dev *d, int64_t at);
void eng_device_event(struct engine *e, const struct dev *d, int64_t at, const char *kind);
void eng_raise_alert(struct engine *e, int64_t case_id, const struct dev *d, int64_t zone_id,
			const char *kind, const struct geo_point *pos, const struct decision *dc,
			bool visit_again, json_t *detail);
void eng_device_flags(struct engine *e, struct dev *d, const struct fix *f);
void eng_evaluate_offender(struct engine *e, struct dev *off, int64_t wall);
void eng_evaluate_victim(struct engine *e, struct dev *vic, int64_t wall);
void eng_process_fix(struct engine *e, const struct fix *f);
void eng_tick(struct engine *e, int64_t now);

#endif
