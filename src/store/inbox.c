/*
 * store/inbox — one query per kind of item, each yielding the same columns
 * (struct inbox_row), limited to the viewer's cases and, unless the team is
 * asked for, to what is due to her.
 */
#include "store/inbox.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/visible.h"

#define DAY_MS (24LL * 3600 * 1000)

/* A case with a current plan: an action not abandoned (as store/compliance). */
#define CURRENT_PLAN                                                                        \
	"EXISTS (SELECT 1 FROM plan_actions cp WHERE cp.case_id = c.id"                     \
	" AND cp.status <> 'not_done')"
#define LAST_CONTACT "(SELECT MAX(vc.contacted_at) FROM victim_contacts vc WHERE vc.case_id = c.id)"
/* Her point of contact, else the case's owner. */
#define CARER "COALESCE(c.spoc_id, c.owner_id)"

enum scope {
	ON_CASE,   /* an item on a case: the viewer must see the case */
	OF_AGENCY, /* an item of the viewer's agency (accounts, offers) */
};

struct kind_sql {
	const char *name;
	enum scope scope;
	/* after SELECT: ref, status, risk_level, id, other_id, what, detail,
	 * due_at, due_to, version */
	const char *cols;
	/* FROM ... WHERE ... (no visibility, no assignee) */
	const char *from;
	/* the assignee's id, compared with the viewer's; NULL: anyone who may
	 * see the item (every supervisor, every operator) */
	const char *assignee;
	const char *order;
};

#define CASE_COLS "c.ref, c.status, c.risk_level, "

