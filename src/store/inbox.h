/*
 * store/inbox — what is due to a person: the queries behind "My work".
 *
 * Nothing here is stored for the inbox: every item is read from the record
 * it is about (a plan action she owns, a review date passed, a notification
 * task open, an order granted and not served, a flag a supervisor must sign
 * off, an alert not resolved...), so an item leaves the inbox the moment its
 * record says it is done.  Each query is limited to the cases the viewer may
 * see (CASE_VISIBLE_SQL, the one predicate lists and reads share); which
 * part of a case an item is on (file, victim care, response) is the API's
 * business (api/inbox.c leaves out the kinds a role may not read).
 *
 * "Mine" is what is due to the viewer herself: the owner of a plan action;
 * the case's owner for its screening, assessment, plan, review, orders and
 * breaches; the victim's single point of contact (else the case's owner)
 * for her notifications and contact; every supervisor of the agency for a
 * sign-off; every operator and supervisor who works the desk for an
 * alert; an administrator for her agency's locked accounts and the
 * monitoring offers made to it; a register entry's responsible officer for
 * its review and for a new case his man is recognised in (those are of her
 * force, not on a case she may see); the case's officer and every
 * supervisor who sees it for a recognition not yet seen by a supervisor; his
 * clinician for a programme session he missed, until she records its
 * follow-up.  "Team" (supervisors) is everything due on
 * the cases she sees, each item naming whom it is due to.
 *
 * Functions return 0 or a negative DB_* code; rows passed to callbacks are
 * valid during the call only.
 */
#ifndef VIGIL_STORE_INBOX_H
#define VIGIL_STORE_INBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

struct viewer;

enum inbox_kind {
	INBOX_SCREENING,       /* an intake case to screen (FOUR) */
	INBOX_ASSESSMENT,      /* a screened case with no risk assessment */
	INBOX_PLAN,            /* an assessed level and no current plan */
	INBOX_PLAN_ACTION,     /* a plan action to carry out */
	INBOX_REVIEW,          /* the plan's review falls due (or is overdue) */
	INBOX_NOTIFY_VICTIM,   /* tell her of an event */
	INBOX_CONTACT,         /* she is due to be contacted */
	INBOX_ADVOCACY,        /* high risk with no advocacy referral */
	INBOX_SIGNOFF,         /* a classification other than stalking to sign off */
	INBOX_ORDER_SERVICE,   /* an order granted and not yet served on him */
	INBOX_DUTY_TO_NOTIFY,  /* he missed his duty to notify: record when he did */
	INBOX_CRIME_RECORD,    /* a breach to record as a crime */
	INBOX_ALERT,           /* an alert not yet resolved */
	INBOX_LOCKED_ACCOUNT,  /* an account of her agency locked by failed sign-ins */
	INBOX_GRANT_OFFER,     /* a monitoring offer made to her agency */
	INBOX_SESSION_MISSED,  /* a programme session he missed: his clinician follows it up */
	INBOX_PROGRAMME_REFERRAL, /* a referral to her trust's programme to screen or enrol,
				   * or a waiting man once a place is free */
	INBOX_REGISTER_REVIEW, /* a register entry she is responsible for is due for review */
	INBOX_REGISTER_MATCH,  /* her register entry's man is the suspect of a new case */
	INBOX_RECOGNITION,     /* a new case's suspect is known: the register or another case */
	INBOX_KIND_COUNT,
};

/* The API's name of a kind ("plan_action"). */
const char *inbox_kind_name(enum inbox_kind k);

struct inbox_params {
	const struct viewer *v;
	bool team;            /* everything on the cases she sees, not only hers */
	int64_t now;
	int contact_days;     /* she is contacted at least this often */
	int contact_soon_days; /* a contact due within this many days is listed */
	int review_soon_days;  /* a review due within this many days is listed */
	int programme_capacity; /* places in a trust's cohort: a waiting man is listed
				 * while one is free */
	int limit;            /* rows per kind */
};

struct inbox_row {
	enum inbox_kind kind;
	const char *ref;       /* the case (NULL for an account or an offer) */
	const char *status, *risk_level;
	int64_t id;            /* the action, task, order, breach, alert, offer (0: the case) */
	int64_t other_id;      /* a task's order or breach; a breach's order */
	const char *what;      /* action description, task event, order kind, alert kind, username */
	const char *detail;    /* task detail, action category, alert severity, agency code */
	int64_t due_at;        /* 0: no date, as soon as may be */
	const char *due_to;    /* the username it is due to (NULL: anyone of the role) */
	int64_t version;       /* the record's version, for the form that completes it */
};

int inbox_each(db *d, enum inbox_kind kind, const struct inbox_params *p,
	       int (*fn)(const struct inbox_row *row, void *arg), void *arg) DB_CHECKED;

#endif
