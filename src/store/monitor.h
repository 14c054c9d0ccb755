/*
 * store/monitor — devices, their assignment to cases, zones, the position
 * history, device events, and alerts with their event log (what the live
 * stream replays).
 *
 * One interface, implemented a file per record type: store/devices.c,
 * assignments.c, zones.c, fixes.c (reports, fixes, device events) and
 * alerts.c (alerts, alert events, notifications); store/monitor_sql.h is
 * what they share, private to them.
 */
#ifndef VIGIL_STORE_MONITOR_H
#define VIGIL_STORE_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fix.h"
#include "db/db.h"
#include "store/cases.h"

struct device {
	int64_t id;
	char uid[FIX_UID_MAX + 1];
	char kind[16];     /* offender_tag, victim_phone, victim_alarm */
	char protocol[12]; /* osmand, teltonika, json */
	int expected_interval_s;
	int64_t created_at;
	int64_t rejected_fixes;
	int64_t agency_id; /* the owner: the agency that registered it; 0 none */
	char agency[33];   /* its code, "" when none */
};

/* Register a device owned by agency_id (registered by user by, 0: none). */
int64_t device_insert(db *d, const char *uid, const char *kind, const char *protocol,
		      int expected_interval_s, int64_t agency_id, int64_t by) DB_CHECKED;
/* Give a device an owner (the command line, for devices older than owners). */
int device_set_agency(db *d, int64_t id, int64_t agency_id) DB_CHECKED;

/*
 * Devices as a viewer may see them.  A device is visible to the device
 * managers (devices:manage) of the agency that owns it; to anyone while it
 * watches (or is assigned to watch) a case she may see; and, while it is
 * free, to anyone of the agency that owns it or of an agency its owner
 * serves or is served by (agency_services, monitoring, accepted).  A viewer holding a token bound to devices sees those
 * only.  For each: busy (an assignment not ended at now, or still to start)
 * and case_ref, the visible case it watches at now ("" when none).
 */
/*
 * Asking a device to report faster, or at its normal period again
 * (ingest/reporting.c): what it was last asked and what came of it, one row
 * a device.  state: asked (not yet written to a session), sent (written; no
 * answer yet), acknowledged (the device answered), unanswered (no answer in
 * time, or the session closed first), unavailable (no session open on any
 * node).
 */
#define DEVICE_REPORTING_TEXT 256 /* command and response kept, at most */
struct device_reporting {
	char mode[8];          /* "normal" or "fast"; "" never asked */
	char state[16];
	int64_t asked_at, sent_at, acknowledged_at; /* 0: not (yet) */
	char command[DEVICE_REPORTING_TEXT + 1];
	char response[DEVICE_REPORTING_TEXT + 1];
};
struct device_view {
	bool busy;
	char case_ref[24];   /* the visible case it watches now or will, "" none */
	int64_t watch_from;  /* when that assignment starts (its positions are theirs from then) */
	int64_t free_since;  /* when its last assignment ended, 0: never assigned */
	struct device_reporting reporting; /* mode "" when never asked */
};
/* Every visible device (uid NULL) or the one with that uid, in id order. */
int device_each_visible(db *d, const struct viewer *v, int64_t now, const char *uid,
			int (*fn)(const struct device *dv, const struct device_view *dw, void *arg),
			void *arg) DB_CHECKED;
/* One device by uid as v sees it: 1 visible, 0 not (or no such device). */
int device_get_visible(db *d, const struct viewer *v, int64_t now, const char *uid,
		       struct device *out, struct device_view *view) DB_CHECKED;
int device_get(db *d, const char *uid, struct device *out) DB_CHECKED;
int device_get_by_id(db *d, int64_t id, struct device *out) DB_CHECKED;
int device_each(db *d, int (*fn)(const struct device *dv, void *arg), void *arg) DB_CHECKED;
/* Those of uids[0..n) that are registered (a statement for up to 64 at a
 * time: a round trip each on PostgreSQL), in no particular order. */
int device_each_of_uids(db *d, const char *const *uids, size_t n,
			int (*fn)(const struct device *dv, void *arg), void *arg) DB_CHECKED;
