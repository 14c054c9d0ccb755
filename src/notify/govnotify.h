/*
 * govnotify — a client of GOV.UK Notify's SMS API, the first provider of her
 * warnings: POST /v2/notifications/sms (phone_number, template_id,
 * personalisation, reference) and GET /v2/notifications/{id} for what became
 * of a message.  Each request carries a fresh JSON Web Token signed with the
 * API key's secret (HS256, iss = the service id, iat = now): Notify refuses a
 * token more than 30 seconds old.
 *
 * An API key reads "name-SERVICE-SECRET", where SERVICE and SECRET are the
 * last two UUIDs (36 characters each); the name may itself hold hyphens.
 * The template is expected to be "((message))": the whole text of the
 * warning goes in that one personalisation field, so the wording (her code
 * word) is the case's, not the template's.
 */
#ifndef VIGIL_NOTIFY_GOVNOTIFY_H
#define VIGIL_NOTIFY_GOVNOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define GOVNOTIFY_UUID_LEN 36
#define GOVNOTIFY_ID_MAX 64

struct govnotify {
	const char *base_url; /* "https://api.notifications.service.gov.uk" */
	char service[GOVNOTIFY_UUID_LEN + 1];
	char secret[GOVNOTIFY_UUID_LEN + 1];
	const char *template_id;
	long timeout_ms;
};

/* Split an API key into service id and secret: 0, or -1 with why. */
int govnotify_key_parse(const char *key, char service[GOVNOTIFY_UUID_LEN + 1],
			char secret[GOVNOTIFY_UUID_LEN + 1], char *why, size_t whylen);
/* The bearer token for a request at iat (seconds): 0, or -1 when out is too
 * small.  Pure. */
int govnotify_jwt(const char *service, const char *secret, int64_t iat, char *out, size_t outlen);

/* What Notify answered. */
enum govnotify_result {
	GOVNOTIFY_OK,        /* accepted (send) or read (status) */
	GOVNOTIFY_REFUSED,   /* 4xx other than 429: sending again will not help */
	GOVNOTIFY_TRY_LATER, /* 429, 5xx, no answer */
};

/* Send text to phone (E.164); reference is ours (echoed back).  On OK, id is
 * Notify's notification id.  *http is the status (0: no answer); err says
 * why it failed (Notify's own message when it gave one). */
enum govnotify_result govnotify_send_sms(const struct govnotify *g, const char *phone,
					 const char *text, const char *reference,
					 char id[GOVNOTIFY_ID_MAX], long *http, char *err,
					 size_t errlen);
/* The status of notification id ("created", "sending", "pending", "sent",
 * "delivered", "permanent-failure", "temporary-failure",
 * "technical-failure"). */
enum govnotify_result govnotify_status(const struct govnotify *g, const char *id, char *status,
				       size_t statuslen, long *http, char *err, size_t errlen);

#endif
