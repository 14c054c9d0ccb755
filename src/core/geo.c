/*
 * geo — WGS 84 geodesics and zone geometry.
 */
#include "core/geo.h"

#include <geodesic.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>

#include "base/text.h"

static struct geod_geodesic wgs84;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void wgs84_init(void)
{
	geod_init(&wgs84, 6378137.0, 1 / 298.257223563);
}

bool geo_point_valid(struct geo_point p)
{
	return isfinite(p.lat) && isfinite(p.lon) && p.lat >= -90 && p.lat <= 90 && p.lon >= -180 &&
	       p.lon <= 180;
}

void geo_inverse(struct geo_point a, struct geo_point b, double *dist, double *azi)
{
	double s12, azi1, azi2;

	pthread_once(&wgs84_once, wgs84_init);
	geod_inverse(&wgs84, a.lat, a.lon, b.lat, b.lon, &s12, &azi1, &azi2);
	*dist = s12;
	if (azi)
		*azi = azi1;
}

double geo_distance(struct geo_point a, struct geo_point b)
{
	double d;

	geo_inverse(a, b, &d, NULL);
	return d;
}

struct geo_point geo_direct(struct geo_point a, double azi, double dist)
{
	struct geo_point p;
	double azi2;

	pthread_once(&wgs84_once, wgs84_init);
	geod_direct(&wgs84, a.lat, a.lon, azi, dist, &p.lat, &p.lon, &azi2);
	return p;
}

double geo_fast_distance(struct geo_point a, struct geo_point b)
{
	/* equirectangular on a sphere of the mean radius, with the latitude's
	 * meridional/prime-vertical scale folded into one factor */
	const double r = 6371008.8, rad = M_PI / 180;
	double mlat = (a.lat + b.lat) / 2 * rad;
	double dlat = (b.lat - a.lat) * rad;
	double dlon = (b.lon - a.lon) * rad;

	if (dlon > M_PI)
		dlon -= 2 * M_PI;
	else if (dlon < -M_PI)
		dlon += 2 * M_PI;
	dlon *= cos(mlat);
	return r * sqrt(dlat * dlat + dlon * dlon);
}

/* The ring's vertices in a plane around p: x east, y north, metres. */
static void local_xy(struct geo_point p, struct geo_point v, double *x, double *y)
{
	double d, azi;

	geo_inverse(p, v, &d, &azi);
	azi *= M_PI / 180;
	*x = d * sin(azi);
	*y = d * cos(azi);
}

/* Distance from the origin to segment ab in the plane. */
static double seg_dist(double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, t;

	if (len2 == 0)
		return hypot(ax, ay);
	t = -(ax * dx + ay * dy) / len2;
	if (t < 0)
		t = 0;
	else if (t > 1)
		t = 1;
	return hypot(ax + t * dx, ay + t * dy);
}

static void ring_eval(const struct geo_point *ring, size_t n, struct geo_point p, bool *inside,
		      double *edge)
{
	double px = 0, py = 0, best = INFINITY;
	bool in = false;

	local_xy(p, ring[0], &px, &py);
	for (size_t i = 1; i < n; i++) {
		double qx, qy;

		local_xy(p, ring[i], &qx, &qy);
		/* even-odd: a ray from the origin along +x */
		if ((py > 0) != (qy > 0)) {
			double xcross = px + (0 - py) * (qx - px) / (qy - py);

			if (xcross > 0)
				in = !in;
		}
		double d = seg_dist(px, py, qx, qy);

		if (d < best)
			best = d;
		px = qx;
		py = qy;
	}
	*inside = in;
	*edge = best;
}

bool geo_in_ring(const struct geo_point *ring, size_t n, struct geo_point p)
{
	bool in;
	double d;

	ring_eval(ring, n, p, &in, &d);
	return in;
}

double geo_ring_signed_distance(const struct geo_point *ring, size_t n, struct geo_point p)
{
	bool in;
	double d;

	ring_eval(ring, n, p, &in, &d);
	return in ? -d : d;
}

/* Orientation of c relative to ab, in plain degrees (fine for crossing tests
 * of zone-sized rings away from the poles and the antimeridian). */
static double orient(struct geo_point a, struct geo_point b, struct geo_point c)
{
	return (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon);
}

static bool on_segment(struct geo_point a, struct geo_point b, struct geo_point c)
{
	return fmin(a.lon, b.lon) <= c.lon && c.lon <= fmax(a.lon, b.lon) &&
	       fmin(a.lat, b.lat) <= c.lat && c.lat <= fmax(a.lat, b.lat);
}

static bool segments_cross(struct geo_point a, struct geo_point b, struct geo_point c,
			   struct geo_point d)
{
	double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);

	if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)))
		return true;
	return (o1 == 0 && on_segment(a, b, c)) || (o2 == 0 && on_segment(a, b, d)) ||
	       (o3 == 0 && on_segment(c, d, a)) || (o4 == 0 && on_segment(c, d, b));
}

int geo_ring_check(const struct geo_point *ring, size_t n, size_t max_points, char *why,
		   size_t whylen)
{
	double area = 0;

	if (n < 4)
		return text_fail(why, whylen,
				 "a polygon ring needs at least 4 positions (3 corners and the "
				 "first repeated to close it)");
	if (n > max_points)
		return text_fail(why, whylen,
				 "a polygon ring may have at most %zu positions", max_points);
	for (size_t i = 0; i < n; i++) {
		if (!geo_point_valid(ring[i]))
			return text_fail(why, whylen,
					 "position %zu is out of range (longitude -180..180, latitude -90..90)",
					 i);
	}
	if (ring[0].lat != ring[n - 1].lat || ring[0].lon != ring[n - 1].lon)
		return text_fail(why, whylen,
				 "the ring is open: its last position must repeat its first");
	for (size_t i = 0; i + 1 < n; i++) {
		if (ring[i].lat == ring[i + 1].lat && ring[i].lon == ring[i + 1].lon)
			return text_fail(why, whylen,
					 "positions %zu and %zu are the same point", i, i + 1);
		area += ring[i].lon * ring[i + 1].lat - ring[i + 1].lon * ring[i].lat;
	}
	/* every pair of non-adjacent edges must not touch */
	for (size_t i = 0; i + 1 < n; i++) {
		for (size_t j = i + 2; j + 1 < n; j++) {
			if (i == 0 && j == n - 2)
				continue; /* the closing edge meets the first */
			if (segments_cross(ring[i], ring[i + 1], ring[j], ring[j + 1]))
				return text_fail(why, whylen,
						 "the ring intersects itself: edge %zu crosses edge %zu",
						 i, j);
		}
	}
	if (fabs(area) < 1e-12)
		return text_fail(why, whylen, "the ring encloses no area");
	return 0;
}
