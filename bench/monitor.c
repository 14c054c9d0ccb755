/*
 * bench/monitor — the monitoring benchmark.  Prints figures; never fails.
 *
 *   build/bench/monitor rules [OFFENDERS] [SEED]
 *       A reproducible simulated day in London: OFFENDERS tagged offenders
 *       (default 1000), each with a 200 m home zone, reporting every 60 s with
 *       GPS noise (5-15 m typical; 3% of fixes indoor, 50-300 m off, their
 *       reported accuracy often too small), with scripted approaches (known
 *       crossing times), grazing passes and drift along the edge.  Compares
 *       three rules against the ground truth: a plain per-fix threshold, the
 *       two-reading rule, and Vigil's (core/zonerule.c).  Then times decode
 *       (OsmAnd parameters) + rules on every fix, single core.
 *
 *       Scoring.  An episode is a run of minutes whose true position is
 *       inside the zone.  Episodes of a scripted approach are the approaches
 *       that must not be missed; the true path's dips of a few metres over
 *       the line while drifting along it are "edge touches", counted on their
 *       own (an alert there is right, but is not required, and no rule can
 *       tell a 3 m dip from 3 m of noise).  An alert belongs to an episode
 *       when it comes within one reporting interval of it (the fix's error
 *       can put an alert a minute before the truth crosses, or after it left);
 *       an alert that belongs to none is false.  Lateness is from the true
 *       crossing time (between two minutes' positions) to the alert, 0 if
 *       before.  An approach was "shown" when a good fix's centre (not an
 *       indoor outlier, which lands anywhere) was inside during it.
 *
 *   build/bench/monitor tcp HOST:PORT DEVICES RECORDS SECONDS FIRST_IMEI
 *                           [WALKERS FIRST_WALKER_IMEI]
 *       End to end over the Teltonika TCP port with durable storage: DEVICES
 *       connections, each sending packets of RECORDS records and waiting for
 *       each acknowledgement, for SECONDS.  Prints acknowledged fixes per
 *       second and the acknowledgement latency.  With WALKERS: as many more
 *       tags, each assigned to a case with a 50 m home zone at
 *       walker_centre(i) (bench/monitor.sh builds them), walking into it at
 *       2 m/s from 5 m inside its edge (HDOP 2: a possible entry), one
 *       record a packet, now-stamped.  A walker reports at the period its
 *       last Codec 12 command set (the number after "10050:", seconds; 10 s
 *       until told), answers each command, and changes its period only
 *       then: it obeys only what the server really sends.  Prints how soon
 *       the fast command came after the fix that opened the possible entry,
 *       how long the tags stayed fast, and how many fixes they sent fast.
 *
 *   build/bench/monitor osmand HOST:PORT CONNECTIONS SECONDS FIRST_ID
 *       The OsmAnd HTTP port as the Traccar Client app uses it: CONNECTIONS
 *       keep-alive connections, each one device (uids FIRST_ID and up), each
 *       sending GET /?id=..&lat=..&lon=..&timestamp=..&accuracy=.. and waiting
 *       for its 200 before the next, for SECONDS.  Prints requests per second
 *       and the request latency p50/p99/max.
 *
 *   build/bench/monitor latency OSMAND_HOST:PORT API_HOST:PORT COOKIE FIRST_ID
 *                               OFFENDERS VICTIMS RATE PROBES SECONDS
 *       Fix-to-alert latency on the live stream.  The database holds
 *       OFFENDERS offender tags (uids FIRST_ID and up), each assigned to a
 *       case of its own with a 50 m home zone at zone_centre(i), and VICTIMS
 *       victim phones (the uids after them) assigned to the same cases
 *       (bench/monitor.sh builds it).  Connected to GET /api/v1/alerts/stream
 *       with COOKIE (a signed-in operator's session), it sends background
 *       fixes far from every zone at RATE fixes/s over 8 keep-alive OsmAnd
 *       connections, and PROBES fixes spread over SECONDS, each from an
 *       offender not otherwise used, at the centre of his zone; each raises a
 *       zone_entry alert.  Latency: from writing the probe's request to
 *       reading its alert's "opened" event on the stream.  Prints p50/p99/max.
 *
 *   build/bench/monitor reconnect TEL_HOST:PORT API_HOST:PORT COOKIE TAGS SPREAD_S
 *                                 BACKLOG_S PERIOD_S FIRST_IMEI BREACH_EVERY EXPECTED_FILE
 *       A mass reconnect after a network outage: TAGS Teltonika tags (IMEIs
 *       FIRST_IMEI and up, tag i assigned to a case with a 50 m home zone at
 *       backlog_centre(i); bench/monitor.sh builds them) connect within
 *       SPREAD_S seconds, evenly spaced, each sending the BACKLOG_S seconds
 *       of fixes it recorded while it could not (one every PERIOD_S, HDOP
 *       1.0, in packets of at most 30 records, each packet after the last
 *       one's acknowledgement), then closing.  Each tag waits 500 m from its
 *       zone, except every BREACH_EVERY-th, which is at its zone's centre
 *       from 30% to 50% of the way through its backlog: one zone entry each,
 *       whose time is written to EXPECTED_FILE (uid TAB ms).  Prints how
 *       long the backlog took to store (first connection to last
 *       acknowledgement) and to judge (until the engine's queue is empty and
 *       it has judged every fix: vigil_engine_queued and
 *       vigil_engine_fixes_judged_total in /metrics, read with COOKIE, an
 *       administrator's session), and the peak of open sessions.  The
 *       script then checks each entry's alert against EXPECTED_FILE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "core/geo.h"
#include "core/zonerule.h"
#include "ingest/osmand.h"
#include "ingest/teltonika.h"

/* ---- a reproducible random source (xorshift64*) -------------------------- */

static uint64_t rng = 88172645463325252ULL;

