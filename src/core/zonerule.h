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
 *  - A position whose centre is inside but whose circle crosses the edge is a
 *    possible entry: it is never dropped (never miss what a fix showed).  It
 *    becomes an entry when the next position's centre is inside too, or when
 *    no position clearly outside arrives within confirm_ms; a position whose
 *    circle lies wholly outside cancels it.  Meanwhile the tag is asked to
 *    report faster.
 *  - A centre outside is never an entry (a single fix far off at the line is
 *    the classic false alert).
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
	ZE_POSSIBLE_ENTRY, /* centre inside, circle across the edge: ask for faster fixes */
	ZE_ENTER,          /* inside (confirmed) */
	ZE_LEAVE,          /* left the zone */
	ZE_WARNING_CLEAR,  /* left the warning ring */
	ZE_CANCELLED,      /* a possible entry that the next position ruled out */
};

const char *zone_event_name(enum zone_event e);
/* Apply one position at time now.  Returns what changed. */
enum zone_event zone_step(struct zone_track *t, const struct zone_params *p, double d, double u,
			  int64_t now);
/* Time passing with no position: a possible entry becomes an entry after
 * confirm_ms. */
enum zone_event zone_tick(struct zone_track *t, const struct zone_params *p, int64_t now);

/* Lost signal: no fix for longer than max(floor_ms, factor x the device's
 * expected interval); the floor is 2 minutes unless configured. */
int64_t lost_signal_after_ms(int expected_interval_s, double factor, int64_t floor_ms);
/* How far the offender could have gone since his last fix at speed_mps. */
double lost_reach_m(int64_t last_fix_at, int64_t now, double speed_mps);
/* Widening of a victim's position with its age (she may have moved). */
double age_uncertainty_m(int64_t fix_at, int64_t now, double speed_mps, double cap_m);

#endif