/* Those registered after the device after_id (ids only grow), in id order. */
int device_each_after(db *d, int64_t after_id, int (*fn)(const struct device *dv, void *arg),
		      void *arg) DB_CHECKED;
int device_count_rejected(db *d, int64_t id) DB_CHECKED;

struct assignment {
	int64_t id, device_id, case_id;
	char role[8]; /* suspect, victim */
	int64_t starts_at, ends_at; /* ends_at 0: open-ended */
};
int64_t assignment_insert(db *d, int64_t device_id, int64_t case_id, const char *role,
			  int64_t starts_at, int64_t ends_at, int64_t by) DB_CHECKED;
/* An assignment of the device whose period meets [starts_at, ends_at) (ends_at
 * 0: open-ended): 1 with *out filled (the first), 0 none, negative on error. */
int assignment_overlapping(db *d, int64_t device_id, int64_t starts_at, int64_t ends_at,
			   struct assignment *out) DB_CHECKED;
/* The assignment of a device to a case that covers time at: 1, 0 none. */
int assignment_covering(db *d, int64_t device_id, int64_t case_id, int64_t at,
			struct assignment *out) DB_CHECKED;
/* One assignment of a case: 1 found, 0 not. */
int assignment_get(db *d, int64_t case_id, int64_t id, struct assignment *out) DB_CHECKED;
/* End an assignment at ends_at: 1 done, 0 already ended by then. */
int assignment_end(db *d, int64_t id, int64_t ends_at) DB_CHECKED;
/* The cases a device watches at now: up to max ids in out; their number, or < 0. */
int assignment_cases_of_device(db *d, int64_t device_id, int64_t now, int64_t *out,
			       int max) DB_CHECKED;
/* Assignments current at now (all of them when case_id is 0). */
int assignment_each_current(db *d, int64_t case_id, int64_t now,
			    int (*fn)(const struct assignment *a, void *arg), void *arg) DB_CHECKED;
/* Assignments not yet ended at now, including those still to start. */
int assignment_each_unended(db *d, int64_t now, int (*fn)(const struct assignment *a, void *arg),
			    void *arg) DB_CHECKED;
int assignment_each_unended_of_case(db *d, int64_t case_id, int64_t now,
				    int (*fn)(const struct assignment *a, void *arg), void *arg) DB_CHECKED;

struct zone {
	int64_t id, case_id;
	char name[101];
	char kind[12];     /* exclusion, proximity */
	const char *geometry; /* GeoJSON text, or NULL for proximity */
	double radius_m;   /* circle or proximity radius; 0 for a polygon */
	double warning_m;
	int64_t created_at;
};
int64_t zone_insert(db *d, int64_t case_id, const char *name, const char *kind,
		    const char *geometry, double radius_m, double warning_m, int64_t by) DB_CHECKED;
/* Zones not removed (all cases when case_id is 0).  The name and geometry
 * are sealed (drawn round her places, named after them or after her): a zone
 * whose name or geometry does not open is not
 * passed to fn, the others are, and then DB_SEALED is returned (db_note
 * names the last such zone); the caller decides (the engine logs it and
 * watches the others; the API fails). */
int zone_each(db *d, int64_t case_id, int (*fn)(const struct zone *z, void *arg),
	      void *arg) DB_CHECKED;
int zone_remove(db *d, int64_t case_id, int64_t zone_id) DB_CHECKED;

/* Store each fix whose skip[i] is 0 unless its device already has one at
 * that time (or an earlier one in the batch has): stored[i] is 1 or 0.  0 or
 * negative.  A fix flagged FIX_CLOCK_AHEAD is kept flagged: the reads below
 * (the newest position, a trail) leave it out.  sealed[i]: a victim's
 * device, whose position (place, accuracy, speed, heading, altitude) is
 * sealed; its time and battery stay in clear.
 *
 * The reads open sealed positions.  One that will not open is not passed to
 * fn (the others are), and then DB_SEALED is returned, db_note() naming the
 * last: the engine logs it and goes on, the API fails. */
int fix_store_many(db *d, const struct fix *f, const int *skip, const bool *sealed, size_t n,
		   int64_t received_at, int *stored) DB_CHECKED;
