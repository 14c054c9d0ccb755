// The exclusion-zone rule, trail by trail (src/core/zonerule.h): a confident
// entry at once; a centre inside with an uncertain circle is a possible entry,
// confirmed by a next fix with its centre inside that puts the readings inside
// by a good fix's error, and cancelled by a fix wholly outside; a centre
// outside is never an entry however large its circle;
// leaving needs the circle out by the hysteresis, so drift along an edge makes
// one entry, not a storm; the warning ring fires once per approach.  And a tag
// is evaluated only against the zones of the cases it is assigned to, while
// the assignment runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, sqlite, stopServer } from './lib/server.mjs';
import { circle, deg, dest, EARTH_R, iso, kinds, nextAt, rad, startMonitoring } from './lib/monitorkit.mjs';

let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring());
});
after(() => stopServer(srv));

const HOME = [51.5074, -0.1278];
/** Points at these distances (m) from the centre on a bearing. */
const at = (centre, dists, brg = 90) => dists.map((d) => dest(centre, d, brg));

describe('a trail that crosses into a circular zone', () => {
	let m;
	let times;
	// radius 200 m, ring 200 m: warning from 400 m, confident entry under 180 m with 10 m accuracy
	const dists = [1450, 1350, 1250, 1150, 1050, 950, 850, 750, 650, 550, 450, 350, 250, 150, 50, 0, 80];
	before(async () => {
		m = await k.monitored({ zones: [circle(HOME, 200)] });
		times = await k.trail(m.tag, at(HOME, dists));
		await k.settle();
	});

	test('raises exactly one warning and one entry, the warning first', async () => {
		assert.deepEqual(kinds(await k.alerts(m.ref)), ['zone_warning', 'zone_entry']);
	});

	test('the warning is high, at the first fix in the ring (350 m from the centre)', async () => {
		const [w] = await k.alerts(m.ref, 'zone_warning');
		assert.equal(w.severity, 'high');
		assert.equal(w.state, 'open');
		assert.equal(w.fix_at, times[dists.indexOf(350)]);
		assert.equal(w.zone_id, m.zones[0].id);
		assert.ok(Math.abs(w.detail.distance_m - 150) < 3, `distance to the edge ${w.detail.distance_m}`);
	});

	test('the entry is critical, at the first fix confidently inside (150 m), with his position and the distance', async () => {
		const [e] = await k.alerts(m.ref, 'zone_entry');
		assert.equal(e.severity, 'critical');
		assert.equal(e.fix_at, times[dists.indexOf(150)]);
		assert.equal(e.zone_id, m.zones[0].id);
		assert.deepEqual(e.device, { uid: m.tag, kind: 'offender_tag' });
		const p = at(HOME, [150])[0];
		assert.ok(Math.abs(e.position.lat - p[0]) < 1e-9 && Math.abs(e.position.lon - p[1]) < 1e-9, JSON.stringify(e.position));
		assert.ok(Math.abs(e.detail.distance_m + 50) < 3, `distance to the edge ${e.detail.distance_m}`);
		assert.equal(e.detail.uncertainty_m, 10);
	});

	test("the entry's trail holds the fixes around it, in order", async () => {
		const [e] = await k.alerts(m.ref, 'zone_entry');
		const res = await c.operator.get(`/api/v1/alerts/${e.id}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.trail.map((f) => f.at), times);
		assert.ok(res.body.trail.every((f) => f.accuracy_m === 10));
	});

	test('reading the entry alone shows the same detail (distance, uncertainty) as the list', async () => {
		const [e] = await k.alerts(m.ref, 'zone_entry');
		const res = await c.operator.get(`/api/v1/alerts/${e.id}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.detail, e.detail);
	});

	test('once both are resolved, leaving and coming back is a new approach: one more warning and one more entry', async () => {
		for (const a of await k.alerts(m.ref)) await k.resolve(a.id);
		// out past the ring (and its hysteresis), then in again
		await k.trail(m.tag, at(HOME, [150, 250, 350, 450, 650, 900, 650, 450, 350, 250, 150, 100]));
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['zone_warning', 'zone_entry', 'zone_warning', 'zone_entry']);
		assert.deepEqual(all.map((a) => a.state), ['resolved', 'resolved', 'open', 'open']);
	});
});

