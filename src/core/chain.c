/*
 * chain — BLAKE2b-256 hash chain (libsodium's crypto_generichash, unkeyed so
 * that anyone holding an export can verify it).
 */
#include "core/chain.h"

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
