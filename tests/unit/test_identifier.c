/* Unit tests for core/identifier: each kind's normal form, the reasons given
 * for refusals, length limits both ways, and buffers too small to hold the
 * result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/identifier.h"

struct want {
	const char *in;
	const char *out; /* NULL: refused */
	const char *why; /* when refused: a phrase the reason must contain */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Every accepted input gives exactly its output, which normalises to itself;
 * every refused one leaves out empty and says why. */
static void check(enum identifier_kind k, const struct want *w, size_t n)
{
	char out[IDENTIFIER_MAX + 1], again[IDENTIFIER_MAX + 1], why[300];
	const char *kind = identifier_kind_name(k);

	for (size_t i = 0; i < n; i++) {
		int rc = identifier_normalise(k, w[i].in, out, sizeof out, why, sizeof why);

		if (w[i].out) {
			if (rc != 0)
				fail_msg("%s '%s' refused: %s", kind, w[i].in, why);
			if (strcmp(out, w[i].out) != 0)
				fail_msg("%s '%s' gave '%s', want '%s'", kind, w[i].in, out,
					 w[i].out);
			if (identifier_normalise(k, out, again, sizeof again, why, sizeof why) != 0)
				fail_msg("%s '%s' refused its own output: %s", kind, out, why);
			if (strcmp(again, out) != 0)
				fail_msg("%s '%s' normalised again gave '%s'", kind, out, again);
		} else {
			if (rc != -1)
				fail_msg("%s '%s' accepted as '%s'", kind, w[i].in, out);
			if (out[0] != '\0')
				fail_msg("%s '%s' refused but left '%s' in out", kind, w[i].in, out);
			if (!strstr(why, w[i].why))
				fail_msg("%s '%s' refused with '%s', want it to say '%s'", kind,
					 w[i].in, why, w[i].why);
		}
	}
}

static void uk_and_foreign_phone_numbers_become_e164(void **state)
{
	static const struct want w[] = {
		{ "07700 900123", "+447700900123", NULL },
		{ "+447700900123", "+447700900123", NULL },
		{ "+44 (0)7700 900123", "+447700900123", NULL },
		{ "+44(0)7700900123", "+447700900123", NULL },
		{ "0044 7700 900123", "+447700900123", NULL },
		{ "0044 (0)7700 900123", "+447700900123", NULL },
		{ "+44 07700 900123", "+447700900123", NULL },
		{ "(+44) 7700 900123", "+447700900123", NULL },
		{ "07700-900-123", "+447700900123", NULL },
		{ "07700.900.123", "+447700900123", NULL },
		{ "  07700 900123\t\n", "+447700900123", NULL },
		{ "(07700) 900123", "+447700900123", NULL },
		{ "(020) 7946-0018", "+442079460018", NULL },
		{ "020 7946 0018", "+442079460018", NULL },
		{ "+44 (0) 20 7946 0018", "+442079460018", NULL },
		{ "016977 3456", "+44169773456", NULL },  /* 9 digits after the 0 */
		{ "+44 16977 3456", "+44169773456", NULL },
		{ "+1 (415) 555-0100", "+14155550100", NULL },
		{ "001 415 555 0100", "+14155550100", NULL },
		{ "+49 (0)30 1234 5678", "+493012345678", NULL }, /* "(0)" dropped for any country */
		{ "+39 06 1234 5678", "+390612345678", NULL },    /* Italy keeps its 0 */
		{ "+12345678", "+12345678", NULL },               /* E.164 shortest */
		{ "+123456789012345", "+123456789012345", NULL }, /* E.164 longest */
	};

	(void)state;
	check(IDENT_PHONE, w, COUNT(w));
}

