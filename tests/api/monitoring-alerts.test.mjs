// The alert queue: the life of an alert (open → acknowledged → dispatched →
// resolved, resolving from any earlier state with an outcome and a note),
// the illegal moves (409), the response clocks, one unresolved alert per
// case, device, zone and kind, the filters, who may work the queue, and a
// critical alert left unacknowledged escalating (--escalate-seconds).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, ROLES, sleep, stopServer } from './lib/server.mjs';
import { iso, nextAt, startMonitoring } from './lib/monitorkit.mjs';

const ESCALATE_S = 2;
let srv;
let c;
let k;

const HOME = [51.5074, -0.1278];
const esc = {}; // the escalation scenarios, started in before()

/** A case whose tag reports this event: the open alert. */
async function alertOf(event = 'tamper', kind = event) {
	const m = await k.monitored();
	await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: [event] }]);
	const a = await k.waitAlert(m.ref, kind);
	return { ...a, m };
}
const move = (who, id, step, body = {}) => c[who].post(`/api/v1/alerts/${id}/${step}`, body);
const resolveBody = { outcome: 'breach_confirmed', note: 'police attended; he had left' };

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--escalate-seconds', String(ESCALATE_S)] }, ROLES));
	// started now, looked at later: a critical alert left alone, one acknowledged at once,
	// and a high and a medium one left alone
	esc.ignored = await alertOf('tamper');
	esc.acked = await alertOf('sos');
	const ack = await move('operator', esc.acked.id, 'acknowledge');
	assert.equal(ack.status, 200, ack.text);
	esc.high = await alertOf('case_open');
	esc.medium = await alertOf('low_battery');
	esc.startedAt = Date.now();
});
after(() => stopServer(srv));

