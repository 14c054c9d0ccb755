/*
 * access — the permission table.  Roles follow DESIGN.md section 1.  A role
 * gets a permission only where its work needs it (data minimisation): an
 * operator works alerts, not the user list; a supervisor reads the audit trail
 * to oversee her team, an analyst does not.
 */
#include "core/access.h"

#include <string.h>

#define P(x) (1u << (x))

static const struct {
	const char *name;
	const char *summary;
	uint32_t perms;
} roles[ROLE_COUNT] = {
	[ROLE_OFFICER] = { "officer", "investigating officer (police): records reports and incidents, "
				      "runs screening, owns cases",
			   P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_CASES_READ) |
				   P(PERM_CASES_CREATE) | P(PERM_CASES_WRITE) | P(PERM_ASSESS) |
				   P(PERM_TYPOLOGY) | P(PERM_PLANS_WRITE) | P(PERM_ORDERS_WRITE) |
				   P(PERM_VICTIMS_WRITE) | P(PERM_DEVICES_READ) | P(PERM_MONITORING_WRITE) |
				   P(PERM_REGISTER_READ) },
	[ROLE_SUPERVISOR] = { "supervisor", "supervisor or case manager (police): approves risk levels "
					    "and plans, sees compliance, reassigns",
			      P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_AUDIT_READ) |
				      P(PERM_CASES_READ) | P(PERM_CASES_CREATE) | P(PERM_CASES_WRITE) |
				      P(PERM_CASES_SIGNOFF) | P(PERM_PEOPLE_SEARCH) | P(PERM_ASSESS) |
				      P(PERM_TYPOLOGY) | P(PERM_PLANS_WRITE) | P(PERM_ORDERS_WRITE) |
				      P(PERM_VICTIMS_WRITE) | P(PERM_COMPLIANCE_READ) |
				      P(PERM_DEVICES_MANAGE) | P(PERM_DEVICES_READ) |
				      P(PERM_MONITORING_WRITE) | P(PERM_FIXES_POST) | P(PERM_ALERTS) |
				      P(PERM_REGISTER_READ) | P(PERM_REGISTER_MANAGE) },
	[ROLE_OPERATOR] = { "operator", "monitoring operator: works the live alert queue, dispatches "
					"response",
			    P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_CASES_READ) |
				    P(PERM_DEVICES_MANAGE) | P(PERM_DEVICES_READ) | P(PERM_FIXES_POST) |
				    P(PERM_ALERTS) },
	[ROLE_CLINICIAN] = { "clinician", "clinician (NHS trust): assesses offenders, runs the "
					  "behaviour-change programme",
			     P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_CASES_READ) |
				     P(PERM_TYPOLOGY) | P(PERM_PLANS_WRITE) | P(PERM_PROGRAMME) },
	[ROLE_ADVOCATE] = { "advocate", "stalking advocate (charity): supports victims, safety "
					"planning, referrals",
			    P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_CASES_READ) |
				    P(PERM_PLANS_WRITE) | P(PERM_VICTIMS_WRITE) },
	[ROLE_ANALYST] = { "analyst", "analyst (police): reports, volumes, register search",
			   P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_CASES_READ) |
				   P(PERM_PEOPLE_SEARCH) | P(PERM_COMPLIANCE_READ) | P(PERM_REGISTER_READ) },
	[ROLE_ADMIN] = { "admin", "administrator: users, agencies, API tokens, audit, metrics",
			 P(PERM_SIGNED_IN) | P(PERM_AGENCIES_READ) | P(PERM_AGENCIES_MANAGE) |
				 P(PERM_USERS_MANAGE) | P(PERM_TOKENS_MANAGE) |
				 P(PERM_AUDIT_READ) | P(PERM_METRICS_READ) },
};

