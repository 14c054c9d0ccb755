/*
 * webpush — Web Push to her app without a payload (RFC 8030, with VAPID,
 * RFC 8292): a POST with no body to each push endpoint her browser gave us,
 * "Authorization: vapid t=JWT, k=KEY", the JWT signed ES256 with the server's
 * P-256 key (aud = the endpoint's origin, sub = a contact of the centre).  An
 * empty push carries nothing to read: her service worker shows a neutral
 * line ("open the app"), so no words about her case cross the push service.
 *
 * The key lives in a file (PEM, made 0600 when missing): her browser's
 * subscription is bound to its public key, so it must outlive a restart.
 */
#ifndef VIGIL_NOTIFY_WEBPUSH_H
#define VIGIL_NOTIFY_WEBPUSH_H

#include <stddef.h>
#include <stdint.h>

typedef struct webpush webpush;

/* Load the key file at path (made when missing): 0 and *out, or -1 with err. */
int webpush_open(const char *path, const char *subject, webpush **out, char *err, size_t errlen);
void webpush_free(webpush *w);
/* The public key as base64url (65 bytes uncompressed): the browser's
 * applicationServerKey. */
const char *webpush_public_key(const webpush *w);
/* The VAPID JWT for endpoint's origin, valid 12 hours from now (seconds):
 * 0, or -1. */
int webpush_jwt(const webpush *w, const char *endpoint, int64_t now, char *out, size_t outlen);
/* Push to endpoint (no payload, TTL ttl_s): the HTTP status (201 taken;
 * 404/410 the subscription is gone), or 0 when there was no answer. */
long webpush_send(const webpush *w, const char *endpoint, int ttl_s, long timeout_ms, char *err,
		  size_t errlen);

#endif
