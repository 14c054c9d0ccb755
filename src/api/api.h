/*
 * api — the HTTP API under /api/v1/: its route table and handlers.
 *
 * routes.c is the table (one row per method and path, with the permission
 * that guards it); each resource's handlers are in a file of their own.
 */
#ifndef VIGIL_API_API_H
#define VIGIL_API_API_H

#include <jansson.h>
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

/* Helpers shared by the handlers. */
struct user;
/* The public view of an account (never the password hash). */
json_t *api_user_json(const struct user *u);
