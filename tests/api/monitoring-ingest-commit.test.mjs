// Group commit on the ingest ports: many connections at once, over the OsmAnd
// HTTP port and the Teltonika TCP port, each get their answer, and every fix is
// stored exactly once (a duplicate sent at the same moment too); a device is
// never acknowledged before its fixes are stored: while another writer holds
// the database, neither the 200 nor the record count comes back, and both
// come as soon as the fixes could be stored; a bad frame on one Teltonika
// connection does not disturb another's packet in flight.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { ENGINE, sleep, sqlite, startServer, stopServer } from './lib/server.mjs';
import { packet as codec8, tag as teltonikaTag } from './lib/teltonika.mjs';

let srv;
let OSM; // http://127.0.0.1:PORT
let TEL; // the Teltonika port
const c = {};

before(async () => {
	srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0', '--teltonika-listen', '127.0.0.1:0'] });
	OSM = srv.osmandUrl();
	TEL = srv.teltonikaPort();
	[c.operator, c.admin] = await Promise.all(['operator', 'admin'].map((r) => srv.login(r)));
});
after(() => stopServer(srv));

// ---- helpers -----------------------------------------------------------------

let serial = 0;
/** A registered device; Teltonika uids are 15-digit IMEIs. */
async function device(protocol) {
	serial++;
	const uid = protocol === 'teltonika'
		? `35${String(process.pid % 100000).padStart(5, '0')}${String(Date.now() % 1e5).padStart(5, '0')}${String(serial).padStart(3, '0')}`
		: `gc-${process.pid}-${Date.now()}-${serial}`;
	const res = await c.operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol });
	assert.equal(res.status, 201, res.text);
	return uid;
}

const stored = (uid) => Number(sqlite(srv.db,
	`SELECT COUNT(*) FROM fixes WHERE device_id = (SELECT id FROM devices WHERE uid = '${uid}')`).trim());

async function counters() {
	const res = await c.admin.get('/metrics');
	assert.equal(res.status, 200);
	const n = (r) => Number(res.text.match(new RegExp(`^vigil_fixes_total\\{result="${r}"\\} (\\d+)$`, 'm'))[1]);
	return { stored: n('stored'), duplicate: n('duplicate') };
}

/** GET on the OsmAnd port, as Traccar Client sends it. */
async function osm(uid, atMs, lat = 51.5, lon = -0.12) {
	const q = new URLSearchParams({ id: uid, lat: String(lat), lon: String(lon), timestamp: String(atMs), accuracy: '8' });
	const res = await fetch(`${OSM}/?${q}`);
	return { status: res.status, text: await res.text() };
}

/** A Codec 8 packet of records at times t0, t0 + 1000, ... */
const packet = (t0, records, options) =>
	codec8(Array.from({ length: records }, (_, r) => [t0 + r * 1000, 51.5, -0.12 + r * 1e-5]), options);

/** A Teltonika connection: the handshake done; read(n) waits for n bytes (null when closed). */
async function tag(imei) {
	const t = await teltonikaTag(TEL, imei, { timeoutMs: 10000 });
	assert.equal(t.answer, 1, 'the IMEI is accepted');
	return {
		read: t.read,
		pending: t.pending,
		isClosed: t.closed,
		send: t.write,
		/** Send a packet and wait for its record-count acknowledgement. */
		async packet(t0, records) {
			t.write(packet(t0, records));
			const ack = await t.read(4);
			return ack ? ack.readUInt32BE(0) : null;
		},
		close: t.close,
	};
}