describe('a trail that crosses into a polygon zone', () => {
	test('one warning in the ring, one entry confidently inside', async () => {
		// a square of 600 m sides centred on the home
		const dLat = deg(300 / EARTH_R);
		const dLon = deg(300 / (EARTH_R * Math.cos(rad(HOME[0]))));
		const [lat, lon] = HOME;
		const ring = [[lon - dLon, lat - dLat], [lon + dLon, lat - dLat], [lon + dLon, lat + dLat], [lon - dLon, lat + dLat], [lon - dLon, lat - dLat]];
		const m = await k.monitored({ zones: [{ kind: 'exclusion', geometry: { type: 'Polygon', coordinates: [ring] } }] });
		// from the east along the parallel: the east edge is 300 m from the centre
		const dists = [1250, 1050, 850, 650, 550, 450, 350, 250, 150];
		const times = await k.trail(m.tag, at(HOME, dists, 90));
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['zone_warning', 'zone_entry']);
		assert.equal(all[0].fix_at, times[dists.indexOf(450)], 'warning 150 m from the edge');
		assert.equal(all[1].fix_at, times[dists.indexOf(250)], 'entry 50 m inside the edge');
	});
});

describe('a trail that grazes the edge', () => {
	let m;
	before(async () => {
		m = await k.monitored({ zones: [circle(HOME, 200)] });
		// walking round the zone 215-240 m from the centre (15-40 m outside), accuracy 150-300 m
		const fixes = [];
		for (let i = 0; i <= 12; i++) {
			const p = dest(HOME, 215 + (i % 4) * 8, i * 15);
			fixes.push({ device: m.tag, at: iso(nextAt()), lat: p[0], lon: p[1], accuracy_m: 150 + (i % 3) * 75 });
		}
		const results = await k.post(fixes);
		assert.ok(results.every((r) => r.result === 'stored'));
		await k.settle();
	});

	test('centres just outside with large circles are never an entry', async () => {
		assert.deepEqual(kinds(await k.alerts(m.ref, 'zone_entry')), []);
	});

	test('but he walked in the warning ring: one warning', async () => {
		assert.deepEqual(kinds(await k.alerts(m.ref)), ['zone_warning']);
	});
});

describe('drift along the edge', () => {
	test('inside and then drifting across the edge within the hysteresis: one entry, no flapping', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 300, { warning_m: 0 })] });
		await k.trail(m.tag, at(HOME, [270]));
		const [entry] = await k.alerts(m.ref, 'zone_entry').then(async (a) => (a.length ? a : [await k.waitAlert(m.ref, 'zone_entry')]));
		// resolved, so that a second entry would show as a new alert
		await k.resolve(entry.id);
		// drifting 15 m in and 18 m out of the edge with 10 m accuracy, bearing wandering
		const drift = [290, 305, 315, 295, 310, 285, 318, 300, 312, 296, 316, 289];
		await k.trail(m.tag, drift.map((d, i) => dest(HOME, d, 80 + i * 2)));
		await k.settle();
		const entries = await k.alerts(m.ref, 'zone_entry');
		assert.equal(entries.length, 1, `entries: ${JSON.stringify(entries.map((a) => a.state))}`);
	});

	test('a real exit beyond the hysteresis and a return is a second entry', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 300, { warning_m: 0 })] });
		await k.trail(m.tag, at(HOME, [270]));
		const entry = await k.waitAlert(m.ref, 'zone_entry');
		await k.resolve(entry.id);
		await k.trail(m.tag, at(HOME, [360, 380, 270]));
		await k.settle();
		const entries = await k.alerts(m.ref, 'zone_entry');
		assert.equal(entries.length, 2);
		assert.equal(entries[1].state, 'open');
	});

	test('drift from outside: a possible entry, then a fix well inside, then drift, is one entry', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 300, { warning_m: 0 })] });
		// 295 m with 10 m accuracy: centre inside, circle across the edge
		await k.trail(m.tag, at(HOME, [600, 295]));
		await k.settle();
		assert.equal((await k.alerts(m.ref, 'zone_entry')).length, 0, 'a possible entry is not yet an alert');
		// 30 m inside with 10 m accuracy: an entry; then drift that never leaves
		await k.trail(m.tag, at(HOME, [270, 305, 296, 312, 298, 315, 291]));
		await k.settle();
		assert.equal((await k.alerts(m.ref, 'zone_entry')).length, 1);
	});

	test('drift from outside along the edge, a few centres just inside, is no entry', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 300, { warning_m: 0 })] });
		// 3-12 m either side of the line with 10 m accuracy: the readings
		// together stay about on it, never confidently inside
		await k.trail(m.tag, at(HOME, [600, 305, 296, 312, 298, 304, 297, 309, 303]));
		assert.deepEqual(await k.settledKinds(m.ref), []);
	});
});