describe('the life of an alert', () => {
	let a;
	before(async () => {
		a = await alertOf('tamper');
	});

	test('a new alert is open, version 1, with no response times yet', async () => {
		const res = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.state, 'open');
		assert.equal(res.body.version, 1);
		assert.equal(res.body.acknowledged_at, null);
		assert.equal(res.body.dispatched_at, null);
		assert.equal(res.body.resolved_at, null);
		assert.deepEqual(res.body.response_clock, {});
		assert.ok(Array.isArray(res.body.trail));
		assert.equal(res.body.trail.length, 1);
	});

	test('acknowledge: 200, acknowledged, with the time to acknowledge', async () => {
		const res = await move('operator', a.id, 'acknowledge');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.state, 'acknowledged');
		assert.equal(res.body.version, 2);
		assert.ok(res.body.acknowledged_at);
		const t = res.body.response_clock.to_acknowledge_s;
		assert.equal(typeof t, 'number');
		assert.ok(t >= 0 && t < 60, `to_acknowledge_s ${t}`);
		assert.equal(t, (Date.parse(res.body.acknowledged_at) - Date.parse(res.body.opened_at)) / 1000);
	});

	test('acknowledging again is 409 illegal_transition', async () => {
		expectError(await move('operator', a.id, 'acknowledge'), 409, 'illegal_transition');
	});

	test('dispatch: 200, dispatched, with the time to dispatch', async () => {
		await sleep(20);
		const res = await move('supervisor', a.id, 'dispatch', { note: 'unit 7 sent' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.state, 'dispatched');
		assert.ok(res.body.response_clock.to_dispatch_s >= res.body.response_clock.to_acknowledge_s);
	});

	test('dispatching again, or acknowledging a dispatched alert, is 409', async () => {
		expectError(await move('operator', a.id, 'dispatch'), 409, 'illegal_transition');
		expectError(await move('operator', a.id, 'acknowledge'), 409, 'illegal_transition');
	});

	test('resolving needs an outcome and a note (400 naming the missing one), and a known outcome', async () => {
		expectError(await move('operator', a.id, 'resolve', { note: 'done' }), 400, 'bad_request', 'outcome');
		expectError(await move('operator', a.id, 'resolve', { outcome: 'false_alarm' }), 400, 'bad_request', 'note');
		expectError(await move('operator', a.id, 'resolve', { outcome: 'sorted', note: 'done' }), 400, 'bad_request', 'outcome');
		expectError(await move('operator', a.id, 'resolve', {}), 400, 'bad_request');
		const res = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.equal(res.body.state, 'dispatched', 'still dispatched');
	});

	test('resolve: 200, resolved, with the outcome, the note and the time to resolve', async () => {
		await sleep(20);
		const res = await move('operator', a.id, 'resolve', resolveBody);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.state, 'resolved');
		const clock = res.body.response_clock;
		assert.ok(clock.to_acknowledge_s <= clock.to_dispatch_s && clock.to_dispatch_s <= clock.to_resolve_s, JSON.stringify(clock));
		assert.equal(res.body.outcome, 'breach_confirmed');
		assert.equal(res.body.note, resolveBody.note);
	});

	test('reading the resolved alert, alone or in the list, shows its outcome and note', async () => {
		const one = await c.operator.get(`/api/v1/alerts/${a.id}`);
		assert.equal(one.status, 200, one.text);
		assert.equal(one.body.outcome, 'breach_confirmed');
		assert.equal(one.body.note, resolveBody.note);
		const list = await c.operator.get(`/api/v1/alerts?case=${a.m.ref}`);
		const inList = list.body.alerts.find((x) => x.id === a.id);
		assert.equal(inList.outcome, 'breach_confirmed');
		assert.equal(inList.note, resolveBody.note);
	});

	test('a resolved alert cannot be resolved, acknowledged or dispatched again (409)', async () => {
		expectError(await move('operator', a.id, 'resolve', resolveBody), 409, 'illegal_transition');
		expectError(await move('operator', a.id, 'acknowledge'), 409, 'illegal_transition');
		expectError(await move('operator', a.id, 'dispatch'), 409, 'illegal_transition');
	});

	test('the list filters by state', async () => {
		const of = async (state) => (await c.operator.get(`/api/v1/alerts?state=${state}&case=${a.m.ref}`)).body.alerts.map((x) => x.id);
		assert.deepEqual(await of('resolved'), [a.id]);
		assert.deepEqual(await of('open'), []);
		assert.deepEqual(await of('unresolved'), []);
	});
});

