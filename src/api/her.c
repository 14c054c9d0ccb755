/*
 * her — her app's API.  For the centre (victims:write, on her care):
 * GET/POST/DELETE /api/v1/cases/{ref}/her-app (enrol her, see the enrolment,
 * revoke it).  For her (no account: a code sent to her number, then a PIN on
 * her phone; rules in core/her.h, records in store/her.h):
 *   POST /api/v1/her/code     {phone}            a code by SMS, if enrolled
 *   POST /api/v1/her/verify   {phone, code, pin} this phone: its secret
 *   POST /api/v1/her/unlock   {device, pin}      a session (X-Her-Session)
 *   POST /api/v1/her/lock
 *   GET  /api/v1/her/home     her warnings and what the centre did, her
 *                             safety plan's actions, her orders' terms, who
 *                             looks after her
 *   POST /api/v1/her/panic    {lat, lon, accuracy_m}  a panic from her app's
 *                             device, through ingest: the same as her alarm's
 *   POST /api/v1/her/position {lat, lon, accuracy_m}  while it is open
 *   POST /api/v1/her/diary    {at, what, where, behaviour, photo}  an entry
 *                             of the case's incident log, reported by her
 *   GET  /api/v1/her/push-key, POST /api/v1/her/push {endpoint}  Web Push
 *                             to her phone with the app closed
 *
 * What she is sent is built field by field from what she may see: never his
 * position, a zone, or anything of the case not listed above.  Her routes are
 * public to the router; each authenticates her session itself (her_who).
 */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/secret.h"
#include "core/casefile.h"
#include "core/her.h"
#include "core/identifier.h"
#include "http/request.h"
#include "http/throttle.h"
#include "ingest/accept.h"
#include "notify/notify.h"
#include "notify/webpush.h"
#include "ops/her.h"
#include "store/account.h"
#include "store/cases.h"
#include "store/her.h"
#include "store/incidents.h"
#include "store/monitor.h"
#include "store/orders.h"
#include "store/plans.h"
#include "store/victims.h"
#include "vigil.h"

#define DIARY_MAX 4000
#define PLACE_MAX 300
#define PHOTO_MAX (700 * 1024) /* decoded; the body's limit is 1 MiB */

/* ---- the centre: enrolling her ------------------------------------------------- */

static json_t *enrolment_json(const struct her_enrolment *e)
{
	if (!e)
		return json_pack("{s:b}", "enrolled", 0);
	return json_pack("{s:b, s:s, s:s, s:o, s:s, s:s}", "enrolled", 1, "app_name", e->app_name,
			 "enrolled_by", e->enrolled_by_name, "enrolled_at",
			 req_time_json(e->enrolled_at), "address", "/m/", "device", e->device_uid);
}

static json_t *released_json(unsigned bits)
{
	json_t *o = json_object();

	for (int p = 0; p < HER_PARTS; p++)
		json_object_set_new(o, her_part_name((enum her_part)p), json_boolean(bits & (1u << p)));
	return o;
}

static int add_phone(int64_t id, int64_t created_at, int64_t revoked_at, void *arg)
{
	json_array_append_new(arg, json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id,
					     "signed_in_at", req_time_json(created_at),
					     "signed_out_at", req_time_json(revoked_at)));
	return 0;
}

/* Her enrolment on case c, the phones she signed in and what she sees of
 * her case: NULL with *err on a failure. */
static json_t *enrolment_view(struct req *r, const struct case_record *c, int *err)
{
	struct her_enrolment e;
	unsigned bits = 0;
	int rc = her_enrolment_current(r->db, c->id, &e);
	json_t *o, *phones = json_array();

	if (rc >= 0 && her_released(r->db, c->id, &bits) < 0)
		rc = DB_ERROR;
	if (rc == 1 && her_devices_each(r->db, e.id, add_phone, phones) < 0)
		rc = DB_ERROR;
	if (rc < 0) {
		json_decref(phones);
		*err = rc;
		return NULL;
	}
	o = enrolment_json(rc == 1 ? &e : NULL);
	json_object_set_new(o, "phones", phones);
	json_object_set_new(o, "released", released_json(bits));
	return o;
}

void api_her_app_get(struct req *r)
{
	api_case_page(r, enrolment_view);
}

/* DELETE .../her-app/phones/{id}: one phone of hers signed out (lost, or
 * taken from her); she may sign in again on another with a code. */