static const struct kind_sql kinds[INBOX_KIND_COUNT] = {
	[INBOX_SCREENING] = { "screening", ON_CASE,
		CASE_COLS "0, 0, NULL, NULL, NULL, o.username, c.version",
		" FROM cases c JOIN users o ON o.id = c.owner_id WHERE c.status = 'intake'",
		"c.owner_id", " ORDER BY c.created_at, c.id" },
	[INBOX_ASSESSMENT] = { "assessment", ON_CASE,
		CASE_COLS "0, 0, NULL, NULL, NULL, o.username, c.version",
		" FROM cases c JOIN users o ON o.id = c.owner_id WHERE c.status = 'screened'"
		" AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.case_id = c.id)",
		"c.owner_id", " ORDER BY c.created_at, c.id" },
	[INBOX_PLAN] = { "plan", ON_CASE,
		CASE_COLS "0, 0, NULL, NULL, NULL, o.username, c.version",
		" FROM cases c JOIN users o ON o.id = c.owner_id WHERE c.status <> 'closed'"
		" AND c.risk_level IS NOT NULL AND NOT " CURRENT_PLAN,
		"c.owner_id", " ORDER BY c.created_at, c.id" },
	[INBOX_PLAN_ACTION] = { "plan_action", ON_CASE,
		CASE_COLS "pa.id, 0, pa.description, pa.category, pa.due_at, w.username,"
		" (SELECT p.version FROM plans p WHERE p.id = pa.plan_id)",
		" FROM plan_actions pa JOIN cases c ON c.id = pa.case_id"
		" JOIN users w ON w.id = pa.owner_id"
		" WHERE pa.status IN ('planned', 'in_progress') AND c.status <> 'closed'",
		"pa.owner_id", " ORDER BY pa.due_at, pa.id" },
	[INBOX_REVIEW] = { "review", ON_CASE,
		CASE_COLS "0, 0, NULL, NULL, c.review_due_at, o.username, c.version",
		" FROM cases c JOIN users o ON o.id = c.owner_id WHERE c.status <> 'closed'"
		" AND c.review_due_at IS NOT NULL AND c.review_due_at < ?",
		"c.owner_id", " ORDER BY c.review_due_at, c.id" },
	[INBOX_NOTIFY_VICTIM] = { "notify_victim", ON_CASE,
		CASE_COLS "t.id, 0, t.event, t.detail, t.due_at, w.username, t.version",
		" FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN users w ON w.id = " CARER
		" WHERE t.kind = 'notify_victim' AND t.done_at IS NULL",
		CARER, " ORDER BY t.due_at, t.id" },
	[INBOX_CONTACT] = { "contact", ON_CASE,
		CASE_COLS "0, 0, NULL, NULL,"
		" COALESCE(" LAST_CONTACT ", c.created_at) + CAST(? AS BIGINT), w.username, c.version",
		" FROM cases c JOIN users w ON w.id = " CARER " WHERE c.status <> 'closed'"
		" AND COALESCE(" LAST_CONTACT ", c.created_at) + CAST(? AS BIGINT) < ?",
		CARER, " ORDER BY c.created_at, c.id" },
	[INBOX_ADVOCACY] = { "advocacy_referral", ON_CASE,
		CASE_COLS "0, 0, NULL, NULL, NULL, o.username, c.version",
		" FROM cases c JOIN users o ON o.id = c.owner_id WHERE c.status <> 'closed'"
		" AND c.risk_level = 'high' AND NOT EXISTS (SELECT 1 FROM victim_referrals vr"
		"   WHERE vr.case_id = c.id AND vr.service = 'advocacy')",
		"c.owner_id", " ORDER BY c.created_at, c.id" },
	[INBOX_SIGNOFF] = { "signoff", ON_CASE,
		CASE_COLS "0, 0, NULL, f.note, NULL, NULL, c.version",
		" FROM case_flags f JOIN cases c ON c.id = f.case_id"
		" WHERE f.flag = 'possible_misrecording'",
		NULL, " ORDER BY f.raised_at, c.id" },
	[INBOX_ORDER_SERVICE] = { "order_service", ON_CASE,
		CASE_COLS "ord.id, 0, ord.kind, ord.reference, NULL, o.username, ord.version",
		" FROM orders ord JOIN cases c ON c.id = ord.case_id JOIN users o ON o.id = c.owner_id"
		" WHERE ord.status = 'granted' AND ord.served_at IS NULL"
		" AND ord.kind NOT IN ('pin_historic', 'bail_conditions') AND c.status <> 'closed'"
		" AND (ord.ends_at IS NULL OR ord.ends_at > ?)",
		"c.owner_id", " ORDER BY ord.granted_at, ord.id" },
	[INBOX_DUTY_TO_NOTIFY] = { "duty_to_notify", ON_CASE,
		CASE_COLS "t.id, t.order_id, t.detail, NULL, t.due_at, o.username,"
		" (SELECT ord.version FROM orders ord WHERE ord.id = t.order_id)",
		" FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN users o ON o.id = c.owner_id"
		" WHERE t.kind = 'duty_to_notify' AND t.done_at IS NULL",
		"c.owner_id", " ORDER BY t.due_at, t.id" },
	[INBOX_CRIME_RECORD] = { "crime_record", ON_CASE,
		CASE_COLS "t.id, t.breach_id, t.detail, NULL, t.due_at, o.username,"
		" (SELECT b.version FROM breaches b WHERE b.id = t.breach_id)",
		" FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN users o ON o.id = c.owner_id"
		" WHERE t.kind = 'crime_record' AND t.done_at IS NULL",
		"c.owner_id", " ORDER BY t.due_at, t.id" },
	[INBOX_ALERT] = { "alert", ON_CASE,
		CASE_COLS "al.id, 0, al.kind, al.severity, al.opened_at, NULL, al.version",
		" FROM alerts al JOIN cases c ON c.id = al.case_id WHERE al.state <> 'resolved'",
		NULL, " ORDER BY al.opened_at, al.id" },
	[INBOX_LOCKED_ACCOUNT] = { "locked_account", OF_AGENCY,
		"NULL, NULL, NULL, u.id, 0, u.username, u.display_name, u.locked_until, NULL, u.version",
		" FROM users u WHERE u.agency_id = ? AND u.locked_until IS NOT NULL"
		" AND u.locked_until > ? AND u.disabled = 0",
		NULL, " ORDER BY u.locked_until, u.id" },
	[INBOX_GRANT_OFFER] = { "grant_offer", OF_AGENCY,
		"NULL, NULL, NULL, s.id, 0, a.code, a.name, NULL, NULL, 0",
		" FROM agency_services s JOIN agencies a ON a.id = s.client_id"
		" WHERE s.provider_id = ? AND s.accepted_at IS NULL AND s.revoked_at IS NULL",
		NULL, " ORDER BY s.granted_at, s.id" },
	/* due to his clinician from the session's time until she records
	 * what she did about it (issue 18) */
	[INBOX_SESSION_MISSED] = { "session_missed", ON_CASE,
		CASE_COLS "ps.id, pe.id, 'missed session', NULL, ps.planned_at, w.username,"
		" ps.version",
		" FROM programme_sessions ps JOIN programme_enrolments pe ON pe.id = ps.enrolment_id"
		" JOIN cases c ON c.id = pe.case_id JOIN users w ON w.id = pe.clinician_id"
		" WHERE ps.status = 'missed' AND ps.followed_up_at IS NULL AND pe.ended_at IS NULL",
		"pe.clinician_id", " ORDER BY ps.planned_at, ps.id" },
	/* a referral to the viewer's trust, to screen (referred) or to enrol
	 * (eligible), due within two weeks of the referral; a man waiting, as
	 * soon as a place is free: any clinician of the trust may take it */
	[INBOX_PROGRAMME_REFERRAL] = { "programme_referral", ON_CASE,
		CASE_COLS "pr.id, 0, pr.status, pr.source,"
		" CASE WHEN pr.status = 'waiting' THEN 0 ELSE pr.referred_at + 1209600000 END,"
		" NULL, pr.version",
		" FROM programme_referrals pr JOIN cases c ON c.id = pr.case_id"
		" WHERE pr.agency_id = ? AND (pr.status IN ('referred', 'eligible')"
		"   OR (pr.status = 'waiting' AND (SELECT COUNT(*) FROM programme_enrolments pe"
		"     WHERE pe.agency_id = pr.agency_id AND pe.ended_at IS NULL) < ?))",
		NULL, " ORDER BY pr.referred_at, pr.id" },
	[INBOX_REGISTER_REVIEW] = { "register_review", OF_AGENCY,
		"NULL, NULL, NULL, e.id, 0, p.full_name, e.category, e.next_review_at, u.username,"
		" e.version",
		" FROM register_entries e JOIN persons p ON p.id = e.person_id"
		" JOIN users u ON u.id = e.responsible_id"
		" WHERE u.agency_id = ? AND e.status = 'active' AND e.next_review_at < ?",
		"e.responsible_id", " ORDER BY e.next_review_at, e.id" },
	/* the new case is named by its force and whom to ask, not by its
	 * reference: he may not see it */
	[INBOX_REGISTER_MATCH] = { "register_match", OF_AGENCY,
		"NULL, NULL, NULL, m.id, e.id, p.full_name, ca.code || ': ask ' || cu.display_name,"
		" 0, u.username, e.version",
		" FROM register_matches m JOIN register_entries e ON e.id = m.entry_id"
		" JOIN persons p ON p.id = e.person_id JOIN users u ON u.id = e.responsible_id"
		" JOIN cases c ON c.id = m.case_id JOIN agencies ca ON ca.id = c.agency_id"
		" JOIN users cu ON cu.id = c.owner_id"
		" WHERE u.agency_id = ? AND m.told_at IS NULL",
		"e.responsible_id", " ORDER BY m.found_at, m.id" },
	/* not what matched: the other case may not be hers to see, nor the
	 * register hers to read (GET .../recognition says it to whom it may) */
	[INBOX_RECOGNITION] = { "recognition", ON_CASE,
		CASE_COLS "m.id, 0, NULL,"
		" CASE WHEN m.entry_id IS NULL THEN 'case' ELSE 'register' END, 0, o.username,"
		" c.version",
		" FROM register_matches m JOIN cases c ON c.id = m.case_id"
		" JOIN users o ON o.id = c.owner_id WHERE m.seen_at IS NULL",
		NULL, " ORDER BY m.found_at, m.id" },
};

