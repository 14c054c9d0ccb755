// The OsmAnd port against hostile or odd input, as a phone or an attacker on
// the internet may send it: a request with too many parameters is answered
// at once (400), not after the 30 s timeout; an identifier with a NUL, CR or
// LF is refused, never cut short to another device's; numbers are decimal
// only; and Traccar's own date-time form of the timestamp (the one in its
// decoder's test samples) is accepted as UTC.  Nothing refused is stored.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer, stopServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

let srv;
let OSM; // http://127.0.0.1:PORT of the OsmAnd listener
let operator;
let officer;

before(async () => {
	srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0'], roles: ['operator', 'officer'] });
	OSM = srv.osmandUrl();
	[operator, officer] = await Promise.all([srv.login('operator'), srv.login('officer')]);
});
after(() => stopServer(srv));

/** A raw request on the OsmAnd port (the query as written, not re-encoded); 2 s at most. */
async function osm(query, init = {}) {
	const t0 = Date.now();
	const res = await fetch(`${OSM}/?${query}`, { ...init, signal: AbortSignal.timeout(2000) });
	return { status: res.status, text: await res.text(), ms: Date.now() - t0 };
}

async function device() {
	const uid = unique('strict');
	const res = await operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'osmand' });
	assert.equal(res.status, 201, res.text);
	return uid;
}

/** The device's rejected count and last fix, through the API. */
async function deviceState(uid) {
	const res = await operator.get(`/api/v1/devices/${uid}`);
	assert.equal(res.status, 200, res.text);
	return res.body;
}

