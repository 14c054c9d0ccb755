/*
 * ops/her — her app: the centre's side and hers (ops/her.h).
 */
#include "ops/her.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"
#include "core/identifier.h"
#include "monitor/node.h"
#include "store/monitor.h"
#include "store/warnings.h"
#include "vigil.h"

/* ---- the centre ------------------------------------------------------------- */

int64_t ops_her_enrol(struct ops_ctx *x, const char *ref, const char *app_name,
		      struct case_record *c)
{
	char phone[IDENTIFIER_MAX + 1], uid[64], tok[SECRET_TOKEN_LEN];
	struct her_enrolment e;
	int64_t dev, as, id = 0;
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = warning_phone(x->db, c->id, phone, sizeof phone);
	sodium_memzero(phone, sizeof phone);
	if (rc == 0)
		rc = ops_fail(x, ERR_BAD_REQUEST, NULL,
			      "case %s has no phone number for her: her sign-in code is sent to it, "
			      "so add her number first",
			      c->ref);
	if (rc >= 0)
		rc = her_enrolment_current(x->db, c->id, &e);
	if (rc == 1)
		rc = ops_fail(x, ERR_ALREADY_ENROLLED, NULL,
			      "she is enrolled already (by %s): revoke that first to enrol her again",
			      e.enrolled_by_name);
	if (rc < 0)
		return ops_end(x, rc);
	/* her app reports as a phone of her own, watched for this case: a panic
	 * from it is a panic from her alarm.  It reports only while open: no
	 * interval, so its silence is never a lost signal (monitor/engine.c). */
	secret_token(tok);
	snprintf(uid, sizeof uid, HER_DEVICE_PREFIX "%.16s", tok);
	dev = device_insert(x->db, uid, "victim_phone", "json", 0, x->who.agency_id, x->who.user_id);
	as = dev < 0 ? dev
		     : assignment_insert(x->db, dev, c->id, "victim", x->now, 0, x->who.user_id);
	id = as < 0 ? as : her_enrol(x->db, c->id, dev, as, app_name, x->who.user_id);
	rc = id < 0 ? (int)id : ops_event(x, c->id, "her_app", "enrolled");
	if (rc >= 0)
		rc = node_config_changing(x->v->node, x->db, c->id);
	if (rc >= 0)
		ops_detail(x, "her app enrolled (device %s)", uid);
	rc = ops_end(x, rc);
	if (rc < 0)
		return rc;
	node_config_changed(x->v->node, c->id);
	return id;
}

/* Her enrolment on case c (open in the transaction): 0 and *e, or
 * ERR_NOT_FOUND. */
static int enrolment(struct ops_ctx *x, const struct case_record *c, struct her_enrolment *e)
{
	int rc = her_enrolment_current(x->db, c->id, e);

	if (rc == 0)
		return ops_fail(x, ERR_NOT_FOUND, NULL, "she is not enrolled in her app on case %s",
				c->ref);
	return rc < 0 ? rc : 0;
}

int ops_her_revoke(struct ops_ctx *x, const char *ref, struct case_record *c)
{
	struct her_enrolment e;
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = enrolment(x, c, &e);
	if (rc >= 0)
		rc = her_enrolment_revoke(x->db, e.id, x->who.user_id, x->now);
	/* her app's device stops watching for the case */
	if (rc >= 0)
		rc = assignment_end(x->db, e.assignment_id, x->now);
	if (rc >= 0)
		rc = ops_event(x, c->id, "her_app", "revoked");
	if (rc >= 0)
		rc = node_config_changing(x->v->node, x->db, c->id);
	if (rc >= 0)
		ops_detail(x, "her app revoked (device %s)", e.device_uid);
	rc = ops_end(x, rc);
	if (rc >= 0)
		node_config_changed(x->v->node, c->id);
	return rc;
}

int ops_her_phone_revoke(struct ops_ctx *x, const char *ref, int64_t id, struct case_record *c)
{
	struct her_enrolment e;
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = her_enrolment_current(x->db, c->id, &e);
	if (rc == 1)
		rc = her_device_revoke(x->db, e.id, id, x->now);
	if (rc == 0)
		rc = ops_fail(x, ERR_NOT_FOUND, NULL, "case %s has no phone %lld of hers signed in",
			      c->ref, (long long)id);
	if (rc >= 0)
		rc = ops_event(x, c->id, "her_app", "a phone signed out");
	if (rc >= 0)
		ops_detail(x, "her phone %lld signed out", (long long)id);
	return ops_end(x, rc);
}