describe('other paths', () => {
	test('an open alert may be dispatched at once, then resolved', async () => {
		const a = await alertOf('tamper');
		const d = await move('operator', a.id, 'dispatch');
		assert.equal(d.status, 200, d.text);
		assert.equal(d.body.acknowledged_at, null);
		assert.equal(d.body.response_clock.to_acknowledge_s, undefined);
		assert.equal((await move('operator', a.id, 'resolve', resolveBody)).status, 200);
	});

	test('an open alert may be resolved at once as a false alarm', async () => {
		const a = await alertOf('tamper');
		const res = await move('supervisor', a.id, 'resolve', { outcome: 'false_alarm', note: 'strap refitted' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.outcome, 'false_alarm');
	});

	test('an acknowledged alert may be resolved as technical', async () => {
		const a = await alertOf('tamper');
		assert.equal((await move('operator', a.id, 'acknowledge')).status, 200);
		const res = await move('operator', a.id, 'resolve', { outcome: 'technical', note: 'faulty strap sensor' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.outcome, 'technical');
	});

	test('an outcome when acknowledging is 400 on outcome; an unknown field 400 naming it', async () => {
		const a = await alertOf('tamper');
		expectError(await move('operator', a.id, 'acknowledge', { outcome: 'false_alarm' }), 400, 'bad_request', 'outcome');
		expectError(await move('operator', a.id, 'acknowledge', { priority: 1 }), 400, 'bad_request', 'priority');
	});

	test('a stale version is 409 stale_version; the current one works', async () => {
		const a = await alertOf('tamper');
		expectError(await move('operator', a.id, 'acknowledge', { version: 7 }), 409, 'stale_version', 'version');
		const res = await move('operator', a.id, 'acknowledge', { version: 1 });
		assert.equal(res.status, 200, res.text);
		expectError(await move('operator', a.id, 'dispatch', { version: 1 }), 409, 'stale_version', 'version');
		assert.equal((await move('operator', a.id, 'dispatch', { version: 2 })).status, 200);
	});

	test('an unknown alert is 404, on reading and on every move', async () => {
		for (const id of ['999999', 'abc', '0', '-1']) {
			expectError(await c.operator.get(`/api/v1/alerts/${id}`), 404, 'not_found');
			expectError(await move('operator', id, 'acknowledge'), 404, 'not_found');
		}
		expectError(await move('operator', '999999', 'resolve', resolveBody), 404, 'not_found');
	});

	test('a bad state filter is 400 on state; an unknown case 400 on case', async () => {
		expectError(await c.operator.get('/api/v1/alerts?state=closed'), 400, 'bad_request', 'state');
		expectError(await c.operator.get('/api/v1/alerts?case=STAC-1999-000001'), 400, 'bad_request', 'case');
	});

	test('each state filter returns only alerts in that state; unresolved all but the resolved', async () => {
		const m = await k.monitored();
		const raise = async (event, kind = event) => {
			await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: [event] }]);
			return (await k.waitAlert(m.ref, kind)).id;
		};
		const open = await raise('tamper');
		const acked = await raise('sos');
		const sent = await raise('case_open');
		const done = await raise('powered_off');
		assert.equal((await move('operator', acked, 'acknowledge')).status, 200);
		assert.equal((await move('operator', sent, 'dispatch')).status, 200);
		assert.equal((await move('operator', done, 'resolve', resolveBody)).status, 200);
		const of = async (state) => (await c.operator.get(`/api/v1/alerts?state=${state}&case=${m.ref}`)).body.alerts.map((x) => x.id).sort();
		assert.deepEqual(await of('open'), [open]);
		assert.deepEqual(await of('acknowledged'), [acked]);
		assert.deepEqual(await of('dispatched'), [sent]);
		assert.deepEqual(await of('resolved'), [done]);
		assert.deepEqual(await of('unresolved'), [open, acked, sent].sort());
		const all = (await c.operator.get(`/api/v1/alerts?case=${m.ref}`)).body.alerts.map((x) => x.id);
		assert.deepEqual(all, [done, sent, acked, open], 'newest first');
		const one = (await c.operator.get(`/api/v1/alerts?case=${m.ref}&limit=1`)).body.alerts.map((x) => x.id);
		assert.deepEqual(one, [done]);
	});
});