void api_her_phone_revoke(struct req *r)
{
	struct case_record c = { 0 };
	struct api_case_answer a;
	struct ops_ctx x;
	int64_t id;

	if (req_param_id(r, "id", "phone", &id) < 0)
		return;
	api_case_call(r, &x, &a, 200, enrolment_view, &c);
	api_ops_end(r, &x, ops_her_phone_revoke(&x, req_param(r, "ref"), id, &c));
	case_record_free(&c);
}

/* PUT .../her-app/released {plan, orders, contacts}: what she sees of her
 * case beyond her own warnings and diary (each given part set as said). */
void api_her_app_release(struct req *r)
{
	static const char *const fields[] = { "plan", "orders", "contacts", NULL };
	struct case_record c = { 0 };
	struct api_case_answer a;
	struct ops_ctx x;
	int on[HER_PARTS], given = 0;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0)
		return;
	for (int p = 0; p < HER_PARTS; p++) {
		on[p] = -1;
		if (json_object_get(r->body, her_part_name((enum her_part)p)) &&
		    req_body_bool(r, her_part_name((enum her_part)p), false, &on[p]) < 0)
			return;
		given += on[p] >= 0;
	}
	if (!given) {
		req_fail(r, 400, "bad_request", NULL, "say which of plan, orders and contacts she sees");
		return;
	}
	api_case_call(r, &x, &a, 200, enrolment_view, &c);
	api_ops_end(r, &x, ops_her_release(&x, req_param(r, "ref"), on, &c));
	case_record_free(&c);
}

void api_her_app_enrol(struct req *r)
{
	static const char *const fields[] = { "app_name", NULL };
	struct case_record c = { 0 };
	struct api_case_answer a;
	struct ops_ctx x;
	const char *name = "Notes";

	if (req_body_only(r, fields) < 0 || req_body_str(r, "app_name", false, 64, &name) < 0)
		return;
	if (!name)
		name = "Notes";
	if (!her_app_name_valid(name)) {
		req_fail(r, 400, "bad_request", "app_name",
			 "the app's name is 1 to %d letters, digits and spaces (one she chooses: "
			 "nothing that says what it is)", HER_APP_NAME_MAX);
		return;
	}
	api_case_call(r, &x, &a, 201, enrolment_view, &c);
	api_ops_end(r, &x, ops_her_enrol(&x, req_param(r, "ref"), name, &c) < 0 ? -1 : 0);
	case_record_free(&c);
}

void api_her_app_revoke(struct req *r)
{
	struct case_record c = { 0 };
	struct api_case_answer a;
	struct ops_ctx x;

	api_case_call(r, &x, &a, 200, enrolment_view, &c);
	api_ops_end(r, &x, ops_her_revoke(&x, req_param(r, "ref"), &c));
	case_record_free(&c);
}

/* ---- her: signing in ----------------------------------------------------------- */

/* A try from this address, counted as a failure until given back (as a
 * sign-in is): 0, or -1 after answering 429. */
static int claim(struct req *r)
{
	int64_t wait = throttle_claim(r->v->throttle, r->client_addr, clock_now_ms());
	char secs[24];

	if (!wait)
		return 0;
	snprintf(secs, sizeof secs, "%lld", (long long)(wait + 999) / 1000);
	req_add_header(r, "Retry-After", secs);
	req_fail(r, 429, "too_many_requests", NULL, "too many tries: wait %s seconds", secs);
	return -1;
}

static int phone_field(struct req *r, char *out, size_t outlen)
{
	const char *phone;
	char why[160];

	if (req_body_str(r, "phone", true, 40, &phone) < 0)
		return -1;
	if (identifier_normalise(IDENT_PHONE, phone, out, outlen, why, sizeof why) < 0) {
		req_fail(r, 400, "bad_request", "phone", "%s", why);
		return -1;
	}
	return 0;
}

