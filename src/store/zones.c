/*
 * store/zones — monitoring's zones: a case's exclusion and proximity zones (store/monitor.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"
#include "store/monitor_sql.h"
#include "store/sealed.h"
#include "store/visible.h"

int64_t zone_insert(db *d, int64_t case_id, const char *name, const char *kind,
		    const char *geometry, double radius_m, double warning_m, int64_t by)
{
	int64_t id = 0;
	int rc;

	/* the name and the geometry are sealed below, with the id */
	rc = db_get_int64(d, &id,
			  "INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m,"
			  " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			  "ittnddii", case_id, "", kind, radius_m, warning_m, by, clock_now_ms());
	if (rc >= 0)
		rc = sealed_update(d, "zones", "name", id, name);
	if (rc >= 0)
		rc = sealed_update(d, "zones", "geometry", id, geometry);
	return rc < 0 ? rc : id;
}

struct zone_each_ctx {
	db *d;
	int (*fn)(const struct zone *z, void *arg);
	void *arg;
	bool unreadable;
};

/* One row of zone_each(): its name and geometry opened for fn; a row that
 * does not open is skipped, and said at the end. */
static int zone_one(db_stmt *s, void *arg)
{
	struct zone_each_ctx *c = arg;
	char ad[SEALED_AD_MAX], *geometry = NULL, *name = NULL;
	struct zone z;
	int stop;

	z.id = db_column_int64(s, 0);
	sealed_ad(ad, "zones.name", z.id);
	if (sealed_get(c->d, ad, db_column_text(s, 2), &name) < 0) {
		c->unreadable = true;
		return 0;
	}
	sealed_ad(ad, "zones.geometry", z.id);
	if (sealed_get(c->d, ad, db_column_text(s, 4), &geometry) < 0) {
		free(name);
		c->unreadable = true;
		return 0;
	}
	z.case_id = db_column_int64(s, 1);
	copy(z.name, sizeof z.name, name);
	free(name);
	copy(z.kind, sizeof z.kind, db_column_text(s, 3));
	z.geometry = geometry;
	z.radius_m = db_column_double(s, 5);
	z.warning_m = db_column_double(s, 6);
	z.created_at = db_column_int64(s, 7);
	stop = c->fn(&z, c->arg);
	free(geometry);
	return stop;
}

int zone_each(db *d, int64_t case_id, int (*fn)(const struct zone *z, void *arg), void *arg)
{
	struct zone_each_ctx c = { d, fn, arg, false };
	int rc;

	/* two texts, so that one case's zones are found by its index */
	rc = db_each(d, zone_one, &c,
		     case_id ? "SELECT id, case_id, name, kind, geometry, radius_m, warning_m,"
			       " created_at FROM zones WHERE removed_at IS NULL AND case_id = ?"
			       " ORDER BY id"
			     : "SELECT id, case_id, name, kind, geometry, radius_m, warning_m,"
			       " created_at FROM zones WHERE removed_at IS NULL AND ? = 0"
			       " ORDER BY id",
		     "i", case_id);
	return rc < 0 ? rc : c.unreadable ? DB_SEALED : 0;
}

int zone_remove(db *d, int64_t case_id, int64_t zone_id)
{
	int rc = db_write(d,
			  "UPDATE zones SET removed_at = ? WHERE id = ? AND case_id = ?"
			  " AND removed_at IS NULL",
			  "iii", clock_now_ms(), zone_id, case_id);

	return rc < 0 ? rc : rc > 0;
}
