// Notifications: a webhook per channel (the monitoring centre, the victim's
// phone through a gateway, the police control room) receives a JSON POST for
// each new alert that concerns it; each channel sends on its own, so a gateway
// that hangs or is dead holds up neither the engine nor another channel;
// failures are retried with backoff and every attempt is recorded on the
// alert; the victim's message never carries a position; and what was not
// delivered when the server stopped is sent when it starts again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, sleep, spawnServer, stopSpawned } from './lib/server.mjs';
import { deadUrl, receiver } from './lib/webhook.mjs';
import { circle, dest, iso, kinds, nextAt, startMonitoring, waitFor } from './lib/monitorkit.mjs';

const HOME = [51.5074, -0.1278];

/** A zone entry on a new case: the alert. */
async function zoneEntry(k) {
	const m = await k.monitored({ victim: true, zones: [circle(HOME, 100, { warning_m: 0 })] });
	await k.trail(m.tag, [dest(HOME, 2000, 0), HOME]);
	return { ...m, alert: await k.waitAlert(m.ref, 'zone_entry') };
}

const containsNumberNear = (text, x) => text.includes(String(x).slice(0, 6));

describe('every channel delivered', () => {
	let srv, k;
	let c;
	const hook = {};
	let m;

	before(async () => {
		for (const ch of ['centre', 'victim', 'police']) hook[ch] = await receiver();
		({ srv, c, k } = await startMonitoring({ args: ['--webhook-centre', hook.centre.url, '--webhook-victim', hook.victim.url, '--webhook-police', hook.police.url] }));
		m = await zoneEntry(k);
		await waitFor('all three deliveries', () => hook.centre.got.length && hook.victim.got.length && hook.police.got.length);
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		for (const h of Object.values(hook)) await h.close();
	});

	test('the centre and the police get a JSON POST with the alert, its case and his position', () => {
		for (const ch of ['centre', 'police']) {
			const [r] = hook[ch].got;
			assert.equal(r.method, 'POST');
			assert.equal(r.type, 'application/json');
			assert.equal(r.key, `vigil-alert-${m.alert.id}-${ch}`);
			assert.equal(r.body.alert_id, m.alert.id);
			assert.equal(r.body.case, m.ref);
			assert.equal(r.body.kind, 'zone_entry');
			assert.equal(r.body.severity, m.alert.severity);
			assert.ok(Math.abs(r.body.position.lat - HOME[0]) < 1e-6 && Math.abs(r.body.position.lon - HOME[1]) < 1e-6, JSON.stringify(r.body));
		}
	});

	test("the victim's message says to stay safe and carries no position of anyone", () => {
		const [r] = hook.victim.got;
		assert.equal(r.key, `vigil-alert-${m.alert.id}-victim`);
		assert.equal(r.body.case, m.ref);
		assert.equal(r.body.kind, 'warning');
		assert.match(r.body.message, /stay safe/i);
		assert.deepEqual(Object.keys(r.body).sort(), ['at', 'case', 'kind', 'message']);
		assert.ok(!containsNumberNear(r.text, HOME[0]) && !containsNumberNear(r.text, HOME[1]), r.text);
		assert.ok(!/lat|lon|position/i.test(r.text), r.text);
	});

	test('each attempt is recorded on the alert: one delivered attempt per channel, with the HTTP status', async () => {
		const a = await waitFor('three recorded attempts', async () => {
			const d = await k.alert(m.alert.id);
			return d.notifications.length === 3 && d;
		});
		const byChannel = Object.fromEntries(a.notifications.map((n) => [n.channel, n]));
		for (const ch of ['centre', 'victim', 'police']) {
			assert.equal(byChannel[ch].attempt, 1);
			assert.equal(byChannel[ch].delivered, true);
			assert.equal(byChannel[ch].http_status, 200);
			assert.ok(!('error' in byChannel[ch]) || byChannel[ch].error === null);
		}
	});

	test("a tag fault goes to the centre only: not to her, nor the police", async () => {
		const before = { victim: hook.victim.got.length, police: hook.police.got.length, centre: hook.centre.got.length };
		const t = await k.monitored();
		await k.post([{ device: t.tag, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
		await k.waitAlert(t.ref, 'tamper');
		await waitFor('the centre told', () => hook.centre.got.length > before.centre);
		await sleep(300);
		assert.equal(hook.victim.got.length, before.victim);
		assert.equal(hook.police.got.length, before.police);
	});
});

describe('a dead gateway and a hung one', () => {
	let srv, k;
	let c;
	const hook = {};
	let m, second;

	before(async () => {
		hook.victim = await receiver();
		hook.centre = await receiver(() => null); // accepts, never answers
		({ srv, c, k } = await startMonitoring({
			args: ['--webhook-centre', hook.centre.url, '--webhook-victim', hook.victim.url, '--webhook-police', await deadUrl(),
				'--webhook-attempts', '3', '--webhook-backoff-ms', '200', '--webhook-timeout-ms', '3000'],
		}));
		m = await zoneEntry(k);
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		for (const h of Object.values(hook)) await h.close();
	});

	test("her warning arrives at once, though the centre's gateway hangs and the police's is dead", async () => {
		await waitFor('her warning', () => hook.victim.got.length, 3000);
		const opened = Date.parse(m.alert.opened_at);
		// not after the centre's 3 s timeout, as when one thread sent them all
		assert.ok(hook.victim.got[0].at - opened < 2000, `${hook.victim.got[0].at - opened} ms after the alert`);
	});

	test('the engine is not slowed: another approach raises its alert at once, and she is told of it', async () => {
		const t0 = Date.now();
		second = await zoneEntry(k);
		assert.ok(Date.now() - t0 < 3000);
		await waitFor('her second warning', () => hook.victim.got.length >= 2, 2000);
	});

	test('the dead gateway is tried 3 times with growing waits, each attempt recorded with its error', async () => {
		const a = await waitFor('three police attempts', async () => {
			const d = await k.alert(m.alert.id);
			const p = d.notifications.filter((n) => n.channel === 'police');
			return p.length === 3 && p;
		}, 5000);
		assert.deepEqual(a.map((n) => n.attempt).sort(), [1, 2, 3]);
		for (const n of a) {
			assert.equal(n.delivered, false);
			assert.equal(n.http_status, null);
			assert.ok(n.error && n.error.length > 0);
		}
		const at = a.map((n) => Date.parse(n.at)).sort((x, y) => x - y);
		assert.ok(at[1] - at[0] >= 150, `first wait ${at[1] - at[0]} ms`);
		assert.ok(at[2] - at[1] > at[1] - at[0], `the wait grows: ${at[1] - at[0]} then ${at[2] - at[1]} ms`);
		await sleep(800);
		const after3 = (await k.alert(m.alert.id)).notifications.filter((n) => n.channel === 'police');
		assert.equal(after3.length, 3, 'no fourth attempt');
	});

	test('the hung gateway times out, and the timeout is recorded as a failed attempt', async () => {
		const a = await waitFor('a timed-out centre attempt', async () => {
			const d = await k.alert(m.alert.id);
			return d.notifications.find((n) => n.channel === 'centre');
		}, 6000);
		assert.equal(a.delivered, false);
		assert.match(a.error, /time/i);
	});
});

describe('a gateway that fails, then recovers', () => {
	let srv, k;
	let c;
	let hook;

	before(async () => {
		hook = await receiver((n) => (n === 1 ? 503 : 200));
		({ srv, c, k } = await startMonitoring({ args: ['--webhook-police', hook.url, '--webhook-backoff-ms', '100'] }));
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		await hook.close();
	});

	test('the first attempt fails with HTTP 503, the second is delivered', async () => {
		const m = await zoneEntry(k);
		const p = await waitFor('two police attempts', async () => {
			const d = await k.alert(m.alert.id);
			const x = d.notifications.filter((n) => n.channel === 'police');
			return x.length === 2 && x;
		});
		const byAttempt = Object.fromEntries(p.map((n) => [n.attempt, n]));
		assert.equal(byAttempt[1].delivered, false);
		assert.equal(byAttempt[1].http_status, 503);
		assert.match(byAttempt[1].error, /503/);
		assert.equal(byAttempt[2].delivered, true);
		assert.equal(byAttempt[2].http_status, 200);
		assert.equal(hook.got.length, 2);
		assert.deepEqual(hook.got[0].body, hook.got[1].body, 'the same message again');
		assert.equal(hook.got[0].key, `vigil-alert-${m.alert.id}-police`);
		assert.equal(hook.got[1].key, hook.got[0].key, 'with the same Idempotency-Key, so the gateway can drop a repeat');
	});
});

describe('undelivered when the server stops: sent when it starts again', () => {
	let srv, second = null, k;
	let c;
	let hook, m, resolved, before1;

	before(async () => {
		hook = await receiver(() => 503); // the gateway is down for now
		const args = ['--webhook-victim', hook.url, '--webhook-attempts', '20', '--webhook-backoff-ms', '60000'];
		({ srv, c, k } = await startMonitoring({ args }));
		m = await zoneEntry(k);
		resolved = await zoneEntry(k);
		await waitFor('both first attempts', () => hook.got.length >= 2);
		await k.resolve(resolved.alert.id, 'false_alarm');
		before1 = hook.got.length;
		// stop (not srv.stop(): that removes the database); the gateway comes back; start again
		srv.child.kill('SIGTERM');
		assert.equal((await srv.exited).code, 0);
		hook.answer = () => 200;
		second = await spawnServer(srv.db, [...args, '--attachments', srv.attachments]);
		for (const role of ['operator', 'officer']) {
			c[role] = new Client(second.url);
			const res = await c[role].login(role, srv.passwords[role]);
			assert.equal(res.status, 200, res.text);
		}
	});
	after(async () => {
		await stopSpawned(second);
		if (srv) await srv.stop();
		await hook.close();
	});

	test("the open alert's warning is sent again at start, as attempt 2, and delivered", async () => {
		await waitFor('the warning sent again', () => hook.got.length > before1, 5000);
		const p = await waitFor('attempt 2 recorded', async () => {
			const d = await k.alert(m.alert.id);
			return d.notifications.find((n) => n.channel === 'victim' && n.attempt === 2);
		});
		assert.equal(p.delivered, true);
		assert.equal(hook.got[hook.got.length - 1].body.case, m.ref);
		assert.equal(hook.got[hook.got.length - 1].key, `vigil-alert-${m.alert.id}-victim`, 'the key of the attempt before the restart');
	});

	test('a resolved alert is not sent again, and nothing is sent twice', async () => {
		await sleep(500);
		const again = hook.got.slice(before1);
		assert.deepEqual(again.map((r) => r.body.case), [m.ref]);
		const d = await k.alert(resolved.alert.id);
		assert.deepEqual(d.notifications.map((n) => n.attempt), [1]);
		assert.deepEqual(kinds(await k.alerts(m.ref)), ['zone_entry'], 'no alert raised again either');
	});
});