static const struct {
	const char *name;
	const char *summary;
} perms[PERM_COUNT] = {
	[PERM_PUBLIC] = { "public", "anyone, without signing in" },
	[PERM_SIGNED_IN] = { "signed-in", "any signed-in user" },
	[PERM_AGENCIES_READ] = { "agencies:read", "list the partner agencies" },
	[PERM_AGENCIES_MANAGE] = { "agencies:manage", "add agencies" },
	[PERM_USERS_MANAGE] = { "users:manage", "list, create, change and disable user accounts" },
	[PERM_TOKENS_MANAGE] = { "tokens:manage", "create, list and revoke API tokens" },
	[PERM_AUDIT_READ] = { "audit:read", "read and verify the audit trail" },
	[PERM_METRICS_READ] = { "metrics:read", "read the Prometheus metrics (also a metrics token)" },
	[PERM_CASES_READ] = { "cases:read", "list and read the cases the role may see (officer: owned "
					    "or assigned; supervisor, analyst: their agency's; advocate: "
					    "referred to her agency; clinician: offenders in the programme)" },
	[PERM_CASES_CREATE] = { "cases:create", "record a new report as a case" },
	[PERM_CASES_WRITE] = { "cases:write", "change a case the role may see: screening, people, "
					      "status, incidents, attachments" },
	[PERM_CASES_SIGNOFF] = { "cases:signoff", "sign off (or overturn) a classification other "
						  "than stalking" },
	[PERM_PEOPLE_SEARCH] = { "people:search", "search the register of people by identifier or "
						  "name, with a stated purpose (a victim only by an "
						  "identifier, in a case one may see, and only by a "
						  "role that protects her)" },
	[PERM_ASSESS] = { "assessments:write", "submit a risk assessment on a case the role may see" },
	[PERM_TYPOLOGY] = { "typology:write", "run the typology aid and record the typology decision" },
	[PERM_PLANS_WRITE] = { "plans:write", "make and change a case's risk management plan and its "
					      "reviews (clinician, advocate: only the actions they own)" },
	[PERM_ORDERS_WRITE] = { "orders:write", "record orders, their conditions, service, the duty "
						"to notify, and breaches" },
	[PERM_VICTIMS_WRITE] = { "victims:write", "victim care: log contacts, open and complete "
						  "notification tasks, refer to partner services, name "
						  "the single point of contact" },
	[PERM_COMPLIANCE_READ] = { "compliance:read", "the compliance view and the monthly "
						      "statistics of the agency's cases" },
	[PERM_DEVICES_MANAGE] = { "devices:manage", "register tags, phones and alarms" },
	[PERM_DEVICES_READ] = { "devices:read", "list devices and their live state" },
	[PERM_MONITORING_WRITE] = { "monitoring:write", "assign devices to a case and draw its zones" },
	[PERM_FIXES_POST] = { "fixes:post", "post positions through the API (integrations)" },
	[PERM_ALERTS] = { "alerts", "work the alert queue: read, acknowledge, dispatch, resolve, "
				    "the live stream" },
	[PERM_PROGRAMME] = { "programme", "run the behaviour-change programme of the caller's "
					  "trust: screen referrals, enrol, sessions, clinical notes, "
					  "disclosures to police, the cohort and its outcomes" },
	[PERM_REGISTER_READ] = { "register:read", "read the stalkers register (every force's entries "
						  "on this Vigil) and what a case's suspect was recognised "
						  "as; other roles see only that a match exists and whom "
						  "to ask" },
	[PERM_REGISTER_MANAGE] = { "register:manage", "decide entries on the register, their reviews "
						      "and removals, with reasons; export and import "
						      "signed entries" },
};

const char *access_role_name(enum role r)
{
	return r >= 0 && r < ROLE_COUNT ? roles[r].name : NULL;
}

const char *access_role_summary(enum role r)
{
	return r >= 0 && r < ROLE_COUNT ? roles[r].summary : NULL;
}

enum role access_role_parse(const char *name)
{
	for (int r = 0; name && r < ROLE_COUNT; r++)
		if (strcmp(roles[r].name, name) == 0)
			return (enum role)r;
	return ROLE_NONE;
}

const char *access_perm_name(enum perm p)
{
	return p >= 0 && p < PERM_COUNT ? perms[p].name : NULL;
}

const char *access_perm_summary(enum perm p)
{
	return p >= 0 && p < PERM_COUNT ? perms[p].summary : NULL;
}

bool access_role_has(enum role r, enum perm p)
{
	if (p == PERM_PUBLIC)
		return true;
	if (r < 0 || r >= ROLE_COUNT || p < 0 || p >= PERM_COUNT)
		return false;
	return (roles[r].perms & P(p)) != 0;
}

bool access_sees_victim_location(enum role r)
{
	return r == ROLE_OFFICER || r == ROLE_SUPERVISOR || r == ROLE_ADVOCATE || r == ROLE_OPERATOR;
}

unsigned access_case_parts(enum role r)
{
	switch (r) {
	case ROLE_OFFICER:
	case ROLE_SUPERVISOR:
	case ROLE_ADVOCATE:
		return CASE_PART_RESPONSE | CASE_PART_FILE | CASE_PART_VICTIM_CARE |
		       CASE_PART_VICTIM_CONTACT;
	case ROLE_CLINICIAN:
		return CASE_PART_RESPONSE | CASE_PART_FILE | CASE_PART_CLINICAL;
	case ROLE_ANALYST:
		return CASE_PART_RESPONSE | CASE_PART_FILE;
	case ROLE_OPERATOR:
		return CASE_PART_RESPONSE | CASE_PART_VICTIM_CONTACT;
	default:
		return 0;
	}
}

