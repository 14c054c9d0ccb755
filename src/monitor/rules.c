/*
 * rules — the monitoring rules a fix or the clock sets off (engine_int.h).
 */
#include "monitor/engine_int.h"

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
		zs = eng_case_zones(e, d->cases[c].case_id, &nz);
		for (size_t i = 0; i < nz; i++) {
			const struct track *t = eng_track_find(e, d->id, zs[i].id);

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
	if (!(d = eng_dev_find(e, device_id)))
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
		eng_raise_alert(e, z->case_id, off, z->id, entry, &off->pos, dc, again,
			    json_pack("{s:f, s:f}", "distance_m", d, "uncertainty_m", u));
		break;
	}
	case ZE_WARNING:
		eng_raise_alert(e, z->case_id, off, z->id, warn, &off->pos, dc, false,
			    json_pack("{s:f, s:f}", "distance_m", d, "uncertainty_m", u));
		if (t && t->t.state == ZS_PENDING) {
			t->pending_fix_at = dc->fix_at;
			eng_device_event(e, off, dc->decided_at, "possible_entry_request_faster_reporting");
		}
		break;
	case ZE_POSSIBLE_ENTRY:
		/* not an alert yet: the tag should report faster until it is decided */
		if (t)
			t->pending_fix_at = dc->fix_at;
		eng_device_event(e, off, dc->decided_at, "possible_entry_request_faster_reporting");
		break;
	case ZE_LEAVE:
		if (t)
			t->left = true;
		eng_device_event(e, off, dc->decided_at, z->proximity ? "left_proximity" : "left_zone");
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
	const struct case_dev *cd = eng_case_devs(e, z->case_id, &n);
	struct zone_params p = { z->warning, e->cfg.hysteresis_m, e->cfg.confirm_ms };

	for (size_t i = 0; i < n; i++) {
		struct dev *vic = &e->devs[cd[i].dev];
		struct track *t;
		double dist, u;

		if (vic->offender || !vic->have_fix || !eng_watches_case(vic, z->case_id, true, wall) ||
		    (vic_moved && vic != vic_moved))
			continue;
		dist = proximity_distance(e, off, vic, z, &u);
		t = eng_track_get(e, off->id, z->id);
		if (!vic_moved && off->fix_at > t->off_fix_at) {
			struct decision dc = eng_by_fix(off, off->fix_at);

			t->off_fix_at = off->fix_at;
			apply_event(e, zone_step(&t->t, &p, dist, u, off->fix_at), z, off, t, &dc, dist, u);
		} else {
			const struct dev *by = vic_moved ? vic_moved : off;
			struct decision dc = eng_by_fix(by, by->fix_at);

			apply_event(e, zone_step_passive(&t->t, &p, dist, u, by->fix_at), z, off, t, &dc,
				    dist, u);
		}
	}
}

void eng_evaluate_offender(struct engine *e, struct dev *off, int64_t wall)
{
	for (int c = 0; c < off->ncases; c++) {
		if (off->cases[c].victim || !covers(&off->cases[c], wall))
			continue;
		size_t nz;
		const struct zone_rt *zs = eng_case_zones(e, off->cases[c].case_id, &nz);

		for (size_t i = 0; i < nz; i++) {
			const struct zone_rt *z = &zs[i];

			if (z->proximity) {
				proximity_for_offender(e, off, z, NULL, wall);
			} else {
				struct zone_params p = { z->warning, e->cfg.hysteresis_m, e->cfg.confirm_ms };
				struct track *t = eng_track_get(e, off->id, z->id);
				double u = zone_fix_uncertainty(off->acc);
				double d = zone_distance(z, off->pos, u + e->cfg.hysteresis_m + 50);
				struct decision dc = eng_by_fix(off, off->fix_at);

				apply_event(e, zone_step(&t->t, &p, d, u, off->fix_at), z, off, t, &dc, d, u);
			}
		}
	}
}

/* A victim moved: re-evaluate the proximity zones of her cases. */
void eng_evaluate_victim(struct engine *e, struct dev *vic, int64_t wall)
{
	for (int c = 0; c < vic->ncases; c++) {
		if (!vic->cases[c].victim || !covers(&vic->cases[c], wall))
			continue;
		size_t nz;
		const struct zone_rt *zs = eng_case_zones(e, vic->cases[c].case_id, &nz);

		for (size_t i = 0; i < nz; i++) {
			const struct zone_rt *z = &zs[i];

			if (!z->proximity)
				continue;
			size_t n;
			const struct case_dev *cd = eng_case_devs(e, z->case_id, &n);

			for (size_t k = 0; k < n; k++) {
				struct dev *off = &e->devs[cd[k].dev];

				if (off->offender && off->have_fix &&
				    eng_watches_case(off, z->case_id, false, wall))
					proximity_for_offender(e, off, z, vic, wall);
			}
		}
	}
}

