/*
 * http/tls — see tls.h.  Each generation of certificate and key read is kept
 * until the process ends: a handshake under way may still hold the one
 * before a reload (renewals are rare, so this costs a few kilobytes a year).
 */
#include "http/tls.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define MAX_CHAIN 8

struct generation {
	gnutls_pcert_st pcert[MAX_CHAIN];
	unsigned ncert;
	gnutls_privkey_t key;
	struct generation *older;
};

struct tls_store {
	pthread_rwlock_t lock;
	char *cert_file, *key_file;
	struct generation *current;
};

static struct tls_store *serving;

static void generation_free(struct generation *g)
{
	while (g) {
		struct generation *older = g->older;

		for (unsigned i = 0; i < g->ncert; i++)
			gnutls_pcert_deinit(&g->pcert[i]);
		if (g->key)
			gnutls_privkey_deinit(g->key);
		free(g);
		g = older;
	}
}

static int load(const char *cert_file, const char *key_file, struct generation **out, char *err,
		size_t errlen)
{
	struct generation *g = xcalloc(1, sizeof *g);
	gnutls_datum_t cert = { NULL, 0 }, key = { NULL, 0 };
	unsigned n = MAX_CHAIN;
	int rc;

	rc = gnutls_load_file(cert_file, &cert);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the certificate %s: %s", cert_file, gnutls_strerror(rc));
		goto fail;
	}
	rc = gnutls_load_file(key_file, &key);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the key %s: %s", key_file, gnutls_strerror(rc));
		goto fail;
	}
	rc = gnutls_pcert_list_import_x509_raw(g->pcert, &n, &cert, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0 || n == 0) {
		snprintf(err, errlen, "%s holds no PEM certificate: %s", cert_file,
			 rc < 0 ? gnutls_strerror(rc) : "none found");
		goto fail;
	}
	g->ncert = n;
	rc = gnutls_privkey_init(&g->key);
	if (rc >= 0)
		rc = gnutls_privkey_import_x509_raw(g->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0) {
		snprintf(err, errlen, "%s holds no PEM private key: %s", key_file, gnutls_strerror(rc));
		goto fail;
	}
	/* the key must be the certificate's: a mismatch would fail every
	 * handshake, long after a reload said all was well */
	{
		gnutls_datum_t probe = { (unsigned char *)"vigil tls probe", 15 }, sig = { NULL, 0 };
		gnutls_pubkey_t pub = g->pcert[0].pubkey;
		int algo = gnutls_pubkey_get_pk_algorithm(pub, NULL);
		gnutls_sign_algorithm_t sa = gnutls_pk_to_sign((gnutls_pk_algorithm_t)algo, GNUTLS_DIG_SHA256);

		rc = gnutls_privkey_sign_data2(g->key, sa, 0, &probe, &sig);
		if (rc >= 0)
			rc = gnutls_pubkey_verify_data2(pub, sa, 0, &probe, &sig);
		gnutls_free(sig.data);
		if (rc < 0) {
			snprintf(err, errlen, "the key %s is not the certificate %s's", key_file, cert_file);
			goto fail;
		}
	}
	gnutls_free(cert.data);
	gnutls_memset(key.data, 0, key.size);
	gnutls_free(key.data);
	*out = g;
	return 0;
fail:
	gnutls_free(cert.data);
	if (key.data)
		gnutls_memset(key.data, 0, key.size);
	gnutls_free(key.data);
	generation_free(g);
	return -1;
}

int tls_store_open(struct tls_store **out, const char *cert_file, const char *key_file, char *err,
		   size_t errlen)
{
	struct tls_store *t = xcalloc(1, sizeof *t);

	if (load(cert_file, key_file, &t->current, err, errlen) < 0) {
		free(t);
		return -1;
	}
	pthread_rwlock_init(&t->lock, NULL);
	t->cert_file = xstrdup(cert_file);
	t->key_file = xstrdup(key_file);
	*out = t;
	return 0;
}

int tls_store_reload(struct tls_store *t, char *err, size_t errlen)
{
	struct generation *g;

	if (load(t->cert_file, t->key_file, &g, err, errlen) < 0)
		return -1;
	pthread_rwlock_wrlock(&t->lock);
	g->older = t->current;
	t->current = g;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

void tls_store_free(struct tls_store *t)
{
	if (!t)
		return;
	if (serving == t)
		serving = NULL;
	generation_free(t->current);
	pthread_rwlock_destroy(&t->lock);
	free(t->cert_file);
	free(t->key_file);
	free(t);
}

void tls_store_use(struct tls_store *t)
{
	serving = t;
}

static int retrieve(gnutls_session_t session, const struct gnutls_cert_retr_st *info,
		    gnutls_pcert_st **certs, unsigned int *pcert_length,
		    gnutls_ocsp_data_st **ocsp, unsigned int *ocsp_length, gnutls_privkey_t *privkey,
		    unsigned int *flags)
{
	struct tls_store *t = serving;

	(void)session;
	(void)info;
	*ocsp = NULL;
	*ocsp_length = 0;
	*flags = 0; /* ours: gnutls frees nothing */
	if (!t)
		return -1;
	pthread_rwlock_rdlock(&t->lock);
	*certs = t->current->pcert;
	*pcert_length = t->current->ncert;
	*privkey = t->current->key;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

gnutls_certificate_retrieve_function3 *tls_store_callback(void)
{
	return retrieve;
}