void api_her_code(struct req *r)
{
	static const char *const fields[] = { "phone", NULL };
	char phone[IDENTIFIER_MAX + 1], text[160], err[256];
	struct her_code hc;
	struct ops_ctx x;
	int rc;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    phone_field(r, phone, sizeof phone) < 0 || claim(r) < 0)
		return;
	api_ops_begin(r, &x, 202);
	x.audit = NULL; /* audited once the text went, or not */
	rc = ops_her_code(&x, phone, &hc);
	if (api_ops_end(r, &x, rc) < 0)
		goto out;
	if (rc == 1) {
		/* neutral words: whoever sees her phone's screen learns nothing */
		snprintf(text, sizeof text, "Your %s code is %s. It expires in %lld minutes.",
			 hc.app_name, hc.code, HER_CODE_TTL_MS / 60000);
		if (notifier_send_sms(r->v->notifier, phone, text, "her-app-code", err, sizeof err) <
		    0) {
			/* not err itself: a provider's message may quote her number.
			 * And the same answer as below: a 503 only for enrolled
			 * numbers would tell whoever asks that she is enrolled */
			log_warn("her app's code for enrolment %lld was not sent (%.24s)",
				 (long long)hc.enrolment_id, err);
			req_audit_detail(r, "code not sent: the SMS provider failed");
		} else {
			req_audit_detail(r, "code sent");
		}
	}
	/* the same answer whether or not the number is enrolled: the page does
	 * not tell anyone who is */
	req_reply(r, 202, json_pack("{s:s}", "message",
				    "If this number is signed up, a code is on its way by text."));
out:
	sodium_memzero(&hc, sizeof hc);
	sodium_memzero(text, sizeof text);
	sodium_memzero(phone, sizeof phone);
}

/* The answer of a sign-in: given in its transaction, so that a wrong code or
 * PIN, which commits the try it counted, is audited with the status it got. */
struct signin_answer {
	struct req *r;
	const struct her_signin *in;
	int (*answer)(struct req *r, const struct her_signin *in);
};

static int answer_signin(struct ops_ctx *x, void *arg)
{
	struct signin_answer *a = arg;

	(void)x;
	return a->answer(a->r, a->in);
}

/* A context for a sign-in whose answer is given in its transaction. */
static void signin_begin(struct req *r, struct ops_ctx *x, struct signin_answer *a,
			 const struct her_signin *in,
			 int (*answer)(struct req *r, const struct her_signin *in))
{
	a->r = r;
	a->in = in;
	a->answer = answer;
	api_ops_begin(r, x, 0);
	x->answer = answer_signin;
	x->answer_arg = a;
}

/* After the sign-in: the try is given back to the address when the code or
 * PIN was right. */
static void signin_end(struct req *r, struct ops_ctx *x, int rc, struct her_signin *in)
{
	if (in->right)
		throttle_refund(r->v->throttle, r->client_addr);
	api_ops_end(r, x, rc);
	sodium_memzero(in, sizeof *in);
}

static int answer_verify(struct req *r, const struct her_signin *in)
{
	if (!in->right)
		req_reply(r, 400, json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "bad_request",
					    "field", "code", "message",
					    "that code is not right, has expired, or was tried too "
					    "often: check it, or ask for a new one"));
	else
		req_reply(r, 201, json_pack("{s:s, s:s}", "device", in->secret, "app_name",
					    in->app_name));
	return 0;
}

void api_her_verify(struct req *r)
{
	static const char *const fields[] = { "phone", "code", "pin", NULL };
	char phone[IDENTIFIER_MAX + 1], why[120];
	const char *code, *pin;
	struct signin_answer a;
	struct her_signin in;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    phone_field(r, phone, sizeof phone) < 0 ||
	    req_body_str(r, "code", true, 12, &code) < 0 || req_body_str(r, "pin", true, 12, &pin) < 0)
		return;
	if (!her_pin_valid(pin, why, sizeof why)) {
		req_fail(r, 400, "bad_request", "pin", "%s", why);
		return;
	}
	if (claim(r) < 0)
		return;
	signin_begin(r, &x, &a, &in, answer_verify);
	signin_end(r, &x, ops_her_verify(&x, phone, code, pin, &in), &in);
	sodium_memzero(phone, sizeof phone);
}

static int answer_unlock(struct req *r, const struct her_signin *in)
{
	if (in->right)
		req_reply(r, 200, json_pack("{s:s, s:s, s:o}", "session", in->secret, "app_name",
					    in->app_name, "expires_at", req_time_json(in->expires_at)));
	else if (in->wrong_pins >= HER_PIN_TRIES)
		req_reply(r, 401, json_pack("{s:{s:s, s:s}}", "error", "code", "signed_out", "message",
					    "too many wrong PINs: sign in again with a code"));
	else
		req_reply(r, 400, json_pack("{s:{s:s, s:s, s:s}}", "error", "code", "bad_request",
					    "field", "pin", "message", "that PIN is not right"));
	return 0;
}

