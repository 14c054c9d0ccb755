// Shared by the monitoring API tests: positions on the ground, fix times,
// waiting on the engine, and a kit that makes devices, cases, zones and fixes
// and reads alerts as an operator and an officer do.
import assert from 'node:assert/strict';

import { createCase, unique, victim } from './casekit.mjs';
import { sleep, startServer } from './server.mjs';


export const EARTH_R = 6371008.8; // metres: a sphere is close enough for positions metres clear of an edge
export const rad = (d) => (d * Math.PI) / 180;
export const deg = (r) => (r * 180) / Math.PI;
/** The point dist metres from p = [lat, lon] on the bearing brg (degrees from north). */
export function dest([lat, lon], dist, brg) {
	const d = dist / EARTH_R;
	const b = rad(brg);
	const p1 = rad(lat);
	const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
	const l2 = rad(lon) + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
	return [deg(p2), deg(l2)];
}
/** GeoJSON order. */
export const lonlat = ([lat, lon]) => [lon, lat];
export const circle = (centre, radius_m, extra = {}) => ({ kind: 'exclusion', geometry: { type: 'Point', coordinates: lonlat(centre) }, radius_m, ...extra });

let lastAt = 0;
/** A fix time in ms: now, and always later than the one before. */
export function nextAt() {
	lastAt = Math.max(Date.now(), lastAt + 1);
	return lastAt;
}
export const iso = (ms) => new Date(ms).toISOString();

export async function waitFor(what, fn, timeoutMs = 5000) {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(50);
	}
}

/** Devices, cases, zones, fixes and alerts, as an operator and an officer do them. */
export function monitoringKit(srv, c) {
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
		/** End an assignment now (PATCH .../monitoring/{id}). */
		async end(ref, id, reason = 'taken off') {
			const res = await c.officer.patch(`/api/v1/cases/${ref}/monitoring/${id}`, { reason });
			assert.equal(res.status, 200, res.text);
			return res.body;
		},
		async zone(ref, body) {
			const res = await c.officer.post(`/api/v1/cases/${ref}/zones`, { name: unique('zone'), ...body });
			assert.equal(res.status, 201, res.text);
			return res.body;
		},
		/** A case whose suspect wears the new tag uid of that protocol, with a 100 m zone at centre: {ref, tag}. */
		async watched(uid, centre, protocol = 'teltonika') {
			const res = await c.operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol });
			assert.equal(res.status, 201, res.text);
			const ref = await k.newCase();
			await k.assign(ref, uid, 'suspect');
			await k.zone(ref, circle(centre, 100, { warning_m: 0 }));
			return { ref, tag: uid };
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
		/**
		 * A case whose victim's number is phone's (a ukMobile()), with his
		 * tag on him and an exclusion zone of 100 m round home: {ref, tag}.
		 */
		async herCase(phone, home) {
			const ref = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('s')}` }, victims: [victim({ identifiers: [{ kind: 'phone', value: phone.national }] })] })).ref;
			const tag = await k.device('offender_tag');
			await k.assign(ref, tag, 'suspect');
			await k.zone(ref, circle(home, 100, { warning_m: 0 }));
			return { ref, tag };
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
		/** GET /api/v1/alerts/{id} as the operator: the alert, with its notifications. */
		async alert(id) {
			const res = await c.operator.get(`/api/v1/alerts/${id}`);
			assert.equal(res.status, 200, res.text);
			return res.body;
		},
		/** The kinds of the case's alerts (of that kind only, if given), oldest first, once the engine has applied everything posted. */
		async settledKinds(ref, kind) {
			await k.settle();
			return kinds(await k.alerts(ref, kind));
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
export const kinds = (alerts) => alerts.map((a) => a.kind);

/**
 * A monitoring test's server: started with these options, these roles signed
 * in ({role: client}) and a kit on them; returns {srv, c, k}, for
 * `before(async () => ({ srv, c, k } = await startMonitoring()));`.
 */
export async function startMonitoring(options, roles = ['operator', 'officer']) {
	const srv = await startServer(options);
	try {
		const c = await srv.logins(roles);
		return { srv, c, k: monitoringKit(srv, c) };
	} catch (e) {
		await srv.stop();
		throw e;
	}
}
