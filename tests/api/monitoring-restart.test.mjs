// A restart in the middle of a lost-signal period: the engine rebuilds its
// state from the database, so the open lost_signal alert (and its escalation
// near a zone) survives and is not raised a second time, the device still
// shows signal_lost, and a device that was silent but not yet lost when the
// server stopped is found lost afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, sleep, spawnServer, sqlite, startServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

const ARGS = ['--lost-min-seconds', '1', '--lost-speed', '1000'];
let srv; // the first server (its directory and database)
let second = null; // the server started after the restart
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

const HOME = [51.5074, -0.1278];
const openedEvents = (alertId) =>
	Number(sqlite(srv.db, `SELECT COUNT(*) FROM alert_events WHERE alert_id = ${alertId} AND kind = 'opened'`).trim());

const s = {}; // the scenarios
const seen = {}; // what was seen after the restart

before(async () => {
	srv = await startServer({ args: ARGS });
	[c.operator, c.officer] = await Promise.all([srv.login('operator'), srv.login('officer')]);
	k = monitoringKit(srv, c);

	// lost, escalated near a zone 4 km away, both alerts open
	s.open = await k.monitored({ tag: { expected_interval_s: 1 }, zones: [circle(dest(HOME, 4000, 90), 100, { warning_m: 0 })] });
	// lost and escalated too, but both alerts resolved while he is still silent
	s.resolved = await k.monitored({ tag: { expected_interval_s: 1 }, zones: [circle(dest(HOME, 4000, 270), 100, { warning_m: 0 })] });
	await k.trail(s.open.tag, [HOME]);
	await k.trail(s.resolved.tag, [HOME]);
	for (const x of [s.open, s.resolved]) {
		x.lost = await k.waitAlert(x.ref, 'lost_signal', 8000);
		x.near = await k.waitAlert(x.ref, 'lost_signal_near_zone', 8000);
	}
	for (const a of [s.resolved.lost, s.resolved.near]) await k.resolve(a.id, 'technical');
	// silent, not yet lost when the server stops
	s.silent = await k.monitored({ tag: { expected_interval_s: 1 } });
	[s.silent.fixAt] = await k.trail(s.silent.tag, [HOME]);
	await k.settle();
	s.silentBefore = await k.alerts(s.silent.ref);

	// stop the server (not srv.stop(): that removes the database) and start another on the same database
	srv.child.kill('SIGTERM');
	seen.firstExit = await srv.exited;
	second = await spawnServer(srv.db, [...ARGS, '--attachments', srv.attachments, '--osmand-listen', 'off']);
	for (const role of ['operator', 'officer']) {
		c[role] = new Client(second.url);
		const res = await c[role].login(role, srv.passwords[role]);
		assert.equal(res.status, 200, res.text);
	}
	seen.openState = (await k.deviceState(s.open.tag)).state;
	// several engine ticks, and long enough for the silent one to be lost (3 s)
	await sleep(Math.max(2500, Date.parse(s.silent.fixAt) + 4500 - Date.now()));
	for (const x of ['open', 'resolved', 'silent']) seen[x] = await k.alerts(s[x].ref);
});
after(async () => {
	if (second && second.child.exitCode === null && second.child.signalCode === null) {
		second.child.kill('SIGTERM');
		await second.exited;
	}
	if (srv) await srv.stop();
});

describe('a restart in the middle of a lost-signal period', () => {
	test('the first server stopped cleanly', () => {
		assert.equal(seen.firstExit.code, 0);
	});

	test('the device still shows signal_lost after the restart', () => {
		assert.equal(seen.openState.signal_lost, true);
	});

	test('the open lost_signal alert survives: the same alert, still open, opened once', () => {
		const lost = seen.open.filter((a) => a.kind === 'lost_signal');
		assert.equal(lost.length, 1, JSON.stringify(kinds(seen.open)));
		assert.equal(lost[0].id, s.open.lost.id);
		assert.equal(lost[0].state, 'open');
		assert.equal(openedEvents(lost[0].id), 1);
	});

	test('its escalation near the zone is not raised again', () => {
		assert.deepEqual(kinds(seen.open), ['lost_signal', 'lost_signal_near_zone']);
		const near = seen.open.find((a) => a.kind === 'lost_signal_near_zone');
		assert.equal(near.id, s.open.near.id);
		assert.equal(openedEvents(near.id), 1);
	});

	test('a lost_signal alert resolved while he was still silent is not raised again by the restart', () => {
		const lost = seen.resolved.filter((a) => a.kind === 'lost_signal');
		assert.deepEqual(lost.map((a) => a.state), ['resolved'], 'the same silence, already handled');
	});

	test('a near-zone escalation resolved while he was still silent is not raised again by the restart', () => {
		const near = seen.resolved.filter((a) => a.kind === 'lost_signal_near_zone');
		assert.deepEqual(near.map((a) => a.state), ['resolved']);
	});

	test('a device silent but not yet lost at the stop is found lost after the restart, once', () => {
		assert.deepEqual(kinds(s.silentBefore), []);
		const lost = seen.silent.filter((a) => a.kind === 'lost_signal');
		assert.equal(lost.length, 1);
		assert.equal(lost[0].fix_at, s.silent.fixAt, 'from his last fix before the restart');
	});

	test('a new fix after the restart restores the signal', async () => {
		await k.trail(s.open.tag, [HOME]);
		await waitFor('signal restored', async () => !(await k.deviceState(s.open.tag)).state.signal_lost);
	});
});
