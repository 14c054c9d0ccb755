// The live alert stream, GET /api/v1/alerts/stream (Server-Sent Events): an
// alert raised by a fix reaches a connected operator at once, every later step
// of it too (acknowledged, escalated, resolved...), and a client that
// reconnects with Last-Event-ID gets exactly what it missed, in order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, sleep, sqlite } from './lib/server.mjs';
import { circle, dest, iso, nextAt, startMonitoring, waitFor } from './lib/monitorkit.mjs';
import { connectStream } from './lib/sse.mjs';

let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--escalate-seconds', '1'] }, ['operator', 'officer', 'supervisor', 'analyst']));
});
const streams = [];
after(async () => {
	for (const s of streams) s.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

const HOME = [51.5074, -0.1278];

/** Connect to the stream as a signed-in client (lib/sse.mjs). */
const connect = (client, opts = {}) => connectStream(srv.url, client, { ...opts, track: streams });

/** A stream as client once its connection is open. */
const connected = async (client, opts) => {
	const s = await connect(client, opts);
	await waitFor('the connection', () => s.text.length > 0);
	return s;
};
const raise = async (m, event) => {
	await k.post([{ device: m.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: [event] }]);
};
/** Raise event on m's tag and wait for its alert's "opened" on the stream s. */
const raiseOpened = async (s, m, event) => {
	await raise(m, event);
	return s.next((x) => x.data.alert?.case === m.ref && x.data.event === 'opened');
};
const ofAlert = (id, event) => (e) => e.data.alert?.id === id && e.data.event === event;

describe('a connected operator', () => {
	test('the stream is text/event-stream and starts by telling the client how soon to reconnect', async () => {
		const s = await connect(c.operator);
		assert.equal(s.status, 200);
		assert.match(s.type, /^text\/event-stream/);
		await waitFor('the first bytes', () => s.text.length > 0);
		assert.match(s.text, /^retry: \d+\n\n/);
		s.close();
	});

	test('an alert raised by a fix arrives at once as an "opened" event with the alert', async () => {
		const m = await k.monitored();
		const s = await connected(c.operator);
		const t0 = Date.now();
		await raise(m, 'tamper');
		const e = await s.next((x) => x.data.alert?.case === m.ref);
		assert.ok(Date.now() - t0 < 2000, `arrived after ${Date.now() - t0} ms`);
		assert.equal(e.event, 'alert');
		assert.equal(e.data.event, 'opened');
		assert.equal(e.data.event_id, e.id);
		assert.equal(e.data.alert.kind, 'tamper');
		assert.equal(e.data.alert.severity, 'critical');
		assert.equal(e.data.alert.state, 'open');
		assert.deepEqual(e.data.alert.device, { uid: m.tag, kind: 'offender_tag' });
		s.close();
	});

	test('a new client without Last-Event-ID gets what happens from now on, not the past', async () => {
		const m = await k.monitored();
		await raise(m, 'tamper');
		const old = await k.waitAlert(m.ref, 'tamper');
		const s = await connected(c.operator);
		await raise(m, 'case_open');
		const e = await s.next((x) => x.data.alert?.case === m.ref);
		assert.equal(e.data.alert.kind, 'case_open');
		await sleep(200);
		assert.ok(!s.events.some((x) => x.data.alert?.id === old.id), 'the earlier alert is not replayed');
		s.close();
	});

	test("each step of an alert's life reaches the stream: acknowledged, dispatched, resolved with its outcome", async () => {
		const m = await k.monitored();
		const s = await connected(c.operator);
		const opened = await raiseOpened(s, m, 'sos');
		const id = opened.data.alert.id;
		assert.equal((await c.operator.post(`/api/v1/alerts/${id}/acknowledge`, {})).status, 200);
		const acked = await s.next(ofAlert(id, 'acknowledged'));
		assert.equal(acked.data.alert.state, 'acknowledged');
		assert.equal((await c.supervisor.post(`/api/v1/alerts/${id}/dispatch`, {})).status, 200);
		await s.next(ofAlert(id, 'dispatched'));
		assert.equal((await c.operator.post(`/api/v1/alerts/${id}/resolve`, { outcome: 'false_alarm', note: 'pocket press' })).status, 200);
		const resolved = await s.next(ofAlert(id, 'resolved'));
		assert.equal(resolved.data.alert.state, 'resolved');
		assert.equal(resolved.data.alert.outcome, 'false_alarm');
		assert.equal(resolved.data.alert.note, 'pocket press');
		const ids = s.events.filter((x) => x.data.alert?.id === id).map((x) => x.id);
		assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in order');
		s.close();
	});

	test('an unacknowledged critical alert escalating reaches the stream as "escalated"', async () => {
		const m = await k.monitored();
		const s = await connected(c.operator);
		const opened = await raiseOpened(s, m, 'tamper');
		const e = await s.next(ofAlert(opened.data.alert.id, 'escalated'), 5000);
		assert.ok(e.data.alert.escalated_at);
		s.close();
	});

	test('an alert with a zone carries its detail on the stream', async () => {
		const m = await k.monitored({ zones: [circle(HOME, 200, { warning_m: 0 })] });
		const s = await connected(c.operator);
		await k.trail(m.tag, [dest(HOME, 1000, 0), HOME]);
		const e = await s.next((x) => x.data.alert?.case === m.ref && x.data.event === 'opened');
		assert.equal(e.data.alert.kind, 'zone_entry');
		assert.equal(e.data.alert.zone_id, m.zones[0].id);
		assert.ok(e.data.alert.detail && Math.abs(e.data.alert.detail.distance_m + 200) < 3, JSON.stringify(e.data.alert.detail));
		s.close();
	});

	test('two connected clients both receive the event', async () => {
		const m = await k.monitored();
		const a = await connect(c.operator);
		const b = await connect(c.supervisor);
		await waitFor('the connections', () => a.text.length > 0 && b.text.length > 0);
		await raise(m, 'tamper');
		await a.next((x) => x.data.alert?.case === m.ref);
		await b.next((x) => x.data.alert?.case === m.ref);
		a.close();
		b.close();
	});
});

describe('resuming with Last-Event-ID', () => {
	test('a client that reconnects gets exactly the events it missed, in order, and then live ones', async () => {
		const m = await k.monitored();
		const s1 = await connected(c.operator);
		await raise(m, 'tamper');
		const seen = await s1.next((x) => x.data.alert?.case === m.ref);
		const last = s1.events[s1.events.length - 1].id;
		s1.close();

		// while it is away: the alert is acknowledged, two more are raised and one dispatched
		assert.equal((await c.operator.post(`/api/v1/alerts/${seen.data.alert.id}/acknowledge`, {})).status, 200);
		await raise(m, 'sos');
		await raise(m, 'case_open');
		const sos = await k.waitAlert(m.ref, 'sos');
		await k.waitAlert(m.ref, 'case_open');
		assert.equal((await c.operator.post(`/api/v1/alerts/${sos.id}/dispatch`, {})).status, 200);
		const missed = sqlite(srv.db, `SELECT id, alert_id, kind FROM alert_events WHERE id > ${last} ORDER BY id`)
			.split('\n').filter(Boolean).map((l) => l.split('|')).map(([id, alert, kind]) => ({ id: Number(id), alert: Number(alert), kind }));
		assert.ok(missed.length >= 4, JSON.stringify(missed));

		const s2 = await connect(c.operator, { lastEventId: last });
		assert.equal(s2.status, 200);
		await waitFor('the missed events', () => s2.events.length >= missed.length);
		assert.deepEqual(s2.events.slice(0, missed.length).map((e) => ({ id: e.id, alert: e.data.alert.id, kind: e.data.event })), missed);
		assert.ok(!s2.events.some((e) => e.id <= last), 'nothing it had already seen');
		// and live ones after the replay
		await raise(m, 'powered_off');
		const live = await s2.next((x) => x.data.alert?.kind === 'powered_off' && x.data.alert.case === m.ref);
		assert.ok(live.id > missed[missed.length - 1].id);
		s2.close();
	});

	test('the last_event_id query parameter resumes as well', async () => {
		const m = await k.monitored();
		await raise(m, 'tamper');
		const a = await k.waitAlert(m.ref, 'tamper');
		const row = sqlite(srv.db, `SELECT id FROM alert_events WHERE alert_id = ${a.id} AND kind = 'opened'`).trim();
		const s = await connect(c.operator, { query: `?last_event_id=${Number(row) - 1}` });
		const e = await s.next(() => true);
		assert.equal(e.id, Number(row));
		assert.equal(e.data.alert.id, a.id);
		s.close();
	});

	test('Last-Event-ID: 0 replays from the beginning', async () => {
		const s = await connect(c.operator, { lastEventId: 0 });
		const first = Number(sqlite(srv.db, 'SELECT MIN(id) FROM alert_events').trim());
		const e = await s.next(() => true);
		assert.equal(e.id, first);
		s.close();
	});

	test('a Last-Event-ID that is not an event id is 400', async () => {
		for (const v of ['abc', '-3', '12x']) {
			const s = await connect(c.operator, { lastEventId: v });
			assert.equal(s.status, 400, v);
			assert.equal(s.body.error.code, 'bad_request');
			assert.equal(s.body.error.field, 'Last-Event-ID');
		}
	});
});

describe('who may stream', () => {
	test('an officer and an analyst may not (403); nobody signed in 401', async () => {
		expectError(await c.officer.get('/api/v1/alerts/stream'), 403, 'forbidden');
		expectError(await c.analyst.get('/api/v1/alerts/stream'), 403, 'forbidden');
		const res = await fetch(`${srv.url}/api/v1/alerts/stream`);
		assert.equal(res.status, 401);
		await res.body?.cancel();
	});
});