describe('no duplicates', () => {
	test('the same event again while its alert is unresolved (even acknowledged or dispatched) raises no second alert', async () => {
		const a = await alertOf('tamper');
		const again = () => k.post([{ device: a.m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
		await again();
		assert.equal((await move('operator', a.id, 'acknowledge')).status, 200);
		await again();
		assert.equal((await move('operator', a.id, 'dispatch')).status, 200);
		await again();
		await k.settle();
		const all = await k.alerts(a.m.ref, 'tamper');
		assert.deepEqual(all.map((x) => x.id), [a.id]);
	});

	test('after it is resolved, the same event opens a new alert', async () => {
		const a = await alertOf('tamper');
		assert.equal((await move('operator', a.id, 'resolve', resolveBody)).status, 200);
		await k.post([{ device: a.m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
		await k.settle();
		const all = await k.alerts(a.m.ref, 'tamper');
		assert.deepEqual(all.map((x) => x.state), ['resolved', 'open']);
	});
});

describe('who may work the queue', () => {
	let a;
	before(async () => {
		a = await alertOf('tamper');
	});

	test('officer, clinician, advocate, analyst and admin may not list, read, stream or move alerts (403)', async () => {
		for (const role of ['officer', 'clinician', 'advocate', 'analyst', 'admin']) {
			expectError(await c[role].get('/api/v1/alerts'), 403, 'forbidden');
			expectError(await c[role].get(`/api/v1/alerts/${a.id}`), 403, 'forbidden');
			expectError(await c[role].get('/api/v1/alerts/stream'), 403, 'forbidden');
			expectError(await move(role, a.id, 'acknowledge'), 403, 'forbidden');
			expectError(await move(role, a.id, 'dispatch'), 403, 'forbidden');
			expectError(await move(role, a.id, 'resolve', resolveBody), 403, 'forbidden');
		}
		assert.equal((await c.operator.get(`/api/v1/alerts/${a.id}`)).body.state, 'open', 'untouched');
	});

	test('without signing in it is 401', async () => {
		assert.equal((await srv.client().get('/api/v1/alerts')).status, 401);
		assert.equal((await srv.client().get(`/api/v1/alerts/${a.id}`)).status, 401);
	});

	test('operator and supervisor list and read alerts (200)', async () => {
		for (const role of ['operator', 'supervisor']) {
			const list = await c[role].get('/api/v1/alerts');
			assert.equal(list.status, 200, list.text);
			assert.ok(list.body.alerts.some((x) => x.id === a.id));
			assert.equal((await c[role].get(`/api/v1/alerts/${a.id}`)).status, 200);
		}
	});

	test("a supervisor of another force neither lists nor reads this force's alerts", async () => {
		const res = await c.admin.post('/api/v1/agencies', { code: 'kent', name: 'Kent Police', kind: 'police' });
		assert.equal(res.status, 201, res.text);
		srv.addUser('kentsup', 'supervisor', 'kent', { password: 'kent-supervisor-pw-1' });
		const kent = await srv.login('kentsup', 'kent-supervisor-pw-1');
		expectError(await kent.get(`/api/v1/cases/${a.m.ref}`), 403, 'forbidden');
		const list = await kent.get('/api/v1/alerts');
		assert.equal(list.status, 200);
		assert.ok(!list.body.alerts.some((x) => x.case === a.m.ref), 'not in her list');
		expectError(await kent.get(`/api/v1/alerts/${a.id}`), 403, 'forbidden');
		expectError(await kent.post(`/api/v1/alerts/${a.id}/acknowledge`, {}), 403, 'forbidden');
	});
});

describe('escalation of an unacknowledged critical alert', () => {
	before(async () => {
		await sleep(Math.max(0, esc.startedAt + ESCALATE_S * 1000 + 1800 - Date.now()));
	});
	const get = async (id) => (await c.operator.get(`/api/v1/alerts/${id}`)).body;

	test(`a critical alert left open past ${ESCALATE_S} s is escalated, and stays open`, async () => {
		const a = await get(esc.ignored.id);
		assert.equal(a.severity, 'critical');
		assert.ok(a.escalated_at, 'escalated_at is set');
		assert.equal(a.state, 'open');
		const after = Date.parse(a.escalated_at) - Date.parse(a.opened_at);
		assert.ok(after >= ESCALATE_S * 1000 && after < ESCALATE_S * 1000 + 2500, `escalated ${after} ms after it opened`);
	});

	test('a critical alert acknowledged in time is not escalated', async () => {
		const a = await get(esc.acked.id);
		assert.equal(a.state, 'acknowledged');
		assert.equal(a.escalated_at, null);
	});

	test('a high or a medium alert left open is not escalated', async () => {
		assert.equal((await get(esc.high.id)).escalated_at, null);
		assert.equal((await get(esc.medium.id)).escalated_at, null);
	});

	test('it is escalated once: the time does not move with later ticks, and acknowledging it later still works', async () => {
		const first = (await get(esc.ignored.id)).escalated_at;
		await sleep(1200);
		assert.equal((await get(esc.ignored.id)).escalated_at, first);
		const res = await move('operator', esc.ignored.id, 'acknowledge');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.escalated_at, first);
	});
});