const char *inbox_kind_name(enum inbox_kind k)
{
	return k >= 0 && k < INBOX_KIND_COUNT ? kinds[k].name : NULL;
}

/* The kind's own parameters, in the order its text names them. */
static int bind_kind(db_stmt *s, int i, enum inbox_kind k, const struct inbox_params *p)
{
	switch (k) {
	case INBOX_REVIEW:
		db_bind_int64(s, i++, p->now + (int64_t)p->review_soon_days * DAY_MS);
		break;
	case INBOX_CONTACT:
		db_bind_int64(s, i++, (int64_t)p->contact_days * DAY_MS);
		db_bind_int64(s, i++, (int64_t)p->contact_days * DAY_MS);
		db_bind_int64(s, i++, p->now + (int64_t)p->contact_soon_days * DAY_MS);
		break;
	case INBOX_ORDER_SERVICE:
		db_bind_int64(s, i++, p->now);
		break;
	case INBOX_PROGRAMME_REFERRAL:
		db_bind_int64(s, i++, p->v->agency_id);
		db_bind_int64(s, i++, p->programme_capacity);
		break;
	case INBOX_LOCKED_ACCOUNT:
		db_bind_int64(s, i++, p->v->agency_id);
		db_bind_int64(s, i++, p->now);
		break;
	case INBOX_GRANT_OFFER:
	case INBOX_REGISTER_MATCH:
		db_bind_int64(s, i++, p->v->agency_id);
		break;
	case INBOX_REGISTER_REVIEW:
		db_bind_int64(s, i++, p->v->agency_id);
		db_bind_int64(s, i++, p->now + (int64_t)p->review_soon_days * DAY_MS);
		break;
	default:
		break;
	}
	return i;
}

