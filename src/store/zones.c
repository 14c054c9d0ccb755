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
	db_stmt *s;
	int64_t id = 0;
	int rc;

	rc = db_prepare(d, &s,
			"INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m,"
			" created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	db_bind_text(s, 2, ""); /* the name and the geometry are sealed below, with the id */
	db_bind_text(s, 3, kind);
	db_bind_null(s, 4);
	db_bind_double(s, 5, radius_m);
	db_bind_double(s, 6, warning_m);
	db_bind_int64(s, 7, by);
	db_bind_int64(s, 8, clock_now_ms());
	rc = db_step(s);
	if (rc == DB_ROW)
		id = db_column_int64(s, 0);
	db_finalize(s);
	if (rc >= 0)
		rc = sealed_update(d, "zones", "name", id, name);
	if (rc >= 0)
		rc = sealed_update(d, "zones", "geometry", id, geometry);
	return rc < 0 ? rc : id;
}

int zone_each(db *d, int64_t case_id, int (*fn)(const struct zone *z, void *arg), void *arg)
{
	bool unreadable = false;
	struct zone z;
	db_stmt *s;
	int rc;

	/* two texts, so that one case's zones are found by its index */
	rc = db_prepare(d, &s,
			case_id ? "SELECT id, case_id, name, kind, geometry, radius_m, warning_m,"
				  " created_at FROM zones WHERE removed_at IS NULL AND case_id = ?"
				  " ORDER BY id"
				: "SELECT id, case_id, name, kind, geometry, radius_m, warning_m,"
				  " created_at FROM zones WHERE removed_at IS NULL AND ? = 0 ORDER BY id");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		char ad[SEALED_AD_MAX], *geometry = NULL, *name = NULL;
		int stop;

		z.id = db_column_int64(s, 0);
		sealed_ad(ad, "zones.name", z.id);
		if (sealed_get(d, ad, db_column_text(s, 2), &name) < 0) {
			unreadable = true;
			continue;
		}
		sealed_ad(ad, "zones.geometry", z.id);
		if (sealed_get(d, ad, db_column_text(s, 4), &geometry) < 0) {
			free(name);
			unreadable = true;
			continue;
		}
		z.case_id = db_column_int64(s, 1);
		copy(z.name, sizeof z.name, name);
		free(name);
		copy(z.kind, sizeof z.kind, db_column_text(s, 3));
		z.geometry = geometry;
		z.radius_m = db_column_double(s, 5);
		z.warning_m = db_column_double(s, 6);
		z.created_at = db_column_int64(s, 7);
		stop = fn(&z, arg);
		free(geometry);
		if (stop)
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : unreadable ? DB_SEALED : 0;
}

int zone_remove(db *d, int64_t case_id, int64_t zone_id)
{
	db_stmt *s;
	int64_t n = 0;
	int rc;

	rc = db_prepare(d, &s,
			"UPDATE zones SET removed_at = ? WHERE id = ? AND case_id = ? AND removed_at IS NULL");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, clock_now_ms());
	db_bind_int64(s, 2, zone_id);
	db_bind_int64(s, 3, case_id);
	rc = db_step(s);
	if (rc == DB_DONE)
		n = db_changes(s);
	db_finalize(s);
	return rc < 0 ? rc : n > 0;
}
