/*
 * api — the HTTP API under /api/v1/: its route table and handlers.
 *
 * routes.c is the table (one row per method and path, with the permission
 * that guards it); each resource's handlers are in a file of their own.
 */
#ifndef VIGIL_API_API_H
#define VIGIL_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/identifier.h"
#include "db/db.h"
#include "http/route.h"
#include "store/people.h"

extern const struct route api_routes[];
extern const size_t api_nroutes;

struct req;

/* health.c */
void api_healthz(struct req *r);
void api_metrics(struct req *r);
/* session.c */
void api_login(struct req *r);
void api_logout(struct req *r);
void api_me(struct req *r);
/* users.c */
void api_users_list(struct req *r);
void api_users_create(struct req *r);
void api_user_get(struct req *r);
void api_user_update(struct req *r);
/* agencies.c */
void api_agencies_list(struct req *r);
void api_agencies_create(struct req *r);
void api_grants_list(struct req *r);
void api_grants_create(struct req *r);
void api_grants_accept(struct req *r);
void api_grants_revoke(struct req *r);
/* tokens.c */
void api_tokens_list(struct req *r);
void api_tokens_create(struct req *r);
void api_token_revoke(struct req *r);
/* audit.c */
void api_audit_list(struct req *r);
void api_audit_verify(struct req *r);

/* cases.c */
void api_cases_create(struct req *r);
void api_cases_list(struct req *r);
void api_case_get(struct req *r);
void api_case_update(struct req *r);
void api_case_screening(struct req *r);
void api_case_signoff(struct req *r);
void api_case_person_add(struct req *r);
void api_case_links(struct req *r);
void api_case_assign(struct req *r);
void api_case_refer(struct req *r);
void api_case_programme(struct req *r);
/* incidents.c */
void api_incidents_create(struct req *r);
void api_incidents_list(struct req *r);
void api_incidents_verify(struct req *r);
void api_incidents_export(struct req *r);
void api_attachment_upload(struct req *r);
void api_attachment_get(struct req *r);
void api_case_timeline(struct req *r);
/* people.c */
void api_people_search(struct req *r);
/* the stalkers register (api/register.c) */
void api_register_list(struct req *r);
void api_register_create(struct req *r);
void api_register_get(struct req *r);
void api_register_review(struct req *r);
void api_register_remove(struct req *r);
void api_register_identify(struct req *r);
void api_register_oversight(struct req *r);
void api_register_export(struct req *r);
void api_register_import(struct req *r);
void api_register_purge(struct req *r);
void api_register_match_acknowledge(struct req *r);
void api_case_recognition(struct req *r);
void api_case_recognition_seen(struct req *r);
void api_case_suspect_identify(struct req *r);
/* After a suspect was recorded or identified better: flag the whole linked
 * set as a possible serial stalker's at the configured number of distinct
 * victims (api/cases.c).  0 or a DB_* code, in the caller's transaction. */
int api_case_serial_rule(struct req *r, int64_t case_id);
/* Recognise the case's suspect against the register and other cases, in the
 * caller's transaction (intake calls it): 0 or a DB_* code. */
int api_register_recognise(struct req *r, int64_t case_id);
/* Add the register's overdue reviews of the caller's force to the
 * compliance view's object: 0 or a DB_* code. */
