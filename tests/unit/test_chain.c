/* Unit tests for core/chain: the hash chain under the audit trail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/chain.h"

static void hash(const char *prev, const char *a, const char *b, char out[CHAIN_HEX_LEN])
{
	struct chain_hasher h;

	chain_begin(&h, prev);
	chain_add_text(&h, a);
	chain_add_text(&h, b);
	chain_end(&h, out);
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void same_input_same_hash(void **state)
{
	char x[CHAIN_HEX_LEN], y[CHAIN_HEX_LEN];

	(void)state;
	hash(chain_genesis, "a", "b", x);
	hash(chain_genesis, "a", "b", y);
	assert_string_equal(x, y);
	assert_true(chain_hex_valid(x));
}

static void field_boundaries_are_unambiguous(void **state)
{
	char x[CHAIN_HEX_LEN], y[CHAIN_HEX_LEN];

	(void)state;
	hash(chain_genesis, "ab", "c", x);
	hash(chain_genesis, "a", "bc", y);
	assert_string_not_equal(x, y);
}

static void null_differs_from_empty(void **state)
{
	char x[CHAIN_HEX_LEN], y[CHAIN_HEX_LEN];

	(void)state;
	hash(chain_genesis, NULL, "c", x);
	hash(chain_genesis, "", "c", y);
	assert_string_not_equal(x, y);
}

static void previous_hash_is_covered(void **state)
{
	char first[CHAIN_HEX_LEN], x[CHAIN_HEX_LEN], y[CHAIN_HEX_LEN];

	(void)state;
	hash(chain_genesis, "a", "b", first);
	hash(first, "c", "d", x);
	hash(chain_genesis, "c", "d", y);
	assert_string_not_equal(x, y);
}

static void integers_hash_by_value(void **state)
{
	struct chain_hasher h;
	char x[CHAIN_HEX_LEN], y[CHAIN_HEX_LEN];

	(void)state;
	chain_begin(&h, chain_genesis);
	chain_add_int(&h, 1);
	chain_end(&h, x);
	chain_begin(&h, chain_genesis);
	chain_add_int(&h, 256);
	chain_end(&h, y);
	assert_string_not_equal(x, y);
}

static void hex_validation(void **state)
{
	(void)state;
	assert_true(chain_hex_valid(chain_genesis));
	assert_false(chain_hex_valid(NULL));
	assert_false(chain_hex_valid("abc"));
	assert_false(chain_hex_valid("0000000000000000000000000000000000000000000000000000000000000000"
				     "0"));
	assert_false(chain_hex_valid("000000000000000000000000000000000000000000000000000000000000000G"));
	assert_false(chain_hex_valid("000000000000000000000000000000000000000000000000000000000000000A"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_input_same_hash),
		cmocka_unit_test(field_boundaries_are_unambiguous),
		cmocka_unit_test(null_differs_from_empty),
		cmocka_unit_test(previous_hash_is_covered),
		cmocka_unit_test(integers_hash_by_value),
		cmocka_unit_test(hex_validation),
	};
	return cmocka_run_group_tests_name("chain", tests, setup, NULL);
}
