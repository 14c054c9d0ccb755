/*
 * store/fixes — monitoring's devices' reports and fixes (positions sealed), device events (store/monitor.h).
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

#define REPORT_INSERT \
	"INSERT INTO device_reports (device_id, at, flags, lat, lon, received_at, sealed)" \
	" VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, at) DO NOTHING"

int device_report_store(db *d, const struct fix *f, bool sealed, int64_t received_at)
{
	char ad[SEALED_AD_MAX], *pos = NULL;
	int rc;

	if (sealed && !(f->flags & FIX_NO_POSITION)) {
		sealed_ad2(ad, "device_reports", f->device_id, f->at);
		rc = sealed_put_position(d, ad, f->lat, f->lon, NAN, NAN, NAN, NAN, &pos);
		if (rc < 0)
			return rc;
	}
	if ((f->flags & FIX_NO_POSITION) || pos)
		rc = db_run(d, REPORT_INSERT, "iiinnit", f->device_id, f->at, (int64_t)f->flags,
			    received_at, (const char *)pos);
	else
		rc = db_run(d, REPORT_INSERT, "iiiddit", f->device_id, f->at, (int64_t)f->flags,
			    f->lat, f->lon, received_at, (const char *)NULL);
	free(pos);
	return rc < 0 ? rc : 0;
}

int device_report_applied(db *d, int64_t device_id, int64_t at, int64_t now)
{
	return db_run(d,
		      "UPDATE device_reports SET applied_at = ? WHERE device_id = ? AND at = ?"
		      " AND applied_at IS NULL",
		      "iii", now, device_id, at);
}

/* A device's report as stored (device_id, at, flags, lat, lon, sealed), its
 * position opened when sealed: 0, or negative (DB_SEALED) when it would not
 * open. */
static int report_row(db *d, db_stmt *s, struct fix *f)
{
	fix_init(f);
	f->device_id = db_column_int64(s, 0);
	f->at = db_column_int64(s, 1);
	f->flags = (unsigned)db_column_int64(s, 2) & (DEVICE_REPORT_FLAGS | FIX_NO_POSITION);
	if (!db_column_is_null(s, 5)) {
		char ad[SEALED_AD_MAX];
		double x;

		sealed_ad2(ad, "device_reports", f->device_id, f->at);
		return sealed_get_position(d, ad, db_column_text(s, 5), &f->lat, &f->lon, &x, &x,
					   &x, &x);
	}
	if (db_column_is_null(s, 3) || db_column_is_null(s, 4)) {
		f->flags |= FIX_NO_POSITION;
		f->lat = f->lon = NAN;
	} else {
		f->lat = db_column_double(s, 3);
		f->lon = db_column_double(s, 4);
	}
	return 0;
}

/* The callers' fn over rows read into a fix by read (fix_row, report_row);
 * a row whose position would not open is passed over, and said at the end. */
struct fix_each {
	db *d;
	int (*read)(db *d, db_stmt *s, struct fix *f);
	int (*fn)(const struct fix *f, void *arg);
	void *arg;
	bool unreadable;
};

static int fix_each_row(db_stmt *s, void *arg)
{
	struct fix_each *e = arg;
	struct fix f;

	if (e->read(e->d, s, &f) < 0) {
		e->unreadable = true;
		return 0;
	}
	return e->fn(&f, e->arg);
}

/* db_each's or db_rows' answer rc, and DB_SEALED when a row would not open. */
static int fix_each_end(int rc, const struct fix_each *e)
{
	return rc < 0 ? rc : e->unreadable ? DB_SEALED : 0;
}

int device_report_each_unapplied(db *d, int64_t since,
				 int (*fn)(const struct fix *f, void *arg), void *arg)
{
	struct fix_each e = { d, report_row, fn, arg, false };
	int rc;

	rc = db_each(d, fix_each_row, &e,
		     "SELECT device_id, at, flags, lat, lon, sealed FROM device_reports"
		     " WHERE applied_at IS NULL AND received_at >= ? ORDER BY received_at, at"
		     " LIMIT 10000",
		     "i", since);
	return fix_each_end(rc, &e);
}

/* Bind a fix's twelve values to parameters base + 1 to base + 12; sealed:
 * its position sealed (a victim's device), the clear columns NULL. */
static void fix_bind_at(db_stmt *s, int base, const struct fix *f, int64_t received_at,
			const char *sealed)
{
	db_bind_int64(s, base + 1, f->device_id);
	db_bind_int64(s, base + 2, f->at);
	if (sealed) {
		for (int i = 3; i <= 8; i++)
			db_bind_null(s, base + i);
	} else {
		db_bind_double(s, base + 3, f->lat);
		db_bind_double(s, base + 4, f->lon);
		bind_opt(s, base + 5, f->accuracy);
		bind_opt(s, base + 6, f->speed);
		bind_opt(s, base + 7, f->heading);
		bind_opt(s, base + 8, f->altitude);
	}
	bind_opt(s, base + 9, f->battery);
	db_bind_int64(s, base + 10, received_at);
	db_bind_int64(s, base + 11, (f->flags & FIX_CLOCK_AHEAD) ? 1 : 0);
	db_bind_text(s, base + 12, sealed);
}

/* A victim's device's position: its place, and how it moved. */
static int seal_fix(db *d, const struct fix *f, char **out)
{
	char ad[SEALED_AD_MAX];

	sealed_ad2(ad, "fixes", f->device_id, f->at);
	return sealed_put_position(d, ad, f->lat, f->lon, f->accuracy, f->speed, f->heading,
				   f->altitude, out);
}

/* A batch of fixes inserted: which of them came back from its RETURNING. */
struct fix_batch {
	const struct fix *f;
	const size_t *todo; /* the batch's fixes, indexes in f and stored */
	size_t rows;
	int *stored;
};

