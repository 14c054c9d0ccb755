/*
 * core/programme — the behaviour-change programme's rules that are data or
 * arithmetic, with no I/O: the eligibility criteria (a table: what is asked,
 * what the record must say, the reason given when it fails), the screening
 * of a referral against them, the attendance rate, and the outcome windows
 * (6, 12 and 24 months from enrolment).
 */
#ifndef VIGIL_CORE_PROGRAMME_H
#define VIGIL_CORE_PROGRAMME_H

#include <stdbool.h>
#include <stdint.h>

/* Where a criterion's answer comes from. */
enum criterion_source {
	CRITERION_ANSWER,   /* the screening clinician answers yes or no */
	CRITERION_TYPOLOGY, /* the case's decided typology */
	CRITERION_RISK,     /* the case's assessed risk level */
};

struct programme_criterion {
	const char *id;
	enum criterion_source source;
	const char *question;  /* what is asked or looked up */
	const char *accept;    /* the values that meet it, space-separated ("yes") */
	const char *fails;     /* the reason given when it is not met */
};

/* The criteria, in order; their count. */
extern const struct programme_criterion programme_criteria[];
extern const int programme_ncriteria;

/* The facts a referral is screened on: answers[i] for each criterion in
 * programme_criteria order ("yes", "no", a typology or level; NULL: none). */
struct screening_result {
	bool met[16];
	bool eligible; /* every criterion met */
	int unmet;     /* how many are not */
};
void programme_screen(const char *const *answers, struct screening_result *out);

/* Attended / (attended + missed), or -1 when no session has been held. */
double programme_attendance(int attended, int missed);

/* The outcome windows, in months from enrolment. */
extern const int programme_windows[3];
/* The end of a window of months from t (ms, UTC, by calendar month). */
int64_t programme_window_end(int64_t t, int months);

#endif