int api_register_compliance(struct req *r, json_t *out, int64_t now);
/* assessments.c */
void api_instruments_list(struct req *r);
void api_instrument_get(struct req *r);
void api_assessments_create(struct req *r);
void api_assessments_list(struct req *r);
void api_typology_suggest(struct req *r);
void api_typology_get(struct req *r);
void api_typology_decide(struct req *r);
/* plans.c */
struct case_record;
void api_plan_get(struct req *r);
void api_plan_put(struct req *r);
void api_plan_versions(struct req *r);
void api_plan_action_add(struct req *r);
void api_plan_action_update(struct req *r);
void api_reviews_list(struct req *r);
void api_reviews_create(struct req *r);
/* orders.c */
void api_orders_list(struct req *r);
void api_orders_create(struct req *r);
void api_order_update(struct req *r);
void api_breaches_create(struct req *r);
void api_breach_update(struct req *r);
/* compliance.c */
void api_compliance(struct req *r);
void api_stats(struct req *r);
/* victims.c */
void api_care_get(struct req *r);
void api_care_spoc(struct req *r);
void api_care_contact(struct req *r);
void api_care_referral_create(struct req *r);
void api_care_referral_update(struct req *r);
void api_tasks_list(struct req *r);
void api_tasks_create(struct req *r);
void api_task_update(struct req *r);
/* monitoring.c */
void api_devices_create(struct req *r);
void api_devices_list(struct req *r);
void api_device_get(struct req *r);
void api_case_monitoring(struct req *r);
void api_case_monitoring_end(struct req *r);
void api_case_monitoring_list(struct req *r);
void api_zones_create(struct req *r);
void api_zones_list(struct req *r);
void api_zone_remove(struct req *r);
void api_fixes_post(struct req *r);
/* alerts.c */
void api_alerts_list(struct req *r);
void api_alert_get(struct req *r);
void api_alert_acknowledge(struct req *r);
void api_alert_dispatch(struct req *r);
void api_alert_resolve(struct req *r);
void api_alert_step(struct req *r);
void api_alerts_stream(struct req *r);
/* One live-stream event's data for a viewer, or NULL when the event's case
 * is not one the viewer may see (the stream's event callback). */
struct viewer;
json_t *api_alert_event_json(db *d, int64_t event_id, int64_t alert_id, const char *kind,
			     int64_t at, const struct viewer *v);

/* her.c */
void api_her_app_get(struct req *r);
void api_her_app_enrol(struct req *r);
void api_her_app_revoke(struct req *r);
void api_her_app_release(struct req *r);
void api_her_phone_revoke(struct req *r);
void api_her_code(struct req *r);
void api_her_verify(struct req *r);
void api_her_unlock(struct req *r);
void api_her_lock(struct req *r);
void api_her_home(struct req *r);
void api_her_panic(struct req *r);
void api_her_position(struct req *r);
void api_her_diary(struct req *r);
void api_her_push_key(struct req *r);
void api_her_push(struct req *r);
/* help.c */
void api_help_page(struct req *r);
/* The helplines in file path, checked (caller owns): NULL with why. */
json_t *api_helplines_load(const char *path, char *why, size_t whylen);
void api_help_create(struct req *r);
void api_help_requests_list(struct req *r);
void api_help_request_get(struct req *r);
void api_help_request_decide(struct req *r);
/* warnings.c */
void api_warning_word_get(struct req *r);
void api_warning_word_put(struct req *r);
/* The delivery of each of an alert's warnings to her (caller owns). */
json_t *api_warning_json(db *d, int64_t alert_id);

/* evidence.c */
void api_attachments_list(struct req *r);
/* geocode.c */
void api_geocode(struct req *r);
/* inbox.c */
void api_inbox(struct req *r);
/* vocabulary.c */
void api_vocabulary(struct req *r);
/* Every vocabulary the API validates against, with labels (caller owns). */
json_t *api_vocabulary_json(void);
/* Vocabularies kept beside their handlers, NULL-terminated: breach outcomes
 * (orders.c), device kinds and protocols and zone kinds (monitoring.c),
 * alert outcomes and response steps (alerts.c). */
extern const char *const api_breach_outcomes[];
extern const char *const api_device_kinds[];
extern const char *const api_device_protocols[];
extern const char *const api_zone_kinds[];
extern const char *const api_alert_outcomes[];
extern const char *const api_alert_steps[];

