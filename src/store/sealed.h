/*
 * store/sealed — encryption at rest of what identifies or locates a victim:
 * the helpers every store function uses to seal and open a column, the keys
 * the database records, and the pass that seals every value with one key (the
 * first sealing of a database, and a rotation).
 *
 * What is sealed, and with what associated data (the row's identity, so a
 * sealed value moved to another row or column does not open), is listed once
 * in sealed.c (`tables`), which the pass walks; docs/ARCHITECTURE.md
 * ("Encryption at rest") says what is sealed and what is not, and why.
 *
 * Keys come from the connection (db_keys(), set by whoever opened it).  A
 * value that does not open is an error, DB_SEALED, with db_note() naming the
 * table, column and row and the reason; it is never passed on as text.
 */
#ifndef VIGIL_STORE_SEALED_H
#define VIGIL_STORE_SEALED_H

#include <stdbool.h>
#include <stdint.h>

#include "base/crypt.h"
#include "db/db.h"

/* ---- sealing and opening columns ------------------------------------------------- */

#define SEALED_AD_MAX 96
/* The associated data of column what ("persons.full_name") of row id, or of
 * the row keyed (a, b) (fixes: device and time; incidents: case and seq). */
void sealed_ad(char out[SEALED_AD_MAX], const char *what, int64_t id);
void sealed_ad2(char out[SEALED_AD_MAX], const char *what, int64_t a, int64_t b);

/* Seal plain (NULL: NULL) with the current key: 0 and *out (caller frees), or
 * DB_SEALED when no key is current (db_note says so). */
int sealed_put(db *d, const char *ad, const char *plain, char **out) DB_CHECKED;
/* Open text (NULL: NULL) sealed with ad: 0 and *out (caller frees), or
 * DB_SEALED with db_note naming ad and the reason. */
int sealed_get(db *d, const char *ad, const char *text, char **out) DB_CHECKED;
/* Seal plain into column col of table's row id, in place ("UPDATE table SET
 * col = ? WHERE id = ?"): for a row just inserted, whose id is its identity. */
int sealed_update(db *d, const char *table, const char *col, int64_t id,
		  const char *plain) DB_CHECKED;

/* A position sealed as text "lat lon accuracy speed heading altitude" (NAN
 * where unknown). */
int sealed_put_position(db *d, const char *ad, double lat, double lon, double acc, double speed,
			double heading, double alt, char **out) DB_CHECKED;
int sealed_get_position(db *d, const char *ad, const char *text, double *lat, double *lon,
			double *acc, double *speed, double *heading, double *alt) DB_CHECKED;

/* The match key of a victim's value in domain ("phone", "name") under the
 * current key, for storing: 0 or DB_SEALED. */
int sealed_match(db *d, const char *domain, const char *value,
		 char out[CRYPT_MATCH_LEN]) DB_CHECKED;
/* The match keys of value under every key held (a search must find values
 * matched under an older key while a rotation runs): their count, at most
 * max. */
int sealed_match_all(db *d, const char *domain, const char *value, char (*out)[CRYPT_MATCH_LEN],
		     int max) DB_CHECKED;

/* ---- the keys the database records ----------------------------------------------- */

/*
 * At a server's start (and before any command that seals): check the key file
 * against the keys the database records, and make the database's current key
 * the one that seals.  A database that records no key yet (new, or from
 * before encryption at rest) records the file's highest key as current and
 * gets a first-sealing job, which sealed_run_pending() then runs.  0, or -1
 * with err: the file lacks a key the database uses, or holds another key
 * under its number (the wrong file).
 */
int sealed_attach(db *d, crypt_keys *k, char *err, size_t errlen) DB_CHECKED;
/* The check alone, writing nothing (an import verifying what it loaded):
 * 0 and the database's current key made current, 1 when the database
 * records no key, or -1 with err. */
int sealed_check(db *d, crypt_keys *k, char *err, size_t errlen) DB_CHECKED;
/* Look again at which key the database says is current (a rotation may have
 * moved it), and read the key file again if it changed: run every second by
 * each server.  0; -1 with err when the current key is not in the file (then
 * nothing is sealed until it is: writes of her details fail rather than seal
 * with a key being retired). */
int sealed_refresh(db *d, crypt_keys *k, char *err, size_t errlen) DB_CHECKED;

/* ---- the pass --------------------------------------------------------------------- */

struct sealed_progress {
	int64_t rows;     /* rows looked at */
	int64_t sealed;   /* values sealed anew (or match keys computed anew) */
	int64_t broken;   /* values that would not open: left as they are */
	int passes;
};
/* Print a line of progress or a broken value (the command line, the log). */
typedef void (*sealed_say)(void *arg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run the unfinished first-sealing job, if any, to its end (a server's start,
 * `vigil key encrypt`): 0 (also when none), or negative. */
int sealed_run_pending(db *d, int batch, struct sealed_progress *pr, sealed_say say,
		       void *arg) DB_CHECKED;
/*
 * Rotate: record key new_id (held by the file) as current, the others old,
 * then seal every value with it, batch rows a transaction, so that servers
 * keep serving and ingesting meanwhile; settle_ms after making it current
 * (time for every server to see it: they look every second), and again at the
 * end, every value is looked at once more, until a pass finds none sealed
 * with another key.  An interrupted rotation is taken up where it stopped
 * when called again (new_id 0: go on with the unfinished one).  0 done, 1
 * done but some values would not open (they are reported through say), or
 * negative.
 */
int sealed_rotate(db *d, int new_id, int batch, int settle_ms, struct sealed_progress *pr,
		  sealed_say say, void *arg) DB_CHECKED;
/* The unfinished job's kind and target key: 1 when there is one, 0 when not. */
int sealed_job_pending(db *d, char kind[16], int *target) DB_CHECKED;
/* How many values and match keys each key seals (counts[id], ids up to
 * CRYPT_KEY_ID_MAX... the caller gives room for max ids), and how many values
 * are not sealed where they should be (*clear): a read of everything. */
int sealed_census(db *d, int64_t *counts, int max, int64_t *clear) DB_CHECKED;
/* Retire key id: refused (-1, err) when it is current or anything is still
 * sealed with it; else recorded as retired.  The caller then removes it from
 * the file. */
int sealed_retire(db *d, int id, char *err, size_t errlen) DB_CHECKED;
/* The keys the database records: calls fn for each. */
int sealed_keys_each(db *d, int (*fn)(int id, const char *checksum, const char *state,
				      int64_t added_at, void *arg),
		     void *arg) DB_CHECKED;

#endif