/* The zone of a track (NULL when it was removed). */
static const struct zone_rt *zone_of(const struct engine *e, int64_t case_id, int64_t zone_id)
{
	size_t nz;
	const struct zone_rt *zs = eng_case_zones(e, case_id, &nz);

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
		zs = eng_case_zones(e, off->cases[c].case_id, &nz);
		for (size_t i = 0; i < nz; i++) {
			struct track *t = eng_track_find(e, off->id, zs[i].id);

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
		zs = eng_case_zones(e, off->cases[c].case_id, &nz);
		for (size_t i = 0; i < nz; i++) {
			double d;

			if (zs[i].proximity)
				continue;
			d = zone_distance(&zs[i], at, u + e->cfg.hysteresis_m + 50);
			if (d + ZONE_CONFIDENCE * u <= 0) {
				struct decision dc = eng_by_fix(off, f->at);

				eng_raise_alert(e, zs[i].case_id, off, zs[i].id, "zone_entry", &at, &dc, false,
					    json_pack("{s:f, s:f, s:b}", "distance_m", d, "uncertainty_m", u,
						      "out_of_order", 1));
			}
		}
	}
}

void eng_device_flags(struct engine *e, struct dev *d, const struct fix *f)
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
		eng_device_event(e, d, f->at, d->offender ? events[i].offender_kind : events[i].victim_kind);
		for (int c = 0; c < d->ncases; c++) {
			struct geo_point at = { f->lat, f->lon };
			struct decision dc = eng_by_fix(d, f->at);

			if (!covers(&d->cases[c], clock_now_ms()))
				continue;
			eng_raise_alert(e, d->cases[c].case_id, d, 0,
				    d->offender ? events[i].offender_kind : events[i].victim_kind,
				    (f->flags & FIX_NO_POSITION) ? NULL : &at, &dc, false, NULL);
		}
	}
	{
		bool low = (f->flags & FIX_LOW_BATTERY) ||
			   (!isnan(f->battery) && f->battery <= e->cfg.low_battery_pct &&
			    !(f->flags & FIX_CHARGING));

		if (low && !d->low_battery) {
			struct decision dc = eng_by_fix(d, f->at);

			eng_device_event(e, d, f->at, "low_battery");
			for (int c = 0; c < d->ncases; c++)
				if (covers(&d->cases[c], clock_now_ms()))
					eng_raise_alert(e, d->cases[c].case_id, d, 0, "low_battery", NULL,
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

	eng_device_event(e, d, wall, "clock_wrong");
	for (int c = 0; c < d->ncases; c++)
		if (covers(&d->cases[c], wall))
			eng_raise_alert(e, d->cases[c].case_id, d, 0, "clock_fault", NULL, &dc, false,
				    json_pack("{s:I}", "ahead_s", (json_int_t)((f->at - wall) / 1000)));
	now.at = wall;
	eng_device_flags(e, d, &now);
}

void eng_process_fix(struct engine *e, const struct fix *f)
{
	struct dev *d = eng_dev_find(e, f->device_id);
	int64_t wall = clock_now_ms();
	bool newer, older;

	if (!d) {
		/* stored, so registered: one the engine missed (registrations on
		 * PostgreSQL can commit out of id order): read the new ones, and
		 * everything if it is still not there */
		pthread_mutex_lock(&e->mu);
		if (eng_load_new_devices(e) < 0 || !eng_dev_find(e, f->device_id))
			eng_load_locked(e, false);
		pthread_mutex_unlock(&e->mu);
		d = eng_dev_find(e, f->device_id);
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
		eng_device_event(e, d, wall, "signal_restored");
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
			dev_take_fix(d, f);
			if (!isnan(f->battery))
				d->battery = f->battery;
			d->applied_wall = wall;
			pthread_mutex_unlock(&e->mu);
		}
		/* events are raised where the fix carrying them was */
		eng_device_flags(e, d, f);
		if (older && d->offender)
			late_fix(e, d, f, wall);
		if (newer) {
			if (d->offender)
				eng_evaluate_offender(e, d, wall);
			else
				eng_evaluate_victim(e, d, wall);
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

	/* no interval: a device that reports only while its holder has it open
	 * (her app): its silence is not a lost signal */
	if (d->expected_interval_s == 0)
		return;
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
		eng_device_event(e, d, now, "lost_signal");
		for (int c = 0; c < d->ncases; c++)
			if (covers(&d->cases[c], now))
				eng_raise_alert(e, d->cases[c].case_id, d, 0, "lost_signal",
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
			const struct zone_rt *zs = eng_case_zones(e, d->cases[c].case_id, &nz);

			for (size_t i = 0; i < nz; i++) {
				const struct zone_rt *z = &zs[i];
				struct track *t;
				double dist;

				if (z->proximity)
					continue;
				t = eng_track_get(e, d->id, z->id);
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
					eng_raise_alert(e, z->case_id, d, z->id, "lost_signal_near_zone", &d->pos,
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

void eng_tick(struct engine *e, int64_t now)
{
	/* a possible entry still waiting is decided when its device's own time
	 * (its latest fix's, plus the wall time since) passes the deadline */
	for (size_t i = 0; i < e->ntracks_cap; i++) {
		struct track *t = &e->tracks[i];
		struct dev *d;
		const struct zone_rt *z = NULL;

		if (!t->used || t->t.state != ZS_PENDING || !(d = eng_dev_find(e, t->device_id)))
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
			n = eng_lease_holds(e);
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