describe('an uncertain fix inside', () => {
	test('is not yet an entry, and the next fix with its centre inside confirms it', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		// 20 m inside with 60 m accuracy
		const [first] = await k.trail(m.tag, [dest(HOME, 180, 0)], { accuracy_m: 60 });
		assert.deepEqual(await k.settledKinds(m.ref), [], 'a possible entry only');
		const [second] = await k.trail(m.tag, [dest(HOME, 190, 10)], { accuracy_m: 60 });
		await k.settle();
		const all = await k.alerts(m.ref);
		assert.deepEqual(kinds(all), ['zone_entry']);
		assert.equal(all[0].fix_at, second);
		assert.notEqual(all[0].fix_at, first);
	});

	test('is cancelled by a next fix whose circle is wholly outside: no entry', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		await k.trail(m.tag, [dest(HOME, 180, 0)], { accuracy_m: 60 });
		await k.trail(m.tag, [dest(HOME, 600, 0)], { accuracy_m: 20 });
		assert.deepEqual(await k.settledKinds(m.ref), []);
		// and a later fix in the middle of nowhere near still raises nothing
		await k.trail(m.tag, [dest(HOME, 700, 0)]);
		assert.deepEqual(await k.settledKinds(m.ref), []);
	});

	test('is not cancelled by a centre outside whose circle still crosses the edge; a next centre inside that puts the readings inside confirms', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		await k.trail(m.tag, [dest(HOME, 180, 0)], { accuracy_m: 60 });
		await k.trail(m.tag, [dest(HOME, 230, 0)], { accuracy_m: 60 });
		assert.deepEqual(await k.settledKinds(m.ref), []);
		// 50 m inside: the three readings together 13 m inside
		await k.trail(m.tag, [dest(HOME, 150, 0)], { accuracy_m: 60 });
		assert.deepEqual(await k.settledKinds(m.ref), ['zone_entry']);
	});

	test('cancelled by a fix that lands in the warning ring: the ring still raises its warning', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200)] });
		await k.trail(m.tag, [dest(HOME, 180, 0)], { accuracy_m: 60 });
		// 150 m outside the edge: wholly outside, inside the 200 m ring
		await k.trail(m.tag, [dest(HOME, 350, 0)], { accuracy_m: 20 });
		assert.deepEqual(await k.settledKinds(m.ref), ['zone_warning']);
	});
});

