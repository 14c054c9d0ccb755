/*
 * zonerule — deciding, fix by fix, whether a tagged offender is inside a
 * protected zone, in its warning ring, or outside: the rule that trades
 * missed approaches against false alerts (DESIGN.md section 4).
 *
 * The input is the signed distance d from the position to the zone's edge
 * (negative inside; for a proximity zone, the distance to the victim minus the
 * radius) and the position's uncertainty u: zone_fix_uncertainty() of the
 * fix's accuracy (for proximity, also the victim's, widened by the age of her
 * last fix).
 *
 * A receiver's accuracy is a 68% radius, and an optimistic one: a good fix
 * is often 2-3 times further off than it says, and an indoor fix (multipath)
 * that claims 30-90 m can be 300 m off.  So the uncertainty is the accuracy,
 * floored at ZONE_ACC_FLOOR_M, and tripled for a degraded fix (accuracy worse
 * than ZONE_DEGRADED_M), which is then too vague to decide anything alone.
 *
 *  - A position inside by ZONE_CONFIDENCE uncertainties (d + 2u <= 0) is an
 *    entry at once: a good fix 20 m or more inside.  An approach is alerted
 *    on the first fix that shows him well inside.
 *  - A position that may be inside (its centre inside, or its circle across
 *    the edge) is a possible entry: the tag is asked to report faster, and the
 *    readings decide, weighed together by their uncertainty (an
 *    inverse-variance mean, so a far-off fix with an optimistic accuracy
 *    cannot outvote good ones).  It is an entry when one reading is
 *    confident, when the readings together are (mean + 2 sigma <= 0), or when
 *    a centre is inside and the readings together put him inside by more than
 *    a good fix's error (ZONE_MARGIN_M): the second reading of the two-reading
 *    rule, with a margin that noise at the line cannot make up.  Readings
 *    together outside by more than their uncertainty cancel it.
 *  - Time decides a possible entry after confirm_ms: one that a centre showed
 *    and no later reading questioned (the tag did not report again) becomes
 *    an entry: never miss what a fix showed.  One with later readings is an
 *    entry when they together put him inside by their uncertainty (mean +
 *    sigma <= 0), else it lapses; the next reading inside opens a new one.
 *  - So a single far-off fix at the line (the classic false alert) needs good
 *    readings to agree before it alerts; drift along the line, whose readings
 *    average a few metres either side, stays a possible entry that lapses;
 *    and a real approach is confirmed by its first good fix well inside, or
 *    within one or two fast reports.
 *  - Leaving needs the circle wholly outside by the hysteresis margin, so
 *    drift along the edge does not flap entry/leave/entry.
 *  - The warning ring (warning_m beyond the edge) raises a warning once per
 *    approach; it clears only past warning_m plus the hysteresis.
 *
 * Measured by bench/monitor rules (README.md): no scripted approach missed,
 * about 0.04 false entries per offender per day, against the two-reading
 * rule's 0.1 and a plain threshold's 1.8.
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
	float last_d;           /* while ZS_PENDING: the latest reading's distance */
	int64_t pending_since;  /* ms, while ZS_PENDING: the time of the reading that opened it */
};

struct zone_params {
	double warning_m;    /* width of the warning ring beyond the edge; 0: none */
	double hysteresis_m; /* margin to clear a state once entered */
	int64_t confirm_ms;  /* a possible entry is decided by time after this (ZONE_CONFIRM_MS) */
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

/* The rule's constants (see the comment above). */
#define ZONE_ACC_FLOOR_M 10.0     /* no fix is taken as better than this */
#define ZONE_DEGRADED_M 25.0      /* a fix reporting worse than this is degraded (indoors) */
#define ZONE_DEGRADED_FACTOR 3.0  /* ... and may be this many times further off than it says */
#define ZONE_CONFIDENCE 2.0       /* inside by this many uncertainties: confident */
#define ZONE_MARGIN_M 10.0        /* readings together inside by this: a good fix's error */
#define ZONE_CONFIRM_MS 30000     /* the default confirm_ms (--confirm-seconds) */

const char *zone_event_name(enum zone_event e);
/* The uncertainty (m) the rule weighs for a fix that reports accuracy_m
 * (0 or NaN: unknown). */
double zone_fix_uncertainty(double accuracy_m);
/* Apply one position at time now.  Returns what changed. */
enum zone_event zone_step(struct zone_track *t, const struct zone_params *p, double d, double u,
			  int64_t now);
/*
 * A position that is no new evidence of where he is: the victim's new fix
 * against his old one (a proximity zone).  It may open a possible entry or
 * enter at once when confident (she walked up to him), raise the warning, or
 * rule out a possible entry when its whole circle is outside; but it never
 * counts as the second reading that confirms one: a confirmation needs a new
 * fix of his.
 */
enum zone_event zone_step_passive(struct zone_track *t, const struct zone_params *p, double d,
				  double u, int64_t now);
/* Time passing with no position: a possible entry that a centre showed
 * becomes an entry after confirm_ms; one that only grazed lapses, back to
 * where its latest reading put him (the warning ring only if it was there). */
enum zone_event zone_tick(struct zone_track *t, const struct zone_params *p, int64_t now);
/* When a possible entry is decided by time: its deadline (0: not pending). */
int64_t zone_deadline(const struct zone_track *t, const struct zone_params *p);

/* Lost signal: no fix for longer than max(floor_ms, factor x the device's
 * expected interval); the floor is 2 minutes unless configured. */
int64_t lost_signal_after_ms(int expected_interval_s, double factor, int64_t floor_ms);
/* How far the offender could have gone since his last fix at speed_mps. */
double lost_reach_m(int64_t last_fix_at, int64_t now, double speed_mps);
/* Widening of a victim's position with its age (she may have moved). */
double age_uncertainty_m(int64_t fix_at, int64_t now, double speed_mps, double cap_m);

#endif
