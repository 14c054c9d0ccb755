/*
 * post — one HTTP request for the notifiers (Notify, a webhook, Web Push),
 * with the limits they all keep: http and https only, a time limit, no
 * signals.
 */
#ifndef VIGIL_NOTIFY_POST_H
#define VIGIL_NOTIFY_POST_H

#include <curl/curl.h>
#include <stddef.h>

/*
 * POST body to url (GET when body is NULL) with the headers h (taken: freed
 * here), within timeout_ms and connecting within connect_ms (0: libcurl's
 * own limit); the answer's body to sink(.., arg), dropped when sink is
 * NULL.  0 and the HTTP status in *status, or -1 with no answer (*status 0)
 * and why in err.
 */
int notify_post(const char *url, struct curl_slist *h, const char *body, long timeout_ms,
		long connect_ms, curl_write_callback sink, void *arg, long *status, char *err,
		size_t errlen);

#endif
