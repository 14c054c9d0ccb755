/*
 * chain — hash chains for tamper-evident logs (the audit trail, and each
 * case's incident log).
 *
 * Each entry's hash is BLAKE2b-256 over the previous entry's hash and the
 * entry's fields, each field encoded unambiguously (a type byte, an 8-byte
 * big-endian length, the bytes), so that no two different field lists hash
 * alike.  The first entry's previous hash is 64 zeros.  Pure: no I/O.
 */
#ifndef VIGIL_CORE_CHAIN_H
#define VIGIL_CORE_CHAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sodium.h>

#define CHAIN_HEX_LEN 65 /* 64 hex digits and a NUL */

struct chain_hasher {
	crypto_generichash_state st;
};

/* The previous hash of a chain's first entry. */
extern const char chain_genesis[CHAIN_HEX_LEN];

/* prev_hex must be 64 lowercase hex digits. */
void chain_begin(struct chain_hasher *h, const char *prev_hex);
void chain_add_text(struct chain_hasher *h, const char *s); /* NULL hashes as SQL NULL */
void chain_add_int(struct chain_hasher *h, int64_t v);
void chain_end(struct chain_hasher *h, char out_hex[CHAIN_HEX_LEN]);
/* True when s is 64 lowercase hex digits. */
bool chain_hex_valid(const char *s);

/*
 * Signed checkpoints of a chain's head (Ed25519, libsodium's crypto_sign):
 * a signature over "vigil-checkpoint v1\n<chain>\n<last_id>\n<hash>\n<at>"
 * vouches that the chain had reached entry last_id with that hash at time at.
 * Whoever holds only the database cannot make one, so a chain cut back below
 * a checkpoint, with its head moved to match, is still found.
 */
#define CHAIN_PK_HEX_LEN (crypto_sign_PUBLICKEYBYTES * 2 + 1)
#define CHAIN_SIG_HEX_LEN (crypto_sign_BYTES * 2 + 1)
void chain_checkpoint_sign(const unsigned char sk[crypto_sign_SECRETKEYBYTES], const char *chain,
			   int64_t last_id, const char *hash, int64_t at,
			   char sig_hex[CHAIN_SIG_HEX_LEN]);
/* True when sig_hex is pk_hex's signature of that checkpoint. */
bool chain_checkpoint_verify(const char *pk_hex, const char *chain, int64_t last_id,
			     const char *hash, int64_t at, const char *sig_hex);

#endif