/* programme.c: the behaviour-change programme */
void api_programme_get(struct req *r);
void api_programme_refer(struct req *r);
void api_programme_screen(struct req *r);
void api_programme_enrol(struct req *r);
void api_programme_session_plan(struct req *r);
void api_programme_session_update(struct req *r);
void api_programme_consent(struct req *r);
void api_programme_notes(struct req *r);
void api_programme_note_add(struct req *r);
void api_programme_disclose(struct req *r);
void api_disclosures_list(struct req *r);
void api_programme_cohort(struct req *r);
void api_programme_outcomes(struct req *r);
/* Where the case's suspect stands in the programme, for the case's page:
 * {status, trust, since} (enrolled, left, or his latest referral's status),
 * or JSON null when he was never referred. */
json_t *api_programme_summary(db *d, int64_t case_id);
/* partners.c: a case shared with partner agencies */
void api_shares_list(struct req *r);
void api_shares_create(struct req *r);
void api_share_withdraw(struct req *r);
void api_caseload(struct req *r);
void api_case_alerts_stream(struct req *r);
/* The stream's starting point from Last-Event-ID (or ?last_event_id=): 0
 * and *last (-1: none given), or -1 after a 400 (alerts.c). */
int api_last_event_id(struct req *r, int64_t *last);
struct ops_ctx;
struct partners_case;
struct share_request;
/* The case as ops/partners and ops/programme take it. */
void api_partners_case(const struct case_record *c, struct partners_case *pc);
/* Load the case ({ref}) as they take it, and the ops context in the request's
 * transaction: 0, or -1 after answering.  End with ops_done() and
 * case_record_free(). */
int api_partners_begin(struct req *r, struct case_record *c, struct ops_ctx *x,
		       struct partners_case *pc);
/* A share object of a request body at where ("share"): 0, or -1 after 400. */
int api_share_parse(struct req *r, json_t *o, const char *where, struct share_request *s);

/* Helpers shared by the handlers. */
struct viewer;
struct case_record;
/* The caller as a case viewer. */
void api_viewer(struct req *r, struct viewer *v);
/* Load the case named by the {ref} path parameter, if the caller may see it;
 * -1 after answering 404 or 403.  Names the case as the audit object. */
int api_case_load(struct req *r, struct case_record *c);
/* The case's risk: level with its definition, the latest assessment's computed
 * and judged levels side by side, who set it and when, the next review. */
json_t *api_case_risk_json(struct req *r, const struct case_record *c);
struct user;
/* The public view of an account (never the password hash). */
json_t *api_user_json(const struct user *u);

/* input.c: vocabularies, accounts and stale versions (fields of nested
 * objects: req_obj_*, http/request.h).  Each returns 0, or -1 after
 * answering 400 naming the field (500 on a database failure). */
int api_vocab(struct req *r, const char *field, const char *value, const char *const *list);
/* The active account named username, into *u. */
int api_user_active(struct req *r, const char *field, const char *username, struct user *u);
/* 0 when the account u may see case c (it is shared with her agency and she
 * is among those who see it); else -1 after answering 400 naming field. */
int api_user_sees_case(struct req *r, const char *field, const struct user *u,
		       const struct case_record *c);
/* Answer 409 stale_version for the record called what ("plan", "order"). */
void api_stale(struct req *r, const char *what, int64_t sent, int64_t now);
/* The body of a change (required, of fields only) and the version of the
 * record it was made on, into *version (a whole number from 1). */
int api_body_version(struct req *r, const char *const *fields, int64_t *version);
/* o is an object (at where: "conditions[0]") of the keys named only (NULL:
 * of any keys). */
int api_obj(struct req *r, json_t *o, const char *where, const char *const *keys);

/* A person as the API takes one (a victim, a suspect, a register entry's
 * man): name, aliases, dob, identifiers (normalised here, kept in the
 * buffer) and, where the record has one, a description. */