void api_her_unlock(struct req *r)
{
	static const char *const fields[] = { "device", "pin", NULL };
	const char *device, *pin;
	struct signin_answer a;
	struct her_signin in;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "device", true, 64, &device) < 0 ||
	    req_body_str(r, "pin", true, 12, &pin) < 0 || claim(r) < 0)
		return;
	signin_begin(r, &x, &a, &in, answer_unlock);
	signin_end(r, &x, ops_her_unlock(&x, device, pin, &in), &in);
}

/* Her session (X-Her-Session): 0 and *out, or -1 after answering 401. */
static int her_who(struct req *r, struct her_device *out)
{
	const char *tok = req_header(r, "X-Her-Session");
	char dg[SECRET_DIGEST_LEN];
	int rc;

	if (!tok || strlen(tok) > 64) {
		req_fail(r, 401, "signed_out", NULL, "unlock the app with your PIN");
		return -1;
	}
	secret_digest(tok, dg);
	rc = her_session_get(r->db, dg, clock_now_ms(), HER_IDLE_MS, out);
	if (rc < 0) {
		req_fail_db(r, rc);
		return -1;
	}
	if (rc == 0) {
		req_fail(r, 401, "signed_out", NULL, "unlock the app with your PIN");
		return -1;
	}
	req_audit_object(r, "her app, enrolment %lld", (long long)out->enrolment_id);
	return 0;
}

void api_her_lock(struct req *r)
{
	const char *tok = req_header(r, "X-Her-Session");
	struct ops_ctx x;

	api_ops_begin(r, &x, 200);
	if (api_ops_end(r, &x, ops_her_lock(&x, tok && strlen(tok) <= 64 ? tok : NULL)) == 0)
		req_reply(r, 200, json_pack("{s:b}", "locked", 1));
}

/* ---- her: what she sees ---------------------------------------------------------- */

static int add_alert(const struct her_alert *a, void *arg)
{
	const char *words = her_alert_words(a->kind);
	json_t *did = json_array();

	if (!words)
		return 0;
	/* what the centre did, in order */
	if (a->acknowledged_at)
		json_array_append_new(did, json_pack("{s:s, s:o}", "what", "The centre saw it", "at",
						     req_time_json(a->acknowledged_at)));
	if (a->dispatched_at)
		json_array_append_new(did, json_pack("{s:s, s:o}", "what", "Police were sent", "at",
						     req_time_json(a->dispatched_at)));
	if (a->resolved_at)
		json_array_append_new(did, json_pack("{s:s, s:o}", "what", "Dealt with", "at",
						     req_time_json(a->resolved_at)));
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:o, s:s, s:s?, s:o}", "id",
					     (json_int_t)a->id, "kind",
					     strcmp(a->kind, "panic") ? "warning" : "panic", "words",
					     words, "at", req_time_json(a->opened_at), "state",
					     her_state_words(a->state), "sent", a->warning_state,
					     "centre_did", did));
	return 0;
}

static int add_action(const struct plan_action_row *a, void *arg)
{
	/* her safety plan: the actions for her safety and her support */
	if (strcmp(a->category, "victim_safety") && strcmp(a->category, "support_referral"))
		return 0;
	json_array_append_new(arg, json_pack("{s:s, s:s, s:o}", "what", a->description, "status",
					     a->status, "due", req_time_json(a->due_at)));
	return 0;
}

static int add_condition(const struct order_condition_row *c, void *arg)
{
	/* the terms in words: never a zone's shape (it is where she lives) */
	json_array_append_new(arg, json_pack("{s:s, s:s?, s:o}", "kind", c->kind, "detail",
					     c->detail, "distance_m",
					     c->distance_m >= 0 ? json_integer(c->distance_m)
								: json_null()));
	return 0;
}

struct orders_ctx {
	db *d;
	json_t *arr;
	int64_t ids[16];
	int n;
};

static int add_order(const struct order_row *o, void *arg)
{
	struct orders_ctx *x = arg;

	/* the orders in force: granted (an application may yet be refused) */
	if (strcmp(o->status, "granted"))
		return 0;
	if (x->n < 16) {
		x->ids[x->n++] = o->id;
		json_array_append_new(x->arr, json_pack("{s:s, s:o, s:o, s:b, s:o}", "kind", o->kind,
							"starts_at", req_time_json(o->starts_at),
							"ends_at", req_time_json(o->ends_at),
							"until_further_order", o->until_further_order,
							"terms", json_array()));
	}
	return 0;
}

