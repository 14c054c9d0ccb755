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
#include <stdint.h>
#include <stddef.h>

#include "http/route.h"

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
/* tokens.c */
void api_tokens_list(struct req *r);
void api_tokens_create(struct req *r);
void api_token_revoke(struct req *r);
/* audit.c */
void api_audit_list(struct req *r);
void api_audit_verify(struct req *r);

#endif

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
/* assessments.c */
void api_instruments_list(struct req *r);
void api_instrument_get(struct req *r);
void api_assessments_create(struct req *r);
void api_assessments_list(struct req *r);
void api_typology_suggest(struct req *r);
void api_typology_get(struct req *r);
void api_typology_decide(struct req *r);

/* monitoring.c */
void api_devices_create(struct req *r);
void api_devices_list(struct req *r);
void api_device_get(struct req *r);
void api_case_monitoring(struct req *r);
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
void api_alerts_stream(struct req *r);
/* One live-stream event's data for a viewer, or NULL when the event's case
 * is not one the viewer may see (the stream's event callback). */
#include "db/db.h"
struct viewer;
json_t *api_alert_event_json(db *d, int64_t event_id, int64_t alert_id, const char *kind,
			     int64_t at, const struct viewer *v);

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
