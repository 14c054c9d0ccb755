// A victim's location (where she lives, where her phone is, where she pressed
// her alarm) goes only to the roles that protect her: officer, supervisor,
// advocate, operator.  An analyst never receives it, from any endpoint; a
// clinician sees a zone without its geometry; and no log or audit line
// carries a position.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ROLES, expectError, sleep, startServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

let srv;
const c = {};
let k;

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

// distinctive coordinates, easy to find in any text
const HER_HOME = [51.4321987, -0.0987654];
const HER_PHONE = [51.4411223, -0.0911447];
const HER_ALARM = [51.4388765, -0.0933321];
const needles = [HER_HOME, HER_PHONE, HER_ALARM].flatMap(([lat, lon]) => [String(lat).slice(0, 8), String(lon).slice(0, 8)]);
const leaks = (text) => needles.filter((n) => text.includes(n));

let m; // the case
let alarm;
before(async () => {
	srv = await startServer();
	const clients = await Promise.all(ROLES.map((r) => srv.login(r)));
	ROLES.forEach((r, i) => (c[r] = clients[i]));
	k = monitoringKit(srv, c);
	m = await k.monitored({
		victim: true,
		zones: [circle(HER_HOME, 300, { name: 'Her home' }), { kind: 'proximity', radius_m: 500, name: 'Her' }],
	});
	alarm = await k.device('victim_alarm');
	await k.assign(m.ref, alarm, 'victim');
	// her phone reports; she presses her alarm; he comes near her
	await k.trail(m.phone, [HER_PHONE]);
	await k.post([{ device: alarm, at: iso(nextAt()), lat: HER_ALARM[0], lon: HER_ALARM[1], events: ['sos'] }]);
	await k.trail(m.tag, [dest(HER_PHONE, 3000, 0), dest(HER_PHONE, 100, 0)]);
	await k.waitAlert(m.ref, 'panic');
	await k.waitAlert(m.ref, 'proximity');
	// the case is referred to the advocates, and the suspect joins the programme
	let r = await c.officer.post(`/api/v1/cases/${m.ref}/referrals`, { agency: 'sas', note: 'victim support' });
	assert.equal(r.status, 201, r.text);
	r = await c.officer.post(`/api/v1/cases/${m.ref}/programme`, { consent_note: 'consent on form 12' });
	assert.equal(r.status, 201, r.text);
});
after(async () => {
	if (srv) assert.equal(await srv.stop(), 0);
});

describe('an analyst', () => {
	test("sees the case's zones without geometry: geometry_withheld, no coordinates anywhere", async () => {
		const res = await c.analyst.get(`/api/v1/cases/${m.ref}/zones`);
		assert.equal(res.status, 200, res.text);
		const home = res.body.zones.find((z) => z.name === 'Her home');
		assert.equal(home.geometry, undefined);
		assert.equal(home.geometry_withheld, true);
		assert.deepEqual(leaks(res.text), []);
	});

	test('reads the case and its timeline with no coordinates in them', async () => {
		for (const p of [`/api/v1/cases/${m.ref}`, `/api/v1/cases/${m.ref}/timeline`]) {
			const res = await c.analyst.get(p);
			assert.equal(res.status, 200, `${p}: ${res.text}`);
			assert.deepEqual(leaks(res.text), [], p);
		}
	});

	test("may not read devices (their state holds her phone's position): 403", async () => {
		expectError(await c.analyst.get('/api/v1/devices'), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/devices/${m.phone}`), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/devices/${alarm}`), 403, 'forbidden');
	});

	test('may not read alerts (her panic is placed where she pressed it): 403, nor the stream', async () => {
		const panic = await k.waitAlert(m.ref, 'panic');
		expectError(await c.analyst.get('/api/v1/alerts'), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/alerts?case=${m.ref}`), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/alerts/${panic.id}`), 403, 'forbidden');
		expectError(await c.analyst.get('/api/v1/alerts/stream'), 403, 'forbidden');
	});

	test('may not post fixes or draw zones: 403', async () => {
		expectError(await c.analyst.post('/api/v1/fixes', { fixes: [{ device: m.phone, at: iso(nextAt()), lat: 51.4, lon: -0.1 }] }), 403, 'forbidden');
		expectError(await c.analyst.post(`/api/v1/cases/${m.ref}/zones`, circle(HER_HOME, 100, { name: 'x' })), 403, 'forbidden');
	});

	test('finds no coordinates in the case list either', async () => {
		const res = await c.analyst.get('/api/v1/cases?limit=200');
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(leaks(res.text), []);
	});
});

describe('the other roles', () => {
	test("a clinician (the suspect is in her programme) sees the zones without geometry", async () => {
		const res = await c.clinician.get(`/api/v1/cases/${m.ref}/zones`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.zones.find((z) => z.name === 'Her home').geometry_withheld, true);
		assert.deepEqual(leaks(res.text), []);
	});

	test('the advocate of a referred case sees the geometry of her home zone', async () => {
		const res = await c.advocate.get(`/api/v1/cases/${m.ref}/zones`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.zones.find((z) => z.name === 'Her home').geometry.coordinates, lonlat(HER_HOME));
	});

	test("the officer and the operator see her phone's last position", async () => {
		for (const role of ['officer', 'operator', 'supervisor']) {
			const res = await c[role].get(`/api/v1/devices/${m.phone}`);
			assert.equal(res.status, 200, res.text);
			assert.deepEqual([res.body.state.last_position.lat, res.body.state.last_position.lon], HER_PHONE, role);
		}
	});

	test('the operator sees where she pressed her alarm, and its trail', async () => {
		const panic = await k.waitAlert(m.ref, 'panic');
		const res = await c.operator.get(`/api/v1/alerts/${panic.id}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.trail.map((f) => [f.lat, f.lon]), [HER_ALARM]);
		assert.deepEqual([panic.position.lat, panic.position.lon], HER_ALARM);
	});
});

describe('logs and audit', () => {
	test("no position of hers in the server's log", async () => {
		await sleep(100);
		assert.deepEqual(leaks(srv.stderr()), []);
		assert.deepEqual(leaks(srv.stdout()), []);
	});

	test('no position of hers in the audit trail', async () => {
		const res = await c.supervisor.get('/api/v1/audit?limit=500');
		assert.equal(res.status, 200, res.text);
		assert.ok(res.text.includes('zone'), 'the zones were audited');
		assert.deepEqual(leaks(res.text), []);
	});
});