#define API_PERSON_ALIASES 10
#define API_PERSON_IDS 20
struct api_person {
	struct person_in in;
	const char *aliases[API_PERSON_ALIASES];
	struct person_identifier ids[API_PERSON_IDS];
	char norm[API_PERSON_IDS][IDENTIFIER_MAX + 1];
};
enum {
	API_PERSON_ONLY = 1,        /* obj is the person: no other keys */
	API_PERSON_DESCRIBED = 2,   /* a description may be given */
	API_PERSON_NAMED = 4,       /* the name is required */
	API_PERSON_SOMETHING = 8,   /* at least a name, an identifier or a description */
};
/* Parse the person in obj into *p (its strings borrowed from obj): where
 * names it in a refusal's field ("victims[0]" gives "victims[0].name"; ""
 * for a person at the top of the body, "name").  0, or -1 after answering
 * 400 naming the field. */
int api_person_parse(struct req *r, json_t *obj, const char *where, unsigned flags,
		     struct api_person *p);

/* call.c: how a handler calls an operation (ops/ops.h). */
struct ops_ctx;
struct ops_error;
/* A context for an operation by the request's caller: the actor, the parts
 * of a case the route is on (its flags), and the audit hook that appends the
 * request's entry in the operation's transaction.  status (0: none yet) is
 * the answer's status when the operation succeeds, which the audit entry
 * records; set x->answer to build the reply in the transaction instead. */
void api_ops_begin(struct req *r, struct ops_ctx *x, int status);
/* After the operation returned rc: on success the request is audited (by the
 * hook); on failure its error is answered (api_fail_err; a database failure
 * the operation did not name is named here) and the object it named is kept
 * for the pipeline's audit entry.  Releases x.  0, or -1 after a failure was
 * answered. */
int api_ops_end(struct req *r, struct ops_ctx *x, int rc);
/* Answer an operation's error with the HTTP status its code stands for
 * (the one place codes become statuses). */
void api_fail_err(struct req *r, const struct ops_error *e);
/* Reply from an operation's answer hook (x->answer): a page whose reads
 * failed (req_read) fails the operation instead, which is rolled back.
 * 0, or the failure for the hook to return. */
int api_answer(struct ops_ctx *x, struct req *r, int status, json_t *body);
/* Open the case named by the {ref} path parameter for a page: a read
 * transaction on the request's connection (the page shows one state of the
 * records however many tables it reads), the caller's right to see it and the
 * route's part of it; -1 after answering 404 or 403.  The case is the audit
 * object.  End with api_read_end(). */
int api_case_read(struct req *r, struct ops_ctx *x, struct case_record *c);
/* A page of one case: built by page from the case api_case_read opened, in
 * its read transaction, and answered 200; NULL with *err (a DB_* code: a
 * sealed value that would not open) is answered as that failure. */
typedef json_t *api_page_fn(struct req *r, const struct case_record *c, int *err);
void api_case_page(struct req *r, api_page_fn *page);
/* The answer hook of an operation on one case answered with a page of it
 * (status, built by page from the case the operation opened into *c, in its
 * transaction, so that what is answered is what was written): set up by
 * api_case_call after api_ops_begin. */
struct api_case_answer {
	struct req *r;
	int status;
	api_page_fn *page;
	const struct case_record *c;
};
void api_case_call(struct req *r, struct ops_ctx *x, struct api_case_answer *a, int status,
		   api_page_fn *page, const struct case_record *c);
/* A read transaction for a page that is not one case's; -1 after a 503. */
int api_read_begin(struct req *r, struct ops_ctx *x);
void api_read_end(struct req *r, struct ops_ctx *x);
/* Answer a refusal or failure rc of an operation that ran in the request's
 * transaction (req_tx_begin) after rolling it back (api_ops_end): -1. */
int api_tx_refused(struct req *r, struct ops_ctx *x, int rc);
/* api_ops_begin() for an operation whose reply is built in its transaction
 * by the answer hook answer(x, arg) (x->answer). */
void api_ops_answer(struct req *r, struct ops_ctx *x, int status,
		    int (*answer)(struct ops_ctx *x, void *arg), void *arg);
/* Answer body in the request's transaction and commit it (req_tx_commit): 0
 * once committed; body NULL (rc: the failure of the reads that build it) is
 * answered as that failure, rolled back: -1. */
int api_tx_reply(struct req *r, int status, json_t *body, int rc);

#endif
