/*
 * err — the names of the program's error codes (base/err.h).
 */
#include "base/err.h"

static const struct {
	int code;
	const char *name;
} names[] = {
	{ ERR_OK, "ok" },
	{ ERR_DB, "db_error" },
	{ ERR_DB_CONSTRAINT, "db_constraint" },
	{ ERR_DB_BUSY, "db_busy" },
	{ ERR_DB_GONE, "db_gone" },
	{ ERR_DB_SEALED, "sealed_value_unreadable" },
	{ ERR_ACCEPT_UNKNOWN, "unknown_device" },
	{ ERR_ACCEPT_REJECTED, "rejected_fix" },
	{ ERR_ACCEPT_ERROR, "not_stored" },
	{ ERR_TELTONIKA_BAD, "bad_packet" },
	{ ERR_TELTONIKA_BAD_CRC, "bad_crc" },
	{ ERR_BREACH_NO_ORDER, "no_order_in_force" },
	{ ERR_BAD_REQUEST, "bad_request" },
	{ ERR_NOT_FOUND, "not_found" },
	{ ERR_FORBIDDEN, "forbidden" },
	{ ERR_NEED_TO_KNOW, "need_to_know" },
	{ ERR_CONFLICT, "conflict" },
	{ ERR_STALE_VERSION, "stale_version" },
	{ ERR_ILLEGAL_TRANSITION, "illegal_transition" },
	{ ERR_NOTHING_TO_SIGN_OFF, "nothing_to_sign_off" },
	{ ERR_NO_PLAN, "no_plan" },
	{ ERR_DEVICE_IN_USE, "device_in_use" },
	{ ERR_STORAGE, "storage" },
	{ ERR_BUSY, "busy" },
	{ ERR_SIGNATURE_INVALID, "signature_invalid" },
	{ ERR_ALREADY_ENROLLED, "already_enrolled" },
	{ ERR_ALREADY_DECIDED, "already_decided" },
	{ ERR_SIGNED_OUT, "signed_out" },
};

const char *err_name(int code)
{
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == code)
			return names[i].name;
	return "error";
}

int err_is_db(int code)
{
	return code <= ERR_DB && code >= ERR_DB_SEALED;
}
