/*
 * access — roles and what each may do: the one permission table.
 *
 * Routes name one permission each (src/api/routes.c); the HTTP layer checks it
 * in one place before a handler runs.  Finer rules that depend on the record
 * (which cases an officer may see) live with the record, on top of these.
 * docs/ACCESS.md is generated from this table by `vigil permissions`.
 */
#ifndef VIGIL_CORE_ACCESS_H
#define VIGIL_CORE_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

enum role {
	ROLE_OFFICER,
	ROLE_SUPERVISOR,
	ROLE_OPERATOR,
	ROLE_CLINICIAN,
	ROLE_ADVOCATE,
	ROLE_ANALYST,
	ROLE_ADMIN,
	ROLE_COUNT,
	ROLE_NONE = -1,
};

enum perm {
	PERM_PUBLIC,          /* no sign-in needed */
	PERM_SIGNED_IN,       /* any signed-in user, whatever the role */
	PERM_AGENCIES_READ,
	PERM_AGENCIES_MANAGE,
	PERM_USERS_MANAGE,
	PERM_TOKENS_MANAGE,
	PERM_AUDIT_READ,
	PERM_METRICS_READ,
	PERM_CASES_READ,      /* list and read the cases the role may see */
	PERM_CASES_CREATE,
	PERM_CASES_WRITE,     /* change a case it may see, record incidents */
	PERM_CASES_SIGNOFF,   /* sign off a classification other than stalking */
	PERM_PEOPLE_SEARCH,   /* search the register of suspects, with a purpose */
	PERM_ASSESS,          /* submit a risk assessment */
	PERM_TYPOLOGY,        /* run the typology aid and record the decision */
	PERM_PLANS_WRITE,     /* make and change risk management plans and reviews */
	PERM_ORDERS_WRITE,    /* record orders, their conditions, service and breaches */
	PERM_VICTIMS_WRITE,   /* victim care: contacts, notification tasks, referrals */
	PERM_COMPLIANCE_READ, /* the compliance view and the monthly statistics */
	PERM_DEVICES_MANAGE,  /* register devices */
	PERM_DEVICES_READ,    /* list devices and their state */
	PERM_MONITORING_WRITE, /* assign devices to a case, draw its zones */
	PERM_FIXES_POST,      /* post positions through the API (integrations) */
	PERM_ALERTS,          /* work the alert queue and its live stream */
	PERM_PROGRAMME,       /* run the behaviour-change programme (a trust's clinicians) */
	PERM_REGISTER_READ,   /* read the stalkers register and a case's recognitions */
	PERM_REGISTER_MANAGE, /* enter, review and remove register entries; export, import */
	PERM_COUNT,
};

/* "officer" etc.; NULL for an out-of-range role. */
const char *access_role_name(enum role r);
/* ROLE_NONE when the name is not a role. */
enum role access_role_parse(const char *name);
/* A sentence describing what the role is, for help texts. */
const char *access_role_summary(enum role r);

const char *access_perm_name(enum perm p);
const char *access_perm_summary(enum perm p);
bool access_role_has(enum role r, enum perm p);
/* May this role see where a victim lives or is (addresses, incident places,
 * positions)?  Only roles that protect her: data minimisation. */
bool access_sees_victim_location(enum role r);

/*
 * Need to know within a case (issue 16).  Seeing a case does not open all of
 * it: each route on a case belongs to a part, and each role reads the parts
 * its work needs.
 */
enum case_part {
	/* the case's header, its people as the viewer's work needs them, its
	 * orders, zones and devices: what the response to an alert needs */
	CASE_PART_RESPONSE = 1 << 0,
	/* the file: incident log and evidence, timeline, assessments, typology,
	 * plan and reviews, linked cases */
	CASE_PART_FILE = 1 << 1,
	/* her care: contacts with her, referrals, her point of contact,
	 * notification tasks */
	CASE_PART_VICTIM_CARE = 1 << 2,
	/* the offender's clinical record in the programme: clinical notes (the
	 * treating trust's clinicians only, whatever else opens the case) */
	CASE_PART_CLINICAL = 1 << 3,
	/* the victim's contact details: address, phone, positions (on top of
	 * the role's own view, enum case_view) */
	CASE_PART_VICTIM_CONTACT = 1 << 4,
};
/* The parts of a case the role may read (0: none). */
unsigned access_case_parts(enum role r);

/*
 * Sharing with partners (issue 18).  A case is shared with a partner agency
 * for a purpose, on the consent of the person it is about or a recorded
 * lawful basis, until withdrawn.  The purpose says which parts of the case
 * the partner's staff read (their role's parts, intersected with these) and
 * which kinds of agency it may be shared with for it.  The table is data
 * (core/access.c) and written into docs/ACCESS.md.
 */
enum share_purpose {
	PURPOSE_VICTIM_ADVOCACY, /* a charity's advocates stand beside her */
	PURPOSE_ASSESSMENT,      /* a trust's clinicians assess him */
	PURPOSE_TREATMENT,       /* a trust's clinicians treat him in the programme */
	PURPOSE_SAFEGUARDING,    /* a partner protects her or her children */
	PURPOSE_COUNT,
	PURPOSE_NONE = -1,
};
const char *access_purpose_name(enum share_purpose p);
/* PURPOSE_NONE when the name is not a purpose. */
enum share_purpose access_purpose_parse(const char *name);
const char *access_purpose_summary(enum share_purpose p);
/* The parts of a case the purpose opens. */
unsigned access_purpose_parts(enum share_purpose p);
/* May a case be shared for this purpose with an agency of this kind
 * ("charity", "nhs", ...)? */
bool access_purpose_for_kind(enum share_purpose p, const char *agency_kind);
/* The kinds of agency, for docs and errors ("charity", "nhs or charity"). */
const char *access_purpose_kinds(enum share_purpose p);
/* Whose consent the purpose's share rests on when it rests on consent. */
const char *access_purpose_consent_of(enum share_purpose p);
/* The roles whose access to a case comes from shares with their agency (the
 * partners' advocates and clinicians), not from their own agency's caseload:
 * what they read is their role's parts intersected with the shares'. */
bool access_role_by_share(enum role r);

/* How the people of a case are shown to a role. */
enum case_view {
	CASE_VIEW_FULL,     /* all of them: the roles that investigate and protect */
	CASE_VIEW_RESPONSE, /* the offender, and of the victim her name and the
			     * numbers to call her on: the monitoring operator */
	CASE_VIEW_OFFENDER, /* the offender, and of the victim her name only: no
			     * contact details, no date of birth (clinician,
			     * analyst) */
};
enum case_view access_case_view(enum role r);
/* A sentence saying what the role sees of a case, for refusals and docs. */
const char *access_case_view_summary(enum role r);

#endif
