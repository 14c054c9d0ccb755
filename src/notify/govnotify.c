/*
 * govnotify — GOV.UK Notify's SMS API over libcurl (see govnotify.h).
 */
#include "notify/govnotify.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "notify/post.h"

static int is_uuid(const char *s)
{
	for (int i = 0; i < GOVNOTIFY_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

int govnotify_key_parse(const char *key, char service[GOVNOTIFY_UUID_LEN + 1],
			char secret[GOVNOTIFY_UUID_LEN + 1], char *why, size_t whylen)
{
	size_t n = key ? strlen(key) : 0;
	const char *sv, *se;

	/* "SERVICE-SECRET" at least, and a name before them when longer */
	if (n < 2 * GOVNOTIFY_UUID_LEN + 1 ||
	    (n > 2 * GOVNOTIFY_UUID_LEN + 1 && key[n - 2 * GOVNOTIFY_UUID_LEN - 2] != '-'))
		goto bad;
	sv = key + n - 2 * GOVNOTIFY_UUID_LEN - 1;
	se = key + n - GOVNOTIFY_UUID_LEN;
	if (sv[GOVNOTIFY_UUID_LEN] != '-' || !is_uuid(sv) || !is_uuid(se))
		goto bad;
	memcpy(service, sv, GOVNOTIFY_UUID_LEN);
	service[GOVNOTIFY_UUID_LEN] = '\0';
	memcpy(secret, se, GOVNOTIFY_UUID_LEN);
	secret[GOVNOTIFY_UUID_LEN] = '\0';
	return 0;
bad:
	snprintf(why, whylen, "a GOV.UK Notify API key reads name-SERVICE_ID-SECRET, the last two "
			      "being UUIDs (as Notify's API integration page gives it)");
	return -1;
}

static int b64url(const unsigned char *bin, size_t n, char *out, size_t outlen)
{
	if (sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > outlen)
		return -1;
	sodium_bin2base64(out, outlen, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int govnotify_jwt(const char *service, const char *secret, int64_t iat, char *out, size_t outlen)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char payload[128], h64[64], p64[192], input[260], s64[64];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	snprintf(payload, sizeof payload, "{\"iss\":\"%s\",\"iat\":%lld}", service, (long long)iat);
	if (b64url((const unsigned char *)header, strlen(header), h64, sizeof h64) < 0 ||
	    b64url((const unsigned char *)payload, strlen(payload), p64, sizeof p64) < 0)
		return -1;
	snprintf(input, sizeof input, "%s.%s", h64, p64);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)input, strlen(input));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
	if (b64url(mac, sizeof mac, s64, sizeof s64) < 0)
		return -1;
	if ((size_t)snprintf(out, outlen, "%s.%s", input, s64) >= outlen)
		return -1;
	return 0;
}

struct answer {
	struct buf b;
};

static size_t collect(char *p, size_t size, size_t nmemb, void *ud)
{
	struct answer *a = ud;

	/* Notify's answers are small; a huge one is not Notify */
	if (a->b.len + size * nmemb > 65536)
		return 0;
	buf_append(&a->b, p, size * nmemb);
	return size * nmemb;
}

/* One request; the answer's JSON (NULL when none, or not JSON). */
static enum govnotify_result call(const struct govnotify *g, const char *url, const char *body,
				  json_t **out, long *http, char *err, size_t errlen)
{
	char jwt[512], auth[560];
	struct curl_slist *h = NULL;
	struct answer a;
	int rc;

	*out = NULL;
	*http = 0;
	if (govnotify_jwt(g->service, g->secret, (int64_t)time(NULL), jwt, sizeof jwt) < 0) {
		snprintf(err, errlen, "cannot make the token");
		return GOVNOTIFY_REFUSED;
	}
	buf_init(&a.b);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", jwt);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, auth);
	rc = notify_post(url, h, body, g->timeout_ms, g->timeout_ms / 2, collect, &a, http, err,
			 errlen);
	sodium_memzero(jwt, sizeof jwt);
	sodium_memzero(auth, sizeof auth);
	if (rc < 0) {
		buf_free(&a.b);
		return GOVNOTIFY_TRY_LATER;
	}
	if (a.b.len)
		*out = json_loadb(a.b.data, a.b.len, 0, NULL);
	buf_free(&a.b);
	if (*http >= 200 && *http < 300)
		return GOVNOTIFY_OK;
	{
		/* {"status_code": 400, "errors": [{"error": "...", "message": "..."}]} */
		json_t *e = json_array_get(json_object_get(*out, "errors"), 0);
		const char *m = json_string_value(json_object_get(e, "message"));

		snprintf(err, errlen, "Notify answered %ld%s%s", *http, m ? ": " : "", m ? m : "");
	}
	json_decref(*out);
	*out = NULL;
	return *http == 429 || *http >= 500 ? GOVNOTIFY_TRY_LATER : GOVNOTIFY_REFUSED;
}

enum govnotify_result govnotify_send_sms(const struct govnotify *g, const char *phone,
					 const char *text, const char *reference,
					 char id[GOVNOTIFY_ID_MAX], long *http, char *err,
					 size_t errlen)
{
	json_t *req, *ans = NULL;
	enum govnotify_result r;
	char *url, *body;
	const char *got;

	id[0] = '\0';
	req = json_pack("{s:s, s:s, s:{s:s}, s:s}", "phone_number", phone, "template_id",
			g->template_id, "personalisation", "message", text, "reference", reference);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	url = xasprintf("%s/v2/notifications/sms", g->base_url);
	r = call(g, url, body, &ans, http, err, errlen);
	free(url);
	free(body);
	if (r != GOVNOTIFY_OK)
		return r;
	got = json_string_value(json_object_get(ans, "id"));
	if (!got || !*got || strlen(got) >= GOVNOTIFY_ID_MAX) {
		snprintf(err, errlen, "Notify accepted the message without an id");
		json_decref(ans);
		return GOVNOTIFY_TRY_LATER;
	}
	snprintf(id, GOVNOTIFY_ID_MAX, "%s", got);
	json_decref(ans);
	return GOVNOTIFY_OK;
}

enum govnotify_result govnotify_status(const struct govnotify *g, const char *id, char *status,
				       size_t statuslen, long *http, char *err, size_t errlen)
{
	enum govnotify_result r;
	json_t *ans = NULL;
	const char *got;
	char *url;

	status[0] = '\0';
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-') {
			snprintf(err, errlen, "not a Notify id");
			return GOVNOTIFY_REFUSED;
		}
	url = xasprintf("%s/v2/notifications/%s", g->base_url, id);
	r = call(g, url, NULL, &ans, http, err, errlen);
	free(url);
	if (r != GOVNOTIFY_OK)
		return r;
	got = json_string_value(json_object_get(ans, "status"));
	if (!got) {
		snprintf(err, errlen, "Notify's answer has no status");
		json_decref(ans);
		return GOVNOTIFY_TRY_LATER;
	}
	snprintf(status, statuslen, "%s", got);
	json_decref(ans);
	return GOVNOTIFY_OK;
}