static void phone_numbers_refused_with_a_reason(void **state)
{
	static const struct want w[] = {
		{ "", NULL, "must not be empty" },
		{ "   ", NULL, "must not be empty" },
		{ "+", NULL, "country code and number after '+'" },
		{ "00", NULL, "country code and number after '+'" },
		{ "- ( ) .", NULL, "must contain digits" },
		{ "07700 9001", NULL, "10 digits after the leading 0" },
		{ "07700 9001234", NULL, "10 digits after the leading 0" },
		{ "0", NULL, "10 digits after the leading 0" },
		{ "+44 7700 9001", NULL, "10 digits after +44" },
		{ "+44 7700 9001234", NULL, "10 digits after +44" },
		{ "+44 00 7700 900123", NULL, "the first of them not 0" },
		{ "+1234567", NULL, "at least 8 digits" },
		{ "+1234567890123456", NULL, "at most 15 digits" },
		{ "0044 (0)7700 90012345", NULL, "10 digits after +44" },
		{ "07700 9OO123", NULL,
		  "may contain only digits, spaces, '+', '-', '.', '(' and ')'" },
		{ "tel:07700900123", NULL, "may contain only digits" },
		{ "07700 900123 ext 4", NULL, "may contain only digits" },
		{ "07700/900123", NULL, "may contain only digits" },
		{ "7700 900123", NULL, "must start with 0 (a UK number), or with '+' or 00" },
		{ "+0 7700 900123", NULL, "country code never starts with 0" },
		{ "000 7700 900123", NULL, "country code never starts with 0" },
		{ "07700 (900123", NULL, "parentheses" },
		{ "07700) 900123", NULL, "parentheses" },
		{ "((020)) 7946 0018", NULL, "parentheses" },
		{ "0770+0900123", NULL, "'+' may appear only once, at the start" },
		{ "++447700900123", NULL, "'+' may appear only once, at the start" },
		{ "0123456789012345678901234567890123456789", NULL, "at most 15 digits" },
	};

	(void)state;
	check(IDENT_PHONE, w, COUNT(w));
}

static void emails_are_trimmed_and_lowercased_but_keep_dots_and_tags(void **state)
{
	static const struct want w[] = {
		{ "Jane.Doe@Example.COM", "jane.doe@example.com", NULL },
		{ "  jane.doe@example.com \r\n", "jane.doe@example.com", NULL },
		{ "JANE+stalk@GMail.com", "jane+stalk@gmail.com", NULL },
		{ "j.a.n.e@gmail.com", "j.a.n.e@gmail.com", NULL },
		{ "a@b.co", "a@b.co", NULL },
		{ "Zo\xc3\xab@Example.de", "zo\xc3\xab@example.de", NULL }, /* only ASCII folded */
		{ "", NULL, "must not be empty" },
		{ " \t ", NULL, "must not be empty" },
		{ "jane@@example.com", NULL, "exactly one '@'" },
		{ "a@b@example.com", NULL, "exactly one '@'" },
		{ "jane.example.com", NULL, "exactly one '@'" },
		{ "@example.com", NULL, "a name before the '@'" },
		{ "jane@", NULL, "a domain after the '@'" },
		{ "jane@localhost", NULL, "a domain after the '@'" },
		{ "jane@.com", NULL, "a domain after the '@'" },
		{ "jane@example.", NULL, "a domain after the '@'" },
		{ "jane@example..com", NULL, "a domain after the '@'" },
		{ "jane doe@example.com", NULL, "spaces or control characters" },
		{ "jane@exam ple.com", NULL, "spaces or control characters" },
		{ "jane\t@example.com", NULL, "spaces or control characters" },
		{ "jane\x7f@example.com", NULL, "spaces or control characters" },
		{ "jane@exa\xffmple.com", NULL, "UTF-8" },
		{ "jane\xc2\x85@example.com", NULL, "UTF-8" }, /* C1 control */
	};

	(void)state;
	check(IDENT_EMAIL, w, COUNT(w));
}

static void email_of_254_bytes_accepted_and_255_refused(void **state)
{
	char in[300], out[IDENTIFIER_MAX + 1], why[200];

	(void)state;
	/* "x...x@example.com": 12 bytes of domain and '@' */
	memset(in, 'X', 242);
	strcpy(in + 242, "@example.com");
	assert_int_equal(strlen(in), 254);
	assert_int_equal(identifier_normalise(IDENT_EMAIL, in, out, sizeof out, why, sizeof why), 0);
	assert_int_equal(strlen(out), 254);
	assert_int_equal(out[0], 'x');
	memset(in, 'X', 243);
	strcpy(in + 243, "@example.com");
	assert_int_equal(identifier_normalise(IDENT_EMAIL, in, out, sizeof out, why, sizeof why),
			 -1);
	assert_string_equal(why, "an email address may be at most 254 characters long");
}

