/*
 * ops/monitoring — electronic monitoring's configuration: register a device,
 * assign one to the suspect or the victim of a case (and end that), draw and
 * remove a case's zones.
 *
 * One device, one wearer: an assignment is checked for an overlapping one
 * and written under the device's lock, so of officers assigning one tag at
 * once exactly one succeeds.  A device belongs to the agency that registered
 * it, and watches a case of that agency or of one it serves.  Every change
 * tells the engine to read the changed case again once it commits, on
 * whichever node it runs.
 */
#ifndef VIGIL_OPS_MONITORING_H
#define VIGIL_OPS_MONITORING_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/ops.h"
#include "store/cases.h"
#include "store/monitor.h"

/* Register a device for the actor's agency (ERR_CONFLICT: the uid is taken). */
int ops_device_register(struct ops_ctx *x, const char *uid, const char *kind,
			const char *protocol, int expected_interval_s, struct device *out);

/* An assignment: the device (a uid) on the suspect or the victim ("suspect",
 * "victim"), from starts_at (from now on; 0: now) until ends_at (0: open). */
struct ops_assignment {
	const char *device;
	const char *role;
	bool start_given;
	int64_t starts_at;
	bool end_given;
	int64_t ends_at;
};
/* *out is the assignment made (its id, period). */
int ops_device_assign(struct ops_ctx *x, const char *ref, const struct ops_assignment *in,
		      struct case_record *c, struct assignment *out);
/* End assignment id of the case at ends_at (end_given false: now; a later
 * time shortens it; one not started is cancelled), with the reason.  *out is
 * the assignment as it now ends; *dv its device. */
int ops_device_unassign(struct ops_ctx *x, const char *ref, int64_t id, bool end_given,
			int64_t ends_at, const char *reason, struct case_record *c,
			struct assignment *out, struct device *dv);

/* A zone: an exclusion zone's geometry (GeoJSON text, checked) or a
 * proximity zone's radius round the victim's device. */
struct ops_zone {
	const char *name;
	const char *kind;       /* exclusion or proximity */
	const char *geometry;   /* NULL: proximity */
	double radius_m;        /* 0: a polygon */
	double warning_m;
};
int ops_zone_draw(struct ops_ctx *x, const char *ref, const struct ops_zone *in,
		  struct case_record *c, int64_t *id);
int ops_zone_remove(struct ops_ctx *x, const char *ref, int64_t id, struct case_record *c);

#endif
