/*
 * zonerule — the entry/warning/leave decision (see the header for the rule).
 */
#include "core/zonerule.h"

#include <math.h>
#include <stdbool.h>

const char *zone_event_name(enum zone_event e)
{
	static const char *names[] = { "none",  "warning", "possible_entry", "enter",
				       "leave", "warning_clear", "cancelled" };

	return e >= ZE_NONE && e <= ZE_CANCELLED ? names[e] : "none";
}

double zone_fix_uncertainty(double accuracy_m)
{
	if (!(accuracy_m >= ZONE_ACC_FLOOR_M)) /* also NaN: no accuracy is no better than the floor */
		return ZONE_ACC_FLOOR_M;
	return accuracy_m > ZONE_DEGRADED_M ? ZONE_DEGRADED_FACTOR * accuracy_m : accuracy_m;
}

/* Add a reading to a possible entry's evidence (the uncertainty floored at
 * 1 m, so that no reading is taken as exact). */
static void weigh(struct zone_track *t, double d, double u)
{
	double w = 1 / ((u < 1 ? 1 : u) * (u < 1 ? 1 : u));

	t->wsum += (float)w;
	t->wdsum += (float)(w * d);
	t->last_d = (float)d;
	if (t->readings < 255)
		t->readings++;
}

/* A possible entry ruled out: if it leaves the offender in the warning ring
 * and no warning was raised on this approach, that is the warning. */
static enum zone_event settle(struct zone_track *t)
{
	if (t->state == ZS_WARNING && !t->warned) {
		t->warned = 1;
		return ZE_WARNING;
	}
	return ZE_CANCELLED;
}

/* Where a position puts the offender, before history is considered. */
static enum zone_state outside_state(const struct zone_params *p, double d)
{
	return p->warning_m > 0 && d <= p->warning_m ? ZS_WARNING : ZS_OUTSIDE;
}

enum zone_event zone_step(struct zone_track *t, const struct zone_params *p, double d, double u,
			  int64_t now)
{
	bool confident, centre_inside, maybe_inside;

	if (!(u >= 0))
		u = 0;
	confident = d + ZONE_CONFIDENCE * u <= 0;
	centre_inside = d <= 0;
	maybe_inside = d - u <= 0;
	switch ((enum zone_state)t->state) {
	case ZS_INSIDE:
		/* leave only when the whole circle is out by the margin */
		if (d - u > p->hysteresis_m) {
			t->state = (uint8_t)outside_state(p, d);
			t->warned = t->state == ZS_WARNING;
			return ZE_LEAVE;
		}
		return ZE_NONE;
	case ZS_PENDING: {
		double mean, sigma;

		weigh(t, d, u);
		mean = t->wdsum / t->wsum;
		sigma = 1 / sqrt(t->wsum);
		/* this reading alone, or the readings together, are confident; or
		 * this centre is inside and the readings together put him inside
		 * by more than a good fix's error (the second reading of the
		 * two-reading rule, with a margin that drift at the line cannot
		 * make up) */
		if (confident || mean + ZONE_CONFIDENCE * sigma <= 0 ||
		    (centre_inside && mean <= -ZONE_MARGIN_M)) {
			t->state = ZS_INSIDE;
			return ZE_ENTER;
		}
		if (mean - sigma > 0) {
			/* the readings together say outside: the first was an error */
			t->state = (uint8_t)outside_state(p, d);
			return settle(t);
		}
		/* still undecided: keep waiting (and let time decide) */
		return zone_tick(t, p, now);
	}
	case ZS_WARNING:
	case ZS_OUTSIDE:
		break;
	}
	if (confident) {
		t->state = ZS_INSIDE;
		return ZE_ENTER;
	}
	if (maybe_inside) {
		t->state = ZS_PENDING;
		t->shown = centre_inside;
		t->pending_since = now;
		t->readings = 0;
		t->wsum = t->wdsum = 0;
		weigh(t, d, u);
		/* a centre in the warning ring is the ring's warning, while the
		 * possible entry is decided */
		if (!centre_inside && !t->warned && p->warning_m > 0 && d <= p->warning_m) {
			t->warned = 1;
			return ZE_WARNING;
		}
		return ZE_POSSIBLE_ENTRY;
	}
	if (t->state == ZS_OUTSIDE && p->warning_m > 0 && d <= p->warning_m) {
		t->state = ZS_WARNING;
		t->warned = 1;
		return ZE_WARNING;
	}
	if (t->state == ZS_WARNING && d > p->warning_m + p->hysteresis_m) {
		t->state = ZS_OUTSIDE;
		t->warned = 0;
		return ZE_WARNING_CLEAR;
	}
	return ZE_NONE;
}

enum zone_event zone_tick(struct zone_track *t, const struct zone_params *p, int64_t now)
{
	if (t->state != ZS_PENDING || now - t->pending_since < p->confirm_ms)
		return ZE_NONE;
	/* a fix showed it and the tag said nothing since: err towards the
	 * alert.  With later readings, they decide: inside by their
	 * uncertainty (drift at the line averages out near 0 and lapses; the
	 * next reading inside opens a new possible entry). */
	if ((t->shown && t->readings == 1) || t->wdsum / t->wsum + 1 / sqrt(t->wsum) <= 0) {
		t->state = ZS_INSIDE;
		return ZE_ENTER;
	}
	/* a graze that no reading confirmed: back to where the latest reading put
	 * him (a far-off reading outside the ring raises no warning) */
	t->state = (uint8_t)outside_state(p, t->last_d);
	return settle(t);
}

int64_t zone_deadline(const struct zone_track *t, const struct zone_params *p)
{
	return t->state == ZS_PENDING ? t->pending_since + p->confirm_ms : 0;
}

enum zone_event zone_step_passive(struct zone_track *t, const struct zone_params *p, double d,
				  double u, int64_t now)
{
	if (!(u >= 0))
		u = 0;
	if (t->state != ZS_PENDING)
		return zone_step(t, p, d, u, now);
	/* not a new reading of him: it cannot confirm; it rules the possible
	 * entry out only when its whole circle is outside */
	if (d - u > 0) {
		t->last_d = (float)d;
		t->state = (uint8_t)outside_state(p, d);
		return settle(t);
	}
	return zone_tick(t, p, now);
}

int64_t lost_signal_after_ms(int expected_interval_s, double factor, int64_t floor_ms)
{
	int64_t ms = (int64_t)(expected_interval_s * factor * 1000);

	return ms < floor_ms ? floor_ms : ms;
}

double lost_reach_m(int64_t last_fix_at, int64_t now, double speed_mps)
{
	return now > last_fix_at ? (double)(now - last_fix_at) / 1000.0 * speed_mps : 0;
}

double age_uncertainty_m(int64_t fix_at, int64_t now, double speed_mps, double cap_m)
{
	double m = lost_reach_m(fix_at, now, speed_mps);

	return m > cap_m ? cap_m : m;
}