static void handles_lose_one_at_sign_and_keep_a_platform(void **state)
{
	static const struct want w[] = {
		{ "@Jane_Doe", "jane_doe", NULL },
		{ "Jane_Doe", "jane_doe", NULL },
		{ "  @jane_doe\n", "jane_doe", NULL },
		{ "instagram:@Jane_Doe", "instagram:jane_doe", NULL },
		{ "Instagram: @jane_doe ", "instagram:jane_doe", NULL },
		{ "instagram :jane_doe", "instagram:jane_doe", NULL },
		{ "TikTok:jane.doe-99", "tiktok:jane.doe-99", NULL },
		{ "x", "x", NULL },
		{ "", NULL, "must not be empty" },
		{ "  ", NULL, "must not be empty" },
		{ "@", NULL, "1 to 100 characters" },
		{ "instagram:", NULL, "1 to 100 characters" },
		{ "instagram:@", NULL, "1 to 100 characters" },
		{ "@@jane", NULL, "only letters, digits, '_', '.' and '-'" },
		{ "jane@doe", NULL, "only letters, digits, '_', '.' and '-'" },
		{ "jane doe", NULL, "only letters, digits, '_', '.' and '-'" },
		{ "jan\xc3\xa9", NULL, "only letters, digits, '_', '.' and '-'" },
		{ "a:b:c", NULL, "only letters, digits, '_', '.' and '-'" },
		{ "https://instagram.com/jane", NULL, "only letters, digits, '_', '.' and '-'" },
		{ ":jane", NULL, "a platform name is needed" },
		{ "x2:jane", NULL, "platform name before the ':' may contain only letters" },
		{ "insta gram:jane", NULL, "platform name before the ':' may contain only letters" },
		{ "abcdefghijklmnopqrstuvwxyzabcdefg:jane", NULL, "at most 32 letters" },
	};

	(void)state;
	check(IDENT_HANDLE, w, COUNT(w));
}

static void handle_of_100_characters_accepted_and_101_refused(void **state)
{
	char in[200], out[IDENTIFIER_MAX + 1], why[200];

	(void)state;
	in[0] = '@';
	memset(in + 1, 'A', 100);
	in[101] = '\0';
	assert_int_equal(identifier_normalise(IDENT_HANDLE, in, out, sizeof out, why, sizeof why), 0);
	assert_int_equal(strlen(out), 100);
	assert_int_equal(out[99], 'a');
	strcpy(in + 101, "A");
	assert_int_equal(identifier_normalise(IDENT_HANDLE, in, out, sizeof out, why, sizeof why),
			 -1);
	assert_string_equal(why, "a handle must be 1 to 100 characters long, after any '@'");
}

static void vehicle_registrations_are_uppercase_without_spaces_or_dashes(void **state)
{
	static const struct want w[] = {
		{ "ab12 cde", "AB12CDE", NULL },
		{ "AB12CDE", "AB12CDE", NULL },
		{ "AB12-CDE", "AB12CDE", NULL },
		{ " a b-1 2 c\td e ", "AB12CDE", NULL },
		{ "A1", "A1", NULL },                 /* shortest */
		{ "ABCDE 12345", "ABCDE12345", NULL }, /* longest */
		{ "", NULL, "2 to 10 letters and digits" },
		{ " - ", NULL, "2 to 10 letters and digits" },
		{ "A", NULL, "2 to 10 letters and digits" },
		{ "ABCDE 123456", NULL, "2 to 10 letters and digits" },
		{ "AB12.CDE", NULL, "only letters, digits, spaces and '-'" },
		{ "\xc3\x85" "B12CDE", NULL, "only letters, digits, spaces and '-'" },
	};

	(void)state;
	check(IDENT_VEHICLE, w, COUNT(w));
}

