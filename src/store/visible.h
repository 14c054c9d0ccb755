/*
 * store/visible — who may see what, as SQL predicates that the store's
 * queries share (private to src/store/).  One predicate per kind of object,
 * so that a list and a single read can never disagree.
 */
#ifndef VIGIL_STORE_VISIBLE_H
#define VIGIL_STORE_VISIBLE_H

#include "db/db.h"
#include "store/cases.h"

/* The agencies that granted agency ? a service it accepted (a contractor's
 * clients).  A grant counts once accepted and until revoked. */
#define CLIENTS_SQL(svc)                                                                    \
	"(SELECT client_id FROM agency_services WHERE provider_id = ? AND service = '" svc "'" \
	" AND accepted_at IS NOT NULL AND revoked_at IS NULL)"
/* The agencies that agency ? granted a service they accepted (its contractors). */
#define PROVIDERS_SQL(svc)                                                                  \
	"(SELECT provider_id FROM agency_services WHERE client_id = ? AND service = '" svc "'" \
	" AND accepted_at IS NOT NULL AND revoked_at IS NULL)"

/*
 * May the viewer see case c (a cases row aliased c)?  Officer: owns it or is
 * assigned to it; supervisor, analyst: the agency's cases; advocate,
 * clinician: shared with her agency now (store/sharing.h: a share not
 * withdrawn, whatever its purpose; which parts it opens is the API's
 * business); clinician also: the suspect is in the programme of her trust;
 * operator: a monitored case of her agency or of an agency that granted it
 * monitoring (a contractor's operators work the alerts; its supervisors, who
 * could write to a case, see none of the client's).  Bound by
 * case_bind_viewer().
 */
#define CASE_VISIBLE_SQL                                                                     \
	"((? = 'officer' AND (c.owner_id = ? OR EXISTS (SELECT 1 FROM case_assignments ca"   \
	"   WHERE ca.case_id = c.id AND ca.user_id = ?)))"                                      \
	" OR (? IN ('supervisor', 'analyst') AND c.agency_id = ?)"                             \
	" OR (? IN ('advocate', 'clinician') AND EXISTS (SELECT 1 FROM case_shares cs"          \
	"   WHERE cs.case_id = c.id AND cs.agency_id = ? AND cs.withdrawn_at IS NULL))"        \
	" OR (? = 'clinician' AND EXISTS (SELECT 1 FROM case_people cp"                         \
	"   JOIN programme_enrolments pe ON pe.person_id = cp.person_id"                        \
	"   WHERE cp.case_id = c.id AND cp.role = 'suspect' AND pe.ended_at IS NULL"           \
	"   AND pe.agency_id = ?))"                                                             \
	" OR (? = 'operator' AND (c.agency_id = ? OR c.agency_id IN "                           \
	CLIENTS_SQL("monitoring") ")"                                                            \
	"   AND EXISTS (SELECT 1 FROM device_assignments da WHERE da.case_id = c.id)))"
/* Binds CASE_VISIBLE_SQL's parameters from i; returns the next index. */
int case_bind_viewer(db_stmt *s, int i, const struct viewer *v);

#endif
