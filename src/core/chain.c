/*
 * chain — BLAKE2b-256 hash chain (libsodium's crypto_generichash, unkeyed so
 * that anyone holding an export can verify it).
 */
#include "core/chain.h"

#include <stdio.h>
#include <string.h>

const char chain_genesis[CHAIN_HEX_LEN] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static void add_field(struct chain_hasher *h, unsigned char type, const void *data, uint64_t n)
{
	unsigned char hdr[9];

	hdr[0] = type;
	for (int i = 0; i < 8; i++)
		hdr[1 + i] = (unsigned char)(n >> (56 - 8 * i));
	crypto_generichash_update(&h->st, hdr, sizeof hdr);
	if (n)
		crypto_generichash_update(&h->st, data, n);
}

void chain_begin(struct chain_hasher *h, const char *prev_hex)
{
	crypto_generichash_init(&h->st, NULL, 0, crypto_generichash_BYTES);
	add_field(h, 'P', prev_hex, strlen(prev_hex));
}

void chain_add_text(struct chain_hasher *h, const char *s)
{
	if (!s)
		add_field(h, 'N', NULL, 0);
	else
		add_field(h, 'T', s, strlen(s));
}

void chain_add_int(struct chain_hasher *h, int64_t v)
{
	unsigned char b[8];
	uint64_t u = (uint64_t)v;

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	add_field(h, 'I', b, sizeof b);
}

void chain_end(struct chain_hasher *h, char out_hex[CHAIN_HEX_LEN])
{
	unsigned char out[crypto_generichash_BYTES];

	crypto_generichash_final(&h->st, out, sizeof out);
	sodium_bin2hex(out_hex, CHAIN_HEX_LEN, out, sizeof out);
}

bool chain_hex_valid(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == CHAIN_HEX_LEN - 1;
}

static size_t checkpoint_text(char *out, size_t n, const char *chain, int64_t last_id,
			      const char *hash, int64_t at)
{
	int len = snprintf(out, n, "vigil-checkpoint v1\n%s\n%lld\n%s\n%lld", chain,
			   (long long)last_id, hash, (long long)at);

	return len < 0 ? 0 : (size_t)len < n ? (size_t)len : n - 1;
}

void chain_checkpoint_sign(const unsigned char sk[crypto_sign_SECRETKEYBYTES], const char *chain,
			   int64_t last_id, const char *hash, int64_t at,
			   char sig_hex[CHAIN_SIG_HEX_LEN])
{
	unsigned char sig[crypto_sign_BYTES];
	char text[256];
	size_t n = checkpoint_text(text, sizeof text, chain, last_id, hash, at);

	crypto_sign_detached(sig, NULL, (const unsigned char *)text, n, sk);
	sodium_bin2hex(sig_hex, CHAIN_SIG_HEX_LEN, sig, sizeof sig);
}

bool chain_checkpoint_verify(const char *pk_hex, const char *chain, int64_t last_id,
			     const char *hash, int64_t at, const char *sig_hex)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	size_t pklen = 0, siglen = 0;
	char text[256];
	size_t n;

	if (!pk_hex || !sig_hex || !hash || !chain ||
	    sodium_hex2bin(pk, sizeof pk, pk_hex, strlen(pk_hex), NULL, &pklen, NULL) != 0 ||
	    pklen != sizeof pk ||
	    sodium_hex2bin(sig, sizeof sig, sig_hex, strlen(sig_hex), NULL, &siglen, NULL) != 0 ||
	    siglen != sizeof sig)
		return false;
	n = checkpoint_text(text, sizeof text, chain, last_id, hash, at);
	return crypto_sign_verify_detached(sig, (const unsigned char *)text, n, pk) == 0;
}
