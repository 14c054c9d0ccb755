// Her app's API, as her phone uses it: enrolled by her officer (only with a
// number on the case), she asks for a code (sent by SMS through the Notify
// stand-in; an unknown number gets the same answer), signs this phone in with
// the code and a PIN, unlocks with the PIN; presses panic (a critical alert
// on the desk with her position, as from her alarm) and keeps sending her
// position; writes a diary entry with a photo (an incident reported by her,
// hash-chained with the picture's hash); sees her warnings and what the centre
// did; and never, in any response body, his position or a zone.  Revoking
// ends her sessions.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { createCase, ukMobile, victim } from './lib/casekit.mjs';
import { notifyArgs, notifyStandIn } from './lib/govnotify.mjs';
import { dest, startMonitoring, waitFor } from './lib/monitorkit.mjs';
import { expectError, sleep } from './lib/server.mjs';

const HOME = [51.5309, -0.1233];
const HER = [51.5012, -0.1419];
// a 1x1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** Her phone: every request and the body of every response, kept. */
function herPhone(url) {
	const seen = [];
	let session = null;
	const call = async (method, p, body) => {
		const headers = { 'Content-Type': 'application/json' };
		if (session) headers['X-Her-Session'] = session;
		const res = await fetch(url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await res.text();
		seen.push({ p, status: res.status, text });
		return { status: res.status, text, body: text ? JSON.parse(text) : null };
	};
	return { seen, call, set session(s) { session = s; } };
}

describe("her app", () => {
	let srv, notify, k, ref, phone, her, tagPath;
	let c;

	before(async () => {
		notify = await notifyStandIn();
		({ srv, c, k } = await startMonitoring({ args: [...notifyArgs(notify), '--sms-poll-ms', '100', '--lost-min-seconds', '1'] }, ['operator', 'officer', 'analyst']));
		phone = ukMobile();
		let tag;
		({ ref, tag } = await k.herCase(phone, HOME));
		tagPath = [dest(HOME, 3000, 90), dest(HOME, 1500, 90)];
		await k.trail(tag, tagPath);
		her = herPhone(srv.url);
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		await notify?.close();
	});

	test('enrolled by her officer, only with her number on the case, once; an analyst may not', async () => {
		const none = (await createCase(c.officer)).ref;
		let res = await c.officer.post(`/api/v1/cases/${none}/her-app`, {});
		assert.equal(res.status, 400);
		assert.match(res.body.error.message, /no phone number for her/);
		res = await c.officer.post(`/api/v1/cases/${ref}/her-app`, { app_name: 'My <notes>' });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'app_name');
		res = await c.officer.post(`/api/v1/cases/${ref}/her-app`, { app_name: 'Recipes' });
		assert.equal(res.status, 201, res.text);
		assert.deepEqual([res.body.enrolled, res.body.app_name, res.body.address], [true, 'Recipes', '/m/']);
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/her-app`, {})).status, 409);
		assert.ok([403, 404].includes((await c.analyst.post(`/api/v1/cases/${ref}/her-app`, {})).status));
	});

	test("her app reports only while she has it open: its silence is never a lost signal", async () => {
		await sleep(2500); // past the floor of one second
		assert.deepEqual(await k.alerts(ref, 'lost_signal'), []);
	});

	let device;
	test('a code by SMS to her number (an unknown number is answered the same), then the code and a PIN sign this phone in', async () => {
		const before = notify.sent.length;
		let res = await her.call('POST', '/api/v1/her/code', { phone: '07700 900999' });
		assert.equal(res.status, 202);
		const same = res.body.message;
		res = await her.call('POST', '/api/v1/her/code', { phone: phone.national });
		assert.equal(res.status, 202);
		assert.equal(res.body.message, same);
		const sms = await waitFor('the code', () => notify.sent.slice(before).find((s) => s.body.phone_number === phone.e164));
		assert.equal(notify.sent.length, before + 1, 'nothing sent to the unknown number');
		const code = sms.body.personalisation.message.match(/code is (\d{6})/)[1];
		assert.match(sms.body.personalisation.message, /^Your Recipes code is \d{6}\./);
		assert.doesNotMatch(sms.body.personalisation.message, /vigil|stalk|police/i);
		res = await her.call('POST', '/api/v1/her/verify', { phone: phone.national, code, pin: '1111' });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'pin');
		res = await her.call('POST', '/api/v1/her/verify', { phone: phone.national, code: code === '000000' ? '000001' : '000000', pin: '2580' });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'code');
		res = await her.call('POST', '/api/v1/her/verify', { phone: phone.national, code, pin: '2580' });
		assert.equal(res.status, 201, res.text);
		device = res.body.device;
		assert.equal(res.body.app_name, 'Recipes');
		res = await her.call('POST', '/api/v1/her/verify', { phone: phone.national, code, pin: '2580' });
		assert.equal(res.status, 400, 'a code is used once');
	});

	test('the PIN unlocks a session; a wrong PIN is refused', async () => {
		let res = await her.call('POST', '/api/v1/her/unlock', { device, pin: '9999' });
		assert.equal(res.status, 400);
		res = await her.call('GET', '/api/v1/her/home');
		assert.equal(res.status, 401);
		res = await her.call('POST', '/api/v1/her/unlock', { device, pin: '2580' });
		assert.equal(res.status, 200, res.text);
		her.session = res.body.session;
	});

	test('panic: a critical alert on the desk with her position, and her position kept coming while open', async () => {
		const t0 = Date.now();
		let res = await her.call('POST', '/api/v1/her/panic', { lat: HER[0], lon: HER[1], accuracy_m: 12 });
		assert.equal(res.status, 202, res.text);
		const a = await waitFor('the panic on the desk', async () => (await k.alerts(ref, 'panic'))[0], 2000);
		assert.ok(Date.now() - t0 < 2000);
		assert.equal(a.severity, 'critical');
		const d = (await c.operator.get(`/api/v1/alerts/${a.id}`)).body;
		assert.ok(Math.abs(d.position.lat - HER[0]) < 1e-6 && Math.abs(d.position.lon - HER[1]) < 1e-6, JSON.stringify(d.position));
		res = await her.call('POST', '/api/v1/her/position', { lat: HER[0] + 0.001, lon: HER[1], accuracy_m: 10 });
		assert.equal(res.status, 202, res.text);
		await waitFor('her newer position on the desk', async () => {
			const v = (await c.operator.get(`/api/v1/alerts/${a.id}`)).body.victim_position;
			return v && Math.abs(v.lat - (HER[0] + 0.001)) < 1e-6;
		});
		res = await her.call('POST', '/api/v1/her/position', { lat: 91, lon: 0 });
		assert.equal(res.status, 400);
		// a position her phone had kept from a minute ago is taken at its own time: it is not
		// where she is now, so her newer position stays on the desk
		const before = (await c.operator.get(`/api/v1/alerts/${a.id}`)).body.victim_position;
		res = await her.call('POST', '/api/v1/her/position', { lat: HER[0] + 0.01, lon: HER[1], accuracy_m: 10, age_ms: 60000 });
		assert.equal(res.status, 202, res.text);
		await k.settle();
		const after = (await c.operator.get(`/api/v1/alerts/${a.id}`)).body.victim_position;
		assert.ok(Math.abs(after.lat - (HER[0] + 0.001)) < 1e-6, `a kept position shown as her latest: ${JSON.stringify(after)}`);
		assert.equal(after.at, before.at);
		expectError(await her.call('POST', '/api/v1/her/position', { lat: HER[0], lon: HER[1], age_ms: -5 }), 400, 'bad_request', 'age_ms');
		expectError(await her.call('POST', '/api/v1/her/position', { lat: HER[0], lon: HER[1], age_ms: 'old' }), 400, 'bad_request', 'age_ms');
		expectError(await her.call('POST', '/api/v1/her/position', { lat: HER[0], lon: HER[1], accuracy_m: 'good' }), 400, 'bad_request', 'accuracy_m');
		// her browser may not give a position (she refused it): the call for help still goes
		res = await her.call('POST', '/api/v1/her/panic', {});
		assert.equal(res.status, 202, res.text);
		res = await her.call('POST', '/api/v1/her/panic', { lat: 'here' });
		assert.equal(res.status, 400);
	});

	test('a diary entry with a photo is an incident of the case reported by her, the photo\'s hash in the chain', async () => {
		let res = await her.call('POST', '/api/v1/her/diary', { what: '' });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'what');
		res = await her.call('POST', '/api/v1/her/diary', { what: 'x', photo: { type: 'application/pdf', data: 'eA==' } });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'photo.type');
		res = await her.call('POST', '/api/v1/her/diary', { what: 'He left flowers on my car at work.', where: 'car park at work', behaviour: 'unwanted_gift', photo: { type: 'image/png', data: PNG.toString('base64') } });
		assert.equal(res.status, 201, res.text);
		const hash = crypto.createHash('blake2b512').update(PNG).digest('hex'); // not BLAKE2b-256: compared below by length only
		assert.equal(res.body.picture.length, 64);
		assert.notEqual(res.body.picture, hash.slice(0, 64));
		const log = (await c.officer.get(`/api/v1/cases/${ref}/incidents`)).body.incidents;
		const e = log.find((x) => x.description === 'He left flowers on my car at work.');
		assert.ok(e, JSON.stringify(log));
		assert.deepEqual([e.behaviour, e.reporter, e.recorded_by, e.attachments], ['unwanted_gift', 'the victim, in her app', 'her app (the victim)', [res.body.picture]]);
		const v = (await c.officer.get(`/api/v1/cases/${ref}/incidents/verify`)).body;
		assert.equal(v.intact, true, JSON.stringify(v));
		const file = await c.officer.get(`/api/v1/cases/${ref}/attachments/${res.body.picture}`, { json: false });
		assert.equal(file.status, 200);
	});

	test('she sees her warning (sent through Notify, delivered) and what the centre did; her plan and contacts', async () => {
		const mon = (await c.officer.get(`/api/v1/cases/${ref}/monitoring`)).body;
		const uid = mon.devices.find((x) => x.assignment.role === 'suspect').uid;
		await k.trail(uid, [HOME]);
		const a = await k.waitAlert(ref, 'zone_entry');
		await waitFor('her warning delivered', async () => (await c.operator.get(`/api/v1/alerts/${a.id}`)).body.victim_warning[0]?.state === 'delivered');
		await c.operator.post(`/api/v1/alerts/${a.id}/acknowledge`, { version: a.version });
		const home = (await her.call('GET', '/api/v1/her/home')).body;
		const w = home.warnings.find((x) => x.id === a.id);
		assert.ok(w, JSON.stringify(home));
		assert.equal(w.kind, 'warning');
		assert.equal(w.sent, 'delivered');
		assert.ok(w.centre_did.some((d) => d.what === 'The centre saw it'));
		assert.ok(home.warnings.some((x) => x.kind === 'panic'));
		assert.equal(home.app_name, 'Recipes');
	});

	test('her plan, her orders and who looks after her only once her officer releases them', async () => {
		let home = (await her.call('GET', '/api/v1/her/home')).body;
		assert.deepEqual([home.plan, home.orders, home.contacts], [null, null, null]);
		let res = await c.officer.put(`/api/v1/cases/${ref}/her-app/released`, {});
		assert.equal(res.status, 400);
		res = await c.officer.put(`/api/v1/cases/${ref}/her-app/released`, { plan: 'yes' });
		assert.equal(res.status, 400);
		res = await c.officer.put(`/api/v1/cases/${ref}/her-app/released`, { plan: true, contacts: true });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.released, { plan: true, orders: false, contacts: true });
		home = (await her.call('GET', '/api/v1/her/home')).body;
		assert.deepEqual(home.plan, []);
		assert.equal(home.orders, null);
		assert.ok(home.contacts.some((x) => x.role === 'officer'));
		res = await c.officer.put(`/api/v1/cases/${ref}/her-app/released`, { contacts: false });
		assert.deepEqual(res.body.released, { plan: true, orders: false, contacts: false });
		assert.equal((await her.call('GET', '/api/v1/her/home')).body.contacts, null);
	});

	test('nothing she was sent holds his position, a zone or a place of hers', () => {
		const his = [...tagPath, HOME].flatMap(([lat, lon]) => [lat.toFixed(4), lon.toFixed(4)]);
		assert.ok(her.seen.length >= 10);
		for (const s of her.seen) {
			for (const n of his) assert.ok(!s.text.includes(n), `${s.p} answered with ${n}: ${s.text}`);
			assert.ok(!/"(lat|lon|position|geometry|zone|zones|trail|positions|victim_position|last_position)":/.test(s.text), `${s.p}: ${s.text}`);
			assert.ok(!s.text.includes(HER[0].toFixed(4)), `${s.p} echoed her position`);
		}
	});

	test("nothing of hers reaches the server's log: her number, her position, her diary", () => {
		const log = srv.stderr();
		for (const x of [phone.e164, phone.e164.slice(3), HER[0].toFixed(4), HER[1].toFixed(4), 'flowers on my car', 'car park at work'])
			assert.ok(!log.includes(x), `the log holds ${x}`);
	});

	test('one phone signed out by her officer: its session ends; she signs in again with a new code', async () => {
		let app = (await c.officer.get(`/api/v1/cases/${ref}/her-app`)).body;
		const inUse = app.phones.filter((p) => !p.signed_out_at);
		assert.equal(inUse.length, 1, JSON.stringify(app.phones));
		assert.equal((await c.officer.del(`/api/v1/cases/${ref}/her-app/phones/999999`)).status, 404);
		let res = await c.officer.del(`/api/v1/cases/${ref}/her-app/phones/${inUse[0].id}`);
		assert.equal(res.status, 200, res.text);
		assert.ok(res.body.phones.find((p) => p.id === inUse[0].id).signed_out_at);
		assert.equal((await her.call('GET', '/api/v1/her/home')).status, 401);
		her.session = null;
		assert.equal((await her.call('POST', '/api/v1/her/unlock', { device, pin: '2580' })).status, 401);
		const before = notify.sent.length;
		await her.call('POST', '/api/v1/her/code', { phone: phone.national });
		const sms = await waitFor('a new code', () => notify.sent.slice(before).find((x) => x.body.phone_number === phone.e164));
		res = await her.call('POST', '/api/v1/her/verify', { phone: phone.national, code: sms.body.personalisation.message.match(/(\d{6})/)[1], pin: '3691' });
		assert.equal(res.status, 201, res.text);
		device = res.body.device;
		res = await her.call('POST', '/api/v1/her/unlock', { device, pin: '3691' });
		assert.equal(res.status, 200, res.text);
		her.session = res.body.session;
		assert.equal((await her.call('GET', '/api/v1/her/home')).status, 200);
	});

	test('revoked: her session ends at once and the phone cannot unlock', async () => {
		let res = await c.officer.del(`/api/v1/cases/${ref}/her-app`);
		assert.equal(res.status, 200, res.text);
		res = await her.call('GET', '/api/v1/her/home');
		assert.equal(res.status, 401);
		her.session = null;
		res = await her.call('POST', '/api/v1/her/unlock', { device, pin: '3691' });
		assert.equal(res.status, 401);
		res = await her.call('POST', '/api/v1/her/panic', {});
		assert.equal(res.status, 401);
	});
});
