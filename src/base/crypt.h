/*
 * crypt — encryption at rest: the data keys, sealing and opening values, and
 * keyed hashes to find a sealed value without storing it in clear.
 *
 * The data keys live in a key file outside the database (`vigil key init`),
 * text: comments, then one "key ID HEX" line per key (32 random bytes, ID a
 * number from 1).  Made with mode 0600; a key in it is never replaced, only
 * added (`vigil key add`, `vigil key rotate`) or, once nothing is sealed with
 * it any more, removed (`vigil key retire`).  From each key libsodium's KDF
 * derives a sealing key (XChaCha20-Poly1305), a matching key (keyed BLAKE2b)
 * and a check value, which the database records so that a server started
 * with the wrong file is stopped (the check reveals nothing of the key).
 *
 * A sealed value is text: "vs1.ID.BASE64URL(nonce || ciphertext || tag)", ID
 * the key it was sealed with, so that values sealed with several keys live
 * side by side while a rotation re-seals them.  Its associated data is the
 * row's identity (table, column and key: "persons.full_name:12"): a sealed
 * value moved to another row or column does not open.  Opening fails with a
 * reason, never with garbage: not a sealed value, a key the file does not
 * hold, or altered (or not this row's).
 *
 * A match key is "vh1.ID.HEX": BLAKE2b-128 of a domain ("phone") and a
 * normalised value under key ID's matching key, so a victim's phone number can
 * be found without keeping it in clear (the rotation computes it again).
 *
 * Which key seals is the *current* key, chosen by the caller (the database
 * says which: store/sealed.c); the file may hold newer keys not yet in use.
 * A crypt_keys is shared by every thread: reads take a shared lock, a reload
 * (the file changed) an exclusive one.  Keys are wiped when dropped.
 */
#ifndef VIGIL_BASE_CRYPT_H
#define VIGIL_BASE_CRYPT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct crypt_keys crypt_keys;

#define CRYPT_KEYS_MAX 32      /* keys a file may hold */
#define CRYPT_KEY_ID_MAX 99999 /* key ids are 1 to this */
#define CRYPT_CHECK_LEN 17     /* a key's check value: 8 bytes as hex, and a NUL */
#define CRYPT_MATCH_LEN 44     /* "vh1." + up to 5 digits + "." + 32 hex, and a NUL */

/* ---- the key file ------------------------------------------------------------ */

/* Make a key file at path holding key 1 (refused if the file exists).  0, or
 * -1 with err. */
int crypt_keyfile_create(const char *path, char *err, size_t errlen);
/* Add a new random key to the file, numbered one more than its highest, and
 * say which in *id.  The file is written anew beside it and renamed over it
 * (mode 0600), keeping every key it held.  0, or -1 with err. */
int crypt_keyfile_add(const char *path, int *id, char *err, size_t errlen);
/* Remove key id from the file (written anew, as above).  0, or -1 with err. */
int crypt_keyfile_remove(const char *path, int id, char *err, size_t errlen);

/* ---- keys in memory ---------------------------------------------------------- */

/* Read a key file (a regular file of this user's, mode 0600 or stricter, at
 * least one well-formed key).  No key is current yet.  0 and *out (free with
 * crypt_keys_free), or -1 with err naming the file and the fault. */
int crypt_keys_load(const char *path, crypt_keys **out, char *err, size_t errlen);
/* Wipe the keys and free; NULL does nothing. */
void crypt_keys_free(crypt_keys *k);
/* Read the file again if it changed since it was read (its inode, size,
 * modification or change time), or always when force: 1 read again, 0
 * unchanged, -1 with err (the keys held stay as they were).  The current key
 * stays current if the file still holds it. */
int crypt_keys_reload(crypt_keys *k, bool force, char *err, size_t errlen);
/* The file the keys were read from. */
const char *crypt_keys_path(const crypt_keys *k);
/* The ids held, ascending, at most max; their count. */
int crypt_keys_ids(crypt_keys *k, int *ids, int max);
bool crypt_keys_has(crypt_keys *k, int id);
/* Key id's check value (what the database records of it): 0, or -1 when the
 * file does not hold it. */
int crypt_keys_check(crypt_keys *k, int id, char out[CRYPT_CHECK_LEN]);
/* The key that seals: 0 when none was chosen. */
int crypt_keys_current(crypt_keys *k);
/* Choose the key that seals (0: none, and nothing seals): 0, or -1 when the
 * file does not hold it. */
int crypt_keys_set_current(crypt_keys *k, int id);

/* ---- sealing ------------------------------------------------------------------ */

/* Seal len bytes of plain with the current key, ad the row's identity: a new
 * string (caller frees), or NULL when no key is current. */
char *crypt_seal(crypt_keys *k, const char *ad, const void *plain, size_t len);
/* Open a sealed value sealed with ad: 0 and *out, a NUL-terminated copy of
 * the plain bytes (caller frees; *outlen its length, outlen may be NULL), or
 * -1 with the reason in why.  A key the file does not hold is looked for in
 * the file once more (it may have been added since it was read). */
int crypt_open(crypt_keys *k, const char *ad, const char *sealed, char **out, size_t *outlen,
	       char *why, size_t whylen);
/* The key id a sealed value names; 0 when text is not a sealed value. */
int crypt_sealed_key(const char *text);

/* ---- matching ----------------------------------------------------------------- */

/* The match key of value in domain under key id (0: the current key): 0, or
 * -1 when that key is not held. */
int crypt_match(crypt_keys *k, int id, const char *domain, const char *value,
		char out[CRYPT_MATCH_LEN]);
/* The key id a match key names; 0 when text is not a match key. */
int crypt_match_key(const char *text);

#endif