struct inbox_each {
	enum inbox_kind k;
	int (*fn)(const struct inbox_row *row, void *arg);
	void *arg;
};

/* db_each_fn: a row (ref, status, risk_level, id, other_id, what, detail,
 * due_at, due_to, version) to the caller's fn. */
static int inbox_each_row(db_stmt *s, void *arg)
{
	struct inbox_each *e = arg;
	struct inbox_row row;

	row.kind = e->k;
	row.ref = db_column_text(s, 0);
	row.status = db_column_text(s, 1);
	row.risk_level = db_column_text(s, 2);
	row.id = db_column_int64(s, 3);
	row.other_id = db_column_int64(s, 4);
	row.what = db_column_text(s, 5);
	row.detail = db_column_text(s, 6);
	row.due_at = db_column_int64(s, 7);
	row.due_to = db_column_text(s, 8);
	row.version = db_column_int64(s, 9);
	return e->fn(&row, e->arg);
}

int inbox_each(db *d, enum inbox_kind k, const struct inbox_params *p,
	       int (*fn)(const struct inbox_row *row, void *arg), void *arg)
{
	struct inbox_each e = { k, fn, arg };
	const struct kind_sql *q;
	char *sql;
	db_stmt *s;
	int rc, i = 1;

	if (k < 0 || k >= INBOX_KIND_COUNT)
		return DB_ERROR;
	q = &kinds[k];
	sql = xasprintf("SELECT %s%s%s%s%s%s%s LIMIT ?", q->cols, q->from,
			q->scope == ON_CASE ? " AND " CASE_VISIBLE_SQL : "",
			q->assignee ? " AND (? = 1 OR " : "", q->assignee ? q->assignee : "",
			q->assignee ? " = ?)" : "", q->order);
	rc = db_prepare(d, &s, sql);
	free(sql);
	if (rc < 0)
		return rc;
	/* the kind's own parameters (the contact query names its interval in
	 * its columns and again in its WHERE), then the viewer's */
	i = bind_kind(s, i, k, p);
	if (q->scope == ON_CASE)
		i = case_bind_viewer(s, i, p->v);
	if (q->assignee) {
		db_bind_int64(s, i++, p->team ? 1 : 0);
		db_bind_int64(s, i++, p->v->user_id);
	}
	db_bind_int64(s, i, p->limit);
	return db_rows(s, inbox_each_row, &e);
}
