/*
 * secret — libsodium wrappers.
 */
#include "base/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int secret_sign_key_create(const char *path, char pk_hex[SECRET_SIGN_PK_HEX], char *err,
			   size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char sk_hex[crypto_sign_SECRETKEYBYTES * 2 + 1], text[512];
	int fd, n, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (a key is never overwritten: choose another file)" : "");
		return -1;
	}
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(pk_hex, SECRET_SIGN_PK_HEX, pk, sizeof pk);
	sodium_bin2hex(sk_hex, sizeof sk_hex, sk, sizeof sk);
	n = snprintf(text, sizeof text,
		     "# Vigil audit signing key (Ed25519).  Keep it outside the database and its\n"
		     "# backups; whoever holds it can sign checkpoints of the audit trail.\n"
		     "public %s\nsecret %s\n",
		     pk_hex, sk_hex);
	if (n > 0 && (size_t)n < sizeof text && write(fd, text, (size_t)n) == n && fsync(fd) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	close(fd);
	if (rc < 0)
		unlink(path);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(sk_hex, sizeof sk_hex);
	sodium_memzero(text, sizeof text);
	return rc;
}

int secret_sign_key_load(const char *path, unsigned char sk[SECRET_SIGN_SK_LEN],
			 char pk_hex[SECRET_SIGN_PK_HEX], char *err, size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], pk2[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk2[crypto_sign_SECRETKEYBYTES];
	char text[1024], *line, *save = NULL;
	bool have_pk = false, have_sk = false;
	struct stat st;
	size_t len, got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "cannot read the key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(fd);
		snprintf(err, errlen,
			 "the key file %s must be a regular file owned by this user and readable by it "
			 "alone (mode %03o): chown it and chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	/* read it whole into a buffer of ours (no stdio buffer keeps a copy) */
	while (got < sizeof text - 1 && (n = read(fd, text + got, sizeof text - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	text[got] = '\0';
	for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		if (!strncmp(line, "public ", 7))
			have_pk = sodium_hex2bin(pk, sizeof pk, line + 7, strlen(line + 7), NULL, &len,
						 NULL) == 0 && len == sizeof pk;
		else if (!strncmp(line, "secret ", 7))
			have_sk = sodium_hex2bin(sk, SECRET_SIGN_SK_LEN, line + 7, strlen(line + 7), NULL,
						 &len, NULL) == 0 && len == SECRET_SIGN_SK_LEN;
	}
	sodium_memzero(text, sizeof text);
	/* the key is its seed (the first half of the secret key): the whole pair
	 * made again from it must be what the file says */
	if (!have_pk || !have_sk || crypto_sign_seed_keypair(pk2, sk2, sk) != 0 ||
	    sodium_memcmp(sk2, sk, sizeof sk2) != 0 || sodium_memcmp(pk2, pk, sizeof pk) != 0) {
		sodium_memzero(sk, SECRET_SIGN_SK_LEN);
		sodium_memzero(sk2, sizeof sk2);
		snprintf(err, errlen,
			 "%s is not a Vigil key file (a 'public' and a matching 'secret' line; make "
			 "one with 'vigil audit keygen')",
			 path);
		return -1;
	}
	sodium_memzero(sk2, sizeof sk2);
	sodium_bin2hex(pk_hex, SECRET_SIGN_PK_HEX, pk, sizeof pk);
	return 0;
}
