/*
 * engine — the real-time monitoring engine.
 *
 * Fixes arrive already stored (ingest acknowledges a device only after its
 * fix is durable) and are queued to the engine's owner thread, which alone
 * holds the device state, the zones and the per-zone tracks, so none of it
 * needs locks.  The thread applies the rules (core/zonerule.c) to each fix,
 * ticks once a second for time-driven rules (a possible entry expiring into an
 * entry, lost signal and its escalation, unacknowledged critical alerts), and
 * records alerts and their events in the database, then wakes the live
 * stream.  At start, and when devices, assignments or zones change, the
 * configuration is read again from the database; positions and tracks are
 * kept.  The last position of each device and the open lost-signal alerts are
 * read from the database at start, so a restart in the middle of a lost-
 * signal period carries on where it was; and a newest fix younger than two
 * minutes is applied again, so that a fix stored (and acknowledged) but still
 * queued when the engine's node died is not left unapplied, without raising
 * again an alert raised since it.
 *
 * Event time decides, the wall clock only waits (DESIGN.md section 4):
 * every decision about fixes is a function of the fixes' own times, so a
 * recorded day replayed at any speed gives the same alerts.  A device's
 * "now" is its latest fix's time plus the wall time since that fix was
 * applied; timers (a possible entry still waiting, lost signal) fire on it,
 * and a fix that comes first decides what its time decides.  Lost signal is
 * silence: no report heard, by the wall clock.  A fix stamped ahead of the
 * server's clock (FIX_CLOCK_AHEAD) moves nothing and is a clock fault on the
 * desk.  An approach decided longer ago than current_ms is late: recorded at
 * its own time, shown on the desk, not sent to her as a warning.
 */
#ifndef VIGIL_MONITOR_ENGINE_H
#define VIGIL_MONITOR_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fix.h"

struct vigil;
struct engine;

struct engine_config {
	double lost_factor;       /* lost after this many expected intervals ... */
	int64_t lost_floor_ms;    /* ... and never sooner than this (2 minutes) */
	double lost_speed_mps;    /* how fast a lost offender is assumed to move */
	double hysteresis_m;
	int64_t confirm_ms;       /* a possible entry becomes an entry after this */
	int64_t escalate_after_ms; /* an unacknowledged critical alert escalates */
	double low_battery_pct;
	double victim_age_speed_mps; /* how fast a victim's last position ages */
	/* The leadership (monitor/node.c; unset where one node always leads):
	 * the lease's deadline on the monotonic clock (ms of clock_mono_ns()),
	 * which the node moves on at each renewal, and past which the engine
	 * acts on nothing (no fix applied, no timer, no alert) until it is
	 * renewed or the engine stopped; and the lease's role and epoch, checked
	 * in the transaction of every alert it opens or escalates
	 * (db_lease_check), so that none commits once another node leads. */
	const atomic_llong *lease_until_ms;
	const char *lease_role;
	int64_t lease_epoch;
	int64_t current_ms;       /* an approach decided longer ago than this (a backlog)
				   * is late: the desk's, not a warning to her */
};

void engine_config_defaults(struct engine_config *c);

/* Load the state and start the owner thread.  0, or -1 with err. */
int engine_start(struct vigil *v, const struct engine_config *c, struct engine **out, char *err,
		 size_t errlen);
/* Stop: what is queued is applied first. */
void engine_stop(struct engine *e);
/* Has the engine found its database connection dead, or its lease taken by
 * another node?  (Its node stops it, and starts another if it still leads.) */
bool engine_broken(struct engine *e);
/* Its database connection's session (db_session_id), which its node records
 * with the lease so that a node taking the lease over can end it. */
int64_t engine_session_id(struct engine *e);
/* Take what is queued and not yet applied out of the engine (the node lost
 * the leadership, or the engine its connection): *out (caller frees), the
 * count returned; engine_stop() still follows. */
size_t engine_abandon(struct engine *e, struct fix **out);
/* Queue a stored fix (copied).  Never blocks the caller for long. */
void engine_submit(struct engine *e, const struct fix *f);
/* Queue those of n stored fixes whose results[i] is wanted, with one wake-up. */
void engine_submit_many(struct engine *e, const struct fix *f, const int *results, size_t n,
			int wanted);
/* Read devices, assignments and zones again (after an API change). */
void engine_reload(struct engine *e);
/* Read one case's assignments and zones again (and any new device). */
void engine_reload_case(struct engine *e, int64_t case_id);
/* Read the devices registered since the last read. */
void engine_reload_devices(struct engine *e);
/* Wait until everything queued so far has been processed (tests, shutdown). */
void engine_drain(struct engine *e);

/* A device's live state, for GET /api/v1/devices. */
struct device_live {
	bool have_fix;
	int64_t fix_at;
	double lat, lon, accuracy, battery;
	bool accuracy_assumed; /* the fix reported none: accuracy is the kind's assumed one */
	bool lost, tamper, charging;
	unsigned flags;
};
bool engine_device_live(struct engine *e, int64_t device_id, struct device_live *out);
/* Fixes waiting in the queue, and *applied those judged since the engine
 * started (metrics: a backlog shows as the first growing, the second
 * catching up). */
size_t engine_queued(struct engine *e, uint64_t *applied);
/* Engine memory in bytes and device count, for the benchmark. */
size_t engine_memory(struct engine *e, size_t *devices);

#endif