/* The newest fix of each device, calling fn(device_id, fix). */
int fix_each_latest(db *d, int (*fn)(const struct fix *f, void *arg), void *arg) DB_CHECKED;
/* A device's newest fix: 1 found, 0 none, negative on error. */
int fix_latest(db *d, int64_t device_id, struct fix *out) DB_CHECKED;
/* A device's fixes between from and to (ms), oldest first, at most limit. */
int fix_each_between(db *d, int64_t device_id, int64_t from, int64_t to, int limit,
		     int (*fn)(const struct fix *f, void *arg), void *arg) DB_CHECKED;

int device_event_add(db *d, int64_t device_id, int64_t at, const char *kind,
		     const char *detail) DB_CHECKED;

/* The engine wants device_id to report in mode ("normal" or "fast") from
 * at, by command (NULL: none known yet): state asked. */
int device_reporting_ask(db *d, int64_t device_id, const char *mode, const char *command,
			 int64_t at) DB_CHECKED;
/* What came of it, while mode is still the one asked: state "sent" (text:
 * the command written), "acknowledged" (text: the response; only after a
 * send), "unanswered" (only after a send), "unavailable" (only while no
 * send).  1 changed, 0 not (asked otherwise since, or no such step), or
 * negative. */
int device_reporting_mark(db *d, int64_t device_id, const char *mode, const char *state,
			  int64_t at, const char *text) DB_CHECKED;
/* One device's: 1 found, 0 never asked, negative on error. */
int device_reporting_get(db *d, int64_t device_id, struct device_reporting *out) DB_CHECKED;
/* The devices last asked to report fast, in id order. */
int device_reporting_each_fast(db *d, int (*fn)(int64_t device_id, void *arg),
			       void *arg) DB_CHECKED;

/* The reported events the engine must not lose (panic, tamper, case open,
 * power off): kept with the fix until an engine has applied them. */
#define DEVICE_REPORT_FLAGS (FIX_SOS | FIX_TAMPER | FIX_CASE_OPEN | FIX_POWER_OFF)
/* Keep f's events (f->device_id set); a report already kept is kept once.
 * sealed: a victim's device, whose position is sealed. */
int device_report_store(db *d, const struct fix *f, bool sealed, int64_t received_at) DB_CHECKED;
/* An engine applied the report of device_id at at. */
int device_report_applied(db *d, int64_t device_id, int64_t at, int64_t now) DB_CHECKED;
/* The reports no engine applied, received since since, oldest first: fn
 * gets a fix with device_id, at, flags and the position (or FIX_NO_POSITION).
 * A report whose sealed position will not open is not passed on, and then
 * DB_SEALED is returned (db_note names the last). */
int device_report_each_unapplied(db *d, int64_t since,
				 int (*fn)(const struct fix *f, void *arg), void *arg) DB_CHECKED;

struct alert {
	int64_t id, case_id, device_id, zone_id;
	char kind[32];
	char severity[10];
	char state[14];
	int64_t opened_at, fix_at;
	double lat, lon;          /* the offender's (or device's) position, NAN when none */
	bool position_unreadable; /* a victim's device's position, sealed, would not open:
				   * lat and lon are NAN, db_note() says why */
	const char *detail;       /* JSON text */
	int64_t acknowledged_at, dispatched_at, resolved_at, escalated_at;
	char acknowledged_by[65], dispatched_by[65], resolved_by[65];
	const char *outcome, *note;
	int64_t version;
	int64_t decided_at;       /* event time: the fix or timer that decided it (0: unknown) */
	char decided_by[80];      /* the device whose fix decided it, or "timer"; "" unknown */
	bool late;                /* decided longer ago than her warnings are current */
	int repeats;              /* visits after the first while it stayed unresolved */
	int64_t last_repeat_at;   /* the latest of them (event time), 0: none */
};

/* Open an alert unless one of the same kind for the same case, device and
 * zone is still unresolved: returns the new id, or the existing one as a
 * negative-free value with *existed set. */
int64_t alert_open(db *d, const struct alert *a, bool *existed) DB_CHECKED;
/* Another visit while the alert is still unresolved: count it, at event
 * time at.  Returns the repeat's number (1 for the second visit), 0 when the
 * alert was resolved meanwhile, negative on error. */
