// Her warning reaches her: by SMS through GOV.UK Notify (a local stand-in
// that checks the token as Notify does) to her number on the case, beginning
// with the code word she agreed, never with a position; what became of it
// (sent, delivered, failed, no number, with Notify's reference) is on the
// alert; one that does not reach her escalates the alert to the desk at once.
// Another gateway gets the same in a signed webhook with her number.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createCase, ukMobile, unique, victim } from './lib/casekit.mjs';
import { API_KEY, TEMPLATE_ID, notifyStandIn } from './lib/govnotify.mjs';
import { circle, dest, startMonitoring, waitFor } from './lib/monitorkit.mjs';


const HOME = [51.5074, -0.1278];

function keyFile(text) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notify-key-'));
	const f = path.join(dir, 'key');
	fs.writeFileSync(f, `${text}\n`, { mode: 0o600 });
	return f;
}

/** A case whose victim has phone (or none), her zone, his tag; he enters. */
async function approach(k, c, { phone = ukMobile(), word = null } = {}) {
	const body = { suspect: { name: `Suspect ${unique('s')}` }, victims: [victim(phone ? { identifiers: [{ kind: 'phone', value: phone.national }] } : {})] };
	const ref = (await createCase(c.officer, body)).ref;
	if (word) {
		const res = await c.officer.put(`/api/v1/cases/${ref}/warning-word`, { word, version: 0 });
		assert.equal(res.status, 200, res.text);
	}
	const tag = await k.device('offender_tag');
	await k.assign(ref, tag, 'suspect');
	await k.zone(ref, circle(HOME, 100, { warning_m: 0 }));
	await k.trail(tag, [dest(HOME, 2000, 0), HOME]);
	const alert = await k.waitAlert(ref, 'zone_entry');
	return { ref, phone, alert };
}

const near = (text, x) => text.includes(String(x).slice(0, 6));