static json_t *person(db *d, const char *username, const char *role)
{
	struct user u;

	if (!username || !*username || user_get_by_name(d, username, &u) != 1)
		return NULL;
	return json_pack("{s:s, s:s}", "name", u.display_name, "role", role);
}

void api_her_home(struct req *r)
{
	struct her_device hd;
	struct case_record c = { 0 };
	struct plan_record p;
	struct orders_ctx ox = { r->db, json_array(), { 0 }, 0 };
	json_t *alerts = json_array(), *plan = json_array(), *contacts = json_array(), *who;
	char spoc[65] = "";
	unsigned bits = 0;

	if (her_who(r, &hd) < 0)
		goto fail;
	if (case_get_by_id(r->db, hd.case_id, &c) != 1 || her_released(r->db, c.id, &bits) < 0) {
		req_fail_db(r, DB_ERROR);
		goto fail;
	}
	req_read(r, her_alerts_each(r->db, c.id, 50, add_alert, alerts));
	/* the rest only as her officer released it (null: not released) */
	if ((bits & (1u << HER_PART_PLAN)) && plan_get(r->db, c.id, &p) == 1) {
		req_read(r, plan_actions_each(r->db, p.id, add_action, plan));
		plan_record_free(&p);
	}
	if (bits & (1u << HER_PART_ORDERS)) {
		req_read(r, orders_each(r->db, c.id, add_order, &ox));
		for (int i = 0; i < ox.n; i++)
			req_read(r, order_conditions_each(
					    r->db, ox.ids[i], add_condition,
					    json_object_get(json_array_get(ox.arr, (size_t)i), "terms")));
	}
	if (bits & (1u << HER_PART_CONTACTS)) {
		if ((who = person(r->db, c.owner, "officer")))
			json_array_append_new(contacts, who);
		if (case_spoc_get(r->db, c.id, spoc, sizeof spoc) == 1 && strcmp(spoc, c.owner) &&
		    (who = person(r->db, spoc, "her single point of contact")))
			json_array_append_new(contacts, who);
	}
	req_reply(r, 200, json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "app_name", hd.app_name,
				    "warnings", alerts, "plan",
				    bits & (1u << HER_PART_PLAN) ? plan : (json_decref(plan), json_null()),
				    "orders",
				    bits & (1u << HER_PART_ORDERS) ? ox.arr : (json_decref(ox.arr), json_null()),
				    "contacts",
				    bits & (1u << HER_PART_CONTACTS) ? contacts
								      : (json_decref(contacts), json_null()),
				    "emergency", "999"));
	case_record_free(&c);
	return;
fail:
	json_decref(alerts);
	json_decref(plan);
	json_decref(contacts);
	json_decref(ox.arr);
	case_record_free(&c);
}

/* ---- her: panic, position, diary --------------------------------------------------- */

/* Her browser's position from the body (all optional: a panic without one
 * still goes). */
/* The oldest position her phone may send as kept (ms): an hour. */
#define HER_POSITION_AGE_MAX_MS 3600000

/*
 * The position her phone gives, into f: lat and lon, its accuracy, and
 * "age_ms", how long before sending her phone took it (both times read on
 * her phone's clock, so that a phone whose clock is wrong still gives a
 * true age), so that a position the phone had kept is judged by the rules
 * at its own time, not as where she is now: f->at is its arrival less its
 * age.  Without "age_ms", the time it arrives; a panic is taken at the time
 * it arrives, whatever the age of its position.  A panic (required false) is
 * never refused for what comes with it: an accuracy that is not one is
 * dropped (ingest also drops a position that cannot be); a position is
 * refused with 400.
 */
