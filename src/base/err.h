/*
 * err — the one error space of the program.
 *
 * Every module returns 0 (or a count, an id, a "found" 1) on success and a
 * negative code from this list on failure, so a code means one thing wherever
 * it travels: -1 is a database failure and nothing else.  Each module owns a
 * range and names its codes in its own header after these (db.h's DB_BUSY is
 * ERR_DB_BUSY, accept.h's ACCEPT_UNKNOWN is ERR_ACCEPT_UNKNOWN).  The message
 * travels beside the code (db_errmsg(), an err buffer, struct ops_error).
 *
 * The refusals of the centre's operations (ops/) are the codes the API
 * answers with: err_name() is the error's "code" in the JSON answer, and api/
 * alone maps a code to an HTTP status.
 */
#ifndef VIGIL_BASE_ERR_H
#define VIGIL_BASE_ERR_H

/* A function whose result must be looked at: a store call that is not
 * checked is a failure that passes in silence. */
#define MUST_CHECK __attribute__((warn_unused_result))

enum err_code {
	ERR_OK = 0,

	/* db/: the database (db.h: DB_ERROR ... DB_SEALED) */
	ERR_DB = -1,            /* any other failure of the engine */
	ERR_DB_CONSTRAINT = -2, /* a UNIQUE/CHECK/foreign-key constraint refused the write */
	ERR_DB_BUSY = -3,       /* the database stayed locked past the busy timeout */
	ERR_DB_GONE = -4,       /* the connection to the server is lost */
	ERR_DB_SEALED = -5,     /* a sealed value did not open, or no key to seal with */

	/* ingest/: a fix that is not stored, a packet that is not read */
	ERR_ACCEPT_UNKNOWN = -20,  /* no such device */
	ERR_ACCEPT_REJECTED = -21, /* an impossible fix */
	ERR_ACCEPT_ERROR = -22,    /* the database failed: do not acknowledge */
	ERR_TELTONIKA_BAD = -30,   /* a malformed packet */
	ERR_TELTONIKA_BAD_CRC = -31, /* a packet whose CRC does not match */

	/* store/: a write refused by what the database holds */
	ERR_BREACH_NO_ORDER = -40, /* no order in force to breach */

	/* ops/: an operation refused; the name is the API error's code */
	ERR_BAD_REQUEST = -100,        /* the request is not one that can be made */
	ERR_NOT_FOUND = -101,          /* no such record */
	ERR_FORBIDDEN = -102,          /* not the actor's to see or to do */
	ERR_NEED_TO_KNOW = -103,       /* a part of a case the actor's role does not read */
	ERR_CONFLICT = -104,           /* the records forbid it as they stand */
	ERR_STALE_VERSION = -105,      /* the record changed since the actor read it */
	ERR_ILLEGAL_TRANSITION = -106, /* the workflow does not allow the move */
	ERR_NOTHING_TO_SIGN_OFF = -107,
	ERR_NO_PLAN = -108,            /* the case has no plan yet */
	ERR_DEVICE_IN_USE = -109,      /* the device watches someone else */
	ERR_STORAGE = -110,            /* a file could not be kept (the evidence store) */
	ERR_BUSY = -111,               /* no means to do it now (a password hash): try again */
	ERR_SIGNATURE_INVALID = -112,  /* a signed document that does not verify */
	ERR_ALREADY_ENROLLED = -113,   /* she is in her app already (ops/her) */
	ERR_ALREADY_DECIDED = -114,    /* a request for help was decided already (ops/help) */
	ERR_SIGNED_OUT = -115,         /* her phone is not signed in to her app (ops/her) */
};

/* The code's name ("stale_version", "db_busy"); "error" for a code not in
 * the list. */
const char *err_name(int code);
/* Is it one of the database's own codes (ERR_DB .. ERR_DB_SEALED)? */
int err_is_db(int code);

#endif