describe('which zones a tag is evaluated against', () => {
	test("not another case's zone, even when he stands in it", async () => {
		const m = await k.monitored();
		const other = await k.newCase();
		await k.zone(other, circle(HOME, 500));
		await k.trail(m.tag, at(HOME, [900, 600, 100, 0]));
		assert.deepEqual(await k.settledKinds(other), []);
		assert.deepEqual(kinds(await k.alerts(m.ref)), []);
	});

	test('not a removed zone', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200)] });
		const res = await c.officer.del(`/api/v1/cases/${m.ref}/zones/${m.zones[0].id}`);
		assert.equal(res.status, 200, res.text);
		await k.trail(m.tag, at(HOME, [300, 100, 0]));
		assert.deepEqual(await k.settledKinds(m.ref), []);
	});

	test('changes to one case (read alone, not the whole configuration) leave the others as they were', async () => {
		const [P1, P2, P3] = [dest(HOME, 5000, 0), dest(HOME, 5000, 120), dest(HOME, 5000, 240)];
		const a = await k.monitored({ zones: [circle(P1, 200, { warning_m: 0 })] });
		const b = await k.monitored({ zones: [circle(P2, 200, { warning_m: 0 })] });
		// b: a second zone drawn, the first removed, a second tag assigned; a: untouched
		await k.zone(b.ref, circle(P3, 200, { warning_m: 0 }));
		const res = await c.officer.del(`/api/v1/cases/${b.ref}/zones/${b.zones[0].id}`);
		assert.equal(res.status, 200, res.text);
		const tag2 = await k.device('offender_tag');
		await k.assign(b.ref, tag2, 'suspect');
		await k.trail(a.tag, at(P1, [2000, 0]));
		await k.trail(b.tag, at(P2, [2000, 0])); // the removed zone
		await k.trail(tag2, at(P3, [2000, 0])); // the new zone, the new tag
		assert.deepEqual(await k.settledKinds(a.ref), ['zone_entry']);
		const bAlerts = await k.alerts(b.ref);
		assert.deepEqual(kinds(bAlerts), ['zone_entry']);
		assert.equal(bAlerts[0].device.uid, tag2);
	});

	test('a tag registered out of id order (two registrations committing the other way round) is still watched', async () => {
		// what two registrations committing out of id order leave on PostgreSQL, written behind
		// the server's back: the engine has read a device with a higher id than this one's
		await k.device('offender_tag');
		const top = Number(sqlite(srv.db, 'SELECT MAX(id) FROM devices').trim());
		const late = `late-${process.pid}-${Date.now()}`;
		sqlite(srv.db, `INSERT INTO devices (id, uid, kind, protocol, expected_interval_s, created_at, agency_id)
			VALUES (${top + 100}, '${late}-high', 'offender_tag', 'json', 3600, ${Date.now()},
			(SELECT id FROM agencies WHERE code = 'met'))`);
		await k.device('offender_tag'); // the engine reads the new ones: up to top + 101
		sqlite(srv.db, `INSERT INTO devices (id, uid, kind, protocol, expected_interval_s, created_at, agency_id)
			VALUES (${top + 50}, '${late}', 'offender_tag', 'json', 3600, ${Date.now()},
			(SELECT id FROM agencies WHERE code = 'met'))`);
		const ref = await k.newCase();
		await k.assign(ref, late, 'suspect');
		await k.zone(ref, circle(HOME, 200, { warning_m: 0 }));
		await k.trail(late, at(HOME, [2000, 0]));
		assert.deepEqual(await k.settledKinds(ref), ['zone_entry']);
	});

	test('a zone drawn after the tag was assigned is evaluated', async () => {
		const m = await k.monitored();
		await k.trail(m.tag, at(HOME, [2000]));
		await k.zone(m.ref, circle(HOME, 200, { warning_m: 0 }));
		await k.trail(m.tag, at(HOME, [100]));
		assert.deepEqual(await k.settledKinds(m.ref), ['zone_entry']);
	});

	test('not the zones of a case whose assignment has ended', async () => {
		const ref = await k.newCase();
		const tag = await k.device();
		const a = await k.assign(ref, tag, 'suspect');
		await k.end(ref, a.id);
		await k.zone(ref, circle(HOME, 200));
		await k.trail(tag, at(HOME, [300, 100]));
		assert.deepEqual(await k.settledKinds(ref), []);
	});

	test('not the zones of a case whose assignment has not started', async () => {
		const ref = await k.newCase();
		const tag = await k.device();
		await k.assign(ref, tag, 'suspect', { starts_at: iso(Date.now() + 3600e3) });
		await k.zone(ref, circle(HOME, 200));
		await k.trail(tag, at(HOME, [300, 100]));
		assert.deepEqual(await k.settledKinds(ref), []);
	});
});

describe('an assignment period that begins or ends while the server runs', () => {
	const starting = {};
	const ending = {};
	before(async () => {
		const now = Date.now();
		starting.ref = await k.newCase();
		starting.tag = await k.device();
		await k.assign(starting.ref, starting.tag, 'suspect', { starts_at: iso(now + 1500) });
		await k.zone(starting.ref, circle(HOME, 200, { warning_m: 0 }));
		ending.ref = await k.newCase();
		ending.tag = await k.device();
		await k.assign(ending.ref, ending.tag, 'suspect', { ends_at: iso(now + 1500) });
		await k.zone(ending.ref, circle(HOME, 200, { warning_m: 0 }));
		await sleep(Math.max(0, now + 2500 - Date.now()));
	});

	test('an assignment that has since begun is evaluated', async () => {
		await k.trail(starting.tag, at(HOME, [100]));
		assert.deepEqual(await k.settledKinds(starting.ref), ['zone_entry']);
	});

	test('an assignment that has since ended is no longer evaluated', async () => {
		await k.trail(ending.tag, at(HOME, [100]));
		assert.deepEqual(await k.settledKinds(ending.ref), []);
	});
});
