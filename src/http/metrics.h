/*
 * http/metrics — request counters and latency histograms, rendered in the
 * Prometheus text format for GET /metrics.  Lock-free (atomics): recording a
 * request costs a few atomic increments.
 */
#ifndef VIGIL_HTTP_METRICS_H
#define VIGIL_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/mem.h"

struct route;
struct metrics;

/* routes: the route table, whose names label the series. */
struct metrics *metrics_new(const struct route *routes, size_t nroutes);
void metrics_free(struct metrics *m);
/* route_index: index in the table, or -1 for a request no route matched. */
void metrics_record(struct metrics *m, int route_index, int status, int64_t duration_ns);
void metrics_render(struct metrics *m, struct buf *out);

#endif
