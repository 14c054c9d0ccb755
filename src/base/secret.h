/*
 * secret — passwords, random tokens and their hashes (libsodium).
 *
 * Passwords are hashed with argon2id (crypto_pwhash_str, interactive limits).
 * Session ids and API tokens are 32 random bytes, shown to their holder once
 * as base64url text and stored only as a BLAKE2b-256 hex hash, so a copy of
 * the database does not let anyone sign in.  Wipe secrets with secret_wipe().
 */
#ifndef VIGIL_BASE_SECRET_H
#define VIGIL_BASE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_HASH_LEN 128   /* crypto_pwhash_STRBYTES */
#define SECRET_TOKEN_LEN 44   /* 32 bytes as unpadded base64url, and a NUL */
#define SECRET_DIGEST_LEN 65  /* BLAKE2b-256 as hex, and a NUL */

/* Must be called once before any other function here; 0 or -1. */
int secret_init(void);
/* argon2id hash of pw into out; 0 or -1 (out of memory for the hash). */
int secret_password_hash(const char *pw, char out[SECRET_HASH_LEN]);
/* True when pw matches the stored hash. */
bool secret_password_verify(const char *stored, const char *pw);
/* Spend the same time as a verification, for unknown users (no user
 * enumeration by timing). */
void secret_password_dummy_verify(const char *pw);
/* A new random token (base64url, 43 characters). */
void secret_token(char out[SECRET_TOKEN_LEN]);
/* BLAKE2b-256 hex digest of s, as stored for tokens. */
void secret_digest(const char *s, char out[SECRET_DIGEST_LEN]);
/* Constant-time comparison of two NUL-terminated strings. */
bool secret_equal(const char *a, const char *b);
/* A password a person can type: groups of lowercase letters and digits. */
void secret_password_generate(char *out, size_t outlen);
void secret_wipe(void *p, size_t n);

/*
 * A signing key (Ed25519) kept in a file outside the database: the audit
 * trail's checkpoints are signed with it.  The file is text: a comment, then
 * "public HEX" and "secret HEX" lines; made with mode 0600, never overwritten.
 */
#define SECRET_SIGN_SK_LEN 64 /* crypto_sign_SECRETKEYBYTES */
#define SECRET_SIGN_PK_HEX 65 /* crypto_sign_PUBLICKEYBYTES as hex, and a NUL */
/* Make a new key file at path (refused if it exists); its public key in pk_hex. */
int secret_sign_key_create(const char *path, char pk_hex[SECRET_SIGN_PK_HEX], char *err,
			   size_t errlen);
/* Read a key file: its secret key and public key; 0, or -1 with err. */
int secret_sign_key_load(const char *path, unsigned char sk[SECRET_SIGN_SK_LEN],
			 char pk_hex[SECRET_SIGN_PK_HEX], char *err, size_t errlen);

#endif
