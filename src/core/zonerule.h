/*
 * zonerule — deciding, fix by fix, whether a tagged offender is inside a
 * protected zone, in its warning ring, or outside: the rule that trades
 * missed approaches against false alerts (DESIGN.md section 4).
 *
 * The input is the signed distance d from the position to the zone's edge
 * (negative inside; for a proximity zone, the distance to the victim minus the
 * radius) and the position's uncertainty u (the fix's accuracy radius; for
 * proximity also the victim's, widened by the age of her last fix).
 *
 *  - A position whose whole uncertainty circle is inside (d + u <= 0) is an
 *    entry at once.
 *  - A position that may be inside (its centre inside, or its circle across
 *    the edge) is a possible entry: the tag is asked to report faster, and the
 *    readings decide, weighed together by their accuracy (an inverse-variance
 *    mean of the distances, so one far-off fix with an optimistic accuracy
 *    cannot outvote several good ones).  A reading wholly inside, or one whose
 *    centre is inside while the combined evidence is too, makes it an entry;
 *    combined evidence outside by more than its uncertainty cancels it.  A possible entry whose own
 *    centre was inside and that no later reading questioned is never dropped
 *    (never miss what a fix showed): after confirm_ms it becomes an entry.
 *    Otherwise at confirm_ms the combined evidence decides.
 *  - So a single far-off fix at the line (the classic false alert) needs a
 *    second bad reading to alert, and a real approach that one fix showed is
 *    confirmed within one fast report, not one reporting interval.
 *  - Leaving needs the circle wholly outside by the hysteresis margin, so
 *    drift along the edge does not flap entry/leave/entry.
 *  - The warning ring (warning_m beyond the edge) raises a warning once per
 *    approach; it clears only past warning_m plus the hysteresis.
 *
 * Pure and small: one struct zone_track per offender and zone.
 */
#ifndef VIGIL_CORE_ZONERULE_H
#define VIGIL_CORE_ZONERULE_H

#include <stdint.h>

enum zone_state { ZS_OUTSIDE, ZS_WARNING, ZS_PENDING, ZS_INSIDE };

struct zone_track {
	uint8_t state;          /* enum zone_state */
	uint8_t shown;          /* while ZS_PENDING: the first reading's centre was inside */
	uint8_t readings;       /* while ZS_PENDING: readings weighed so far */
	uint8_t warned;         /* a warning was raised for this approach */
	float wsum, wdsum;      /* while ZS_PENDING: sum of 1/u^2 and of d/u^2 */
	int64_t pending_since;  /* ms, while ZS_PENDING */
};

struct zone_params {
	double warning_m;    /* width of the warning ring beyond the edge; 0: none */
	double hysteresis_m; /* margin to clear a state once entered */
	int64_t confirm_ms;  /* a possible entry with nothing clearly outside after this becomes one */
};

enum zone_event {
	ZE_NONE,
	ZE_WARNING,        /* entered the warning ring */
	ZE_POSSIBLE_ENTRY, /* may be inside: ask the tag for faster fixes */
	ZE_ENTER,          /* inside (confirmed) */
	ZE_LEAVE,          /* left the zone */
	ZE_WARNING_CLEAR,  /* left the warning ring */
	ZE_CANCELLED,      /* a possible entry that a reading ruled out, or that lapsed */
};

const char *zone_event_name(enum zone_event e);
/* Apply one position at time now.  Returns what changed. */
enum zone_event zone_step(struct zone_track *t, const struct zone_params *p, double d, double u,
			  int64_t now);
/* Time passing with no position: a possible entry that a centre showed
 * becomes an entry after confirm_ms; one that only grazed lapses. */
enum zone_event zone_tick(struct zone_track *t, const struct zone_params *p, int64_t now);

/* Lost signal: no fix for longer than max(floor_ms, factor x the device's
 * expected interval); the floor is 2 minutes unless configured. */
int64_t lost_signal_after_ms(int expected_interval_s, double factor, int64_t floor_ms);
/* How far the offender could have gone since his last fix at speed_mps. */
double lost_reach_m(int64_t last_fix_at, int64_t now, double speed_mps);
/* Widening of a victim's position with its age (she may have moved). */
double age_uncertainty_m(int64_t fix_at, int64_t now, double speed_mps, double cap_m);

#endif
