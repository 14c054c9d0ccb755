/*
 * store/programme — the SQL of the behaviour-change programme: referrals to
 * a trust's programme and their screening, enrolments with his consent,
 * sessions, clinical notes (sealed), disclosures to police (sealed), the
 * cohort and waiting list of a trust, and the outcome figures read from the
 * record (incidents, breaches, new victims, tag alerts after a date).
 *
 * Functions return 0 (or an id, a count, 1 found) or a negative DB_* code.
 * Rows passed to callbacks are valid during the call only.
 */
#ifndef VIGIL_STORE_PROGRAMME_H
#define VIGIL_STORE_PROGRAMME_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct prog_referral {
	int64_t id, person_id, case_id, agency_id;
	char agency[33], source[8], status[16];
	char *note, *screening, *reasons; /* owned: programme_referral_free */
	char referred_by[65], decided_by[65];
	int64_t referred_at, decided_at, waiting_since, enrolment_id, version;
};
void programme_referral_free(struct prog_referral *r);

int64_t programme_referral_insert(db *d, int64_t person_id, int64_t case_id, int64_t agency_id,
				  const char *source, const char *note, int64_t by) DB_CHECKED;
/* Referral id of the case: 1 and *out, 0 none. */
int programme_referral_get(db *d, int64_t case_id, int64_t id, struct prog_referral *out) DB_CHECKED;
/* The case's referrals, newest first. */
int programme_referrals_each(db *d, int64_t case_id,
			     int (*fn)(const struct prog_referral *r, void *arg), void *arg) DB_CHECKED;
/* An open referral (referred, eligible, waiting) of the person: its id or 0. */
int64_t programme_referral_open(db *d, int64_t person_id) DB_CHECKED;
/* Record the screening and decision at version: 1, or 0 stale. */
int programme_referral_decide(db *d, int64_t id, int64_t version, const char *status,
			      const char *screening, const char *reasons, int64_t by) DB_CHECKED;
/* Move a referral to waiting or enrolled (with its enrolment) at version:
 * 1, or 0 stale. */
int programme_referral_place(db *d, int64_t id, int64_t version, const char *status,
			     int64_t enrolment_id) DB_CHECKED;
/* Waiting referrals of the agency ahead of this one (its place in the queue
 * is that plus one). */
int programme_waiting_ahead(db *d, int64_t agency_id, int64_t waiting_since, int64_t id) DB_CHECKED;

struct prog_enrolment {
	int64_t id, person_id, case_id, agency_id;
	char agency[33], clinician[65];
	int64_t clinician_id, enrolled_at, consent_at, ended_at, tag_consent_withdrawn_at;
	bool tag_consent;
	char *consent_note, *ended_reason; /* owned: programme_enrolment_free */
	int64_t version;
};
void programme_enrolment_free(struct prog_enrolment *e);

/* Enrolments of the agency in the programme now. */
int programme_active_count(db *d, int64_t agency_id) DB_CHECKED;
int64_t programme_enrolment_insert(db *d, int64_t person_id, int64_t case_id, int64_t agency_id,
				   int64_t clinician_id, int64_t enrolled_at, const char *consent_note,
				   bool tag_consent, int64_t by) DB_CHECKED;
/* The case's suspect's enrolment: the current one, else the newest: 1, 0 none. */
int programme_enrolment_of_case(db *d, int64_t case_id, struct prog_enrolment *out) DB_CHECKED;
/* End an enrolment (he left: consent withdrawn, completed, removed) at version: 1, 0 stale. */
int programme_enrolment_end(db *d, int64_t id, int64_t version, int64_t by, const char *reason) DB_CHECKED;
/* Withdraw his consent to the tag at version: 1, 0 stale. */
int programme_tag_consent_withdraw(db *d, int64_t id, int64_t version) DB_CHECKED;