int ops_her_release(struct ops_ctx *x, const char *ref, const int on[HER_PARTS],
		    struct case_record *c)
{
	char what[80] = "";
	int rc = ops_begin_case(x, ref, c);

	for (int p = 0; p < HER_PARTS && rc >= 0; p++) {
		const char *part = her_part_name((enum her_part)p);

		if (on[p] < 0)
			continue;
		rc = her_release_set(x->db, c->id, part, on[p] == 1, x->who.user_id);
		snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s %s",
			 what[0] ? ", " : "", part, on[p] == 1 ? "released" : "withheld");
	}
	if (rc < 0)
		return ops_end(x, rc);
	rc = ops_event(x, c->id, "her_app", "%s", what);
	if (rc >= 0)
		ops_detail(x, "%s", what);
	return ops_end(x, rc);
}

int ops_warning_word_set(struct ops_ctx *x, const char *ref, const char *word, int64_t version,
			 struct case_record *c)
{
	char *old = NULL;
	int64_t have = 0;
	int rc = ops_begin_case(x, ref, c);

	if (rc < 0)
		return rc;
	rc = warning_word_get(x->db, c->id, &old, &have);
	free(old);
	if (rc >= 0 && have != version)
		rc = ops_stale(x, "code word", version, have);
	if (rc >= 0)
		rc = warning_word_set(x->db, c->id, word, x->who.user_id);
	if (rc >= 0)
		rc = ops_event(x, c->id, "warning_word", "%s", word ? "set" : "cleared");
	/* the word itself is hers: the trail says it changed, not what to */
	if (rc >= 0)
		ops_detail(x, "code word %s", word ? "set" : "cleared");
	return ops_end(x, rc);
}

/* ---- her ---------------------------------------------------------------------- */

/* Begin the transaction and find the enrolment of the number phone: 1 and
 * *e, 0 none, or the failure (end it with ops_end). */
static int begin_phone(struct ops_ctx *x, const char *phone, struct her_enrolment *e)
{
	int rc = ops_begin(x);

	return rc < 0 ? rc : her_enrolment_by_phone(x->db, phone, e);
}

int ops_her_code(struct ops_ctx *x, const char *phone, struct her_code *out)
{
	char dg[SECRET_DIGEST_LEN];
	struct her_enrolment e;
	int rc;

	memset(out, 0, sizeof *out);
	rc = begin_phone(x, phone, &e);
	if (rc == 1)
		rc = her_codes_since(x->db, e.id, x->now - 3600 * 1000LL);
	else if (rc == 0)
		return ops_end(x, 0);
	if (rc < 0)
		return ops_end(x, rc);
	ops_object(x, "her app, enrolment %lld", (long long)e.id);
	if (rc >= HER_CODES_PER_HOUR) {
		ops_detail(x, "code not sent: %d sent within the hour", rc);
		return ops_end(x, 0);
	}
	out->enrolment_id = e.id;
	snprintf(out->app_name, sizeof out->app_name, "%s", e.app_name);
	snprintf(out->code, sizeof out->code, "%06u", randombytes_uniform(1000000));
	her_code_digest(e.id, out->code, dg);
	rc = ops_end(x, her_code_add(x->db, e.id, dg, x->now, x->now + HER_CODE_TTL_MS));
	if (rc < 0) {
		sodium_memzero(out->code, sizeof out->code);
		return rc;
	}
	return 1;
}

int ops_her_verify(struct ops_ctx *x, const char *phone, const char *code, const char *pin,
		   struct her_signin *out)
{
	char dg[SECRET_DIGEST_LEN], pin_hash[SECRET_HASH_LEN];
	struct her_enrolment e;
	int64_t id;
	int rc;

	memset(out, 0, sizeof *out);
	rc = begin_phone(x, phone, &e);
	if (rc == 1) {
		her_code_digest(e.id, code, dg);
		rc = her_code_check(x->db, e.id, dg, x->now, HER_CODE_TRIES);
	}
	if (rc < 0)
		return ops_end(x, rc);
	/* the attempt counted stands (the transaction commits it).  One answer
	 * for a wrong code, an expired one and one tried too often: "too often"
	 * only for enrolled numbers would tell whoever tries five codes that the
	 * number is enrolled */
	if (rc != 1)
		return ops_end(x, 0);
	out->right = true;
	secret_token(out->secret);
	secret_digest(out->secret, dg);
	if (secret_password_hash(pin, pin_hash) < 0)
		return ops_end(x, ops_fail(x, ERR_BUSY, NULL, "the PIN could not be kept"));
	id = her_device_add(x->db, e.id, dg, pin_hash, x->now);
	sodium_memzero(pin_hash, sizeof pin_hash);
	if (id >= 0) {
		out->enrolment_id = e.id;
		snprintf(out->app_name, sizeof out->app_name, "%s", e.app_name);
		ops_object(x, "her app, enrolment %lld", (long long)e.id);
		ops_detail(x, "phone signed in by code");
	}
	rc = ops_end(x, id < 0 ? (int)id : 1);
	if (rc < 0)
		sodium_memzero(out->secret, sizeof out->secret);
	return rc;
}