/** Hold SQLite's write lock from another process until release() is awaited. */
async function holdWriteLock() {
	const p = spawn('sqlite3', [srv.db], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	p.stdout.on('data', (d) => { out += d; });
	p.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
	const until = Date.now() + 5000;
	while (!out.includes('locked') && Date.now() < until) await sleep(10);
	assert.ok(out.includes('locked'), 'the test holds the write lock');
	return async () => {
		p.stdin.end('ROLLBACK;\n');
		await new Promise((resolve) => p.on('exit', resolve));
	};
}

// ---- the OsmAnd port -------------------------------------------------------------

describe('many OsmAnd requests at once', () => {
	test('240 concurrent requests from 24 devices, 24 of them repeats of another: every one answered 200, each fix stored once', async () => {
		const uids = await Promise.all(Array.from({ length: 24 }, () => device('osmand')));
		const t0 = Date.now() - 3600e3;
		const before = await counters();
		const sends = [];
		for (const [d, uid] of uids.entries()) {
			for (let i = 0; i < 9; i++) sends.push(osm(uid, t0 + i * 1000, 51.5 + d * 1e-4));
			// the same fix twice at the same moment: stored once, both answered
			sends.push(osm(uid, t0 + 8 * 1000, 51.5 + d * 1e-4));
		}
		const answers = await Promise.all(sends);
		assert.deepEqual(answers.map((a) => a.status), Array(240).fill(200), JSON.stringify(answers.filter((a) => a.status !== 200).slice(0, 3)));
		for (const uid of uids) assert.equal(stored(uid), 9, `device ${uid}: nine fixes stored`);
		const now = await counters();
		assert.equal(now.stored - before.stored, 216, 'stored: 24 devices x 9 fixes');
		assert.equal(now.duplicate - before.duplicate, 24, 'one duplicate a device');
	});

	test('an unknown device among good ones is refused on its own: 404 for it, 200 and stored for the rest', async () => {
		const uids = await Promise.all(Array.from({ length: 5 }, () => device('osmand')));
		const t0 = Date.now() - 1800e3;
		const answers = await Promise.all([...uids.map((u) => osm(u, t0)), osm(`gc-nobody-${Date.now()}`, t0)]);
		assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 404]);
		for (const uid of uids) assert.equal(stored(uid), 1);
	});

	test('a fix is not answered before it is stored: no 200 while another writer holds the database, 200 once it is stored', { skip: ENGINE !== 'sqlite' && 'holds the SQLite write lock' }, async () => {
		const uid = await device('osmand');
		const release = await holdWriteLock();
		let answered = null;
		const pending = osm(uid, Date.now() - 60e3).then((a) => { answered = a; return a; });
		await sleep(800);
		assert.equal(answered, null, 'no answer while the fix cannot be stored');
		assert.equal(stored(uid), 0, 'and nothing stored');
		await release();
		const a = await pending;
		assert.equal(a.status, 200, a.text);
		assert.equal(stored(uid), 1, 'stored when answered');
	});
});

// ---- the Teltonika port ------------------------------------------------------------

describe('many Teltonika connections at once', () => {
	test('12 connections, 5 packets of 20 records each: every acknowledgement counts 20, every record stored once; a packet sent again is acknowledged and not stored again', async () => {
		const imeis = await Promise.all(Array.from({ length: 12 }, () => device('teltonika')));
		const tags = await Promise.all(imeis.map((i) => tag(i)));
		const t0 = Date.now() - 7200e3;
		const acks = await Promise.all(tags.map(async (t) => {
			const got = [];
			for (let p = 0; p < 5; p++) got.push(await t.packet(t0 + p * 20000, 20));
			got.push(await t.packet(t0, 20)); // the first again, as after a lost acknowledgement
			return got;
		}));
		assert.deepEqual(acks, Array(12).fill(Array(6).fill(20)));
		for (const imei of imeis) assert.equal(stored(imei), 100, `device ${imei}: 100 records stored`);
		for (const t of tags) t.close();
	});

	test('a frame with a bad CRC closes its own connection without an acknowledgement; a packet in flight on another is acknowledged', async () => {
		const [good, bad] = await Promise.all([device('teltonika'), device('teltonika')]);
		const [g, b] = await Promise.all([tag(good), tag(bad)]);
		const t0 = Date.now() - 5400e3;
		b.send(packet(t0, 3, { badCrc: true }));
		const ack = await g.packet(t0, 10);
		assert.equal(ack, 10);
		assert.equal(await b.read(1, 3000), null, 'no acknowledgement for the bad frame');
		assert.ok(b.isClosed(), 'the bad connection is closed');
		assert.equal(stored(good), 10);
		assert.equal(stored(bad), 0);
		g.close();
	});

	test('records are not acknowledged before they are stored: no count while another writer holds the database, the count once they are stored', { skip: ENGINE !== 'sqlite' && 'holds the SQLite write lock' }, async () => {
		const imei = await device('teltonika');
		const t = await tag(imei);
		const release = await holdWriteLock();
		t.send(packet(Date.now() - 3600e3, 7));
		await sleep(800);
		assert.equal(t.pending(), 0, 'no acknowledgement while the records cannot be stored');
		assert.equal(stored(imei), 0);
		await release();
		const ack = await t.read(4);
		assert.ok(ack, 'acknowledged once stored');
		assert.equal(ack.readUInt32BE(0), 7);
		assert.equal(stored(imei), 7);
		t.close();
	});
});