static int position_fields(struct req *r, struct fix *f, bool required)
{
	json_t *lat = json_object_get(r->body, "lat"), *lon = json_object_get(r->body, "lon");
	json_t *acc = json_object_get(r->body, "accuracy_m"), *age = json_object_get(r->body, "age_ms");

	/* a call for help is hers now, whenever her phone last had a position */
	if (required && age && !json_is_null(age)) {
		if (json_is_integer(age) && json_integer_value(age) >= 0 &&
		    json_integer_value(age) <= HER_POSITION_AGE_MAX_MS)
			f->at -= json_integer_value(age);
		else {
			req_fail(r, 400, "bad_request", "age_ms",
				 "age_ms is how long ago her phone took the position: 0 to %d ms",
				 HER_POSITION_AGE_MAX_MS);
			return -1;
		}
	}
	if (acc && !json_is_null(acc)) {
		if (json_is_number(acc))
			f->accuracy = json_number_value(acc);
		else if (required) {
			req_fail(r, 400, "bad_request", "accuracy_m",
				 "accuracy_m is a number of metres");
			return -1;
		}
	}
	if ((!lat || json_is_null(lat)) && (!lon || json_is_null(lon)) && !required) {
		f->flags |= FIX_NO_POSITION;
		return 0;
	}
	if (!json_is_number(lat) || !json_is_number(lon)) {
		req_fail(r, 400, "bad_request", json_is_number(lat) ? "lon" : "lat",
			 "lat and lon are numbers (degrees, WGS 84)");
		return -1;
	}
	f->lat = json_number_value(lat);
	f->lon = json_number_value(lon);
	return 0;
}

static void send_fix(struct req *r, bool panic)
{
	static const char *const fields[] = { "lat", "lon", "accuracy_m", "age_ms", NULL };
	struct her_device hd;
	struct fix f;
	char why[160] = "";
	enum accept_result res;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 || her_who(r, &hd) < 0)
		return;
	fix_init(&f);
	snprintf(f.uid, sizeof f.uid, "%s", hd.device_uid);
	f.at = clock_now_ms();
	f.flags |= FIX_FROM_HER | (panic ? FIX_SOS : 0);
	if (position_fields(r, &f, !panic) < 0)
		return;
	res = ingest_accept(r->v, r->db, &f, why, sizeof why);
	if (res == ACCEPT_REJECTED) {
		/* her position is never written to the log: why names no place */
		req_fail(r, 400, "bad_request", "lat", "%s", why);
		return;
	}
	if (res < 0) {
		req_add_header(r, "Retry-After", "1");
		req_fail(r, 503, "unavailable", NULL, "it did not go through: press again");
		return;
	}
	req_audit_detail(r, panic ? "panic" : "position");
	req_reply(r, 202, json_pack("{s:b, s:s}", "received", 1, "message",
				    panic ? "Help is on its way. Keep the app open if you can." : "ok"));
}

void api_her_panic(struct req *r)
{
	send_fix(r, true);
}

void api_her_position(struct req *r)
{
	send_fix(r, false);
}

