/*
 * geo — distances on the WGS 84 ellipsoid and the geometry of zones.
 *
 * Distances are Karney's geodesics (PROJ's geodesic.h), exact to the
 * nanometre, because an alert time or a distance quoted in court depends on
 * them.  geo_fast_distance() is a cheap equirectangular estimate with a stated
 * error bound, for skipping the exact computation far from every boundary.
 * Distance to a polygon's edge is measured in a local azimuthal-equidistant
 * frame around the point (geodesic distance and azimuth to each vertex), which
 * is exact to the vertices and within millimetres along edges of zone size.
 * Pure: no I/O.
 */
#ifndef VIGIL_CORE_GEO_H
#define VIGIL_CORE_GEO_H

#include <stdbool.h>
#include <stddef.h>

struct geo_point {
	double lat, lon; /* degrees, WGS 84 */
};

/* Largest relative error of geo_fast_distance() against the geodesic, for
 * points within 50 km of each other at latitudes up to 70°, plus an absolute
 * metre for rounding; use it to decide when the estimate is enough. */
#define GEO_FAST_REL_ERROR 0.006
#define GEO_FAST_ABS_ERROR 1.0

/* True when the coordinates are numbers within range. */
bool geo_point_valid(struct geo_point p);
/* Geodesic distance in metres. */
double geo_distance(struct geo_point a, struct geo_point b);
/* Geodesic distance in metres and the azimuth at a (degrees from north). */
void geo_inverse(struct geo_point a, struct geo_point b, double *dist, double *azi);
/* The point dist metres from a along azimuth azi. */
struct geo_point geo_direct(struct geo_point a, double azi, double dist);
/* Cheap estimate (see GEO_FAST_REL_ERROR). */
double geo_fast_distance(struct geo_point a, struct geo_point b);

/*
 * Check a polygon ring: at least 4 points, closed (first == last), all
 * coordinates in range, no two edges crossing, a non-zero area, at most
 * max_points.  0, or -1 with a sentence in why.
 */
int geo_ring_check(const struct geo_point *ring, size_t n, size_t max_points, char *why,
		   size_t whylen);
/* True when p is inside the closed ring (even-odd rule, edges in the local
 * frame of p). */
bool geo_in_ring(const struct geo_point *ring, size_t n, struct geo_point p);
/* Signed distance from p to the ring's boundary: negative inside, metres. */
double geo_ring_signed_distance(const struct geo_point *ring, size_t n, struct geo_point p);

#endif
