/*
 * routes — every route of the API with the one permission that guards it.
 * docs/ACCESS.md is generated from this table (`vigil permissions`).
 */
#include "api/api.h"

const struct route api_routes[] = {
	{ "GET", "/healthz", PERM_PUBLIC, api_healthz, "healthz", 0,
	  "liveness: the database answers" },
	{ "GET", "/metrics", PERM_METRICS_READ, api_metrics, "metrics", ROUTE_TEXT,
	  "Prometheus metrics" },
	{ "POST", "/api/v1/login", PERM_PUBLIC, api_login, "login", 0,
	  "sign in: sets the session cookie, returns the CSRF token" },
	{ "POST", "/api/v1/logout", PERM_SIGNED_IN, api_logout, "logout", 0, "sign out" },
	{ "GET", "/api/v1/me", PERM_SIGNED_IN, api_me, "me", 0,
	  "the signed-in user, role, agency, permissions and CSRF token" },
	{ "GET", "/api/v1/agencies", PERM_AGENCIES_READ, api_agencies_list, "agency.list", 0,
	  "list agencies" },
	{ "POST", "/api/v1/agencies", PERM_AGENCIES_MANAGE, api_agencies_create, "agency.create", 0,
	  "add an agency" },
	{ "GET", "/api/v1/users", PERM_USERS_MANAGE, api_users_list, "user.list", 0,
	  "list user accounts" },
	{ "POST", "/api/v1/users", PERM_USERS_MANAGE, api_users_create, "user.create", 0,
	  "create a user account" },
	{ "GET", "/api/v1/users/{username}", PERM_USERS_MANAGE, api_user_get, "user.get", 0,
	  "one user account" },
	{ "PATCH", "/api/v1/users/{username}", PERM_USERS_MANAGE, api_user_update, "user.update", 0,
	  "change, disable, enable, unlock or reset the password of an account (with version)" },
	{ "GET", "/api/v1/tokens", PERM_TOKENS_MANAGE, api_tokens_list, "token.list", 0,
	  "list API tokens (never their values)" },
	{ "POST", "/api/v1/tokens", PERM_TOKENS_MANAGE, api_tokens_create, "token.create", 0,
	  "create an API token for an integration or for metrics" },
	{ "DELETE", "/api/v1/tokens/{id}", PERM_TOKENS_MANAGE, api_token_revoke, "token.revoke", 0,
	  "revoke an API token" },
	{ "GET", "/api/v1/audit", PERM_AUDIT_READ, api_audit_list, "audit.list", ROUTE_AUDIT_READ,
	  "page through the audit trail with filters" },
	{ "GET", "/api/v1/audit/verify", PERM_AUDIT_READ, api_audit_verify, "audit.verify",
	  ROUTE_AUDIT_READ, "verify the audit trail's hash chain" },
};

const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
