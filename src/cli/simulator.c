/*
 * simulator — the demo's stalker and victim (cli/cli.h).  A client of the
 * monitor like a device: it sets its case up through the store and sends
 * its fixes through ingest/accept, so it lives beside the demo loader, not
 * in monitor/.
 */
#include "cli/cli.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/thread.h"
#include "core/geo.h"
#include "ingest/accept.h"
#include "monitor/node.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/monitor.h"
#include "store/people.h"
#include "store/settings.h"
#include "vigil.h"

#define TAG "DEMO-TAG-1"
#define PHONE "DEMO-PHONE-1"
#define CYCLE_S 300

/* Camden, London: the victim's home; her shop trip is 1.2 km west. */
static const struct geo_point home = { 51.5390, -0.1426 };

struct simulator {
	struct vigil *v;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
};

/* Create the case, devices, assignments and zones once (settings remember). */
static int setup(struct vigil *v, char *err, size_t errlen)
{
	db *d = db_pool_acquire(v->pool);
	struct person_in victim = { .sealed = true, .full_name = "Sarah Demo", .description = "demo victim" };
	struct person_in suspect = { .full_name = "Mark Demo", .description = "demo suspect (tagged)" };
	struct case_new n = { .relationship = "ex_partner", .channel = "online",
			      .summary = "Demonstration of electronic monitoring (simulated devices)" };
	struct user owner;
	char ref[24], geom[128];
	int64_t id, tag, phone, pid;
	int rc, have;

	have = setting_get(d, "demo_monitoring", NULL, 0);
	if (have == 1) {
		db_pool_release(v->pool, d);
		return 0;
	}
	if (user_get_by_name(d, "officer", &owner) != 1) {
		db_pool_release(v->pool, d);
		snprintf(err, errlen, "the demo simulator needs the demo 'officer' account");
		return -1;
	}
	n.owner_id = owner.id;
	n.agency_id = owner.agency_id;
	n.created_by = owner.id;
	n.year = 1970 + (int)(clock_now_ms() / 1000 / 31556952);
	{
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		n.year = tm.tm_year + 1900;
	}
	snprintf(geom, sizeof geom, "{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}", home.lon,
		 home.lat);
	rc = db_begin_write(d);
	id = rc < 0 ? rc : case_insert(d, &n, ref);
	rc = id < 0 ? (int)id : 0;
	if (rc >= 0 && (pid = person_insert(d, &victim)) > 0)
		rc = case_person_add(d, id, pid, "victim");
	if (rc >= 0 && (pid = person_insert(d, &suspect)) > 0)
		rc = case_person_add(d, id, pid, "suspect");
	if (rc >= 0)
		rc = case_classification_add(d, id, "stalking");
	tag = rc < 0 ? rc : device_insert(d, TAG, "offender_tag", "json", 5, owner.agency_id, owner.id);
	phone = tag < 0 ? tag : device_insert(d, PHONE, "victim_phone", "json", 10, owner.agency_id, owner.id);
	rc = phone < 0 ? (int)phone : 0;
	if (rc >= 0)
		rc = (int)assignment_insert(d, tag, id, "suspect", clock_now_ms() - 1000, 0, owner.id);
	if (rc >= 0)
		rc = (int)assignment_insert(d, phone, id, "victim", clock_now_ms() - 1000, 0, owner.id);
	if (rc >= 0)
		rc = (int)zone_insert(d, id, "Home", "exclusion", geom, 300, 300, owner.id);
	if (rc >= 0)
		rc = (int)zone_insert(d, id, "Sarah (wherever she is)", "proximity", NULL, 150, 150,
				      owner.id);
	if (rc >= 0)
		rc = setting_add(d, "demo_monitoring", ref);
	if (rc >= 0)
		rc = node_config_changing(v->node, d, NODE_CHANGED_ALL);
	if (rc >= 0)
		rc = db_commit(d);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the demo monitoring case: %s", db_errmsg(d));
		db_rollback(d);
		db_pool_release(v->pool, d);
		return -1;
	}
	db_pool_release(v->pool, d);
	log_info("demo: monitoring case %s with a simulated tag and phone", ref);
	return 0;
}

static void send_fix(struct vigil *v, const char *uid, struct geo_point p, double acc)
{
	struct fix f;
	char why[160];
	db *d;

	fix_init(&f);
	snprintf(f.uid, sizeof f.uid, "%s", uid);
	f.at = clock_now_ms();
	f.lat = p.lat;
	f.lon = p.lon;
	f.accuracy = acc;
	d = db_pool_acquire(v->pool);
	ingest_accept(v, d, &f, why, sizeof why);
	db_pool_release(v->pool, d);
}

/* Sleep up to ms, false when stopping. */
static bool nap(struct simulator *s, int64_t ms)
{
	bool go;

	pthread_mutex_lock(&s->mu);
	if (!s->stopping)
		thread_wait_ms(&s->cv, &s->mu, ms);
	go = !s->stopping;
	pthread_mutex_unlock(&s->mu);
	return go;
}

/* She is at place; he comes towards her from dist m on bearing azi, step m
 * nearer each fix, 2 s apart, n + 1 fixes; her phone reports at the start and
 * at every every-th of his fixes.  false when stopped. */
static bool approach(struct simulator *s, struct geo_point place, double azi, int dist, int step,
		     int n, int every)
{
	send_fix(s->v, PHONE, place, 10);
	for (int i = 0; i <= n; i++) {
		struct geo_point p = geo_direct(place, azi, dist - i * step);

		send_fix(s->v, TAG, p, 8);
		if (i % every == 0)
			send_fix(s->v, PHONE, place, 10);
		if (!nap(s, 2000))
			return false;
	}
	return true;
}

static void *run(void *arg)
{
	struct simulator *s = arg;
	struct geo_point shop = geo_direct(home, 270, 1200);

	while (nap(s, 2000)) {
		int64_t start = clock_now_ms();

		/* 1. the victim at home; he drives in from 1.6 km east, 2 s per fix */
		if (!approach(s, home, 90, 1600, 70, 20, 5))
			return NULL;
		/* 2. silence: the tag stops reporting (lost signal after 30 s); her
		 * phone goes on */
		for (int i = 0; i < 4; i++) {
			send_fix(s->v, PHONE, home, 10);
			if (!nap(s, 10000))
				return NULL;
		}
		/* 3. she walks to the shop; he turns up in the street near her */
		if (!approach(s, shop, 0, 700, 60, 10, 3))
			return NULL;
		/* rest until the next cycle */
		if (!nap(s, CYCLE_S * 1000 - (clock_now_ms() - start)))
			return NULL;
	}
	return NULL;
}

int simulator_start(struct vigil *v, struct simulator **out, char *err, size_t errlen)
{
	struct simulator *s;

	if (setup(v, err, errlen) < 0)
		return -1;
	node_config_changed(v->node, NODE_CHANGED_ALL);
	s = xcalloc(1, sizeof *s);
	s->v = v;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		snprintf(err, errlen, "cannot start the demo simulator");
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void simulator_stop(struct simulator *s)
{
	if (!s)
		return;
	thread_stop(s->thread, &s->mu, &s->cv, &s->stopping);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
