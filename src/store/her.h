/*
 * store/her — her app's records: the enrolment (a case's victim, her app's
 * device), the one-time codes sent to her number, the phones she set a PIN
 * on, and their sessions.  Only digests of codes, device secrets and session
 * tokens are kept, and an argon2id hash of each PIN.
 */
#ifndef VIGIL_STORE_HER_H
#define VIGIL_STORE_HER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/secret.h"
#include "db/db.h"

struct her_enrolment {
	int64_t id, case_id, device_id, assignment_id, enrolled_by, enrolled_at, revoked_at;
	char app_name[64];
	char device_uid[64];
	char enrolled_by_name[64];
};

int64_t her_enrol(db *d, int64_t case_id, int64_t device_id, int64_t assignment_id,
		  const char *app_name, int64_t by) DB_CHECKED;
/* The case's enrolment not revoked: 1 and *out, 0 none. */
int her_enrolment_current(db *d, int64_t case_id, struct her_enrolment *out) DB_CHECKED;
/* Revoke it, with every phone and session of it. */
int her_enrolment_revoke(db *d, int64_t id, int64_t by, int64_t now) DB_CHECKED;
/* The enrolment (not revoked) whose case's victim has the phone number
 * phone (normalised, E.164), found by its match key: 1 and *out, 0 none. */
int her_enrolment_by_phone(db *d, const char *phone, struct her_enrolment *out) DB_CHECKED;

int her_code_add(db *d, int64_t enrolment_id, const char *digest, int64_t now, int64_t expires) DB_CHECKED;
/* How many codes were sent for the enrolment since then: >= 0, or an error. */
int her_codes_since(db *d, int64_t enrolment_id, int64_t since) DB_CHECKED;
/* Check a code's digest against the enrolment's latest code: 1 right (used
 * now), 0 wrong or expired (an attempt counted), 2 too many attempts. */
int her_code_check(db *d, int64_t enrolment_id, const char *digest, int64_t now, int max_attempts) DB_CHECKED;

struct her_device {
	int64_t id, enrolment_id, case_id, device_id, revoked_at;
	int failed_pins;
	char pin_hash[SECRET_HASH_LEN];
	char device_uid[64];
	char app_name[64];
};
int64_t her_device_add(db *d, int64_t enrolment_id, const char *digest, const char *pin_hash,
		       int64_t now) DB_CHECKED;
/* A phone by its secret's digest, with its enrolment (revoked_at: the
 * phone's, or the enrolment's): 1 and *out, 0 none. */
int her_device_get(db *d, const char *digest, struct her_device *out) DB_CHECKED;
/* The phones signed in to an enrolment, oldest first (revoked_at 0: in use). */
int her_devices_each(db *d, int64_t enrolment_id,
		     int (*fn)(int64_t id, int64_t created_at, int64_t revoked_at, void *arg),
		     void *arg) DB_CHECKED;
/* Sign one phone out (its sessions end): 1, or 0 when it is not the
 * enrolment's or was signed out already. */
int her_device_revoke(db *d, int64_t enrolment_id, int64_t id, int64_t now) DB_CHECKED;
/* A wrong PIN: the count now; at max the phone is revoked. */
int her_device_pin_failed(db *d, int64_t id, int max, int64_t now) DB_CHECKED;
int her_device_pin_ok(db *d, int64_t id) DB_CHECKED;

int her_session_add(db *d, const char *digest, int64_t her_device_id, int64_t now,
		    int64_t expires) DB_CHECKED;
/* A session not expired, on a phone and enrolment not revoked: 1 and *out
 * (and its expiry moved to now + idle), 0 none. */
int her_session_get(db *d, const char *digest, int64_t now, int64_t idle, struct her_device *out) DB_CHECKED;
int her_session_end(db *d, const char *digest) DB_CHECKED;

/* The parts of her case released to her (core/her.h: HER_PART_*), a bit
 * each: 0 and *bits, or negative. */
int her_released(db *d, int64_t case_id, unsigned *bits) DB_CHECKED;
/* Release (on) or take back a part. */
int her_release_set(db *d, int64_t case_id, const char *part, bool on, int64_t by) DB_CHECKED;

/* Her browser's push endpoint for a phone (kept once). */
int her_push_add(db *d, int64_t her_device_id, const char *endpoint, int64_t now) DB_CHECKED;
/* The push endpoints of the case's phones not revoked. */
int her_push_each(db *d, int64_t case_id, int (*fn)(int64_t id, const char *endpoint, void *arg),
		  void *arg) DB_CHECKED;
/* A push service said the subscription is gone (404, 410). */
int her_push_remove(db *d, int64_t id) DB_CHECKED;

/* What she is shown of the case's alerts: her warnings (approaches she was
 * sent a warning of) and her own calls for help (panic), newest first, with
 * the times of what the centre did.  No position, no zone. */
struct her_alert {
	int64_t id, opened_at, acknowledged_at, dispatched_at, resolved_at;
	const char *kind, *state, *warning_state; /* warning_state NULL for a panic */
};
int her_alerts_each(db *d, int64_t case_id, int limit,
		    int (*fn)(const struct her_alert *a, void *arg), void *arg) DB_CHECKED;

#endif
