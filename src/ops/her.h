/*
 * ops/her — her app, as the centre runs it: enrol her (her app's device,
 * watched for the case, reports as a phone of her own), revoke the
 * enrolment, sign one of her phones out, say which parts of her case she
 * sees; and the code word her warnings begin with.
 *
 * And her app, as she uses it (no account: the actor is no user; rules in
 * core/her.h): a phone signed in with the code sent to her number, a session
 * opened with her PIN, and an entry of her diary in the case's incident log.
 * The HTTP of her side stays in api/her.c: the throttling of sign-in tries by
 * address (and its refund for a right code or PIN), her session's header, the
 * SMS and Web Push.  Her sign-in answers the same way whether or not a number
 * is enrolled, so that whoever asks learns nothing: her refusals here say so.
 */
#ifndef VIGIL_OPS_HER_H
#define VIGIL_OPS_HER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/secret.h"
#include "core/her.h"
#include "ops/ops.h"
#include "store/cases.h"
#include "store/her.h"
#include "store/incidents.h"

/* ---- the centre ------------------------------------------------------------- */

/* Enrol her in her app on case ref under app_name (well formed: core/her.h):
 * ERR_BAD_REQUEST when the case has no phone number of hers (her sign-in
 * code goes to it), ERR_ALREADY_ENROLLED.  Returns the enrolment's id. */
int64_t ops_her_enrol(struct ops_ctx *x, const char *ref, const char *app_name,
		      struct case_record *c);
/* Revoke her enrolment (her phones, sessions and her app's device's watch of
 * the case with it): ERR_NOT_FOUND when she is not enrolled. */
int ops_her_revoke(struct ops_ctx *x, const char *ref, struct case_record *c);
/* Sign her phone id out: ERR_NOT_FOUND when it is not one of hers signed in. */
int ops_her_phone_revoke(struct ops_ctx *x, const char *ref, int64_t id, struct case_record *c);
/* Release or withhold the parts of her case she sees: on[p] 1 released, 0
 * withheld, -1 as it is (at least one given). */
int ops_her_release(struct ops_ctx *x, const char *ref, const int on[HER_PARTS],
		    struct case_record *c);
/* Set (word NULL: clear) the code word her warnings begin with, on the
 * version read (0: none set yet): ERR_STALE_VERSION.  The word is hers: the
 * audit says it changed, never what to. */
int ops_warning_word_set(struct ops_ctx *x, const char *ref, const char *word, int64_t version,
			 struct case_record *c);

/* ---- her ---------------------------------------------------------------------- */

/* What a sign-in (a code, a PIN) came to. */
struct her_signin {
	bool right;       /* the code or PIN was right: the caller gives the try back */
	int wrong_pins;   /* a wrong PIN: how many now (HER_PIN_TRIES: signed out) */
	int64_t enrolment_id;
	char secret[SECRET_TOKEN_LEN]; /* the phone's (verify), the session's (unlock);
					* the caller wipes it */
	char app_name[64];
	int64_t expires_at; /* the session's */
};

/* A one-time code to send to her number. */
struct her_code {
	int64_t enrolment_id;
	char code[HER_CODE_DIGITS + 1]; /* the caller sends it, then wipes it */
	char app_name[64];
};
/* A code for the enrolment whose number is phone (normalised): 1 with *out
 * when one is to be sent; 0 when the number is not enrolled, or when
 * HER_CODES_PER_HOUR were sent within the hour (whoever knows her number may
 * ask again and again; the code she has is not replaced).  Names the
 * enrolment in the audit, never the number. */
int ops_her_code(struct ops_ctx *x, const char *phone, struct her_code *out);

/* Sign a phone in with the code sent to phone (normalised) and the PIN she
 * sets on it (valid: core/her.h): 1 signed in, *out its secret; 0 when the
 * code is not right, has expired or was tried too often, or the number is not
 * enrolled (one answer for all, so whoever tries learns nothing: the attempt
 * counted commits).  ERR_BUSY when the PIN cannot be hashed now. */
int ops_her_verify(struct ops_ctx *x, const char *phone, const char *code, const char *pin,
		   struct her_signin *out);
/* Open a session on her phone (its secret device) with her PIN: 1 unlocked,
 * *out the session's secret; 0 a wrong PIN (counted, committed: at
 * HER_PIN_TRIES the phone is signed out).  ERR_SIGNED_OUT when the phone is
 * not signed in (the same time taken as a PIN checked). */
int ops_her_unlock(struct ops_ctx *x, const char *device, const char *pin,
		   struct her_signin *out);

/* End the session whose secret is session (NULL: none given: nothing to
 * end). */
int ops_her_lock(struct ops_ctx *x, const char *session);
/* Her phone hd's Web Push subscription at endpoint (an address the caller
 * checked: api/her.c). */
int ops_her_push_subscribe(struct ops_ctx *x, const struct her_device *hd, const char *endpoint);

/* A picture she added to a diary entry, kept by its hash already. */
struct her_picture {
	const char *hash;
	int64_t size;
	const char *type; /* image/jpeg, image/png, image/webp */
};
/* An entry of her diary in the case's incident log, by her on her phone hd
 * (the record names no user: "her app (the victim)"): e's occurred_at,
 * place, behaviour and description as she gave them, the rest filled, with
 * the picture pic (NULL: none). */
int ops_her_diary(struct ops_ctx *x, const struct her_device *hd, struct incident *e,
		  const struct her_picture *pic);

#endif
