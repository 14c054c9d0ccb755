// Her app's sign-in, as an attacker would try it (security review):
// - whether a number is enrolled is never told, not even when the SMS
//   provider fails (a 503 for her number and a 202 for any other would tell
//   a stalker that she is a client of the centre);
// - a code allows HER_CODE_TRIES tries in all, even when the tries come at
//   once (PostgreSQL runs its write transactions read-committed), and is used
//   once, even by two verifies at the same moment;
// - whoever knows her number (he does) cannot have code after code sent to
//   her phone, each one replacing the code she is about to type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createCase, ukMobile, victim } from './lib/casekit.mjs';
import { notifyArgs, notifyStandIn } from './lib/govnotify.mjs';
import { waitFor } from './lib/monitorkit.mjs';
import { sqlite, startServer } from './lib/server.mjs';

const TRIES = 5; // HER_CODE_TRIES
const CODES_PER_HOUR = 5; // HER_CODES_PER_HOUR

describe("her app's sign-in under attack", () => {
	let srv, notify, officer, down = false;

	before(async () => {
		notify = await notifyStandIn({ refuse: () => (down ? [500, 'Internal server error'] : null) });
		srv = await startServer({ args: [...notifyArgs(notify), '--addr-max-failures', '1000'] });
		officer = await srv.login('officer');
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		await notify?.close();
	});

	const post = async (p, body) => {
		const res = await fetch(srv.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
		const text = await res.text();
		return { status: res.status, text, body: text ? JSON.parse(text) : null };
	};
	const enrolled = async () => {
		const phone = ukMobile();
		const ref = (await createCase(officer, { victims: [victim({ identifiers: [{ kind: 'phone', value: phone.national }] })] })).ref;
		const res = await officer.post(`/api/v1/cases/${ref}/her-app`, {});
		assert.equal(res.status, 201, res.text);
		return phone;
	};
	const codeFor = async (phone) => {
		const before = notify.sent.length;
		assert.equal((await post('/api/v1/her/code', { phone: phone.national })).status, 202);
		const sms = await waitFor('the code', () => notify.sent.slice(before).find((s) => s.body.phone_number === phone.e164));
		return sms.body.personalisation.message.match(/code is (\d{6})/)[1];
	};

	test('the provider failing does not tell anyone that a number is enrolled', async () => {
		const phone = await enrolled();
		down = true;
		try {
			const unknown = await post('/api/v1/her/code', { phone: ukMobile().national });
			const hers = await post('/api/v1/her/code', { phone: phone.national });
			assert.equal(unknown.status, 202, unknown.text);
			assert.equal(hers.status, unknown.status, hers.text);
			assert.deepEqual(hers.body, unknown.body);
		} finally {
			down = false;
		}
	});

	test('tries at once: no more than the allowed tries are checked', async () => {
		const phone = await enrolled();
		const code = await codeFor(phone);
		const wrong = Array.from({ length: 24 }, (_, i) => String((Number(code) + 1 + i) % 1000000).padStart(6, '0'));
		const answers = await Promise.all(wrong.map((c) => post('/api/v1/her/verify', { phone: phone.national, code: c, pin: '2580' })));
		for (const a of answers) assert.equal(a.status, 400, a.text);
		// (the answers are all alike: the count of tries is the database's)
		const checked = Number(sqlite(srv.db, 'SELECT attempts FROM her_codes ORDER BY id DESC LIMIT 1').trim());
		assert.ok(checked <= TRIES, `${checked} wrong codes were checked against one code sent (at most ${TRIES} tries in all)`);
		const res = await post('/api/v1/her/verify', { phone: phone.national, code, pin: '2580' });
		assert.equal(res.status, 400, 'the right code after too many tries');
	});

	test('codes asked for again and again: a few reach her phone, and the one she has still works', async () => {
		const phone = await enrolled();
		const code = await codeFor(phone);
		const before = notify.sent.length;
		const answers = [];
		for (let i = 0; i < 12; i++) answers.push(await post('/api/v1/her/code', { phone: phone.national }));
		for (const a of answers) assert.deepEqual([a.status, a.body], [202, answers[0].body]);
		await new Promise((r) => setTimeout(r, 300));
		const sent = notify.sent.slice(before).filter((s) => s.body.phone_number === phone.e164);
		assert.ok(sent.length <= CODES_PER_HOUR - 1, `${sent.length} more codes sent to her phone in a minute`);
		// the newest code that reached her signs her in
		const last = sent.length ? sent.at(-1).body.personalisation.message.match(/code is (\d{6})/)[1] : code;
		const res = await post('/api/v1/her/verify', { phone: phone.national, code: last, pin: '2580' });
		assert.equal(res.status, 201, res.text);
	});

	test('wrong codes are answered the same for her number and for one not enrolled', async () => {
		const phone = await enrolled();
		const code = await codeFor(phone);
		const other = ukMobile();
		assert.equal((await post('/api/v1/her/code', { phone: other.national })).status, 202);
		const wrong = String((Number(code) + 1) % 1000000).padStart(6, '0');
		for (let i = 0; i < TRIES + 1; i++) {
			const hers = await post('/api/v1/her/verify', { phone: phone.national, code: wrong, pin: '2580' });
			const theirs = await post('/api/v1/her/verify', { phone: other.national, code: wrong, pin: '2580' });
			assert.deepEqual([hers.status, hers.body], [theirs.status, theirs.body], `try ${i + 1} tells her number from another`);
		}
	});

	test('a code is used once, even by two verifies at the same moment', async () => {
		const phone = await enrolled();
		const code = await codeFor(phone);
		const answers = await Promise.all(Array.from({ length: 6 }, () => post('/api/v1/her/verify', { phone: phone.national, code, pin: '2580' })));
		const ok = answers.filter((a) => a.status === 201);
		assert.equal(ok.length, 1, answers.map((a) => `${a.status} ${a.text}`).join('\n'));
	});
});

// Her app's device is a phone of hers on the case, and it reports through her
// session only: its uid (shown to the centre's staff) is no key to the device
// ports, where a fix is taken by uid alone.  Else whoever read it could raise a
// false panic for her, or move "her" away from him so that no approach warns her.
describe("her app's device on the device ports", () => {
	let srv, officer, operator, OSM;

	before(async () => {
		srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0'] });
		OSM = `http://127.0.0.1:${Number(srv.stdout().match(/OsmAnd devices on http:\/\/127\.0\.0\.1:(\d+)/)[1])}`;
		[officer, operator] = await Promise.all([srv.login('officer'), srv.login('operator')]);
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
	});

	// a case whose victim is enrolled in her app: its reference and her device's uid
	async function enrolled() {
		const phone = ukMobile();
		const ref = (await createCase(officer, { victims: [victim({ identifiers: [{ kind: 'phone', value: phone.national }] })] })).ref;
		const res = await officer.post(`/api/v1/cases/${ref}/her-app`, {});
		assert.equal(res.status, 201, res.text);
		assert.match(res.body.device, /^app-/);
		return { ref, uid: res.body.device };
	}

	// no panic was raised for her by someone else
	async function noPanic(ref) {
		await new Promise((done) => setTimeout(done, 500));
		const alerts = (await operator.get(`/api/v1/alerts?case=${ref}&limit=50`)).body.alerts;
		assert.deepEqual(alerts.filter((a) => a.kind === 'panic'), [], 'a panic raised for her by someone else');
	}

	test('a fix sent to the OsmAnd port under her app\'s uid is refused, and raises nothing', async () => {
		const { ref, uid } = await enrolled();
		const now = Math.floor(Date.now() / 1000);
		const r = await fetch(`${OSM}/?id=${uid}&timestamp=${now}&lat=51.5&lon=-0.12&alarm=sos`, { signal: AbortSignal.timeout(3000) });
		assert.ok(r.status >= 400, `the OsmAnd port took a fix for her app's device (${r.status})`);
		await noPanic(ref);
	});

	test("a fix posted to the API under her app's uid is refused as hers, stores nothing and raises nothing", async () => {
		const { ref, uid } = await enrolled();
		const r = await operator.post('/api/v1/fixes', { fixes: [{ device: uid, at: new Date().toISOString(), lat: 51.5, lon: -0.12, events: ['sos'] }] });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.results[0].result, 'rejected');
		assert.match(r.body.results[0].reason, /reports through her app only/);
		await noPanic(ref);
		// nothing of it reached the engine: her device has no fix (its officer sees her devices)
		const dev = await officer.get(`/api/v1/devices/${uid}`);
		assert.equal(dev.status, 200, dev.text);
		assert.equal(dev.body.state?.last_fix_at ?? null, null, 'a fix taken for her from the API');
	});
});