async function waitFix(uid, atMs) {
	const until = Date.now() + 5000;
	for (;;) {
		const dv = await deviceState(uid);
		if (dv.state?.last_fix_at === new Date(atMs).toISOString()) return dv;
		if (Date.now() > until) assert.fail(`no fix at ${new Date(atMs).toISOString()} for ${uid}: ${JSON.stringify(dv.state)}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

const nowS = () => Math.floor(Date.now() / 1000);
/** "YYYY-MM-DD HH:MM:SS" in UTC for a time in ms. */
const traccarTime = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

describe('too many parameters', () => {
	for (const n of [120, 300, 1000]) {
		test(`a GET with ${n} parameters is answered at once: 400 naming the limit`, async () => {
			const uid = await device();
			const extra = Array.from({ length: n - 3 }, (_, i) => `p${i}=v`).join('&');
			const res = await osm(`id=${uid}&lat=51.5&lon=-0.12&${extra}`);
			assert.equal(res.status, 400, res.text);
			assert.match(res.text, /more than 64 parameters/);
			assert.ok(res.ms < 1000, `answered in ${res.ms} ms`);
			assert.equal((await deviceState(uid)).state.last_fix_at, null);
		});
	}

	test('a form body with 100 parameters is 400 too, and 64 in all is still taken', async () => {
		const uid = await device();
		const extra = (k) => Array.from({ length: k }, (_, i) => `p${i}=v`).join('&');
		let res = await osm(`id=${uid}`, { method: 'POST', body: `lat=51.5&lon=-0.12&${extra(100)}` });
		assert.equal(res.status, 400, res.text);
		assert.match(res.text, /more than 64 parameters/);
		const at = (nowS() - 60) * 1000;
		// query and form count together: 2 + 2 + 60 = 64
		res = await osm(`id=${uid}&timestamp=${at / 1000}`, { method: 'POST', body: `lat=51.5&lon=-0.12&${extra(60)}` });
		assert.equal(res.status, 200, res.text);
		await waitFix(uid, at);
	});

	test('empty pieces (&&) are no parameters: 60 of them and 200 ampersands are taken', async () => {
		const uid = await device();
		const at = (nowS() - 45) * 1000;
		const extra = Array.from({ length: 56 }, (_, i) => `p${i}=v`).join('&');
		const res = await osm(`id=${uid}&lat=51.5&lon=-0.12&timestamp=${at / 1000}&${'&'.repeat(200)}${extra}&`);
		assert.equal(res.status, 200, res.text);
		await waitFix(uid, at);
	});

	test('the connection serves the next request as usual', async () => {
		const uid = await device();
		const extra = Array.from({ length: 200 }, (_, i) => `p${i}=v`).join('&');
		assert.equal((await osm(`id=${uid}&${extra}`)).status, 400);
		const at = (nowS() - 30) * 1000;
		const res = await osm(`id=${uid}&lat=51.5&lon=-0.12&timestamp=${at / 1000}`);
		assert.equal(res.status, 200, res.text);
		await waitFix(uid, at);
	});
});

describe('identifiers', () => {
	test('id=X%00y is 400 and never stored as device X', async () => {
		const uid = await device();
		for (const q of [`id=${uid}%00y`, `deviceid=${uid}%00`, `id=${uid}%00${uid}`]) {
			const res = await osm(`${q}&lat=51.5&lon=-0.12&timestamp=${nowS() - 10}`);
			assert.equal(res.status, 400, `${q}: ${res.text}`);
			assert.match(res.text, /NUL/);
		}
		// the same in a form body
		const res = await osm('', { method: 'POST', body: `id=${uid}%00y&lat=51.5&lon=-0.12` });
		assert.equal(res.status, 400, res.text);
		const dv = await deviceState(uid);
		assert.equal(dv.state.last_fix_at, null, 'nothing stored for X');
		assert.equal(dv.rejected_fixes, 0);
	});

	test('a NUL in a parameter name does not make it the id', async () => {
		const uid = await device();
		const res = await osm(`id%00x=${uid}&lat=51.5&lon=-0.12`);
		assert.equal(res.status, 400, res.text);
		assert.match(res.text, /NUL/);
		assert.equal((await deviceState(uid)).state.last_fix_at, null);
	});

	test('CR, LF, other control characters and bytes that are not UTF-8 in an id are 400', async () => {
		for (const id of ['a%0D%0Afake', 'a%0A', 'a%0D', 'a%09b', 'a%1B%5B2J', 'a%7F', 'a%C2%85', '%FF%FE', '%C0%AF']) {
			const res = await osm(`id=${id}&lat=51.5&lon=-0.12`);
			assert.equal(res.status, 400, `${id}: ${res.text}`);
			assert.match(res.text, /id must be 1 to 64 bytes of UTF-8 text without control characters/);
		}
	});

	test("the JSON body's device_id is held to the same rule", async () => {
		const uid = await device();
		const body = (id) => JSON.stringify({ device_id: id, location: { timestamp: Date.now() - 5000, coords: { latitude: 51.5, longitude: -0.12 } } });
		for (const id of [`${uid}\r\nfake`, `${uid}\u0000y`, `${uid}\u001b`]) {
			const res = await osm('', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body(id) });
			assert.equal(res.status, 400, `${JSON.stringify(id)}: ${res.text}`);
		}
		assert.equal((await deviceState(uid)).state.last_fix_at, null);
	});

	test('a raw NUL byte in a form body is 400, not the end of the body', async () => {
		const uid = await device();
		const res = await osm('', { method: 'POST', body: Buffer.from(`id=${uid}\0y&lat=51.5&lon=-0.12`) });
		assert.equal(res.status, 400, res.text);
		assert.match(res.text, /NUL byte/);
		assert.equal((await deviceState(uid)).state.last_fix_at, null);
	});

	test('a percent-escape that is not two hex digits is 400', async () => {
		const res = await osm('id=a%zz&lat=51.5&lon=-0.12');
		assert.equal(res.status, 400, res.text);
		assert.match(res.text, /two hexadecimal digits/);
	});

	test('a parameter given twice (id, or id and deviceid) is 400', async () => {
		const a = await device();
		const b = await device();
		for (const q of [`id=${a}&id=${b}`, `id=${a}&deviceid=${b}`]) {
			const res = await osm(`${q}&lat=51.5&lon=-0.12`);
			assert.equal(res.status, 400, res.text);
			assert.match(res.text, /more than once/);
		}
		// the query and the form body together, too
		const res = await osm(`id=${a}`, { method: 'POST', body: `id=${b}&lat=51.5&lon=-0.12` });
		assert.equal(res.status, 400, res.text);
		assert.equal((await deviceState(a)).state.last_fix_at, null);
		assert.equal((await deviceState(b)).state.last_fix_at, null);
	});
});

describe('numbers are decimal', () => {
	test('hexadecimal, inf, nan, out of range, a sign + or spaces: 400 naming the parameter, nothing stored or counted', async () => {
		const uid = await device();
		const ts = nowS() - 20;
		for (const [param, value] of [
			['lat', '0x33'], ['lat', 'inf'], ['lon', 'nan'], ['lat', 'NaN'], ['lon', 'Infinity'], ['lat', '1e400'],
			['lat', '%2B51.5'], ['lat', '%2051.5'], ['lon', '-0.12%20'], ['lat', '51.'], ['speed', '0x10'], ['accuracy', 'inf'],
			['batt', '1e400'], ['altitude', 'nan'], ['bearing', '0x5A'], ['hdop', '%2B1'],
		]) {
			const q = { lat: '51.5', lon: '-0.12', [param]: value };
			const res = await osm(`id=${uid}&timestamp=${ts}&${Object.entries(q).map(([k, v]) => `${k}=${v}`).join('&')}`);
			assert.equal(res.status, 400, `${param}=${value}: ${res.text}`);
			assert.match(res.text, new RegExp(`^${param} must be a decimal number`), `${param}=${value}`);
		}
		const res = await osm(`id=${uid}&timestamp=${ts}&location=0x33,1`);
		assert.equal(res.status, 400, res.text);
		assert.match(res.text, /location must be "lat,lon" in decimal degrees/);
		const dv = await deviceState(uid);
		assert.equal(dv.state.last_fix_at, null);
		assert.equal(dv.rejected_fixes, 0, 'refused as malformed, before the device is looked up');
	});

	test('small values as Java prints them (1.0E-4) are decimal and taken', async () => {
		const uid = await device();
		const at = (nowS() - 15) * 1000;
		const res = await osm(`id=${uid}&timestamp=${at / 1000}&lat=51.5&lon=-0.12&speed=1.0E-4&accuracy=5.0&bearing=0.0`);
		assert.equal(res.status, 200, res.text);
		await waitFix(uid, at);
	});

	test('a panic whose position is garbled is still a panic, without a position: never refused', async () => {
		const uid = await device();
		const k = await createCase(officer, { suspect: { name: `Tagged ${unique('s')}` } });
		const assigned = await officer.post(`/api/v1/cases/${k.ref}/monitoring`, { device: uid, role: 'suspect' });
		assert.equal(assigned.status, 201, assigned.text);
		const res = await osm(`id=${uid}&timestamp=${nowS() - 5}&lat=0x33&lon=-0.12&alarm=sos`);
		assert.equal(res.status, 200, res.text);
		const until = Date.now() + 5000;
		let sos;
		while (!(sos = (await operator.get(`/api/v1/alerts?case=${k.ref}`)).body.alerts.find((a) => a.kind === 'sos'))) {
			if (Date.now() > until) assert.fail('no sos alert');
			await new Promise((r) => setTimeout(r, 50));
		}
		assert.equal(sos.severity, 'critical');
		assert.equal(sos.position, undefined, '0x33 is no latitude (it was once read as 51)');
		assert.equal((await deviceState(uid)).state.last_fix_at, null, 'no position stored');
	});
});

describe("Traccar's date-time timestamp", () => {
	test("Traccar's own sample query (timestamp=2014-06-04+09%3A10%3A11) is accepted as 2014-06-04T09:10:11Z", async () => {
		const uid = await device();
		const res = await osm(`lat=49.60688&lon=6.15788&timestamp=2014-06-04+09%3A10%3A11&altitude=384.7&speed=0.0&id=${uid}`);
		assert.equal(res.status, 200, res.text);
		await waitFix(uid, Date.UTC(2014, 5, 4, 9, 10, 11));
	});

	test('"YYYY-MM-DD HH:MM:SS" with or without a fraction or a Z, with a space or a T, in a query or a form: read as UTC', async () => {
		const uid = await device();
		const base = (nowS() - 100) * 1000;
		const forms = [
			[(ms) => encodeURIComponent(traccarTime(ms)), 0],
			[(ms) => traccarTime(ms).replace(' ', '+').replaceAll(':', '%3A'), 0],
			[(ms) => `${encodeURIComponent(traccarTime(ms))}.250`, 250],
			[(ms) => `${encodeURIComponent(traccarTime(ms))}Z`, 0],
			[(ms) => `${encodeURIComponent(traccarTime(ms))}.5Z`, 500],
			[(ms) => traccarTime(ms).replace(' ', 'T'), 0],
		];
		let i = 0;
		for (const [form, frac] of forms) {
			const at = base + i++ * 2000;
			const res = await osm(`id=${uid}&lat=51.5&lon=-0.12&timestamp=${form(at)}`);
			assert.equal(res.status, 200, `${form(at)}: ${res.text}`);
			await waitFix(uid, at + frac);
		}
		const at = base + i * 2000;
		const res = await osm('', { method: 'POST', body: `id=${uid}&lat=51.5&lon=-0.12&timestamp=${traccarTime(at).replace(' ', '+').replaceAll(':', '%3A')}` });
		assert.equal(res.status, 200, res.text);
		await waitFix(uid, at);
	});

	test('seconds and milliseconds still work; a date alone, a bad date or a signed number is 400', async () => {
		const uid = await device();
		const at = (nowS() - 40) * 1000;
		assert.equal((await osm(`id=${uid}&lat=51.5&lon=-0.12&timestamp=${at / 1000}`)).status, 200);
		await waitFix(uid, at);
		assert.equal((await osm(`id=${uid}&lat=51.5&lon=-0.12&timestamp=${at + 1123}`)).status, 200);
		await waitFix(uid, at + 1123);
		for (const ts of ['2014-06-04', '2014-02-30+09%3A10%3A11', '2014-06-04+25%3A00%3A00', '%2B1401873011', '-5', '1e9', '99999999999999999999999.5']) {
			const res = await osm(`id=${uid}&lat=51.5&lon=-0.12&timestamp=${ts}`);
			assert.equal(res.status, 400, `${ts}: ${res.text}`);
			assert.match(res.text, /^timestamp must be/);
		}
	});
});
