/*
 * store/desk — a device's position at a moment, for the alert desk.
 */
#include "store/desk.h"

#include <math.h>

int desk_fix_at(db *d, int64_t device_id, int64_t not_before, int64_t at, struct fix *out)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT f.at, f.lat, f.lon, f.accuracy_m FROM fixes f WHERE f.device_id = ?"
			" AND f.at >= ? AND f.at <= ? AND f.clock_ahead = 0 ORDER BY f.at DESC LIMIT 1");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, device_id);
	db_bind_int64(s, 2, not_before);
	db_bind_int64(s, 3, at);
	rc = db_step(s);
	if (rc == DB_ROW) {
		fix_init(out);
		out->device_id = device_id;
		out->at = db_column_int64(s, 0);
		out->lat = db_column_double(s, 1);
		out->lon = db_column_double(s, 2);
		out->accuracy = db_column_is_null(s, 3) ? NAN : db_column_double(s, 3);
		rc = 1;
	} else if (rc == DB_DONE) {
		rc = 0;
	}
	db_finalize(s);
	return rc;
}
