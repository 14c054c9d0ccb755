// The response protocol the alert desk walks: the calls to the victim and to
// the offender are steps with their times (POST /api/v1/alerts/{id}/steps),
// listed with every other event of the alert; the alert's detail gives the
// victim's last known position only to the roles that protect her; and
// /api/v1/me tells the UI which map tiles to use (none by default).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, expectError, ROLES, stopServer } from './lib/server.mjs';
import { iso, nextAt, startMonitoring } from './lib/monitorkit.mjs';

let srv;
let c;
let k;
const HOME = [51.5074, -0.1278];
const SHE = [51.52, -0.1];

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--map-tiles', 'https://tiles.example.org/{z}/{x}/{y}.png', '--map-attribution', '© the map makers'] }, ROLES));
});
after(() => stopServer(srv));

async function tamperAlert({ victim = false } = {}) {
	const m = await k.monitored({ victim });
	if (victim) await k.trail(m.phone, [SHE]);
	await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
	return { m, a: await k.waitAlert(m.ref, 'tamper') };
}

describe('steps of the response protocol', () => {
	test('a call to the victim and to the offender are recorded with their times, in order', async () => {
		const { a } = await tamperAlert();
		const t0 = Date.now();
		let res = await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_victim' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.step, 'called_victim');
		assert.ok(Math.abs(Date.parse(res.body.at) - t0) < 5000);
		res = await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_offender' });
		assert.equal(res.status, 201, res.text);
		res = await c.operator.post(`/api/v1/alerts/${a.id}/dispatch`, {});
		assert.equal(res.status, 200, res.text);
		const got = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.deepEqual(got.body.steps.map((s) => s.event), ['opened', 'called_victim', 'called_offender', 'dispatched']);
		for (const s of got.body.steps) assert.ok(Date.parse(s.at) > 0 && s.event_id > 0);
	});

	test('an unknown step, a missing one and an extra field are 400s naming the field', async () => {
		const { a } = await tamperAlert();
		expectError(await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'sent_police' }), 400, 'bad_request', 'step');
		expectError(await c.operator.post(`/api/v1/alerts/${a.id}/steps`, {}), 400, 'bad_request', 'step');
		expectError(await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_victim', by: 'x' }), 400, 'bad_request', 'by');
	});

	test('no steps on a resolved alert (409), none on an alert that does not exist (404)', async () => {
		const { a } = await tamperAlert();
		await k.resolve(a.id, 'false_alarm');
		expectError(await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_victim' }), 409, 'illegal_transition');
		expectError(await c.operator.post('/api/v1/alerts/99999999/steps', { step: 'called_victim' }), 404, 'not_found');
	});

	test('only the roles that work the queue record steps', async () => {
		const { a } = await tamperAlert();
		for (const role of ['officer', 'clinician', 'advocate', 'analyst', 'admin'])
			expectError(await c[role].post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_victim' }), 403, 'forbidden');
		const res = await c.supervisor.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_victim' });
		assert.equal(res.status, 201, res.text);
	});

	test('a step is in the audit trail', async () => {
		const { a } = await tamperAlert();
		await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_offender' });
		const res = await c.supervisor.get('/api/v1/audit?action=alert.step&limit=50');
		assert.equal(res.status, 200, res.text);
		assert.ok(res.body.entries.some((e) => e.object === `alert:${a.id}` && /called_offender/.test(e.detail || '')), res.text);
	});

	test('a step reaches the live stream as an event of the alert', async () => {
		const { a } = await tamperAlert();
		const ctl = new AbortController();
		const res = await fetch(`${srv.url}/api/v1/alerts/stream?last_event_id=0`, { headers: { Cookie: c.operator.cookie, Accept: 'text/event-stream' }, signal: ctl.signal });
		await c.operator.post(`/api/v1/alerts/${a.id}/steps`, { step: 'called_victim' });
		const reader = res.body.getReader();
		let text = '';
		const deadline = Date.now() + 5000;
		while (!text.includes('"event":"called_victim"') && Date.now() < deadline) {
			const { value, done } = await reader.read();
			if (done) break;
			text += new TextDecoder().decode(value);
		}
		ctl.abort();
		assert.match(text, /"event":"called_victim"/);
	});
});

describe("the victim's last known position in an alert", () => {
	test('given to the operator and the officer, from her phone', async () => {
		const { a } = await tamperAlert({ victim: true });
		for (const role of ['operator', 'supervisor']) {
			const got = await c[role].get(`/api/v1/alerts/${a.id}`);
			assert.equal(got.status, 200, got.text);
			assert.ok(got.body.victim_position, `${role}: ${got.text}`);
			assert.ok(Math.abs(got.body.victim_position.lat - SHE[0]) < 1e-6);
			assert.ok(Math.abs(got.body.victim_position.lon - SHE[1]) < 1e-6);
			assert.ok(Date.parse(got.body.victim_position.at) > 0);
		}
	});

	test('not given once the alert is resolved', async () => {
		const { a } = await tamperAlert({ victim: true });
		await k.resolve(a.id, 'false_alarm');
		const got = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.equal(got.status, 200, got.text);
		assert.equal('victim_position' in got.body, false);
	});

	test('null when she carries no device', async () => {
		const { a } = await tamperAlert();
		const got = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.equal(got.body.victim_position, null);
	});
});

describe('map tiles for the UI', () => {
	test('/api/v1/me gives the configured tile URL and its credit line', async () => {
		const me = await c.officer.get('/api/v1/me');
		assert.deepEqual(me.body.ui, { map_tiles: 'https://tiles.example.org/{z}/{x}/{y}.png', map_attribution: '© the map makers', geocoder: false });
	});

	test('a tile URL that is not an https template is refused at start', () => {
		for (const bad of ['http://tiles.example.org/{z}/{x}/{y}.png', 'https://tiles.example.org/tile.png', 'https://x/{z}/{x}/{y}.png" onload="']) {
			const r = cli(['serve', '--db', ':memory:', '--map-tiles', bad]);
			assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
			assert.match(r.stderr, /--map-tiles wants an https:\/\/ URL template/);
		}
	});

	test('an attribution with a control character or too long is refused at start', () => {
		for (const bad of ['line\nbreak', 'x'.repeat(301)]) {
			const r = cli(['serve', '--db', ':memory:', '--map-attribution', bad]);
			assert.equal(r.status, 2, r.stderr);
			assert.match(r.stderr, /--map-attribution is UTF-8 text of at most 300 bytes/);
		}
	});
});