/* Store a photo's bytes by their hash, as an upload is: 0 and hash, or -1. */
static int store_photo(struct req *r, const unsigned char *bytes, size_t n, char hash[65])
{
	unsigned char h[32];
	char dir[700], path[800], tmp[840];
	struct stat st;
	int fd;

	crypto_generichash(h, sizeof h, bytes, n, NULL, 0);
	sodium_bin2hex(hash, 65, h, sizeof h);
	snprintf(dir, sizeof dir, "%s/%.2s", r->v->cfg.attachment_dir, hash);
	snprintf(path, sizeof path, "%s/%s", dir, hash);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	if (stat(path, &st) == 0)
		return 0;
	snprintf(tmp, sizeof tmp, "%s.her%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, bytes, n) != (ssize_t)n || fsync(fd) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

void api_her_diary(struct req *r)
{
	static const char *const fields[] = { "at", "what", "where", "behaviour", "photo", NULL };
	const char *what, *where = NULL, *behaviour = "other", *ptype = NULL, *pdata = NULL;
	json_t *photo = json_object_get(r->body, "photo");
	struct incident e = { 0 };
	struct her_picture pic;
	struct her_device hd;
	struct ops_ctx x;
	unsigned char *bytes = NULL;
	size_t nbytes = 0;
	char hash[65] = "";
	int64_t at = clock_now_ms(), now = at;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_time(r, "at", false, &at, NULL) < 0 ||
	    req_body_str(r, "what", true, DIARY_MAX, &what) < 0 ||
	    req_body_str(r, "where", false, PLACE_MAX, &where) < 0 ||
	    req_body_str(r, "behaviour", false, 32, &behaviour) < 0)
		return;
	if (!behaviour)
		behaviour = "other";
	if (!*what) {
		req_fail(r, 400, "bad_request", "what", "say what happened");
		return;
	}
	if (!case_vocab_has(case_behaviours, behaviour)) {
		req_fail(r, 400, "bad_request", "behaviour", "choose what kind of thing happened");
		return;
	}
	if (at > now + 5 * 60000) {
		req_fail(r, 400, "bad_request", "at", "that time is still to come");
		return;
	}
	if (photo && !json_is_null(photo)) {
		static const char *const types[] = { "image/jpeg", "image/png", "image/webp", NULL };
		bool ok = false;

		if (req_obj_only(r, photo, "photo", (const char *const[]){ "type", "data", NULL }) < 0 ||
		    req_obj_str(r, photo, "type", "photo.type", true, 32, &ptype) < 0 ||
		    req_obj_str(r, photo, "data", "photo.data", true, 1000000, &pdata) < 0)
			return;
		for (int i = 0; types[i]; i++)
			ok = ok || !strcmp(types[i], ptype);
		if (!ok) {
			req_fail(r, 400, "bad_request", "photo.type",
				 "a photo or screenshot is a JPEG, PNG or WebP picture");
			return;
		}
		bytes = xmalloc(strlen(pdata));
		if (sodium_base642bin(bytes, strlen(pdata), pdata, strlen(pdata), NULL, &nbytes, NULL,
				      sodium_base64_VARIANT_ORIGINAL) < 0 ||
		    nbytes == 0 || nbytes > PHOTO_MAX) {
			free(bytes);
			req_fail(r, 400, "bad_request", "photo.data",
				 nbytes > PHOTO_MAX ? "the picture is too large (at most 700 KB)"
						    : "the picture did not come through whole: try again");
			return;
		}
	}
	if (her_who(r, &hd) < 0)
		goto out;
	if (bytes && store_photo(r, bytes, nbytes, hash) < 0) {
		log_error("cannot store a picture from her app: %s", strerror(errno));
		req_fail(r, 507, "storage", NULL, "the picture could not be kept: try again");
		goto out;
	}
	pic.hash = hash;
	pic.size = (int64_t)nbytes;
	pic.type = ptype;
	e.occurred_at = at;
	e.place = where && *where ? where : NULL;
	e.behaviour = behaviour;
	e.description = what;
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_her_diary(&x, &hd, &e, hash[0] ? &pic : NULL)) == 0)
		req_reply(r, 201, json_pack("{s:b, s:s, s:s?}", "received", 1, "message",
					    "Saved. Your officer can see it now.", "picture",
					    hash[0] ? hash : NULL));
out:
	if (bytes) {
		sodium_memzero(bytes, nbytes);
		free(bytes);
	}
}

/* ---- her: Web Push ----------------------------------------------------------------- */

void api_her_push_key(struct req *r)
{
	if (!r->v->webpush) {
		req_fail(r, 404, "not_found", NULL, "push is not set up here");
		return;
	}
	req_reply(r, 200, json_pack("{s:s}", "key", webpush_public_key(r->v->webpush)));
}

void api_her_push(struct req *r)
{
	static const char *const fields[] = { "endpoint", "keys", "expirationTime", NULL };
	const char *endpoint;
	struct her_device hd;
	struct ops_ctx x;

	if (req_body_required(r) < 0 || req_body_only(r, fields) < 0 ||
	    req_body_str(r, "endpoint", true, 600, &endpoint) < 0 || her_who(r, &hd) < 0)
		return;
	if (!r->v->webpush) {
		req_fail(r, 404, "not_found", NULL, "push is not set up here");
		return;
	}
	/* the server will POST to it: a push service's https:// address only
	 * (http:// for a test's stand-in when allowed) */
	if (strncmp(endpoint, "https://", 8) &&
	    !(r->v->push_allow_http && !strncmp(endpoint, "http://", 7))) {
		req_fail(r, 400, "bad_request", "endpoint", "a push endpoint is an https:// address");
		return;
	}
	for (const char *p = endpoint; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\') {
			req_fail(r, 400, "bad_request", "endpoint", "not a push endpoint");
			return;
		}
	api_ops_begin(r, &x, 201);
	if (api_ops_end(r, &x, ops_her_push_subscribe(&x, &hd, endpoint)) == 0)
		req_reply(r, 201, json_pack("{s:b}", "subscribed", 1));
}