int alert_repeat(db *d, int64_t id, int64_t at) DB_CHECKED;
/* Read one alert; its text fields are copies the caller frees with
 * alert_free(). */
int alert_get(db *d, int64_t id, struct alert *out) DB_CHECKED;
void alert_free(struct alert *a);
struct alert_filter {
	const char *state; /* NULL: any; "unresolved": open, acknowledged or dispatched */
	int64_t case_id;   /* 0: any */
	int64_t before_id; /* cursor */
	int limit;
};
int alert_each(db *d, const struct alert_filter *f, int (*fn)(const struct alert *a, void *arg),
	       void *arg) DB_CHECKED;
/* Move an alert along its life: 1 done, 0 when its state was not from_state
 * (or the version moved), negative on error. */
int alert_transition(db *d, int64_t id, int64_t expected_version, const char *from_state,
		     const char *to_state, int64_t by, const char *outcome, const char *note) DB_CHECKED;
/* Mark critical alerts still open since before cutoff as escalated; calls fn
 * for each.  Returns how many, or negative. */
int alert_escalate_unacknowledged(db *d, int64_t cutoff, int64_t now,
				  int (*fn)(int64_t alert_id, void *arg), void *arg) DB_CHECKED;
/* Unresolved alerts of a kind for a device. */
int alert_unresolved_exists(db *d, int64_t device_id, const char *kind) DB_CHECKED;
/* Whether an alert of a kind was raised for a device (and zone, when not 0)
 * at or after since, in any state: rebuilding a lost-signal period at start. */
int alert_raised_since(db *d, int64_t device_id, int64_t zone_id, const char *kind,
		       int64_t since) DB_CHECKED;

/* Notification attempts. */
struct notification {
	const char *channel;
	int repeat;        /* 0: the alert; n: its nth repeated visit */
	int attempt;
	int64_t at;
	long http_status; /* 0: no HTTP answer */
	const char *error; /* NULL when delivered */
	bool delivered;
};
int notification_record(db *d, int64_t alert_id, const struct notification *n) DB_CHECKED;
int notification_each(db *d, int64_t alert_id,
		      int (*fn)(const struct notification *n, void *arg), void *arg) DB_CHECKED;
/* A channel's notifications not yet delivered: for each alert not resolved
 * and opened at or after since (oldest first), with no delivered attempt on
 * that channel, its kind and severity (to tell whether the channel concerns
 * it), the attempts made so far and when the last was (0: none). */
struct notification_due {
	int64_t alert_id;
	char kind[32], severity[16];
	int attempts;
	int64_t last_at;
	bool late; /* decided too long ago to warn the victim */
};
int notification_undelivered_each(db *d, const char *channel, int64_t since,
				  int (*fn)(const struct notification_due *n, void *arg), void *arg) DB_CHECKED;

/* The channel on which the nodes sharing a database hear that alert events
 * were added: adding one notifies it in the same transaction (nothing on
 * SQLite, which one node serves). */
#define ALERT_EVENTS_CHANNEL "vigil_alerts"
/* Tell the live streams of every node, when the transaction commits, to
 * look again (new events, or who may now see what): 0 or negative. */
int alert_events_announce(db *d) DB_CHECKED;
/* The alert event log: returns the event's id. */
int64_t alert_event_add(db *d, int64_t alert_id, const char *kind) DB_CHECKED;
/* A step of the response protocol at at, unless the alert is resolved (0). */
int64_t alert_step_add(db *d, int64_t alert_id, const char *kind, int64_t at) DB_CHECKED;
/* The events of one alert, oldest first. */
int alert_event_each_of(db *d, int64_t alert_id,
			int (*fn)(int64_t event_id, const char *kind, int64_t at, void *arg), void *arg) DB_CHECKED;
/* Events after after_id, oldest first, at most limit. */
int alert_event_each(db *d, int64_t after_id, int limit,
		     int (*fn)(int64_t event_id, int64_t alert_id, const char *kind, int64_t at,
			       void *arg),
		     void *arg) DB_CHECKED;
/* The newest event's id (0: none yet), or negative. */
int64_t alert_event_latest(db *d) DB_CHECKED;

#endif
