// Limits before a device has said who it is (issue 16), on the two device
// ports.  Teltonika: connections per address and in all, a handshake
// deadline, a full port making room by closing its oldest connection still
// without a handshake, a packet deadline, one session a tag, and a budget for
// the bytes of unfinished packets of all sessions together (800 sessions each
// holding a 65 KB unfinished packet took the server from 68 to 149 MB).
// OsmAnd: the same connection limits and deadlines as the API port.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { sleep, startServer } from './lib/server.mjs';
import { unique } from './lib/casekit.mjs';
import { tag, packet } from './lib/teltonika.mjs';

let srv;
let TEL;
let OSM;
let admin;
let supervisor;
const socks = [];

before(async () => {
	srv = await startServer({
		roles: ['admin', 'supervisor'],
		args: ['--osmand-listen', '127.0.0.1:0', '--teltonika-listen', '127.0.0.1:0',
			'--http-header-seconds', '3', '--http-body-seconds', '3',
			'--teltonika-packet-seconds', '3', '--teltonika-max-buffered', '1',
			'--teltonika-max-per-address', '30', '--teltonika-max-connections', '60',
			'--osmand-max-per-address', '20', '--osmand-max-connections', '40'],
	});
	TEL = srv.teltonikaPort();
	OSM = Number(srv.stdout().match(/OsmAnd devices on http:\/\/127\.0\.0\.1:(\d+)/)[1]);
	admin = await srv.login('admin');
	supervisor = await srv.login('supervisor');
});
after(async () => {
	for (const s of socks) s.destroy();
	if (srv) assert.equal(await srv.stop(), 0);
});

async function registerTag() {
	const imei = String(350000000000000 + Math.floor(Math.random() * 1e13)).slice(0, 15);
	const res = await supervisor.post('/api/v1/devices', { uid: imei, kind: 'offender_tag', protocol: 'teltonika' });
	assert.equal(res.status, 201, res.text);
	return imei;
}

/** A raw connection from localAddress to port: resolves once connected (or
 * 'refused' when the server closes it within 300 ms). */
function open(port, localAddress, first) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port, localAddress });
		s.on('error', () => {});
		s.on('close', () => { s.gone = Date.now(); });
		s.on('connect', () => {
			s.opened = Date.now();
			if (first) s.write(first);
			socks.push(s);
			setTimeout(() => resolve(s.gone ? 'refused' : s), 300);
		});
	});
}

/** Wait for s to be closed by the server: ms after it opened, or null. */
async function closedWithin(s, ms) {
	const until = Date.now() + ms;
	while (!s.gone && Date.now() < until) await sleep(50);
	return s.gone ? s.gone - s.opened : null;
}

async function metrics() {
	return (await admin.get('/metrics')).text;
}

