/*
 * secret — libsodium wrappers.
 */
#include "base/secret.h"

#include <sodium.h>
#include <string.h>

int secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int secret_password_hash(const char *pw, char out[SECRET_HASH_LEN])
{
	return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		       ? 0
		       : -1;
}

bool secret_password_verify(const char *stored, const char *pw)
{
	return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0;
}

void secret_password_dummy_verify(const char *pw)
{
	static char dummy[SECRET_HASH_LEN];
	static int ready;

	/* Racing initialisations compute the same kind of hash; harmless. */
	if (!ready) {
		char tmp[SECRET_HASH_LEN];

		if (secret_password_hash("vigil-dummy-password", tmp) == 0) {
			memcpy(dummy, tmp, sizeof dummy);
			ready = 1;
		}
	}
	if (ready && crypto_pwhash_str_verify(dummy, pw, strlen(pw)) == 0)
		return; /* cannot match: the dummy password is not a valid input */
}

void secret_token(char out[SECRET_TOKEN_LEN])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, SECRET_TOKEN_LEN, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

void secret_digest(const char *s, char out[SECRET_DIGEST_LEN])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, (const unsigned char *)s, strlen(s), NULL, 0);
	sodium_bin2hex(out, SECRET_DIGEST_LEN, h, sizeof h);
}

bool secret_equal(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (n != strlen(b))
		return false;
	return sodium_memcmp(a, b, n) == 0;
}

void secret_password_generate(char *out, size_t outlen)
{
	/* No 0/o, 1/l: easy to read off a terminal.  4 groups of 5 from 32
	 * symbols = 100 bits. */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
	size_t i = 0, g = 0;

	while (i + 1 < outlen && g < 4) {
		for (int k = 0; k < 5 && i + 1 < outlen; k++)
			out[i++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
		if (++g < 4 && i + 1 < outlen)
			out[i++] = '-';
	}
	out[i] = '\0';
}

void secret_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