static void addresses_typed_differently_match(void **state)
{
	static const struct want w[] = {
		{ "12, Acacia Avenue,  London  NW1 6XE", "12 acacia avenue london nw1 6xe", NULL },
		{ "12 acacia avenue london nw1 6xe", "12 acacia avenue london nw1 6xe", NULL },
		{ "12 ACACIA AVENUE\nLONDON\r\nNW1 6XE\n", "12 acacia avenue london nw1 6xe", NULL },
		{ "  ...12 Acacia Avenue; London (NW1-6XE)!!  ", "12 acacia avenue london nw1 6xe",
		  NULL },
		{ "12\tAcacia\xc2\xa0" "Avenue", "12 acacia avenue", NULL }, /* no-break space */
		{ "Flat 3/B, 12 St. John's Road", "flat 3 b 12 st johns road", NULL },
		{ "Flat 3/B, 12 St John\xe2\x80\x99s Road", "flat 3 b 12 st johns road", NULL },
		{ "Flat 3/B 12 St Johns Road", "flat 3 b 12 st johns road", NULL },
		{ "Stra\xc3\x9f" "e 5, M\xc3\xbcnchen", "stra\xc3\x9f" "e 5 m\xc3\xbcnchen", NULL },
		{ "\xc3\x89" "COLE 1", "\xc3\x89" "cole 1", NULL }, /* only ASCII folded */
		{ "12 \xe2\x80\x93 14 High St", "12 \xe2\x80\x93 14 high st", NULL }, /* en dash kept */
		{ "", NULL, "must contain letters or digits" },
		{ ", . - '", NULL, "must contain letters or digits" },
		{ "12 Acacia\x01 Avenue", NULL, "without control characters" },
		{ "12 Acacia\x7f Avenue", NULL, "without control characters" },
		{ "12 \xc2\x85 Avenue", NULL, "without control characters" },
		{ "12 \xff Avenue", NULL, "UTF-8" },
		{ "12 Acacia \xe2\x80", NULL, "UTF-8" },
	};

	(void)state;
	check(IDENT_ADDRESS, w, COUNT(w));
}

static void address_of_300_bytes_accepted_and_301_refused(void **state)
{
	char in[400], out[IDENTIFIER_MAX + 1], why[200];

	(void)state;
	memset(in, 'A', 300);
	in[300] = '\0';
	assert_int_equal(identifier_normalise(IDENT_ADDRESS, in, out, sizeof out, why, sizeof why),
			 0);
	assert_int_equal(strlen(out), 300);
	/* the limit is on the input: spaces that would be trimmed still count */
	strcpy(in + 300, " ");
	assert_int_equal(identifier_normalise(IDENT_ADDRESS, in, out, sizeof out, why, sizeof why),
			 -1);
	assert_string_equal(why, "an address may be at most 300 bytes long");
}

/* An out buffer one byte short of the result is refused with out left
 * empty, and one of exactly the right size is enough. */
static void too_small_output_buffer_is_refused_for_every_kind(void **state)
{
	static const struct {
		enum identifier_kind k;
		const char *in, *out, *why;
	} w[] = {
		{ IDENT_PHONE, "07700 900123", "+447700900123",
		  "the phone number is too long to store (13 bytes)" },
		{ IDENT_EMAIL, " Jane@Example.com ", "jane@example.com",
		  "the email address is too long to store (16 bytes)" },
		{ IDENT_HANDLE, "instagram:@Jane", "instagram:jane",
		  "the handle is too long to store (14 bytes)" },
		{ IDENT_VEHICLE, "ab12 cde", "AB12CDE",
		  "the vehicle registration is too long to store (7 bytes)" },
		{ IDENT_ADDRESS, "12, Acacia Ave.", "12 acacia ave",
		  "the address is too long to store (13 bytes)" },
	};
	char out[IDENTIFIER_MAX + 1], why[200];

	(void)state;
	for (size_t i = 0; i < COUNT(w); i++) {
		size_t n = strlen(w[i].out);

		memset(out, '#', sizeof out);
		assert_int_equal(identifier_normalise(w[i].k, w[i].in, out, n, why, sizeof why), -1);
		assert_string_equal(why, w[i].why);
		assert_int_equal(out[0], '\0');
		assert_int_equal(out[n], '#'); /* nothing written past outlen */
		assert_int_equal(identifier_normalise(w[i].k, w[i].in, out, 1, why, sizeof why), -1);
		assert_int_equal(out[0], '\0');
		assert_int_equal(identifier_normalise(w[i].k, w[i].in, out, 0, why, sizeof why), -1);
		assert_int_equal(identifier_normalise(w[i].k, w[i].in, NULL, 0, why, sizeof why), -1);
		memset(out, '#', sizeof out);
		assert_int_equal(identifier_normalise(w[i].k, w[i].in, out, n + 1, why, sizeof why),
				 0);
		assert_string_equal(out, w[i].out);
		assert_int_equal(out[n + 1], '#');
	}
}