describe('the Teltonika port', () => {
	test('a handshake trickled a byte at a time is closed at the deadline, though never silent', async () => {
		// the IMEI's length (0x0033), then its digits one at a time
		const s = await open(TEL, '127.0.0.2', Buffer.from([0x00]));
		const drip = setInterval(() => { if (!s.gone) s.write(Buffer.from([0x33])); }, 250);
		const ms = await closedWithin(s, 10000);
		clearInterval(drip);
		assert.ok(ms !== null && ms >= 2500 && ms < 9000, `closed after ${ms} ms`);
		assert.match(await metrics(), /vigil_refused_total\{port="teltonika",reason="handshake_deadline"\} [1-9]/);
	});

	test('a packet begun and trickled is closed at --teltonika-packet-seconds', async () => {
		const t = await tag(TEL, await registerTag());
		assert.equal(t.answer, 1);
		const head = Buffer.alloc(8);
		head.writeUInt32BE(1000, 4);
		t.write(head);
		const t0 = Date.now();
		const drip = setInterval(() => { if (!t.closed()) t.write(Buffer.from([0x08])); }, 250);
		while (!t.closed() && Date.now() - t0 < 10000) await sleep(50);
		clearInterval(drip);
		const ms = Date.now() - t0;
		assert.ok(t.closed() && ms >= 2500 && ms < 9000, `closed after ${ms} ms`);
		assert.match(await metrics(), /vigil_refused_total\{port="teltonika",reason="packet_deadline"\} [1-9]/);
	});

	test('one session a tag: a new handshake closes the older session, and the new one is served', async () => {
		const imei = await registerTag();
		const a = await tag(TEL, imei);
		assert.equal(a.answer, 1);
		const b = await tag(TEL, imei);
		assert.equal(b.answer, 1);
		const t0 = Date.now();
		while (!a.closed() && Date.now() - t0 < 3000) await sleep(50);
		assert.ok(a.closed(), 'the older session is closed');
		b.write(packet([[Date.now() - 1000, 51.5, -0.1]]));
		assert.equal(await b.ack(5000), 1);
		b.close();
	});

	test('the unfinished packets of all sessions stay within --teltonika-max-buffered (1 MB)', async () => {
		const imeis = [];
		for (let i = 0; i < 24; i++) imeis.push(await registerTag());
		const tags = [];
		for (const imei of imeis) {
			const t = await tag(TEL, imei);
			assert.equal(t.answer, 1);
			// a packet announcing 60,000 bytes, and its first 2,000
			const head = Buffer.alloc(8 + 2000);
			head.writeUInt32BE(60000, 4);
			head[8] = 0x08;
			t.write(head);
			tags.push(t);
		}
		const t0 = Date.now();
		while (tags.filter((t) => t.closed()).length < 6 && Date.now() - t0 < 5000) await sleep(100);
		const m = await metrics();
		const held = Number(m.match(/vigil_buffered_bytes\{port="teltonika"\} (\d+)/)[1]);
		assert.ok(held <= 1024 * 1024, `${held} bytes held`);
		assert.ok(held >= 10 * 60000, `${held} bytes held: the first sessions' packets are`);
		const closed = tags.filter((t) => t.closed()).length;
		assert.ok(closed >= 6, `${closed} of 24 sessions closed past the budget`);
		assert.match(m, /vigil_refused_total\{port="teltonika",reason="buffer_budget"\} [1-9]/);
		for (const t of tags) t.close();
		const t1 = Date.now();
		while (!/vigil_buffered_bytes\{port="teltonika"\} 0\b/.test(await metrics()) && Date.now() - t1 < 5000) await sleep(200);
		assert.match(await metrics(), /vigil_buffered_bytes\{port="teltonika"\} 0\b/);
	});

	test('one address has at most its share; a full port makes room for a tag by closing its oldest connection without a handshake', async () => {
		const mine = await Promise.all(Array.from({ length: 31 }, () => open(TEL, '127.0.0.3')));
		assert.equal(mine.filter((x) => x === 'refused').length, 1, '30 per address');
		const more = await Promise.all(Array.from({ length: 32 }, () => open(TEL, '127.0.0.4')));
		const held = [...mine, ...more].filter((x) => x !== 'refused');
		assert.ok(held.length <= 60, `${held.length} held; 60 in all`);
		assert.ok(more.some((x) => x === 'refused'), 'the total is kept');
		await sleep(1200); // older than the second a connection is given
		const t = await tag(TEL, await registerTag());
		assert.equal(t.answer, 1, 'the tag is taken');
		const t0 = Date.now();
		while (!held.some((s) => s.gone) && Date.now() - t0 < 2000) await sleep(50);
		assert.ok(held.some((s) => s.gone), 'a connection without a handshake was closed for it');
		t.close();
		for (const s of held) s.destroy();
		assert.match(await metrics(), /vigil_refused_total\{port="teltonika",reason="evicted_when_full"\} [1-9]/);
		assert.match(await metrics(), /vigil_refused_total\{port="teltonika",reason="connections_per_address"\} [1-9]/);
	});
});

describe('the OsmAnd port', () => {
	test('one address has at most its share; headers trickled are cut at the deadline', async () => {
		const mine = await Promise.all(Array.from({ length: 21 }, () => open(OSM, '127.0.0.6', 'GET /?id=1')));
		assert.equal(mine.filter((x) => x === 'refused').length, 1, '20 per address');
		const s = mine.find((x) => x !== 'refused');
		const drip = setInterval(() => { if (!s.gone) s.write('1'); }, 250);
		const ms = await closedWithin(s, 10000);
		clearInterval(drip);
		assert.ok(ms !== null && ms >= 2500 && ms < 9000, `closed after ${ms} ms`);
		for (const x of mine) if (x !== 'refused') x.destroy();
		const m = await metrics();
		assert.match(m, /vigil_refused_total\{port="osmand",reason="connections_per_address"\} [1-9]/);
		assert.match(m, /vigil_connections_cut_total\{port="osmand",reason="header_deadline"\} [1-9]/);
		assert.match(m, /vigil_connection_limit\{port="osmand",per="address"\} 20/);
	});

	test('a phone is still served', async () => {
		const imei = unique('phone');
		assert.equal((await supervisor.post('/api/v1/devices', { uid: imei, kind: 'victim_phone', protocol: 'osmand' })).status, 201);
		const res = await fetch(`http://127.0.0.1:${OSM}/?id=${imei}&lat=51.5&lon=-0.1&timestamp=${Math.floor(Date.now() / 1000) - 5}&accuracy=10`);
		assert.equal(res.status, 200);
	});
});
