// A possible entry confirmed by time (`--confirm-seconds`): a centre inside
// with an uncertain circle and then silence becomes an entry once the
// confirmation time has passed; one questioned by a later reading is decided
// then by the readings weighed together; one cancelled by a fix wholly
// outside, or a fix whose centre was never inside, never becomes an entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, startServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

const CONFIRM_S = 2;
let srv;
const c = {};
let k;

before(async () => {
	srv = await startServer({ args: ['--confirm-seconds', String(CONFIRM_S)] });
	[c.operator, c.officer] = await Promise.all([srv.login('operator'), srv.login('officer')]);
	k = monitoringKit(srv, c);
});
after(async () => {
	if (srv) assert.equal(await srv.stop(), 0);
});

// ---- helpers (each monitoring test file carries its own copy) ---------------

const EARTH_R = 6371008.8; // metres: a sphere is close enough for positions metres clear of an edge
const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;
/** The point dist metres from p = [lat, lon] on the bearing brg (degrees from north). */
function dest([lat, lon], dist, brg) {
	const d = dist / EARTH_R;
	const b = rad(brg);
	const p1 = rad(lat);
	const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
	const l2 = rad(lon) + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
	return [deg(p2), deg(l2)];
}
/** GeoJSON order. */
const lonlat = ([lat, lon]) => [lon, lat];
const circle = (centre, radius_m, extra = {}) => ({ kind: 'exclusion', geometry: { type: 'Point', coordinates: lonlat(centre) }, radius_m, ...extra });

let lastAt = 0;
/** A fix time in ms: now, and always later than the one before. */
function nextAt() {
	lastAt = Math.max(Date.now(), lastAt + 1);
	return lastAt;
}
const iso = (ms) => new Date(ms).toISOString();

async function waitFor(what, fn, timeoutMs = 5000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(50);
	}
}

/** Devices, cases, zones, fixes and alerts, as an operator and an officer do them. */
function monitoringKit(srv, c) {
	let sentinel = null;
	const k = {
		async device(kind = 'offender_tag', extra = {}) {
			const uid = unique(kind === 'offender_tag' ? 'tag' : 'vic');
			const res = await c.operator.post('/api/v1/devices', { uid, kind, protocol: 'json', ...extra });
			assert.equal(res.status, 201, res.text);
			return uid;
		},
		async newCase() {
			return (await createCase(c.officer, { suspect: { name: `Suspect ${unique('s')}` } })).ref;
		},
		async assign(ref, uid, role = 'suspect', extra = {}) {
			const res = await c.officer.post(`/api/v1/cases/${ref}/monitoring`, { device: uid, role, ...extra });
			assert.equal(res.status, 201, res.text);
			return res.body;
		},
		async zone(ref, body) {
			const res = await c.officer.post(`/api/v1/cases/${ref}/zones`, { name: unique('zone'), ...body });
			assert.equal(res.status, 201, res.text);
			return res.body;
		},
		/** A case whose suspect wears a new tag (and, if asked, whose victim carries a phone). */
		async monitored({ zones = [], victim = false, tag = {} } = {}) {
			const ref = await k.newCase();
			const uid = await k.device('offender_tag', tag);
			await k.assign(ref, uid, 'suspect');
			let phone = null;
			if (victim) {
				phone = await k.device('victim_phone');
				await k.assign(ref, phone, 'victim');
			}
			const made = [];
			for (const z of zones) made.push(await k.zone(ref, z));
			return { ref, tag: uid, phone, zones: made };
		},
		/** POST /api/v1/fixes as the operator: the results. */
		async post(fixes) {
			const res = await c.operator.post('/api/v1/fixes', { fixes });
			assert.equal(res.status, 200, res.text);
			return res.body.results;
		},
		/** Positions [lat, lon] of one device, in order, each at a new time: their times. */
		async trail(uid, points, extra = {}) {
			const fixes = points.map((p) => ({ device: uid, at: iso(nextAt()), lat: p[0], lon: p[1], accuracy_m: 10, ...extra }));
			const results = await k.post(fixes);
			results.forEach((r, i) => assert.equal(r.result, 'stored', `fix ${i}: ${JSON.stringify(r)}`));
			return fixes.map((f) => f.at);
		},
		/** Wait until the engine has applied everything posted so far. */
		async settle() {
			if (!sentinel) sentinel = await k.device('offender_tag');
			const at = iso(nextAt());
			await k.post([{ device: sentinel, at, lat: 51.3, lon: -0.5 }]);
			await waitFor('the engine to catch up', async () => {
				const res = await c.operator.get(`/api/v1/devices/${sentinel}`);
				return res.body.state?.last_fix_at === at;
			});
		},
		async alerts(ref, kind) {
			const res = await c.operator.get(`/api/v1/alerts?case=${ref}&limit=500`);
			assert.equal(res.status, 200, res.text);
			return res.body.alerts.filter((a) => !kind || a.kind === kind).reverse(); // oldest first
		},
		async waitAlert(ref, kind, timeoutMs = 5000) {
			return waitFor(`a ${kind} alert on ${ref}`, async () => (await k.alerts(ref, kind))[0], timeoutMs);
		},
		async resolve(id, outcome = 'breach_confirmed') {
			const res = await c.operator.post(`/api/v1/alerts/${id}/resolve`, { outcome, note: 'handled in the test' });
			assert.equal(res.status, 200, res.text);
			return res.body;
		},
		async deviceState(uid) {
			const res = await c.operator.get(`/api/v1/devices/${uid}`);
			assert.equal(res.status, 200, res.text);
			return res.body;
		},
	};
	return k;
}
/** The kinds of alerts, oldest first. */
const kinds = (alerts) => alerts.map((a) => a.kind);