static int fix_stored_row(db_stmt *s, void *arg)
{
	struct fix_batch *b = arg;
	int64_t dev = db_column_int64(s, 0), at = db_column_int64(s, 1);

	for (size_t r = 0; r < b->rows; r++) {
		size_t i = b->todo[r];

		if (!b->stored[i] && b->f[i].device_id == dev && b->f[i].at == at) {
			b->stored[i] = 1;
			break;
		}
	}
	return 0;
}

int fix_store_many(db *d, const struct fix *f, const int *skip, const bool *sealed, size_t n,
		   int64_t received_at, int *stored)
{
	size_t *todo = xcalloc(n ? n : 1, sizeof *todo), ntodo = 0;
	char **pos = xcalloc(n ? n : 1, sizeof *pos);
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		stored[i] = 0;
		if (!skip[i])
			todo[ntodo++] = i;
		if (!skip[i] && sealed[i] && rc >= 0)
			rc = seal_fix(d, &f[i], &pos[i]);
	}
	for (size_t done = 0, rows; rc >= 0 && done < ntodo; done += rows) {
		struct fix_batch b;
		char *sql;
		db_stmt *s;

		rows = batch_size(ntodo - done);
		sql = repeat_sql("INSERT INTO fixes (device_id, at, lat, lon, accuracy_m, speed_mps,"
				 " heading, altitude, battery, received_at, clock_ahead, sealed) VALUES ",
				 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows,
				 " ON CONFLICT (device_id, at) DO NOTHING RETURNING device_id, at");
		rc = db_prepare(d, &s, sql);
		free(sql);
		if (rc < 0)
			break;
		for (size_t r = 0; r < rows; r++)
			fix_bind_at(s, (int)(r * 12), &f[todo[done + r]], received_at,
				    pos[todo[done + r]]);
		/* each row stored comes back; a duplicate (of an older fix, or of
		 * another in this batch) does not */
		b = (struct fix_batch){ f, todo + done, rows, stored };
		rc = db_rows(s, fix_stored_row, &b);
	}
	for (size_t i = 0; i < n; i++)
		free(pos[i]);
	free(pos);
	free(todo);
	return rc < 0 ? rc : 0;
}


/* A fix as stored, its position opened when sealed: 0, or DB_SEALED when
 * it would not open (db_note says which). */
static int fix_row(db *d, db_stmt *s, struct fix *f)
{
	fix_init(f);
	f->device_id = db_column_int64(s, 0);
	f->at = db_column_int64(s, 1);
	f->battery = opt(s, 8);
	if (!db_column_is_null(s, 9)) {
		char ad[SEALED_AD_MAX];

		sealed_ad2(ad, "fixes", f->device_id, f->at);
		return sealed_get_position(d, ad, db_column_text(s, 9), &f->lat, &f->lon, &f->accuracy,
					   &f->speed, &f->heading, &f->altitude);
	}
	f->lat = db_column_double(s, 2);
	f->lon = db_column_double(s, 3);
	f->accuracy = opt(s, 4);
	f->speed = opt(s, 5);
	f->heading = opt(s, 6);
	f->altitude = opt(s, 7);
	return 0;
}

#define FIX_COLS \
	"f.device_id, f.at, f.lat, f.lon, f.accuracy_m, f.speed_mps, f.heading, f.altitude," \
	" f.battery, f.sealed"

int fix_each_latest(db *d, int (*fn)(const struct fix *f, void *arg), void *arg)
{
	struct fix_each e = { d, fix_row, fn, arg, false };
	int rc;

	rc = db_each(d, fix_each_row, &e,
		     "SELECT " FIX_COLS " FROM fixes f JOIN (SELECT device_id, MAX(at) AS at FROM fixes"
		     " WHERE clock_ahead = 0 GROUP BY device_id) m"
		     " ON m.device_id = f.device_id AND m.at = f.at",
		     "");
	return fix_each_end(rc, &e);
}

struct one_fix {
	struct fix *out;
	bool found;
};

static int take_fix(const struct fix *f, void *arg)
{
	struct one_fix *o = arg;

	*o->out = *f;
	o->found = true;
	return 1;
}

int fix_latest(db *d, int64_t device_id, struct fix *out)
{
	struct one_fix o = { out, false };
	struct fix_each e = { d, fix_row, take_fix, &o, false };
	int rc;

	rc = db_each(d, fix_each_row, &e,
		     "SELECT " FIX_COLS " FROM fixes f WHERE f.device_id = ? AND f.clock_ahead = 0"
		     " ORDER BY f.at DESC LIMIT 1",
		     "i", device_id);
	rc = fix_each_end(rc, &e);
	return rc < 0 ? rc : o.found;
}

int fix_each_between(db *d, int64_t device_id, int64_t from, int64_t to, int limit,
		     int (*fn)(const struct fix *f, void *arg), void *arg)
{
	struct fix_each e = { d, fix_row, fn, arg, false };
	int rc;

	rc = db_each(d, fix_each_row, &e,
		     "SELECT " FIX_COLS " FROM fixes f WHERE f.device_id = ? AND f.at >= ? AND f.at <= ?"
		     " AND f.clock_ahead = 0 ORDER BY f.at LIMIT ?",
		     "iiii", device_id, from, to, (int64_t)limit);
	return fix_each_end(rc, &e);
}

int device_event_add(db *d, int64_t device_id, int64_t at, const char *kind, const char *detail)
{
	return db_run(d, "INSERT INTO device_events (device_id, at, kind, detail) VALUES (?, ?, ?, ?)",
		      "iitt", device_id, at, kind, detail);
}