static double urand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double nrand(void)
{
	double u = urand() + 1e-12, v = urand();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* ---- the simulated day --------------------------------------------------------- */

#define STEP_S 60
#define DAY_STEPS (24 * 3600 / STEP_S)
#define RADIUS 200.0
#define WARNING 100.0

enum segment { SEG_FAR, SEG_APPROACH, SEG_GRAZE, SEG_DRIFT };

struct sample {
	struct geo_point truth, seen;
	double acc;
	bool inside;    /* the truth */
	bool indoor;    /* the fix is an indoor outlier */
	uint8_t seg;    /* enum segment: what the script was doing */
};

struct offender {
	struct geo_point home;
	struct sample s[DAY_STEPS];
};

static long long extra_fixes;
static struct geo_point fast_seen;

/* The GPS model: 97% good (5-15 m), 3% indoor multipath (50-300 m) with an
 * often optimistic reported accuracy.  Returns whether the fix is indoor.
 * (Each fix's error is drawn afresh, also for the faster fixes a rule asks
 * for: real multipath lasts while he stays indoors, so a second reading 10 s
 * later is less independent than here.) */
static bool noisy(struct geo_point truth, struct geo_point *seen, double *acc)
{
	double err;
	bool indoor = urand() < 0.03;

	if (indoor) {
		err = 50 + 250 * urand();
		*acc = err * (0.3 + 0.9 * urand());
	} else {
		err = fabs(nrand()) * (5 + 10 * urand()) / 1.25;
		*acc = 5 + 10 * urand();
	}
	*seen = geo_direct(truth, urand() * 360, err);
	return indoor;
}

/* A day: mostly far away; two approaches that enter and stay 5-20 min; one
 * grazing pass 20-60 m outside; one stretch drifting along the edge.  Where a
 * graze or the drift overlaps an approach's last minutes, the approach wins:
 * its crossing times stay as scripted (the random draws are the same). */
static void make_day(struct offender *o)
{
	int ap1 = 200 + (int)(urand() * 300), ap2 = 800 + (int)(urand() * 400);
	int graze = 500 + (int)(urand() * 200), drift = 1200 + (int)(urand() * 150);
	double far_az = urand() * 360;

	for (int t = 0; t < DAY_STEPS; t++) {
		double dist = 3000 + 1000 * sin(t / 50.0), az = far_az + t * 0.3;
		struct sample *s = &o->s[t];

		s->seg = SEG_FAR;
		if (t >= graze && t < graze + 10) {
			dist = RADIUS + 20 + 40 * urand();
			az = far_az + (t - graze) * 3;
			s->seg = SEG_GRAZE;
		}
		if (t >= drift && t < drift + 30) {
			dist = RADIUS + 12 + 6 * nrand(); /* hugging the line, just outside */
			az = far_az + (t - drift) * 2;
			s->seg = SEG_DRIFT;
		}
		for (int k = 0; k < 2; k++) {
			int a = k ? ap2 : ap1, stay = 5 + (a % 16);

			/* approach at 40 m/min from 800 m, stay inside, leave */
			if (t >= a - 20 && t < a + stay + 20) {
				int rel = t - a;

				dist = rel < 0 ? -rel * 40.0 + RADIUS - 20 : rel < stay ? RADIUS * 0.5
											 : (rel - stay) * 40.0 + RADIUS + 10;
				az = far_az;
				s->seg = SEG_APPROACH;
			}
		}
		s->truth = geo_direct(o->home, az, dist);
		s->inside = geo_distance(o->home, s->truth) <= RADIUS;
		s->indoor = noisy(s->truth, &s->seen, &s->acc);
	}
}

struct tally {
	int approaches, missed, shown, missed_shown, false_alerts, touches, touches_alerted;
	double late_sum, late_max, wait_sum; /* wait: from the crossing to the first fix inside */
	int late_n;
};

#define MAX_ALERTS (DAY_STEPS * 6)

/* An entry alert: raised at, and standing until the rule saw him leave. */
struct alert {
	int64_t at, until;
};

static void vigil_event(enum zone_event e, int64_t t, struct alert *al, int *n)
{
	if (e == ZE_ENTER)
		al[(*n)++] = (struct alert){ t, INT64_MAX };
	else if (e == ZE_LEAVE && *n)
		al[*n - 1].until = t;
}

/* Run one rule over one offender's day; its entry alerts go to al[].
 * rule 0: plain threshold, 1: two readings, 2: Vigil's. */
static int run_rule(const struct offender *o, int rule, struct alert *al)
{
	struct zone_track tr = { 0 };
	struct zone_params p = { WARNING, 20, ZONE_CONFIRM_MS };
	bool inside_alerted = false, prev_centre = false;
	int n = 0;

	for (int i = 0; i < DAY_STEPS; i++) {
		const struct sample *s = &o->s[i];
		int64_t now = (int64_t)i * STEP_S * 1000;
		double d = geo_distance(o->home, s->seen) - RADIUS;
		bool centre = d <= 0, was = inside_alerted;

		if (rule == 0) {
			inside_alerted = centre;
		} else if (rule == 1) {
			inside_alerted = centre && prev_centre ? true : (!centre ? false : inside_alerted);
			prev_centre = centre;
		}
		if (rule < 2) {
			if (inside_alerted && !was)
				al[n++] = (struct alert){ now, INT64_MAX };
			else if (!inside_alerted && was)
				al[n - 1].until = now;
			continue;
		}
		vigil_event(zone_step(&tr, &p, d, zone_fix_uncertainty(s->acc), now), now, al, &n);
		/* "report faster": while a possible entry is undecided the tag
		 * reports every 10 s, along its true path, with fresh noise; time
		 * rules run before each (the engine runs them every second) */
		for (int k = 1; k < STEP_S / 10 && i + 1 < DAY_STEPS && tr.state == ZS_PENDING; k++) {
			const struct sample *nx = &o->s[i + 1];
			double f = k * 10.0 / STEP_S, acc;
			struct geo_point truth = { s->truth.lat + (nx->truth.lat - s->truth.lat) * f,
						   s->truth.lon + (nx->truth.lon - s->truth.lon) * f };
			int64_t t = now + k * 10000;

			vigil_event(zone_tick(&tr, &p, t), t, al, &n);
			if (tr.state != ZS_PENDING)
				break;
			noisy(truth, &fast_seen, &acc);
			extra_fixes++;
			vigil_event(zone_step(&tr, &p, geo_distance(o->home, fast_seen) - RADIUS,
					      zone_fix_uncertainty(acc), t),
				    t, al, &n);
		}
		vigil_event(zone_tick(&tr, &p, now + (STEP_S - 1) * 1000), now + (STEP_S - 1) * 1000, al,
			    &n);
	}
	return n;
}

/* Score one rule's alerts against the day's truth (see the header). */
static void evaluate(const struct offender *o, int rule, struct tally *t)
{
	static struct alert al[MAX_ALERTS];
	static bool used[MAX_ALERTS];
	int n = run_rule(o, rule, al);
	const int64_t tol = STEP_S * 1000;

	memset(used, 0, (size_t)n * sizeof *used);
	for (int i = 0; i < DAY_STEPS;) {
		int i0 = i, i1;
		bool approach = false, shown = false, caught = false;
		int64_t cross, first = INT64_MAX;

		if (!o->s[i].inside) {
			i++;
			continue;
		}
		while (i < DAY_STEPS && o->s[i].inside) {
			approach = approach || o->s[i].seg == SEG_APPROACH;
			shown = shown || (!o->s[i].indoor && geo_distance(o->home, o->s[i].seen) <= RADIUS);
			i++;
		}
		i1 = i - 1;
		/* the true crossing: between the last minute outside and the first inside */
		cross = (int64_t)i0 * STEP_S * 1000;
		if (i0 > 0) {
			double d0 = geo_distance(o->home, o->s[i0 - 1].truth) - RADIUS,
			       d1 = geo_distance(o->home, o->s[i0].truth) - RADIUS;

			cross -= (int64_t)(STEP_S * 1000 * (-d1 / (d0 - d1)));
		}
		for (int k = 0; k < n; k++) {
			/* raised earlier, on the way in, and still standing when he
			 * crossed: the desk had the alert in time */
			bool standing = approach && al[k].at < cross && al[k].until > cross;

			if (!standing && (al[k].at < (int64_t)i0 * STEP_S * 1000 - tol ||
					  al[k].at > (int64_t)i1 * STEP_S * 1000 + tol))
				continue;
			used[k] = true;
			caught = true;
			if (al[k].at < first)
				first = al[k].at;
		}
		if (!approach) {
			t->touches++;
			t->touches_alerted += caught;
			continue;
		}
		t->approaches++;
		t->wait_sum += (double)((int64_t)i0 * STEP_S * 1000 - cross) / 1000;
		t->shown += shown;
		if (!caught) {
			t->missed++;
			t->missed_shown += shown;
		} else {
			double late = first > cross ? (double)(first - cross) / 1000 : 0;

			t->late_sum += late;
			t->late_n++;
			if (late > t->late_max)
				t->late_max = late;
		}
	}
	for (int k = 0; k < n; k++)
		t->false_alerts += !used[k];
}

static int bench_rules(int n)
{
	static const char *names[] = { "plain per-fix threshold", "two readings", "Vigil (accuracy-aware)" };
	struct offender *os = calloc((size_t)n, sizeof *os);
	struct tally t[3] = { 0 };
	double secs;
	int64_t t0;
	size_t fixes = (size_t)n * DAY_STEPS;

	for (int i = 0; i < n; i++) {
		os[i].home.lat = 51.35 + urand() * 0.3;
		os[i].home.lon = -0.45 + urand() * 0.6;
		make_day(&os[i]);
	}
	printf("workload: %d offenders, one simulated day, a fix every %d s (%zu fixes),\n"
	       "          200 m home zones with a 100 m warning ring, 2 approaches each,\n"
	       "          GPS noise 5-15 m, 3%% of fixes 50-300 m off\n\n",
	       n, STEP_S, fixes);
	printf("%-24s %10s %8s %13s %10s %10s %13s %15s\n", "rule", "approaches", "missed",
	       "missed shown", "late avg s", "late max s", "false/off/day", "touches alerted");
	for (int r = 0; r < 3; r++) {
		for (int i = 0; i < n; i++)
			evaluate(&os[i], r, &t[r]);
		printf("%-24s %10d %8d %6d of %-4d %10.1f %10.1f %13.3f %7d of %-5d\n", names[r],
		       t[r].approaches, t[r].missed, t[r].missed_shown, t[r].shown,
		       t[r].late_n ? t[r].late_sum / t[r].late_n : 0, t[r].late_max,
		       (double)t[r].false_alerts / n, t[r].touches_alerted, t[r].touches);
	}
	printf("(approaches: the scripted ones; missed shown: those during which a good fix's centre\n"
	       " was inside, and no alert; late: from the true crossing; touches: the true path's dips\n"
	       " over the line while drifting along it, where an alert is right but not required;\n"
	       " %.1f s of the lateness, on average, is the wait for the first fix after the crossing;\n"
	       " Vigil's rule asked for %lld faster fixes: %.1f%% more fixes than the plain day)\n",
	       t[0].approaches ? t[0].wait_sum / t[0].approaches : 0, extra_fixes,
	       100.0 * (double)extra_fixes / (double)fixes);

	/* decode + rules throughput: every fix as OsmAnd parameters */
	{
		struct zone_track *tr = calloc((size_t)n, sizeof *tr);
		struct zone_params p = { WARNING, 20, ZONE_CONFIRM_MS };
		char (*lat)[24] = malloc(fixes * sizeof *lat), (*lon)[24] = malloc(fixes * sizeof *lon),
			(*acc)[16] = malloc(fixes * sizeof *acc), (*ts)[16] = malloc(fixes * sizeof *ts);
		size_t k = 0, events = 0;
		char why[100];

		for (int i = 0; i < n; i++)
			for (int j = 0; j < DAY_STEPS; j++, k++) {
				snprintf(lat[k], sizeof lat[k], "%.7f", os[i].s[j].seen.lat);
				snprintf(lon[k], sizeof lon[k], "%.7f", os[i].s[j].seen.lon);
				snprintf(acc[k], sizeof acc[k], "%.1f", os[i].s[j].acc);
				snprintf(ts[k], sizeof ts[k], "%d", 1795855008 + j * STEP_S);
			}
		t0 = clock_mono_ns();
		k = 0;
		for (int j = 0; j < DAY_STEPS; j++) {
			for (int i = 0; i < n; i++) {
				size_t idx = (size_t)i * DAY_STEPS + (size_t)j;
				struct osmand_param prm[5] = {
					{ "id", "tag", 2, 3 },
					{ "lat", lat[idx], 3, strlen(lat[idx]) },
					{ "lon", lon[idx], 3, strlen(lon[idx]) },
					{ "accuracy", acc[idx], 8, strlen(acc[idx]) },
					{ "timestamp", ts[idx], 9, strlen(ts[idx]) },
				};
				struct fix f;
				struct geo_point pt;
				double d, fast, margin, u;

				if (osmand_decode_params(prm, 5, &f, why, sizeof why) < 0)
					continue;
				pt.lat = f.lat;
				pt.lon = f.lon;
				/* the engine's path: a cheap bound first, the geodesic near the line */
				fast = geo_fast_distance(os[i].home, pt);
				margin = fast * GEO_FAST_REL_ERROR + GEO_FAST_ABS_ERROR;
				u = zone_fix_uncertainty(f.accuracy);
				d = fast - margin > RADIUS + WARNING + u + 20 + 50
					    ? fast - RADIUS
					    : geo_distance(os[i].home, pt) - RADIUS;
				events += zone_step(&tr[i], &p, d, u, f.at) != ZE_NONE;
				k++;
			}
		}
		secs = (double)(clock_mono_ns() - t0) / 1e9;
		printf("\ndecode (OsmAnd parameters) + rules, one core: %zu fixes in %.2f s = %.0f fixes/s"
		       " (%zu events)\n",
		       k, secs, k / secs, events);
		printf("zone track state: %zu bytes per offender-zone pair\n", sizeof(struct zone_track));
		free(tr);
		free(lat);
		free(lon);
		free(acc);
		free(ts);
	}
	free(os);
	return 0;
}

/* ---- end to end over TCP --------------------------------------------------- */

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A Codec 8 packet in b (its preamble and length left for codec8_end) of n
 * records: where the first record goes. */
static uint8_t *codec8_begin(uint8_t *b, int n)
{
	uint8_t *q = b + 8;

	*q++ = 0x08;
	*q++ = (uint8_t)n;
	return q;
}

/* A record's time and GPS element at q: priority 0, altitude alt m, angle,
 * sats satellites, speed in km/h.  Where its IO element goes. */
static uint8_t *put_gps(uint8_t *q, int64_t t_ms, double lat, double lon, int alt, int angle,
			int sats, int speed)
{
	put_be(q, (uint64_t)t_ms, 8), q += 8;
	*q++ = 0;
	put_be(q, (uint32_t)(int32_t)lrint(lon * 1e7), 4), q += 4;
	put_be(q, (uint32_t)(int32_t)lrint(lat * 1e7), 4), q += 4;
	put_be(q, (uint64_t)alt, 2), q += 2;
	put_be(q, (uint64_t)angle, 2), q += 2;
	*q++ = (uint8_t)sats;
	put_be(q, (uint64_t)speed, 2), q += 2;
	return q;
}

/* An IO element at q with HDOP x 10 (IO 182) alone.  Where the next record
 * goes. */
static uint8_t *put_io_hdop(uint8_t *q, int hdop10)
{
	*q++ = 0; /* event IO */
	*q++ = 1; /* total */
	*q++ = 0; /* 1-byte values */
	*q++ = 1; /* 2-byte values: HDOP x 10 */
	*q++ = 182;
	put_be(q, (uint64_t)hdop10, 2), q += 2;
	*q++ = 0;
	*q++ = 0;
	return q;
}

/* End the packet begun in b of n records, which end at q: its preamble,
 * length and CRC.  Its length. */
static size_t codec8_end(uint8_t *b, uint8_t *q, int n)
{
	size_t dlen;

	*q++ = (uint8_t)n;
	dlen = (size_t)(q - (b + 8));
	memset(b, 0, 4);
	put_be(b + 4, dlen, 4);
	put_be(q, teltonika_crc16(b + 8, dlen), 4);
	return 8 + dlen + 4;
}

static size_t packet(uint8_t *b, int records, int64_t t_ms, double lat, double lon)
{
	uint8_t *p = codec8_begin(b, records);

	for (int r = 0; r < records; r++) {
		p = put_gps(p, t_ms + r, lat, lon + r * 1e-6, 30, 90, 10, 20);
		*p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0;
	}
	return codec8_end(b, p, records);
}

/* ---- walkers: tags that obey the server's commands ---------------------------- */

#define WALK_SPEED 2.0        /* m/s, towards the centre */
#define WALK_START_M 45.0     /* from the centre of a 50 m zone: 5 m inside */
#define WALK_PERIOD_MS 10000  /* until a command says otherwise */

/* The home zone of walker i (bench/monitor.sh builds the same in SQL):
 * 0.01 degrees of latitude (1.1 km) apart, north of the latency grid. */
static void walker_centre(long long i, double *lat, double *lon)
{
	*lat = 51.8 + (double)i * 0.01;
	*lon = -0.3;
}

struct walker {
	int fd;
	struct geo_point centre;
	uint8_t in[4096];
	size_t len;
	int64_t period_ms, next_ms; /* wall */
	int64_t first_ms;           /* wall: its first fix, which opens the possible entry */
	bool awaiting;              /* a packet not yet acknowledged */
	double fast_ms, normal_ms;  /* ms after the first fix: its fast, then normal command */
	int commands, fast_fixes;
	long long acked;
};

/* One record at p, now, HDOP 2 with 10 satellites (IO 182 = 20). */
static size_t walker_packet(uint8_t *b, int64_t t_ms, struct geo_point p)
{
	uint8_t *q = codec8_begin(b, 1);

	q = put_gps(q, t_ms, p.lat, p.lon, 30, 270, 10, (int)lrint(WALK_SPEED * 3.6));
	q = put_io_hdop(q, 20);
	return codec8_end(b, q, 1);
}

/* What the server wrote: record counts, and commands, which are answered
 * and obeyed.  -1 when the stream makes no sense. */
static int walker_read(struct walker *w, int64_t now)
{
	ssize_t r = read(w->fd, w->in + w->len, sizeof w->in - w->len);

	if (r <= 0)
		return -1;
	w->len += (size_t)r;
	while (w->len >= 4) {
		uint32_t n = (uint32_t)w->in[0] << 24 | (uint32_t)w->in[1] << 16 |
			     (uint32_t)w->in[2] << 8 | w->in[3];
		char text[256], why[100];
		const char *at;
		int used;

		if (n) { /* a record count */
			w->acked += n;
			w->awaiting = false;
			used = 4;
		} else {
			uint8_t resp[512];
			int k;

			used = teltonika_codec12_decode(w->in, w->len, TELTONIKA_COMMAND, text, sizeof text,
							why, sizeof why);
			if (used == TELTONIKA_MORE)
				break;
			if (used < 0) {
				fprintf(stderr, "walker: the server wrote a bad command: %s\n", why);
				return -1;
			}
			w->commands++;
			/* obey "10050:N" (the moving period), and say so */
			at = strstr(text, "10050:");
			if (at) {
				long sec = strtol(at + 6, NULL, 10);
				double since = (double)(now - w->first_ms);

				if (sec >= 1 && sec <= 86400) {
					if (sec * 1000 < w->period_ms && !w->fast_ms)
						w->fast_ms = since;
					else if (sec * 1000 > w->period_ms && w->fast_ms && !w->normal_ms)
						w->normal_ms = since;
					w->period_ms = sec * 1000;
					if (w->next_ms > now + w->period_ms)
						w->next_ms = now + w->period_ms;
				}
			}
			k = snprintf((char *)resp + 256, 200, "New value %s;",
				     !strncmp(text, "setparam ", 9) ? text + 9 : text);
			k = teltonika_codec12_encode(TELTONIKA_RESPONSE, (char *)resp + 256, (size_t)k, resp,
						     256);
			if (k <= 0 || write(w->fd, resp, (size_t)k) != k)
				return -1;
		}
		memmove(w->in, w->in + used, w->len - (size_t)used);
		w->len -= (size_t)used;
	}
	return 0;
}

/* Its next fix, when due and the last one was acknowledged. */
static int walker_step(struct walker *w, int64_t now)
{
	uint8_t b[128];
	double dist;
	size_t n;

	if (w->awaiting || now < w->next_ms)
		return 0;
	if (!w->first_ms)
		w->first_ms = now;
	dist = WALK_START_M - WALK_SPEED * (double)(now - w->first_ms) / 1000;
	n = walker_packet(b, now, geo_direct(w->centre, 90, dist < 5 ? 5 : dist));
	if (write(w->fd, b, n) != (ssize_t)n)
		return -1;
	w->awaiting = true;
	if (w->period_ms < WALK_PERIOD_MS)
		w->fast_fixes++;
	w->next_ms = now + w->period_ms;
	return 0;
}

static int cmp_double(const void *a, const void *b);

static void walkers_print(struct walker *w, int n)
{
	double *soon = calloc((size_t)n, sizeof *soon), stay = 0;
	int fast = 0, normal = 0, fixes = 0, commands = 0, ks = 0;

	for (int i = 0; i < n; i++) {
		commands += w[i].commands;
		fixes += w[i].fast_fixes;
		if (w[i].fast_ms) {
			fast++;
			soon[ks++] = w[i].fast_ms;
		}
		if (w[i].normal_ms) {
			normal++;
			stay += w[i].normal_ms - w[i].fast_ms;
		}
	}
	qsort(soon, (size_t)ks, sizeof *soon, cmp_double);
	printf("  walkers: %d tags walking into their home zones, obeying only the commands they read\n",
	       n);
	printf("    commands read and answered: %d; told to report fast: %d; told back to normal: %d\n",
	       commands, fast, normal);
	if (ks)
		printf("    fix that opened the possible entry to its fast command: p50 %.1f ms, max %.1f ms\n",
		       soon[ks / 2], soon[ks - 1]);
	if (normal)
		printf("    reporting fast for %.1f s on average, %d fixes sent fast in all\n",
		       stay / normal / 1000, fixes);
	free(soon);
}

static int bench_tcp(const char *hostport, int devices, int records, int seconds, long long imei0,
		     int nwalk, long long walk0)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	int port = atoi(colon + 1), *fd = calloc((size_t)devices, sizeof *fd);
	struct sockaddr_in sin = { 0 };
	uint8_t buf[8192];
	long long acked = 0;
	double lat_sum = 0, lat_max = 0;
	long long lat_n = 0;
	int64_t t_end, *sent_at = calloc((size_t)devices, sizeof *sent_at), t0;

	struct walker *walk = calloc((size_t)(nwalk > 0 ? nwalk : 1), sizeof *walk);

	snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sin.sin_addr);
	for (int i = 0; i < devices + nwalk; i++) {
		char imei[32];
		uint8_t hs[40], ok;
		int one = 1, n = snprintf(imei, sizeof imei, "%lld", i < devices ? imei0 + i : walk0 + (i - devices));
		int s = socket(AF_INET, SOCK_STREAM, 0);

		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(s, (struct sockaddr *)&sin, sizeof sin) < 0) {
			perror("connect");
			return 1;
		}
		put_be(hs, (uint64_t)n, 2);
		memcpy(hs + 2, imei, (size_t)n);
		if (write(s, hs, (size_t)n + 2) < 0 || read(s, &ok, 1) != 1 || ok != 1) {
			fprintf(stderr, "device %s refused (register it first)\n", imei);
			return 1;
		}
		if (i < devices) {
			fd[i] = s;
		} else {
			struct walker *w = &walk[i - devices];

			w->fd = s;
			walker_centre(i - devices, &w->centre.lat, &w->centre.lon);
			w->period_ms = WALK_PERIOD_MS;
		}
	}
	t0 = clock_mono_ns();
	t_end = t0 + (int64_t)seconds * 1000000000;
	{
		/* a day ago: each device's fixes 1 ms apart, all in the past */
		int64_t base = clock_now_ms() - 86400000;
		struct pollfd *pf = calloc((size_t)(devices + nwalk), sizeof *pf);

		for (int i = 0; i < nwalk; i++) {
			pf[devices + i].fd = walk[i].fd;
			pf[devices + i].events = POLLIN;
		}

		for (int i = 0; i < devices; i++) {
			size_t n = packet(buf, records, base + (int64_t)i * 1000000, 51.5, -0.1 + i * 1e-4);

			sent_at[i] = clock_mono_ns();
			if (write(fd[i], buf, n) < 0)
				return 1;
			pf[i].fd = fd[i];
			pf[i].events = POLLIN;
		}
		for (int64_t round = 1; clock_mono_ns() < t_end;) {
			/* walkers keep their own time: look at them often */
			int ready = poll(pf, (nfds_t)(devices + nwalk), nwalk ? 20 : 1000);
			int64_t now = clock_now_ms();

			for (int i = 0; i < nwalk; i++) {
				if (ready > 0 && (pf[devices + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
				    walker_read(&walk[i], now) < 0) {
					fprintf(stderr, "walker %d: its connection failed\n", i);
					return 1;
				}
				if (walker_step(&walk[i], now) < 0)
					return 1;
			}
			if (ready <= 0)
				continue;
			for (int i = 0; i < devices; i++) {
				uint8_t ack[4];
				double l;

				if (!(pf[i].revents & POLLIN))
					continue;
				if (read(fd[i], ack, 4) != 4)
					return 1;
				acked += (ack[0] << 24) | (ack[1] << 16) | (ack[2] << 8) | ack[3];
				l = (double)(clock_mono_ns() - sent_at[i]) / 1e6;
				lat_sum += l;
				lat_n++;
				if (l > lat_max)
					lat_max = l;
				{
					size_t n = packet(buf, records, base + (int64_t)i * 1000000 + round * records,
							  51.5, -0.1 + i * 1e-4);

					sent_at[i] = clock_mono_ns();
					if (write(fd[i], buf, n) < 0)
						return 1;
				}
			}
			round++;
		}
		free(pf);
	}
	{
		double secs = (double)(clock_mono_ns() - t0) / 1e9;

		printf("teltonika end to end (durable): %d connections, %d records per packet, %.1f s\n",
		       devices, records, secs);
		printf("  acknowledged fixes: %lld = %.0f fixes/s\n", acked, acked / secs);
		printf("  acknowledgement latency: mean %.2f ms, max %.2f ms\n", lat_n ? lat_sum / lat_n : 0,
		       lat_max);
		if (nwalk)
			walkers_print(walk, nwalk);
	}
	for (int i = 0; i < devices; i++)
		close(fd[i]);
	for (int i = 0; i < nwalk; i++)
		close(walk[i].fd);
	free(walk);
	free(fd);
	free(sent_at);
	return 0;
}

/* ---- HTTP clients: the OsmAnd port and the live stream ----------------------- */

static int connect_to(const char *hostport)
{
	char host[64];
	const char *colon = strrchr(hostport, ':');
	struct sockaddr_in sin = { 0 };
	int one = 1, fd;

	if (!colon)
		return -1;
	snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		perror("connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One keep-alive HTTP connection waiting for one answer at a time. */
struct hconn {
	int fd;
	char in[4096];
	size_t len;
	int64_t sent_at; /* 0: idle */
	long long id;    /* what the request was for (a device, a probe) */
};

static bool hconn_send(struct hconn *c, const char *req, size_t n)
{
	c->sent_at = clock_mono_ns();
	c->len = 0;
	while (n) {
		ssize_t w = write(c->fd, req, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		req += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read what is there; the answer's status once it is complete, 0 while it is
 * not, -1 on a closed or broken connection. */
static int hconn_read(struct hconn *c)
{
	ssize_t r = read(c->fd, c->in + c->len, sizeof c->in - 1 - c->len);
	char *end, *cl;
	size_t body;

	if (r <= 0)
		return -1;
	c->len += (size_t)r;
	c->in[c->len] = '\0';
	end = strstr(c->in, "\r\n\r\n");
	if (!end)
		return c->len == sizeof c->in - 1 ? -1 : 0;
	cl = strcasestr(c->in, "\r\ncontent-length:");
	body = cl && cl < end ? (size_t)atol(cl + 17) : 0;
	if (c->len < (size_t)(end + 4 - c->in) + body)
		return 0;
	c->sent_at = 0;
	return atoi(c->in + 9);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct lat_set {
	double *v;
	size_t n, cap;
};

static void lat_add(struct lat_set *l, double ms)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = ms;
}

static void lat_print(const char *what, struct lat_set *l)
{
	if (!l->n) {
		printf("  %s: none measured\n", what);
		return;
	}
	qsort(l->v, l->n, sizeof *l->v, cmp_double);
	printf("  %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu measured)\n", what,
	       l->v[l->n / 2], l->v[(size_t)((double)l->n * 0.99)], l->v[l->n - 1], l->n);
}

/* A Traccar Client request: Unix milliseconds, so that no two of one device's
 * fixes share a time (a duplicate would be acknowledged without a write). */
static size_t osmand_request(char *b, size_t cap, long long uid, double lat, double lon,
			     int64_t t_ms, double acc)
{
	return (size_t)snprintf(b, cap,
				"GET /?id=%lld&lat=%.6f&lon=%.6f&timestamp=%lld&accuracy=%.0f HTTP/1.1\r\n"
				"Host: bench\r\nUser-Agent: bench/monitor\r\n\r\n",
				uid, lat, lon, (long long)t_ms, acc);
}

static int bench_osmand(const char *hostport, int conns, int seconds, long long id0)
{
	struct hconn *c = calloc((size_t)conns, sizeof *c);
	struct pollfd *pf = calloc((size_t)conns, sizeof *pf);
	struct lat_set lat = { 0 };
	long long ok = 0, failed = 0;
	int64_t base = clock_now_ms() - 86400000, t0, t_end, *seq = calloc((size_t)conns, sizeof *seq);
	char req[512];
	double secs;

	for (int i = 0; i < conns; i++) {
		if ((c[i].fd = connect_to(hostport)) < 0)
			return 1;
		pf[i].fd = c[i].fd;
		pf[i].events = POLLIN;
	}
	t0 = clock_mono_ns();
	t_end = t0 + (int64_t)seconds * 1000000000;
	for (int i = 0; i < conns; i++)
		if (!hconn_send(&c[i], req, osmand_request(req, sizeof req, id0 + i, 51.5, -0.1 + i * 1e-4,
							   base, 8)))
			return 1;
	while (clock_mono_ns() < t_end) {
		if (poll(pf, (nfds_t)conns, 1000) <= 0)
			continue;
		for (int i = 0; i < conns; i++) {
			int64_t sent;
			int st;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			sent = c[i].sent_at;
			st = hconn_read(&c[i]);
			if (st < 0) {
				fprintf(stderr, "connection %d closed by the server\n", i);
				return 1;
			}
			if (!st)
				continue;
			if (st == 200)
				ok++;
			else
				failed++;
			lat_add(&lat, (double)(clock_mono_ns() - sent) / 1e6);
			seq[i]++;
			if (!hconn_send(&c[i], req,
					osmand_request(req, sizeof req, id0 + i, 51.5,
						       -0.1 + i * 1e-4 + (double)(seq[i] % 100) * 1e-6,
						       base + seq[i], 8)))
				return 1;
		}
	}
	secs = (double)(clock_mono_ns() - t0) / 1e9;
	printf("osmand end to end (durable): %d keep-alive connections, one device each, %.1f s\n",
	       conns, secs);
	printf("  answered 200: %lld = %.0f requests/s (other answers: %lld)\n", ok, ok / secs, failed);
	lat_print("request latency", &lat);
	for (int i = 0; i < conns; i++)
		close(c[i].fd);
	free(c);
	free(pf);
	free(seq);
	free(lat.v);
	return failed ? 1 : 0;
}

/* The zone of offender i in the latency workload (bench/monitor.sh builds the
 * same in SQL): a grid over London, 0.002 degrees of latitude (222 m) by
 * 0.004 of longitude (277 m) apart. */
static void zone_centre(long long i, double *lat, double *lon)
{
	*lat = 51.3 + (double)(i / 250) * 0.002;
	*lon = -0.5 + (double)(i % 250) * 0.004;
}

/* The live stream, de-chunked: calls fn on each complete "data:" line. */
struct sse {
	int fd;
	char raw[65536], data[65536];
	size_t rlen, dlen;
	size_t chunk_left; /* bytes of the current chunk still to come */
	bool in_body;
};

static int sse_open(struct sse *s, const char *hostport, const char *cookie)
{
	char req[1024];
	int n;

	memset(s, 0, sizeof *s);
	if ((s->fd = connect_to(hostport)) < 0)
		return -1;
	n = snprintf(req, sizeof req,
		     "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
		     "Cookie: %s\r\n\r\n",
		     cookie);
	return write(s->fd, req, (size_t)n) == n ? 0 : -1;
}

/* Read what is there; for each complete line of the event stream call fn.
 * -1 when the stream ended. */
static int sse_read(struct sse *s, void (*fn)(const char *line, void *arg), void *arg)
{
	ssize_t r = read(s->fd, s->raw + s->rlen, sizeof s->raw - s->rlen);
	size_t pos = 0;

	if (r <= 0)
		return -1;
	s->rlen += (size_t)r;
	if (!s->in_body) {
		char *end = memmem(s->raw, s->rlen, "\r\n\r\n", 4);

		if (!end)
			return 0;
		if (strncmp(s->raw, "HTTP/1.1 200", 12)) {
			fprintf(stderr, "the stream answered: %.*s\n", (int)(end - s->raw), s->raw);
			return -1;
		}
		s->in_body = true;
		pos = (size_t)(end + 4 - s->raw);
	}
	for (;;) {
		if (!s->chunk_left) {
			/* a chunk header: "<hex>\r\n", after the previous chunk's "\r\n" */
			char *nl;

			while (pos < s->rlen && (s->raw[pos] == '\r' || s->raw[pos] == '\n'))
				pos++;
			nl = memchr(s->raw + pos, '\n', s->rlen - pos);
			if (!nl)
				break;
			s->chunk_left = strtoul(s->raw + pos, NULL, 16);
			pos = (size_t)(nl + 1 - s->raw);
			if (!s->chunk_left)
				return -1;
		}
		{
			size_t n = s->rlen - pos < s->chunk_left ? s->rlen - pos : s->chunk_left;

			if (!n)
				break;
			memcpy(s->data + s->dlen, s->raw + pos, n);
			s->dlen += n;
			pos += n;
			s->chunk_left -= n;
		}
	}
	memmove(s->raw, s->raw + pos, s->rlen - pos);
	s->rlen -= pos;
	{
		char *start = s->data, *nl;

		while ((nl = memchr(start, '\n', s->dlen - (size_t)(start - s->data)))) {
			*nl = '\0';
			fn(start, arg);
			start = nl + 1;
		}
		s->dlen -= (size_t)(start - s->data);
		memmove(s->data, start, s->dlen);
	}
	return 0;
}

struct probes {
	long long id0, first; /* the first probe's uid */
	int n;
	int64_t *sent_at;     /* 0: not sent yet */
	bool *seen;
	struct lat_set lat;
	int other;            /* events that are not a probe's entry */
};

static void on_event_line(const char *line, void *arg)
{
	struct probes *p = arg;
	const char *uid;
	long long k;

	if (strncmp(line, "data: ", 6))
		return;
	if (!strstr(line, "\"event\":\"opened\"") || !strstr(line, "\"kind\":\"zone_entry\"") ||
	    !(uid = strstr(line, "\"uid\":\""))) {
		p->other++;
		return;
	}
	k = atoll(uid + 7) - p->first;
	if (k < 0 || k >= p->n || !p->sent_at[k] || p->seen[k]) {
		p->other++;
		return;
	}
	p->seen[k] = true;
	lat_add(&p->lat, (double)(clock_mono_ns() - p->sent_at[k]) / 1e6);
}

#define BG_CONNS 8
#define PROBE_CONNS 4

static int bench_latency(char **a)
{
	const char *osm = a[0], *api = a[1], *cookie = a[2];
	long long id0 = atoll(a[3]);
	int offenders = atoi(a[4]), victims = atoi(a[5]), rate = atoi(a[6]), nprobes = atoi(a[7]),
	    seconds = atoi(a[8]);
	int nbg = offenders - nprobes + victims, next_probe = 0;
	struct hconn c[BG_CONNS + PROBE_CONNS] = { 0 };
	struct pollfd pf[BG_CONNS + PROBE_CONNS + 1];
	struct probes p = { .id0 = id0, .first = id0 + offenders - nprobes, .n = nprobes };
	struct sse *s = calloc(1, sizeof *s);
	long long bg_sent = 0, bg_ok = 0, failed = 0;
	int64_t base = clock_now_ms() - 600000, t0, t_end, t_drain;
	char req[512];
	double secs;

	if (nbg <= 0 || nprobes <= 0 || seconds <= 0) {
		fprintf(stderr, "latency: nothing to do\n");
		return 2;
	}
	p.sent_at = calloc((size_t)nprobes, sizeof *p.sent_at);
	p.seen = calloc((size_t)nprobes, sizeof *p.seen);
	if (sse_open(s, api, cookie) < 0)
		return 1;
	for (int i = 0; i < BG_CONNS + PROBE_CONNS; i++) {
		if ((c[i].fd = connect_to(osm)) < 0)
			return 1;
		pf[i].fd = c[i].fd;
		pf[i].events = POLLIN;
	}
	pf[BG_CONNS + PROBE_CONNS].fd = s->fd;
	pf[BG_CONNS + PROBE_CONNS].events = POLLIN;
	usleep(300000); /* the stream is attached before the first probe */
	t0 = clock_mono_ns();
	t_end = t0 + (int64_t)seconds * 1000000000;
	t_drain = t_end + 5000000000LL;
	while (clock_mono_ns() < t_drain && (int)p.lat.n < nprobes) {
		int64_t now = clock_mono_ns();

		/* background: keep to RATE fixes/s, spread over the connections */
		for (int i = 0; i < BG_CONNS && now < t_end; i++) {
			long long k, uid;
			double lat, lon;

			if (c[i].sent_at || bg_sent >= (long long)((double)(now - t0) / 1e9 * rate))
				continue;
			k = bg_sent % nbg;
			/* offenders 0 .. offenders-nprobes-1, then the victims */
			uid = k < offenders - nprobes ? id0 + k : id0 + offenders + (k - (offenders - nprobes));
			zone_centre(uid - id0, &lat, &lon);
			lat += 0.02; /* 2.2 km north: far from every zone */
			if (!hconn_send(&c[i], req, osmand_request(req, sizeof req, uid, lat, lon,
								   base + bg_sent / nbg + 1, 10)))
				return 1;
			bg_sent++;
		}
		/* probes, evenly over the run */
		if (next_probe < nprobes && now >= t0 + (int64_t)((double)seconds * 1e9 * next_probe / nprobes)) {
			for (int i = BG_CONNS; i < BG_CONNS + PROBE_CONNS; i++) {
				double lat, lon;
				long long uid = p.first + next_probe;

				if (c[i].sent_at)
					continue;
				zone_centre(uid - id0, &lat, &lon);
				c[i].id = next_probe;
				if (!hconn_send(&c[i], req, osmand_request(req, sizeof req, uid, lat, lon,
									   clock_now_ms(), 5)))
					return 1;
				p.sent_at[next_probe++] = c[i].sent_at;
				break;
			}
		}
		if (poll(pf, BG_CONNS + PROBE_CONNS + 1, 1) <= 0)
			continue;
		for (int i = 0; i < BG_CONNS + PROBE_CONNS; i++) {
			int st;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			st = hconn_read(&c[i]);
			if (st < 0 && !c[i].sent_at) {
				/* closed while unused (the server cuts a connection that
				 * sends no request within its header deadline): a phone
				 * would connect again */
				close(c[i].fd);
				if ((c[i].fd = connect_to(osm)) < 0)
					return 1;
				pf[i].fd = c[i].fd;
				continue;
			}
			if (st < 0) {
				fprintf(stderr, "an OsmAnd connection was closed with a request in flight\n");
				return 1;
			}
			if (st == 200 && i < BG_CONNS)
				bg_ok++;
			else if (st && st != 200) {
				failed++;
				fprintf(stderr, "answer %d: %.200s\n", st, c[i].in);
			}
		}
		if (pf[BG_CONNS + PROBE_CONNS].revents && sse_read(s, on_event_line, &p) < 0) {
			fprintf(stderr, "the stream ended\n");
			return 1;
		}
	}
	secs = (double)(t_end - t0) / 1e9;
	printf("fix-to-alert latency: %d offender tags + %d victim phones, one case and one 50 m zone"
	       " per offender\n", offenders, victims);
	printf("  background: %lld fixes answered 200 in %.1f s = %.0f fixes/s (asked for %d/s)\n",
	       bg_ok, secs, bg_ok / secs, rate);
	printf("  probes: %d sent, %zu alerts seen on the stream, %d other events, %lld non-200 answers\n",
	       next_probe, p.lat.n, p.other, failed);
	lat_print("fix sent to alert read on the stream", &p.lat);
	close(s->fd);
	for (int i = 0; i < BG_CONNS + PROBE_CONNS; i++)
		close(c[i].fd);
	free(s);
	free(p.sent_at);
	free(p.seen);
	free(p.lat.v);
	return (int)p.lat.n == nprobes && !failed ? 0 : 1;
}

/* ---- a mass reconnect after an outage ---------------------------------------- */

#define BACKLOG_PER_PACKET 30

/* The home zone of backlog tag i (bench/monitor.sh builds the same in SQL):
 * a grid 200 wide, 0.01 degrees apart, north of the other parts' zones. */
static void backlog_centre(long long i, double *lat, double *lon)
{
	*lat = 53.0 + (double)(i / 200) * 0.01;
	*lon = -2.0 + (double)(i % 200) * 0.01;
}

/* Packet of n records at times t[] and points p[], HDOP 1.0 (IO 182 = 10). */
static size_t backlog_packet(uint8_t *b, int n, const int64_t *t, const struct geo_point *p)
{
	uint8_t *q = codec8_begin(b, n);

	for (int r = 0; r < n; r++) {
		q = put_gps(q, t[r], p[r].lat, p[r].lon, 60, 0, 11, 0);
		q = put_io_hdop(q, 10);
	}
	return codec8_end(b, q, n);
}

enum tag_phase { TAG_WAITING, TAG_CONNECTING, TAG_HELLO, TAG_SENDING, TAG_DONE };

struct btag {
	int fd;
	enum tag_phase phase;
	int next; /* its next record to send */
	int inflight;
};

/* The engine's queue and judged count from /metrics; -1 when unread. */
static int engine_progress(const char *api, const char *cookie, long long *queued,
			   long long *judged)
{
	char req[512], *buf = malloc(1 << 20), *at;
	size_t len = 0;
	int fd = connect_to(api), k;

	*queued = *judged = -1;
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	k = snprintf(req, sizeof req, "GET /metrics HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\n"
				      "Connection: close\r\n\r\n", api, cookie);
	if (write(fd, req, (size_t)k) != k) {
		close(fd);
		free(buf);
		return -1;
	}
	for (ssize_t r; len < (1 << 20) - 1 && (r = read(fd, buf + len, (1 << 20) - 1 - len)) > 0;)
		len += (size_t)r;
	buf[len] = '\0';
	close(fd);
	if ((at = strstr(buf, "\nvigil_engine_queued ")))
		*queued = atoll(at + 21);
	if ((at = strstr(buf, "\nvigil_engine_fixes_judged_total ")))
		*judged = atoll(at + 33);
	free(buf);
	return *queued >= 0 && *judged >= 0 ? 0 : -1;
}

static int bench_reconnect(char **a)
{
	const char *tel = a[0], *api = a[1], *cookie = a[2], *expected = a[9];
	int ntags = atoi(a[3]), spread_s = atoi(a[4]), backlog_s = atoi(a[5]), period_s = atoi(a[6]);
	long long imei0 = atoll(a[7]);
	int breach_every = atoi(a[8]);
	int nrec = period_s > 0 ? backlog_s / period_s : 0, done = 0, open_now = 0, peak = 0;
	int in_from = nrec * 3 / 10, in_to = nrec / 2, breaches = 0, refused = 0;
	struct btag *tags = calloc((size_t)ntags, sizeof *tags);
	struct pollfd *pf = calloc((size_t)ntags, sizeof *pf);
	int *pidx = calloc((size_t)ntags, sizeof *pidx);
	int64_t *times = calloc((size_t)(nrec > 0 ? nrec : 1), sizeof *times);
	long long fixes = 0, judged0 = 0, queued = 0, judged = 0;
	struct sockaddr_in sin = { 0 };
	int64_t t0, t_stored = 0, t_judged = 0, end_ms;
	const char *colon = strrchr(tel, ':');
	char host[64];
	FILE *ex = fopen(expected, "w");
	uint8_t buf[4096];

	if (!tags || !pf || !pidx || !times || !ex || !colon || ntags < 1 || nrec < 1 ||
	    nrec > 255 * 100) {
		fprintf(stderr, "reconnect: bad arguments\n");
		return 2;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - tel), tel);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, host, &sin.sin_addr);
	/* the backlog ends now: its fixes are the last BACKLOG_S seconds */
	end_ms = clock_now_ms() - 1000;
	for (int r = 0; r < nrec; r++)
		times[r] = end_ms - (int64_t)(nrec - r) * period_s * 1000;
	for (int i = 0; i < ntags; i++) {
		tags[i].fd = -1;
		if (breach_every > 0 && i % breach_every == 0) {
			fprintf(ex, "%lld\t%lld\n", imei0 + i, (long long)times[in_from]);
			breaches++;
		}
	}
	fclose(ex);
	engine_progress(api, cookie, &queued, &judged0);
	printf("mass reconnect: %d tags within %d s, each with %d s of backlog (%d fixes, one every "
	       "%d s), %d of them entering their zone in it\n",
	       ntags, spread_s, backlog_s, nrec, period_s, breaches);
	t0 = clock_mono_ns();
	while (done < ntags) {
		int64_t now = clock_mono_ns();
		int due = spread_s > 0 ? (int)((double)(now - t0) / 1e9 / spread_s * ntags) + 1 : ntags;
		int npf = 0, ready;

		if (due > ntags)
			due = ntags;
		/* start the connections now due */
		for (int i = 0; i < due; i++) {
			struct btag *t = &tags[i];
			int one = 1;

			if (t->phase != TAG_WAITING)
				continue;
			t->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (t->fd < 0) {
				perror("socket");
				return 1;
			}
			setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			if (connect(t->fd, (struct sockaddr *)&sin, sizeof sin) < 0 &&
			    errno != EINPROGRESS) {
				perror("connect");
				return 1;
			}
			t->phase = TAG_CONNECTING;
			if (++open_now > peak)
				peak = open_now;
		}
		for (int i = 0; i < due; i++) {
			struct btag *t = &tags[i];

			if (t->phase == TAG_DONE || t->phase == TAG_WAITING)
				continue;
			pf[npf].fd = t->fd;
			pf[npf].events = t->phase == TAG_CONNECTING ? POLLOUT : POLLIN;
			pidx[npf++] = i;
		}
		ready = poll(pf, (nfds_t)npf, 2);
		for (int k = 0; ready > 0 && k < npf; k++) {
			struct btag *t = &tags[pidx[k]];
			long long i = pidx[k];

			if (!pf[k].revents)
				continue;
			if (t->phase == TAG_CONNECTING) {
				char imei[32];
				int err = 0, n = snprintf(imei, sizeof imei, "%lld", imei0 + i);
				socklen_t el = sizeof err;

				getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err) {
					fprintf(stderr, "tag %lld: connect: %s\n", imei0 + i, strerror(err));
					return 1;
				}
				put_be(buf, (uint64_t)n, 2);
				memcpy(buf + 2, imei, (size_t)n);
				if (write(t->fd, buf, (size_t)n + 2) != n + 2)
					return 1;
				t->phase = TAG_HELLO;
				continue;
			}
			if (t->phase == TAG_HELLO) {
				uint8_t ok;

				if (read(t->fd, &ok, 1) != 1 || ok != 1) {
					refused++;
					close(t->fd);
					t->phase = TAG_DONE;
					open_now--;
					done++;
					continue;
				}
			} else { /* an acknowledgement: 4 bytes, the count */
				uint8_t ack[4];

				if (read(t->fd, ack, 4) != 4) {
					fprintf(stderr, "tag %lld: no acknowledgement\n", imei0 + i);
					return 1;
				}
				fixes += (ack[0] << 24) | (ack[1] << 16) | (ack[2] << 8) | ack[3];
			}
			if (t->next >= nrec) {
				close(t->fd);
				t->phase = TAG_DONE;
				open_now--;
				done++;
				if (done == ntags)
					t_stored = clock_mono_ns();
				continue;
			}
			{
				struct geo_point centre, pts[BACKLOG_PER_PACKET];
				int n = nrec - t->next < BACKLOG_PER_PACKET ? nrec - t->next
									    : BACKLOG_PER_PACKET;
				bool breacher = breach_every > 0 && i % breach_every == 0;
				size_t len;

				backlog_centre(i, &centre.lat, &centre.lon);
				for (int r = 0; r < n; r++) {
					int rec = t->next + r;
					bool inside = breacher && rec >= in_from && rec < in_to;

					pts[r] = inside ? centre : geo_direct(centre, 90, 500 + (rec % 3));
				}
				len = backlog_packet(buf, n, times + t->next, pts);
				if (write(t->fd, buf, len) != (ssize_t)len) {
					fprintf(stderr, "tag %lld: write failed\n", imei0 + i);
					return 1;
				}
				t->next += n;
				t->phase = TAG_SENDING;
			}
		}
	}
	if (!t_stored)
		t_stored = clock_mono_ns();
	/* judged: the queue empty and every fix of the backlog judged */
	for (;;) {
		if (engine_progress(api, cookie, &queued, &judged) == 0 && queued == 0 &&
		    judged - judged0 >= fixes) {
			t_judged = clock_mono_ns();
			break;
		}
		if ((clock_mono_ns() - t_stored) / 1000000000 > 600) {
			printf("  not judged within 10 minutes of the last acknowledgement (queued %lld, "
			       "judged %lld of %lld)\n",
			       queued, judged - judged0, fixes);
			break;
		}
		usleep(20000);
	}
	printf("  acknowledged fixes: %lld of %lld sent; tags refused: %d; peak open sessions: %d\n",
	       fixes, (long long)ntags * nrec, refused, peak);
	printf("  stored (first connection to last acknowledgement): %.1f s = %.0f fixes/s\n",
	       (double)(t_stored - t0) / 1e9, fixes / ((double)(t_stored - t0) / 1e9));
	if (t_judged)
		printf("  judged (first connection to the engine's queue empty, every fix judged): "
		       "%.1f s\n",
		       (double)(t_judged - t0) / 1e9);
	free(tags);
	free(pf);
	free(pidx);
	free(times);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "rules")) {
		if (argc >= 4)
			rng = strtoull(argv[3], NULL, 10) | 1;
		return bench_rules(argc >= 3 ? atoi(argv[2]) : 1000);
	}
	if (argc >= 7 && !strcmp(argv[1], "tcp"))
		return bench_tcp(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoll(argv[6]),
				 argc >= 9 ? atoi(argv[7]) : 0, argc >= 9 ? atoll(argv[8]) : 0);
	if (argc >= 6 && !strcmp(argv[1], "osmand"))
		return bench_osmand(argv[2], atoi(argv[3]), atoi(argv[4]), atoll(argv[5]));
	if (argc >= 11 && !strcmp(argv[1], "latency"))
		return bench_latency(argv + 2);
	if (argc >= 12 && !strcmp(argv[1], "reconnect"))
		return bench_reconnect(argv + 2);
	fprintf(stderr, "usage: monitor rules [OFFENDERS] [SEED]\n"
			"       monitor tcp HOST:PORT DEVICES RECORDS SECONDS FIRST_IMEI [WALKERS FIRST_IMEI]\n"
			"       monitor osmand HOST:PORT CONNECTIONS SECONDS FIRST_ID\n"
			"       monitor latency OSMAND_HOST:PORT API_HOST:PORT COOKIE FIRST_ID OFFENDERS\n"
			"                       VICTIMS RATE PROBES SECONDS\n"
			"       monitor reconnect TEL_HOST:PORT API_HOST:PORT COOKIE TAGS SPREAD_S BACKLOG_S\n"
			"                         PERIOD_S FIRST_IMEI BREACH_EVERY EXPECTED_FILE\n");
	return 2;
}