int ops_her_unlock(struct ops_ctx *x, const char *device, const char *pin,
		   struct her_signin *out)
{
	char dg[SECRET_DIGEST_LEN];
	struct her_device hd;
	int rc;

	memset(out, 0, sizeof *out);
	secret_digest(device, dg);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	rc = her_device_get(x->db, dg, &hd);
	if (rc < 0)
		return ops_end(x, rc);
	if (rc == 0 || hd.revoked_at) {
		ops_rollback(x);
		/* as long as a PIN checked: the answer's time tells nothing */
		secret_password_dummy_verify(pin);
		return ops_fail(x, ERR_SIGNED_OUT, NULL,
				"this phone is not signed in any more: sign in again with a code");
	}
	out->enrolment_id = hd.enrolment_id;
	ops_object(x, "her app, enrolment %lld", (long long)hd.enrolment_id);
	if (!secret_password_verify(hd.pin_hash, pin)) {
		int n = her_device_pin_failed(x->db, hd.id, HER_PIN_TRIES, x->now);

		if (n >= 0) {
			out->wrong_pins = n;
			ops_detail(x, "wrong PIN (%d)", n);
		}
		return ops_end(x, n < 0 ? n : 0);
	}
	out->right = true;
	secret_token(out->secret);
	secret_digest(out->secret, dg);
	out->expires_at = x->now + HER_IDLE_MS;
	snprintf(out->app_name, sizeof out->app_name, "%s", hd.app_name);
	rc = her_device_pin_ok(x->db, hd.id);
	if (rc >= 0)
		rc = her_session_add(x->db, dg, hd.id, x->now, out->expires_at);
	if (rc >= 0)
		ops_detail(x, "unlocked");
	rc = ops_end(x, rc < 0 ? rc : 1);
	if (rc < 0)
		sodium_memzero(out->secret, sizeof out->secret);
	return rc;
}

int ops_her_diary(struct ops_ctx *x, const struct her_device *hd, struct incident *e,
		  const struct her_picture *pic)
{
	char atts[80] = "";
	int rc;

	/* reported by her: the record says so, and names no user as its author */
	if (pic)
		snprintf(atts, sizeof atts, "[\"%s\"]", pic->hash);
	e->case_id = hd->case_id;
	e->recorded_by = 0;
	e->recorded_by_name = "her app (the victim)";
	e->reporter = "the victim, in her app";
	e->attachments = pic ? atts : NULL;
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	if (pic) {
		rc = attachment_record(x->db, pic->hash, pic->size);
		if (rc >= 0)
			rc = case_attachment_add(x->db, hd->case_id, pic->hash,
						 !strcmp(pic->type, "image/png")    ? "diary.png"
						 : !strcmp(pic->type, "image/webp") ? "diary.webp"
										    : "diary.jpg",
						 pic->type, 0);
	}
	if (rc >= 0)
		rc = incident_append(x->db, e);
	if (rc >= 0)
		rc = case_touch(x->db, hd->case_id);
	if (rc >= 0)
		rc = case_review_due_now(x->db, hd->case_id);
	if (rc >= 0)
		rc = case_event_add(x->db, hd->case_id, 0, "her app", "her_diary", "a diary entry");
	if (rc >= 0)
		ops_detail(x, "diary entry: incident %lld%s", (long long)e->seq,
			   pic ? " with a picture" : "");
	rc = ops_end(x, rc);
	e->attachments = NULL; /* atts was ours */
	return rc;
}

int ops_her_lock(struct ops_ctx *x, const char *session)
{
	char dg[SECRET_DIGEST_LEN];
	int rc;

	if (!session)
		return 0;
	secret_digest(session, dg);
	rc = ops_begin(x);
	if (rc < 0)
		return rc;
	return ops_end(x, her_session_end(x->db, dg));
}

int ops_her_push_subscribe(struct ops_ctx *x, const struct her_device *hd, const char *endpoint)
{
	int rc = ops_begin(x);

	if (rc < 0)
		return rc;
	rc = her_push_add(x->db, hd->id, endpoint, x->now);
	if (rc >= 0)
		ops_detail(x, "push subscription");
	return ops_end(x, rc);
}
