/*
 * webpush — VAPID-signed empty pushes (see webpush.h), with gnutls for P-256.
 */
#include "notify/webpush.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "notify/post.h"

struct webpush {
	gnutls_privkey_t key;
	char pub[96];      /* base64url of 0x04 || X || Y */
	char subject[200];
};

static int b64url(const unsigned char *bin, size_t n, char *out, size_t outlen)
{
	if (sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > outlen)
		return -1;
	sodium_bin2base64(out, outlen, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* A big-endian value in exactly n bytes (left-padded). */
static int fixed(const gnutls_datum_t *d, unsigned char *out, size_t n)
{
	size_t len = d->size;
	const unsigned char *p = d->data;

	while (len > n && *p == 0) {
		p++;
		len--;
	}
	if (len > n)
		return -1;
	memset(out, 0, n - len);
	memcpy(out + n - len, p, len);
	return 0;
}

static int load_or_make(const char *path, gnutls_privkey_t key, char *err, size_t errlen)
{
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_privkey_t x = NULL;
	int rc = gnutls_load_file(path, &pem);

	if (rc == 0) {
		rc = gnutls_privkey_import_x509_raw(key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0);
		gnutls_free(pem.data);
		if (rc < 0) {
			snprintf(err, errlen, "%s is not a P-256 key in PEM: %s", path, gnutls_strerror(rc));
			return -1;
		}
		return 0;
	}
	/* none yet: make one, written 0600 and never overwritten */
	if ((rc = gnutls_x509_privkey_init(&x)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(x, GNUTLS_PK_ECDSA,
					       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (rc = gnutls_x509_privkey_export2(x, GNUTLS_X509_FMT_PEM, &pem)) < 0) {
		snprintf(err, errlen, "cannot make a push key: %s", gnutls_strerror(rc));
		gnutls_x509_privkey_deinit(x);
		return -1;
	}
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		if (fd < 0 || write(fd, pem.data, pem.size) != (ssize_t)pem.size || fsync(fd) < 0) {
			snprintf(err, errlen, "cannot write the push key to %s", path);
			if (fd >= 0)
				close(fd);
			gnutls_free(pem.data);
			gnutls_x509_privkey_deinit(x);
			return -1;
		}
		close(fd);
	}
	rc = gnutls_privkey_import_x509(key, x, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
	gnutls_free(pem.data);
	if (rc < 0) {
		gnutls_x509_privkey_deinit(x);
		snprintf(err, errlen, "cannot use the push key: %s", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

int webpush_open(const char *path, const char *subject, webpush **out, char *err, size_t errlen)
{
	webpush *w = xcalloc(1, sizeof *w);
	gnutls_datum_t gx = { NULL, 0 }, gy = { NULL, 0 };
	gnutls_ecc_curve_t curve;
	unsigned char raw[65];
	int rc;

	snprintf(w->subject, sizeof w->subject, "%s", subject);
	if (gnutls_privkey_init(&w->key) < 0 || load_or_make(path, w->key, err, errlen) < 0)
		goto fail;
	rc = gnutls_privkey_export_ecc_raw2(w->key, &curve, &gx, &gy, NULL, GNUTLS_EXPORT_FLAG_NO_LZ);
	if (rc < 0 || curve != GNUTLS_ECC_CURVE_SECP256R1) {
		snprintf(err, errlen, "the push key in %s is not a P-256 key", path);
		goto fail;
	}
	raw[0] = 0x04;
	if (fixed(&gx, raw + 1, 32) < 0 || fixed(&gy, raw + 33, 32) < 0 ||
	    b64url(raw, sizeof raw, w->pub, sizeof w->pub) < 0) {
		snprintf(err, errlen, "the push key in %s is not a P-256 key", path);
		goto fail;
	}
	gnutls_free(gx.data);
	gnutls_free(gy.data);
	*out = w;
	return 0;
fail:
	gnutls_free(gx.data);
	gnutls_free(gy.data);
	webpush_free(w);
	return -1;
}

void webpush_free(webpush *w)
{
	if (!w)
		return;
	if (w->key)
		gnutls_privkey_deinit(w->key);
	free(w);
}

const char *webpush_public_key(const webpush *w)
{
	return w->pub;
}

int webpush_jwt(const webpush *w, const char *endpoint, int64_t now, char *out, size_t outlen)
{
	static const char header[] = "{\"typ\":\"JWT\",\"alg\":\"ES256\"}";
	char aud[256], payload[512], h64[64], p64[700], input[800], s64[100];
	const char *p = strstr(endpoint, "://");
	gnutls_datum_t data, sig = { NULL, 0 }, r = { NULL, 0 }, s = { NULL, 0 };
	unsigned char rs[64];
	size_t n;
	int ok = -1;

	/* the audience is the endpoint's origin: scheme, host and port */
	if (!p)
		return -1;
	n = strcspn(p + 3, "/");
	if ((size_t)(p + 3 - endpoint) + n >= sizeof aud)
		return -1;
	snprintf(aud, sizeof aud, "%.*s", (int)(p + 3 - endpoint + n), endpoint);
	snprintf(payload, sizeof payload, "{\"aud\":\"%s\",\"exp\":%lld,\"sub\":\"%s\"}", aud,
		 (long long)(now + 12 * 3600), w->subject);
	if (b64url((const unsigned char *)header, strlen(header), h64, sizeof h64) < 0 ||
	    b64url((const unsigned char *)payload, strlen(payload), p64, sizeof p64) < 0)
		return -1;
	snprintf(input, sizeof input, "%s.%s", h64, p64);
	data.data = (unsigned char *)input;
	data.size = (unsigned)strlen(input);
	/* JWS wants r || s, each 32 bytes; gnutls signs in DER */
	if (gnutls_privkey_sign_data2(w->key, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig) < 0 ||
	    gnutls_decode_rs_value(&sig, &r, &s) < 0 || fixed(&r, rs, 32) < 0 ||
	    fixed(&s, rs + 32, 32) < 0 || b64url(rs, sizeof rs, s64, sizeof s64) < 0)
		goto out;
	if ((size_t)snprintf(out, outlen, "%s.%s", input, s64) >= outlen)
		goto out;
	ok = 0;
out:
	gnutls_free(sig.data);
	gnutls_free(r.data);
	gnutls_free(s.data);
	return ok;
}

long webpush_send(const webpush *w, const char *endpoint, int ttl_s, long timeout_ms, char *err,
		  size_t errlen)
{
	char jwt[1024], auth[1200], ttl[32];
	struct curl_slist *h = NULL;
	long status;

	if (webpush_jwt(w, endpoint, (int64_t)time(NULL), jwt, sizeof jwt) < 0) {
		snprintf(err, errlen, "cannot sign the push");
		return 0;
	}
	snprintf(auth, sizeof auth, "Authorization: vapid t=%s, k=%s", jwt, w->pub);
	snprintf(ttl, sizeof ttl, "TTL: %d", ttl_s);
	h = curl_slist_append(h, auth);
	h = curl_slist_append(h, ttl);
	h = curl_slist_append(h, "Urgency: high");
	h = curl_slist_append(h, "Content-Length: 0");
	notify_post(endpoint, h, "", timeout_ms, 0, NULL, NULL, &status, err, errlen);
	return status;
}