const HOME = [51.5074, -0.1278];

describe('a possible entry and the passing of time', () => {
	const s = {}; // the scenarios, all started together so that one wait serves them all
	let startedAt;
	let earlyAlerts;

	before(async () => {
		const zone = () => circle(HOME, 200, { warning_m: 0 });
		[s.silent, s.ambiguous, s.questioned, s.cancelled, s.grazing, s.certain] = await Promise.all(
			[1, 2, 3, 4, 5, 6].map(() => k.monitored({ zones: [zone()] })));
		startedAt = Date.now();
		// centre 20 m inside, circle 60 m: possible entry, then nothing
		[s.silent.possibleAt] = await k.trail(s.silent.tag, [dest(HOME, 180, 0)], { accuracy_m: 60 });
		// possible entry (20 m in), then a centre 10 m outside whose circle still crosses the edge:
		// on balance inside
		[s.ambiguous.possibleAt] = await k.trail(s.ambiguous.tag, [dest(HOME, 180, 90)], { accuracy_m: 60 });
		await k.trail(s.ambiguous.tag, [dest(HOME, 210, 90)], { accuracy_m: 60 });
		// possible entry (20 m in), then a centre 40 m outside, as uncertain: on balance outside
		await k.trail(s.questioned.tag, [dest(HOME, 180, 135)], { accuracy_m: 60 });
		await k.trail(s.questioned.tag, [dest(HOME, 240, 135)], { accuracy_m: 60 });
		// possible entry, then a fix wholly outside
		await k.trail(s.cancelled.tag, [dest(HOME, 180, 180)], { accuracy_m: 60 });
		await k.trail(s.cancelled.tag, [dest(HOME, 500, 180)], { accuracy_m: 20 });
		// centre 10 m outside, circle 300 m
		await k.trail(s.grazing.tag, [dest(HOME, 210, 270)], { accuracy_m: 300 });
		// wholly inside: an entry at once, whatever the confirmation time
		await k.trail(s.certain.tag, [dest(HOME, 100, 45)], { accuracy_m: 10 });
		await k.settle();
		earlyAlerts = {};
		for (const name of Object.keys(s)) earlyAlerts[name] = kinds(await k.alerts(s[name].ref));
		assert.ok(Date.now() - startedAt < CONFIRM_S * 1000, 'the early look came before the confirmation time');
		await sleep(Math.max(0, startedAt + CONFIRM_S * 1000 + 1800 - Date.now()));
	});

	test('a certain entry does not wait for the confirmation time', () => {
		assert.deepEqual(earlyAlerts.certain, ['zone_entry']);
	});

	test('before the confirmation time a possible entry is not an alert', () => {
		assert.deepEqual(earlyAlerts.silent, []);
		assert.deepEqual(earlyAlerts.ambiguous, []);
		assert.deepEqual(earlyAlerts.questioned, []);
	});

	test('with nothing after it, a possible entry becomes an entry once the time has passed, at the fix that showed it', async () => {
		const all = await k.alerts(s.silent.ref);
		assert.deepEqual(kinds(all), ['zone_entry']);
		assert.equal(all[0].severity, 'critical');
		assert.equal(all[0].fix_at, s.silent.possibleAt);
		assert.ok(Date.parse(all[0].opened_at) - Date.parse(s.silent.possibleAt) >= CONFIRM_S * 1000 - 50,
			`opened ${all[0].opened_at}, the fix ${s.silent.possibleAt}`);
	});

	test('with an ambiguous fix after it (centre out, circle across the edge) and the readings on balance inside, it becomes an entry', async () => {
		assert.deepEqual(kinds(await k.alerts(s.ambiguous.ref)), ['zone_entry']);
	});

	test('questioned by a later reading that puts the readings on balance outside, it lapses at the confirmation time', async () => {
		assert.deepEqual(kinds(await k.alerts(s.questioned.ref)), []);
	});

	test('cancelled by a fix wholly outside, it never becomes an entry', async () => {
		assert.deepEqual(kinds(await k.alerts(s.cancelled.ref)), []);
	});

	test('a centre outside, however large its circle, never becomes an entry with time', async () => {
		assert.deepEqual(kinds(await k.alerts(s.grazing.ref)), []);
	});

	test('the confirmed entry is one alert: the later ticks do not raise it again', async () => {
		await sleep(1200);
		assert.equal((await k.alerts(s.silent.ref)).length, 1);
		assert.equal((await k.alerts(s.certain.ref)).length, 1);
	});
});