describe('her warning by SMS through GOV.UK Notify', () => {
	let srv, k, notify;
	let c;

	before(async () => {
		notify = await notifyStandIn();
		({ srv, c, k } = await startMonitoring({
			args: ['--sms-notify-url', notify.url, '--sms-notify-key-file', keyFile(API_KEY), '--sms-notify-template', TEMPLATE_ID,
				'--sms-poll-ms', '100', '--webhook-attempts', '2', '--webhook-backoff-ms', '100'],
		}, ['operator', 'officer', 'advocate', 'analyst']));
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		await notify?.close();
	});

	test('goes to her number on the case, with her code word, no position, and is delivered on the desk', async () => {
		const m = await approach(k, c, { word: 'Bluebell' });
		const sms = await waitFor('the SMS', () => notify.sent.find((s) => s.body.reference === `vigil-alert-${m.alert.id}-victim`));
		assert.equal(sms.body.phone_number, m.phone.e164);
		assert.equal(sms.body.template_id, TEMPLATE_ID);
		assert.deepEqual(Object.keys(sms.body.personalisation), ['message']);
		assert.match(sms.body.personalisation.message, /^Bluebell: stay safe\. Help is coming\./);
		assert.doesNotMatch(sms.body.personalisation.message, /Vigil/);
		assert.deepEqual(Object.keys(sms.body).sort(), ['personalisation', 'phone_number', 'reference', 'template_id']);
		assert.ok(!near(sms.text, HOME[0]) && !near(sms.text, HOME[1]) && !/lat|lon|position|metre/i.test(sms.body.personalisation.message), sms.text);
		assert.deepEqual(notify.bad, [], 'every token was good');
		const a = await waitFor('delivered on the desk', async () => {
			const d = await k.alert(m.alert.id);
			return d.victim_warning[0]?.state === 'delivered' && d;
		});
		assert.equal(a.victim_warning.length, 1);
		assert.equal(a.victim_warning[0].provider, 'notify');
		assert.equal(a.victim_warning[0].reference, sms.id);
		assert.equal(a.victim_warning[0].escalated, false);
		assert.equal(a.escalated_at, null);
		assert.ok(notify.polls.filter((p) => p.id === sms.id).length >= 2, 'the receipt was asked for until final');
	});

	test("a failed delivery escalates the alert to the desk at once, as an event of the live stream", async () => {
		notify.receipt = () => 'permanent-failure';
		const m = await approach(k, c);
		const a = await waitFor('failed and escalated', async () => {
			const d = await k.alert(m.alert.id);
			return d.victim_warning[0]?.state === 'failed' && d.escalated_at && d;
		});
		assert.equal(a.victim_warning[0].detail, 'permanent-failure');
		assert.equal(a.victim_warning[0].escalated, true);
		assert.ok(a.steps.some((s) => s.event === 'victim_unreached'), JSON.stringify(a.steps));
		notify.receipt = (x, polls) => (polls < 2 ? 'sending' : 'delivered');
	});

	test('a message Notify refuses fails at once and escalates; the error is Notify\'s own', async () => {
		notify.refuse = () => [400, 'phone_number Not a UK mobile number'];
		const m = await approach(k, c);
		const a = await waitFor('refused and escalated', async () => {
			const d = await k.alert(m.alert.id);
			return d.victim_warning[0]?.state === 'failed' && d.escalated_at && d;
		});
		assert.match(a.victim_warning[0].detail, /Notify answered 400: phone_number Not a UK mobile number/);
		const tries = a.notifications.filter((n) => n.channel === 'victim');
		assert.equal(tries.length, 1, 'a refusal is not sent again');
		assert.equal(tries[0].http_status, 400);
		notify.refuse = () => null;
	});

	test('a case with no number for her escalates at once: nothing is sent', async () => {
		const before = notify.sent.length;
		const m = await approach(k, c, { phone: null });
		const a = await waitFor('no number, escalated', async () => {
			const d = await k.alert(m.alert.id);
			return d.victim_warning[0]?.state === 'no_number' && d.escalated_at && d;
		});
		assert.match(a.victim_warning[0].detail, /no phone number/);
		assert.equal(notify.sent.length, before);
	});

	test("her number and her code word never reach the server's log", async () => {
		await k.settle();
		const log = srv.stderr();
		for (const s of notify.sent) {
			assert.ok(!log.includes(s.body.phone_number), 'her number is not in the log');
			assert.ok(!log.includes(s.body.phone_number.slice(3)), 'nor its national part');
		}
		assert.ok(!log.includes('Bluebell'));
	});

	test('the code word: letters, digits and spaces; hers to read only for those who look after her; stale versions refused', async () => {
		const ref = (await createCase(c.officer)).ref;
		let res = await c.officer.get(`/api/v1/cases/${ref}/warning-word`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual([res.body.word, res.body.version, res.body.example], [null, 0, 'Vigil']);
		res = await c.officer.put(`/api/v1/cases/${ref}/warning-word`, { word: 'Blue<b>', version: 0 });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'word');
		res = await c.officer.put(`/api/v1/cases/${ref}/warning-word`, { word: 'x'.repeat(25), version: 0 });
		assert.equal(res.status, 400);
		res = await c.officer.put(`/api/v1/cases/${ref}/warning-word`, { word: 'Aunt May', version: 0 });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual([res.body.word, res.body.version], ['Aunt May', 1]);
		res = await c.officer.put(`/api/v1/cases/${ref}/warning-word`, { word: 'Other', version: 0 });
		assert.equal(res.status, 409, res.text);
		res = await c.officer.put(`/api/v1/cases/${ref}/warning-word`, { word: null, version: 1 });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual([res.body.word, res.body.version], [null, 2]);
		res = await c.analyst.get(`/api/v1/cases/${ref}/warning-word`);
		assert.ok([403, 404].includes(res.status), res.text);
	});
});

describe('her warning through another gateway: a signed webhook with her number', () => {
	let srv, k, hook;
	let c;
	const got = [];
	const SECRET = 'a webhook secret of the force';

	before(async () => {
		hook = http.createServer((req, res) => {
			let text = '';
			req.on('data', (d) => { text += d; });
			req.on('end', () => {
				got.push({ text, body: JSON.parse(text), sig: req.headers['x-vigil-signature'] });
				res.writeHead(req.url === '/fail' ? 500 : 200);
				res.end();
			});
		});
		await new Promise((r) => hook.listen(0, '127.0.0.1', r));
		({ srv, c, k } = await startMonitoring({ args: ['--webhook-victim', `http://127.0.0.1:${hook.address().port}/hook`, '--webhook-secret-file', keyFile(SECRET)] }));
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		await new Promise((r) => hook.close(r));
	});

	test('carries her number and the case wording, signed with HMAC-SHA256 of the body; sent on the desk', async () => {
		const m = await approach(k, c, { word: 'Tulip' });
		const w = await waitFor('the webhook', () => got.find((g) => g.body.case === m.ref));
		assert.equal(w.body.phone_number, m.phone.e164);
		assert.match(w.body.message, /^Tulip: /);
		assert.equal(w.sig, `sha256=${crypto.createHmac('sha256', SECRET).update(w.text).digest('hex')}`);
		assert.ok(!/lat|lon|position/i.test(w.text));
		const a = await waitFor('sent on the desk', async () => {
			const d = await k.alert(m.alert.id);
			return d.victim_warning[0]?.state === 'sent' && d;
		});
		assert.equal(a.victim_warning[0].provider, 'webhook');
	});
});
