/*
 * http/tls — the server's certificate and key for TLS (GnuTLS, through
 * libmicrohttpd), kept in memory and handed to each handshake, so that they
 * can be read again from their files (SIGHUP: a renewed certificate) without
 * a restart.  A reload that fails keeps the certificate in use and says why.
 */
#ifndef VIGIL_HTTP_TLS_H
#define VIGIL_HTTP_TLS_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

struct tls_store;

/* Read a PEM certificate chain and its private key: 0, or -1 with err. */
int tls_store_open(struct tls_store **out, const char *cert_file, const char *key_file, char *err,
		   size_t errlen);
/* Read them again: 0 (the new pair serves the next handshakes), or -1 with
 * err (the old pair goes on serving). */
int tls_store_reload(struct tls_store *t, char *err, size_t errlen);
void tls_store_free(struct tls_store *t);
/* The handshake callback to give libmicrohttpd (MHD_OPTION_HTTPS_CERT_CALLBACK2);
 * the store is set for it by tls_store_use(). */
gnutls_certificate_retrieve_function3 *tls_store_callback(void);
/* The store the callback serves from (one per process). */
void tls_store_use(struct tls_store *t);

#endif
