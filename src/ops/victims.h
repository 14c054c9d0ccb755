/*
 * ops/victims — victim care and the case's tasks: her single point of
 * contact, the log of contacts with her, her referrals to partner services
 * (with her consent), and the tasks that make sure she is told of events.
 *
 * Events she must be told about open a notify_victim task, overdue when not
 * done within --notify-hours of the event; logging the contact that told her
 * can complete it.  With her consent, an accepted referral to an agency in
 * Vigil shares the case with it (its advocates see it), and taking the
 * consent back takes the share back.
 */
#ifndef VIGIL_OPS_VICTIMS_H
#define VIGIL_OPS_VICTIMS_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/ops.h"
#include "store/cases.h"

/* Open a notify_victim task for an event at event_at (due --notify-hours
 * later) in the operation's transaction, with its timeline event. */
int ops_notify_task_open(struct ops_ctx *x, int64_t case_id, const char *event, int64_t event_at,
			 const char *detail, int64_t order_id);

/* Open a task to tell her of an event outside Vigil (plan_notify_events) that
 * happened at `at` (not in the future). */
int ops_task_open(struct ops_ctx *x, const char *ref, const char *event, int64_t at,
		  const char *detail, struct case_record *c);
/* Complete a notification task (made on its version), with what she was told. */
int ops_task_done(struct ops_ctx *x, const char *ref, int64_t id, int64_t version,
		  const char *note, struct case_record *c);

/* Name her single point of contact: an officer, a supervisor or an advocate
 * who sees the case. */
int ops_care_spoc(struct ops_ctx *x, const char *ref, const char *username,
		  struct case_record *c);

/* A contact with her, once made. */
struct ops_contact {
	int64_t at;                /* 0: now */
	const char *method;        /* victim_contact_methods */
	const char *told;
	const char *notes;
	const char *by;            /* who made it (a username); NULL: the actor */
	const int64_t *tasks;      /* the notification tasks it completes */
	int ntasks;
};
int ops_care_contact(struct ops_ctx *x, const char *ref, const struct ops_contact *in,
		     struct case_record *c, int64_t *id);

/* A referral to a partner service, and a change to one. */
struct ops_referral {
	int64_t version;           /* a change's */
	const char *service;       /* victim_services (a new one's) */
	const char *agency;        /* an agency in Vigil (a code), or NULL */
	const char *provider;      /* a service outside Vigil, or NULL */
	const char *provider_contact; /* how to reach it (phone, e-mail, office), or NULL */
	const char *status;        /* victim_referral_statuses; NULL: offered, or unchanged */
	bool consent_given;        /* consent was recorded ... */
	int consent;               /* ... 1 given, 0 refused */
	const char *consent_note;
	const char *note;
};
int ops_referral_make(struct ops_ctx *x, const char *ref, const struct ops_referral *in,
		      struct case_record *c);
int ops_referral_change(struct ops_ctx *x, const char *ref, int64_t id,
			const struct ops_referral *in, struct case_record *c);

#endif