struct prog_session {
	int64_t id, enrolment_id, planned_at, recorded_at, followed_up_at, version;
	char status[12], run_by[65], recorded_by[65], followed_up_by[65];
	const char *follow_up_note;
};
int64_t programme_session_insert(db *d, int64_t enrolment_id, int64_t planned_at) DB_CHECKED;
int programme_sessions_each(db *d, int64_t enrolment_id,
			    int (*fn)(const struct prog_session *s, void *arg), void *arg) DB_CHECKED;
/* Session id of the enrolment: 1 and fn called, 0 none. */
int programme_session_get(db *d, int64_t enrolment_id, int64_t id,
			  int (*fn)(const struct prog_session *s, void *arg), void *arg) DB_CHECKED;
/* Record what became of a session (attended, missed, cancelled; run_by 0:
 * none) at version: 1, 0 stale. */
int programme_session_record(db *d, int64_t id, int64_t version, const char *status,
			     int64_t run_by, int64_t by) DB_CHECKED;
/* Record the clinician's follow-up of a missed session at version: 1, 0 stale. */
int programme_session_follow_up(db *d, int64_t id, int64_t version, const char *note, int64_t by) DB_CHECKED;
/* Attended and missed sessions of an enrolment. */
int programme_attendance_counts(db *d, int64_t enrolment_id, int *attended, int *missed) DB_CHECKED;

/* A clinical note or a disclosure, its text opened (it is sealed). */
struct prog_text {
	int64_t id;
	const char *by; /* username */
	int64_t at;
	const char *risk; /* a disclosure's; NULL for a note */
	const char *text;
};
/* Clinical notes of an enrolment, oldest first. */
int64_t programme_note_insert(db *d, int64_t enrolment_id, const char *body, int64_t by) DB_CHECKED;
int programme_notes_each(db *d, int64_t enrolment_id,
			 int (*fn)(const struct prog_text *t, void *arg), void *arg) DB_CHECKED;
/* Disclosures to police on a case, newest first. */
int64_t programme_disclosure_insert(db *d, int64_t enrolment_id, int64_t case_id, const char *risk,
				    const char *detail, int64_t by) DB_CHECKED;
int programme_disclosures_each(db *d, int64_t case_id,
			       int (*fn)(const struct prog_text *t, void *arg), void *arg) DB_CHECKED;

/* The trust's cohort: its enrolments now, and its referrals waiting or to
 * screen (status referred or eligible). */
struct prog_cohort_row {
	const char *ref, *status; /* the case; "enrolled" or the referral's status */
	int64_t id;               /* the enrolment or the referral */
	int64_t since;            /* enrolled, referred or waiting since */
	const char *clinician;    /* enrolled: who treats him */
	int attended, missed;
	bool tag_consent;
};
int programme_cohort_each(db *d, int64_t agency_id,
			  int (*fn)(const struct prog_cohort_row *r, void *arg), void *arg) DB_CHECKED;

/* The figures of one person after t0 and up to t1 (ms), read from every case
 * in which he is the suspect. */
struct prog_outcome {
	int incidents, breaches, new_victims, tag_alerts;
};
int programme_outcome(db *d, int64_t person_id, int64_t t0, int64_t t1, struct prog_outcome *o) DB_CHECKED;
/* Each enrolment of the agency (person, date, typology and level of its
 * case); and each suspect of the agency's cases who was never enrolled, with
 * the case's date, typology and level (the comparison group). */
int programme_outcome_people(db *d, int64_t agency_id, bool enrolled,
			     int (*fn)(int64_t person_id, int64_t t0, const char *typology,
				       const char *level, void *arg),
			     void *arg) DB_CHECKED;

/* Orders in force on his cases that require him to wear a tag. */
int programme_tag_orders(db *d, int64_t person_id) DB_CHECKED;
/* Tags watching him now. */
int programme_tags_worn(db *d, int64_t person_id, int64_t now) DB_CHECKED;

#endif
