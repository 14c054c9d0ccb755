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

#endif