static void null_value_and_unknown_kind_are_refused(void **state)
{
	char out[IDENTIFIER_MAX + 1] = "stale", why[200];

	(void)state;
	assert_int_equal(identifier_normalise(IDENT_PHONE, NULL, out, sizeof out, why, sizeof why),
			 -1);
	assert_string_equal(why, "no phone number was given");
	assert_string_equal(out, "");
	assert_int_equal(identifier_normalise(IDENT_KIND_COUNT, "x", out, sizeof out, why, sizeof why),
			 -1);
	assert_string_equal(why, "unknown kind of identifier");
	assert_int_equal(identifier_normalise((enum identifier_kind)-1, "x", out, sizeof out, why,
					      sizeof why),
			 -1);
	/* no room for a reason is fine, and so is a truncated one */
	assert_int_equal(identifier_normalise(IDENT_EMAIL, "nope", out, sizeof out, NULL, 0), -1);
	assert_int_equal(identifier_normalise(IDENT_EMAIL, "nope", out, sizeof out, why, 4), -1);
	assert_string_equal(why, "an ");
	assert_int_equal(identifier_normalise(IDENT_EMAIL, "a@b.co", out, sizeof out, NULL, 0), 0);
	assert_string_equal(out, "a@b.co");
}

static void kind_names_round_trip(void **state)
{
	static const char *names[] = { "phone", "email", "handle", "vehicle", "address" };
	enum identifier_kind k;

	(void)state;
	assert_int_equal(COUNT(names), IDENT_KIND_COUNT);
	for (int i = 0; i < IDENT_KIND_COUNT; i++) {
		assert_string_equal(identifier_kind_name((enum identifier_kind)i), names[i]);
		assert_int_equal(identifier_kind_parse(names[i], &k), 0);
		assert_int_equal(k, i);
	}
	assert_null(identifier_kind_name(IDENT_KIND_COUNT));
	assert_null(identifier_kind_name((enum identifier_kind)-1));
	k = IDENT_EMAIL;
	assert_int_equal(identifier_kind_parse("Phone", &k), -1);
	assert_int_equal(identifier_kind_parse("", &k), -1);
	assert_int_equal(identifier_kind_parse(NULL, &k), -1);
	assert_int_equal(k, IDENT_EMAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uk_and_foreign_phone_numbers_become_e164),
		cmocka_unit_test(phone_numbers_refused_with_a_reason),
		cmocka_unit_test(emails_are_trimmed_and_lowercased_but_keep_dots_and_tags),
		cmocka_unit_test(email_of_254_bytes_accepted_and_255_refused),
		cmocka_unit_test(handles_lose_one_at_sign_and_keep_a_platform),
		cmocka_unit_test(handle_of_100_characters_accepted_and_101_refused),
		cmocka_unit_test(vehicle_registrations_are_uppercase_without_spaces_or_dashes),
		cmocka_unit_test(addresses_typed_differently_match),
		cmocka_unit_test(address_of_300_bytes_accepted_and_301_refused),
		cmocka_unit_test(too_small_output_buffer_is_refused_for_every_kind),
		cmocka_unit_test(null_value_and_unknown_kind_are_refused),
		cmocka_unit_test(kind_names_round_trip),
	};
	return cmocka_run_group_tests_name("identifier", tests, NULL, NULL);
}
