/*
 * state — the engine's state: devices, cases, zones, tracks, read and read again (engine_int.h).
 */
#include "monitor/engine_int.h"

/* ---- configuration --------------------------------------------------------- */

struct dev *eng_dev_find(struct engine *e, int64_t id)
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
	struct dev *d = eng_dev_find(e, a->device_id);

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
const struct zone_rt *eng_case_zones(const struct engine *e, int64_t case_id, size_t *n)
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
const struct case_dev *eng_case_devs(const struct engine *e, int64_t case_id, size_t *n)
{
	size_t at = case_run(e->ncase_devs, case_id, case_dev_case, e, n);

	return *n ? e->case_devs + at : NULL;
}

/* Is d assigned to case_id in that role, now? */
bool eng_watches_case(const struct dev *d, int64_t case_id, bool victim, int64_t now)
{
	for (int k = 0; k < d->ncases; k++)
		if (d->cases[k].case_id == case_id && d->cases[k].victim == victim &&
		    covers(&d->cases[k], now))
			return true;
	return false;
}

void eng_free_devs(struct dev *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].cases);
	free(d);
}

void eng_free_zones(struct zone_rt *z, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(z[i].ring);
	free(z);
}

static int load_last_fix(const struct fix *f, void *arg)
{
	struct engine *e = arg;
	struct dev *d = eng_dev_find(e, f->device_id);

	if (d && (!d->have_fix || f->at > d->fix_at)) {
		dev_take_fix(d, f);
		d->battery = f->battery;
		/* as far as is known, heard and applied when it was taken */
		d->applied_wall = f->at;
		if (d->heard_at < f->at)
			d->heard_at = f->at;
	}
	return 0;
}

static int load_fast(int64_t device_id, void *arg)
{
	struct dev *d = eng_dev_find(arg, device_id);

	if (d)
		d->reporting_fast = true;
	return 0;
}


/* Read devices, assignments and zones; keep live state.  Engine thread. */
int eng_load(struct engine *e, bool first)
{
	int rc;

	int64_t t0 = clock_mono_ns();

	/* readers (engine_device_live) never see half-built arrays */
	pthread_mutex_lock(&e->mu);
	rc = eng_load_locked(e, first);
	pthread_mutex_unlock(&e->mu);
	if (rc >= 0)
		log_info("monitoring engine: %s %zu devices, %zu zones in %.0f ms",
			 first ? "loaded" : "reloaded", e->ndevs, e->nzones,
			 (double)(clock_mono_ns() - t0) / 1e6);
	return rc;
}

int eng_load_locked(struct engine *e, bool first)
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
	eng_free_devs(lc.old, lc.nold);
	eng_free_zones(oldz, noldz);
	if (rc < 0)
		log_error("monitoring engine: cannot load its state: %s", db_errmsg(e->db));
	return rc;
}

/* ---- a partial reload ------------------------------------------------------------ */

/* Read the devices registered since the engine last read them (ids only
 * grow, and devices are never removed).  Caller holds mu. */
int eng_load_new_devices(struct engine *e)
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
	struct dev *d = eng_dev_find(cl->e, a->device_id);

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
 * eng_load_new_devices() does not look for.  Either way the caller reads
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
		eng_free_zones(fresh, nfresh);
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
void eng_reload_some(struct engine *e, const int64_t *cases, size_t n)
{
	int64_t t0 = clock_mono_ns();
	int rc;

	pthread_mutex_lock(&e->mu);
	/* a case's new assignment may name a device registered on another node */
	rc = eng_load_new_devices(e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = reload_case(e, cases[i]);
	if (rc < 0)
		log_warn("monitoring engine: cannot read a change (%s): reading everything",
			 db_errmsg(e->db));
	else if (rc > 0)
		log_info("monitoring engine: a case names a device registered out of order:"
			 " reading everything");
	if (rc != 0)
		eng_load_locked(e, false);
	pthread_mutex_unlock(&e->mu);
	log_debug("monitoring engine: read %zu changed case(s) and new devices in %.1f ms", n,
		  (double)(clock_mono_ns() - t0) / 1e6);
}

/* ---- tracks ------------------------------------------------------------------ */

struct track *eng_track_get(struct engine *e, int64_t device_id, int64_t zone_id)
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
						struct track *n = eng_track_get(e, old[k].device_id, old[k].zone_id);

						*n = old[k];
					}
				}
				free(old);
				return eng_track_get(e, device_id, zone_id);
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
struct track *eng_track_find(struct engine *e, int64_t device_id, int64_t zone_id)
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