enum case_view access_case_view(enum role r)
{
	switch (r) {
	case ROLE_OFFICER:
	case ROLE_SUPERVISOR:
	case ROLE_ADVOCATE:
		return CASE_VIEW_FULL;
	case ROLE_OPERATOR:
		return CASE_VIEW_RESPONSE;
	default:
		return CASE_VIEW_OFFENDER;
	}
}

const char *access_case_view_summary(enum role r)
{
	switch (access_case_view(r)) {
	case CASE_VIEW_FULL:
		return "the whole case";
	case CASE_VIEW_RESPONSE:
		return "what the response to its alerts needs: the case's header, the offender, "
		       "the victim's name and the numbers to call her on, its orders, zones and "
		       "devices; not the file (incidents, evidence, assessments, plan) nor her care";
	case CASE_VIEW_OFFENDER:
	default:
		return "the offender's side: the case's header, the file, its orders, and of the "
		       "victim her name only; not her contact details nor her care";
	}
}

/*
 * What each purpose opens.  The charity's advocacy is her side: the case's
 * header and orders (response), the incidents and her safety plan (file),
 * her care and her contact details; never the clinical record.  The trust's
 * assessment and treatment are his side: header, orders, the file (his
 * history, assessments, risk, typology), and for treatment his clinical
 * record; never her address or phone.  Safeguarding is her side again, for
 * a partner that protects her or her children.
 */
#define SIDE_VICTIM (CASE_PART_RESPONSE | CASE_PART_FILE | CASE_PART_VICTIM_CARE | \
		     CASE_PART_VICTIM_CONTACT)
#define SIDE_OFFENDER (CASE_PART_RESPONSE | CASE_PART_FILE)

static const struct {
	const char *name;
	const char *summary;
	unsigned parts;
	const char *kinds[4];   /* agency kinds it may be shared with */
	const char *kinds_text;
	const char *consent_of; /* whose consent it rests on */
} purposes[PURPOSE_COUNT] = {
	[PURPOSE_VICTIM_ADVOCACY] = { "victim_advocacy",
				      "a charity's advocates stand beside the victim: her "
				      "contact details, safety plan, warnings, incidents and orders",
				      SIDE_VICTIM, { "charity" }, "charity", "victim" },
	[PURPOSE_ASSESSMENT] = { "assessment",
				 "a trust's clinicians assess the offender: his history, "
				 "assessments, risk and orders; not her address or phone",
				 SIDE_OFFENDER, { "nhs" }, "nhs", "offender" },
	[PURPOSE_TREATMENT] = { "treatment",
				"a trust's clinicians treat the offender in the programme: as "
				"assessment, and his clinical record",
				SIDE_OFFENDER | CASE_PART_CLINICAL, { "nhs" }, "nhs", "offender" },
	[PURPOSE_SAFEGUARDING] = { "safeguarding",
				   "a partner protects the victim or her children: her side, "
				   "as victim advocacy",
				   SIDE_VICTIM, { "charity", "nhs", "other" }, "charity, nhs or other",
				   "victim" },
};

const char *access_purpose_name(enum share_purpose p)
{
	return p >= 0 && p < PURPOSE_COUNT ? purposes[p].name : NULL;
}

enum share_purpose access_purpose_parse(const char *name)
{
	for (int p = 0; name && p < PURPOSE_COUNT; p++)
		if (strcmp(purposes[p].name, name) == 0)
			return (enum share_purpose)p;
	return PURPOSE_NONE;
}

const char *access_purpose_summary(enum share_purpose p)
{
	return p >= 0 && p < PURPOSE_COUNT ? purposes[p].summary : NULL;
}

unsigned access_purpose_parts(enum share_purpose p)
{
	return p >= 0 && p < PURPOSE_COUNT ? purposes[p].parts : 0;
}

bool access_purpose_for_kind(enum share_purpose p, const char *agency_kind)
{
	if (p < 0 || p >= PURPOSE_COUNT || !agency_kind)
		return false;
	for (int i = 0; i < 4 && purposes[p].kinds[i]; i++)
		if (strcmp(purposes[p].kinds[i], agency_kind) == 0)
			return true;
	return false;
}

const char *access_purpose_kinds(enum share_purpose p)
{
	return p >= 0 && p < PURPOSE_COUNT ? purposes[p].kinds_text : NULL;
}

const char *access_purpose_consent_of(enum share_purpose p)
{
	return p >= 0 && p < PURPOSE_COUNT ? purposes[p].consent_of : NULL;
}

bool access_role_by_share(enum role r)
{
	return r == ROLE_ADVOCATE || r == ROLE_CLINICIAN;
}
