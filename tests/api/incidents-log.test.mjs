// The incident log of a case: appending (validated), amending by a new entry
// (never editing: no PUT, PATCH or DELETE), a breach of an order, the hash
// chain verified by the API and by `vigil case verify`, tampering in the
// database detected (an altered entry, a broken link, a missing entry, the
// newest entry removed), the export recomputed independently in JavaScript,
// and the case timeline.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, dataKeyOf, expectError, sqlite, startServer, stopServer } from './lib/server.mjs';
import { DAY, HOUR, MINUTE, addIncident, ago, blake2bHex, createCase, meetGates, screening } from './lib/casekit.mjs';

let srv;
let officer;
let supervisor;
let analyst;
const ZERO = '0'.repeat(64);

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'analyst', 'advocate', 'clinician'] });
	[officer, supervisor, analyst] = await Promise.all(['officer', 'supervisor', 'analyst'].map((u) => srv.login(u)));
});
after(() => stopServer(srv));

describe('appending', () => {
	let C;
	before(async () => {
		C = await createCase(officer, { screening: screening(true) });
	});

	test('the first entry is seq 1, links to 64 zeros and carries every field given', async () => {
		const at = ago(2 * HOUR);
		const until = ago(HOUR);
		const e = await addIncident(officer, C.ref, {
			occurred_at: at, occurred_until: until, place: 'bus stop on Mill Lane', behaviour: 'following',
			description: 'followed her from the bus stop', witnesses: ['a shopkeeper', 'her sister'], reporter: 'the victim',
		});
		assert.equal(e.seq, 1);
		assert.equal(e.prev_hash, ZERO);
		assert.match(e.hash, /^[0-9a-f]{64}$/);
		assert.equal(e.recorded_by, 'officer');
		assert.equal(Date.parse(e.occurred_at), Date.parse(at));
		assert.equal(Date.parse(e.occurred_until), Date.parse(until));
		assert.equal(e.place, 'bus stop on Mill Lane');
		assert.equal(e.behaviour, 'following');
		assert.deepEqual(e.witnesses, ['a shopkeeper', 'her sister']);
		assert.equal(e.reporter, 'the victim');
		assert.deepEqual(e.attachments, []);
		assert.equal(e.amends, null);
		assert.equal(e.amend_reason, null);
	});

	test('the next entry is seq 2 and links to the hash of the first', async () => {
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		const first = list.body.incidents.at(-1);
		const e = await addIncident(officer, C.ref, { behaviour: 'call' });
		assert.equal(e.seq, first.seq + 1);
		assert.equal(e.prev_hash, first.hash);
		assert.notEqual(e.hash, first.hash);
	});

	test('the list gives the entries in order, and the case counts them', async () => {
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		assert.equal(list.status, 200);
		assert.equal(list.body.ref, C.ref);
		assert.deepEqual(list.body.incidents.map((e) => e.seq), [1, 2]);
		const c = (await officer.get(`/api/v1/cases/${C.ref}`)).body;
		assert.equal(c.incidents.count, 2);
		assert.equal(typeof c.incidents.first_at, 'string');
		assert.ok(Date.parse(c.incidents.first_at) <= Date.parse(c.incidents.last_at));
	});

	test('concurrent appends get distinct consecutive seqs and an intact chain', async () => {
		const X = await createCase(officer);
		const made = await Promise.all(Array.from({ length: 8 }, (_, i) =>
			(i % 2 ? supervisor : officer).post(`/api/v1/cases/${X.ref}/incidents`, { occurred_at: ago(HOUR), behaviour: 'call', description: `call ${i}` })));
		assert.deepEqual(made.map((r) => r.status), Array(8).fill(201));
		assert.deepEqual(made.map((r) => r.body.seq).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
		const v = await officer.get(`/api/v1/cases/${X.ref}/incidents/verify`);
		assert.deepEqual(v.body, { ref: X.ref, intact: true, entries: 8 });
	});

	test('each behaviour type is accepted', async () => {
		const X = await createCase(officer);
		const kinds = ['message', 'call', 'social_media', 'following', 'loitering', 'turning_up_home', 'turning_up_work',
			'unwanted_gift', 'property_damage', 'threat', 'violence', 'third_party_contact', 'breach_of_order', 'other'];
		for (const b of kinds) assert.equal((await addIncident(officer, X.ref, { behaviour: b })).behaviour, b);
		assert.equal((await officer.get(`/api/v1/cases/${X.ref}/incidents`)).body.incidents.length, kinds.length);
	});

	test('a supervisor may append to her agency\'s case; an analyst may not (403)', async () => {
		assert.equal((await addIncident(supervisor, C.ref)).recorded_by, 'supervisor');
		expectError(await analyst.post(`/api/v1/cases/${C.ref}/incidents`, { occurred_at: ago(HOUR), behaviour: 'call', description: 'x' }), 403, 'forbidden');
	});

	test('an unknown case is 404', async () => {
		expectError(await officer.post('/api/v1/cases/STAC-2000-000999/incidents', { occurred_at: ago(HOUR), behaviour: 'call', description: 'x' }), 404, 'not_found');
	});
});

describe('validation of an entry', () => {
	let C;
	before(async () => {
		C = await createCase(officer);
	});
	const good = () => ({ occurred_at: ago(HOUR), behaviour: 'message', description: 'a message' });
	const bad = [
		['no occurred_at', (b) => delete b.occurred_at, 'occurred_at'],
		['an occurred_at that is not RFC 3339', (b) => (b.occurred_at = 'last Tuesday'), 'occurred_at'],
		['an occurred_at in the future', (b) => (b.occurred_at = ago(-HOUR)), 'occurred_at'],
		['an occurred_until before occurred_at', (b) => (b.occurred_until = ago(2 * HOUR)), 'occurred_until'],
		['no behaviour', (b) => delete b.behaviour, 'behaviour'],
		['an unknown behaviour', (b) => (b.behaviour = 'stalking'), 'behaviour'],
		['no description', (b) => delete b.description, 'description'],
		['witnesses that are not a list of lines', (b) => (b.witnesses = 'Bob'), 'witnesses'],
		['an empty witness', (b) => (b.witnesses = ['Bob', '']), 'witnesses[1]'],
		['an attachment that is not a hash', (b) => (b.attachments = ['photo.jpg']), 'attachments[0]'],
		['an attachment hash never uploaded', (b) => (b.attachments = ['ab'.repeat(32)]), 'attachments[0]'],
		['amends without amend_reason', (b) => (b.amends = 1), 'amend_reason'],
		['amend_reason without amends', (b) => (b.amend_reason = 'typo'), 'amends'],
		['an unknown field', (b) => (b.severity = 'high'), 'severity'],
	];
	for (const [what, edit, field] of bad) {
		test(`${what} is 400 naming ${field}`, async () => {
			const b = good();
			edit(b);
			expectError(await officer.post(`/api/v1/cases/${C.ref}/incidents`, b), 400, 'bad_request', field);
		});
	}

	test('a refused entry leaves the log as it was', async () => {
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		assert.deepEqual(list.body.incidents, []);
		const v = await officer.get(`/api/v1/cases/${C.ref}/incidents/verify`);
		assert.deepEqual(v.body, { ref: C.ref, intact: true, entries: 0 });
	});

	test('a time with an offset is the same instant in UTC', async () => {
		const e = await addIncident(officer, C.ref, { occurred_at: '2024-03-10T09:30:00+01:00' });
		assert.equal(e.occurred_at, '2024-03-10T08:30:00.000Z');
	});

	test('a time a few seconds ahead (clock skew) is accepted', async () => {
		await addIncident(officer, C.ref, { occurred_at: ago(-30 * 1000) });
	});
});

describe('amending', () => {
	let C;
	let original;
	before(async () => {
		C = await createCase(officer);
		original = await addIncident(officer, C.ref, { description: 'he called at 9pm', behaviour: 'call' });
	});

	test('an amendment is a new entry naming the entry it corrects and why', async () => {
		const e = await addIncident(officer, C.ref, { behaviour: 'call', description: 'he called at 9am', amends: 1, amend_reason: 'the time was misheard' });
		assert.equal(e.seq, 2);
		assert.equal(e.amends, 1);
		assert.equal(e.amend_reason, 'the time was misheard');
		assert.equal(e.prev_hash, original.hash);
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		assert.equal(list.body.incidents.length, 2);
		assert.deepEqual(list.body.incidents[0], { ...original, place: null }, 'the original entry is unchanged');
	});

	test('amending an entry that does not exist is 400 naming amends', async () => {
		expectError(await officer.post(`/api/v1/cases/${C.ref}/incidents`, { occurred_at: ago(HOUR), behaviour: 'call', description: 'x', amends: 9, amend_reason: 'r' }), 400, 'bad_request', 'amends');
		expectError(await officer.post(`/api/v1/cases/${C.ref}/incidents`, { occurred_at: ago(HOUR), behaviour: 'call', description: 'x', amends: 0, amend_reason: 'r' }), 400, 'bad_request', 'amends');
	});

	test("an entry of another case cannot be amended from this one", async () => {
		const other = await createCase(officer);
		expectError(await officer.post(`/api/v1/cases/${other.ref}/incidents`, { occurred_at: ago(HOUR), behaviour: 'call', description: 'x', amends: 1, amend_reason: 'r' }), 400, 'bad_request', 'amends');
	});

	const paths = () => [`/api/v1/cases/${C.ref}/incidents`];
	for (const method of ['PUT', 'PATCH', 'DELETE']) {
		test(`${method} on the log is 405 (it is append-only)`, async () => {
			for (const p of paths()) {
				const res = await officer.request(method, p, { body: method === 'DELETE' ? undefined : { description: 'rewritten' } });
				expectError(res, 405, 'method_not_allowed');
				assert.match(res.headers.get('allow'), /GET/);
				assert.match(res.headers.get('allow'), /POST/);
			}
		});
		test(`${method} on an entry is 404 (entries have no address to change)`, async () => {
			const res = await officer.request(method, `/api/v1/cases/${C.ref}/incidents/1`, { body: method === 'DELETE' ? undefined : { description: 'rewritten' } });
			expectError(res, 404, 'not_found');
		});
	}

	test('after all that the original entry is untouched and the chain intact', async () => {
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		assert.equal(list.body.incidents[0].description, 'he called at 9pm');
		assert.equal(list.body.incidents[0].hash, original.hash);
		assert.equal((await officer.get(`/api/v1/cases/${C.ref}/incidents/verify`)).body.intact, true);
	});
});

describe('a breach of an order', () => {
	test('adds the breach_of_order classification and prompts for a crime record', async () => {
		const C = await createCase(officer, { screening: screening(true) });
		const e = await addIncident(officer, C.ref, { behaviour: 'breach_of_order', description: 'came within 100 m despite the order' });
		assert.ok(Array.isArray(e.prompts) && e.prompts.length >= 1);
		assert.match(e.prompts.join(' '), /crime/);
		const c = (await officer.get(`/api/v1/cases/${C.ref}`)).body;
		assert.deepEqual([...c.classifications].sort(), ['breach_of_order', 'stalking']);
		// a second breach does not duplicate it
		await addIncident(officer, C.ref, { behaviour: 'breach_of_order' });
		const again = (await officer.get(`/api/v1/cases/${C.ref}`)).body;
		assert.deepEqual([...again.classifications].sort(), ['breach_of_order', 'stalking']);
		const list = await officer.get('/api/v1/cases?classification=breach_of_order');
		assert.ok(list.body.cases.some((x) => x.ref === C.ref));
	});

	test('other behaviours carry no prompts', async () => {
		const C = await createCase(officer);
		const e = await addIncident(officer, C.ref, { behaviour: 'threat' });
		assert.equal(e.prompts, undefined);
	});
});

describe('verifying and tampering', () => {
	let C;
	let D; // another case: its chain is separate
	let ids;

	function cliVerify(ref) {
		// the entries' places are sealed: the data key file opens them
		return cli(['case', 'verify', ref, '--db', srv.db, '--data-key', dataKeyOf(srv.db)]);
	}
	async function apiVerify(ref) {
		const res = await officer.get(`/api/v1/cases/${ref}/incidents/verify`);
		assert.equal(res.status, 200, res.text);
		return res.body;
	}
	async function expectIntact(ref, n) {
		const v = await apiVerify(ref);
		assert.deepEqual(v, { ref, intact: true, entries: n });
		const r = cliVerify(ref);
		assert.equal(r.status, 0, r.stdout + r.stderr);
		assert.equal(r.stdout.trim(), `incident log of ${ref} intact: ${n} entries verified`);
	}
	async function expectBroken(ref, seq, reason) {
		const r = cliVerify(ref);
		assert.equal(r.status, 1, r.stdout + r.stderr);
		assert.match(r.stdout, new RegExp(`incident log of ${ref} BROKEN at entry ${seq}:`));
		const v = await apiVerify(ref);
		assert.equal(v.intact, false, JSON.stringify(v));
		assert.equal(v.first_broken_seq, seq, JSON.stringify(v));
		assert.match(v.reason, reason);
		return v;
	}
	const caseId = (ref) => Number(sqlite(srv.db, `SELECT id FROM cases WHERE ref = '${ref}'`).trim());
	function restore(seq) {
		sqlite(srv.db, `DELETE FROM incidents WHERE case_id = ${ids.C} AND seq = ${seq}; INSERT INTO incidents SELECT * FROM incidents_backup WHERE case_id = ${ids.C} AND seq = ${seq}`);
	}

	before(async () => {
		C = await createCase(officer);
		D = await createCase(officer);
		for (let i = 1; i <= 5; i++) await addIncident(officer, C.ref, { description: `entry ${i}`, place: i === 2 ? 'the park' : undefined });
		await addIncident(officer, D.ref);
		ids = { C: caseId(C.ref), D: caseId(D.ref) };
		sqlite(srv.db, `CREATE TABLE incidents_backup AS SELECT * FROM incidents WHERE case_id = ${ids.C}`);
	});

	test('an intact log verifies by the API and by `vigil case verify`', async () => {
		await expectIntact(C.ref, 5);
		await expectIntact(D.ref, 1);
	});

	test('an empty log is intact with 0 entries', async () => {
		const E = await createCase(officer);
		await expectIntact(E.ref, 0);
	});

	test('`vigil case verify` of an unknown case exits 1 saying so', () => {
		const r = cliVerify('STAC-2000-000777');
		assert.equal(r.status, 1);
		assert.match(r.stderr, /no such case/);
	});

	test('a description altered in the database is detected at that entry', async () => {
		sqlite(srv.db, `UPDATE incidents SET description = 'x' WHERE case_id = ${ids.C} AND seq = 1`);
		const v = await expectBroken(C.ref, 1, /entry 1 was altered/);
		assert.equal(v.entries, 1, 'the check stops at the broken entry');
		await expectIntact(D.ref, 1); // another case's chain is not affected
		restore(1);
		await expectIntact(C.ref, 5);
	});

	test('a place removed (made NULL) in a middle entry is detected there', async () => {
		sqlite(srv.db, `UPDATE incidents SET place = NULL WHERE case_id = ${ids.C} AND seq = 2`);
		await expectBroken(C.ref, 2, /altered/);
		restore(2);
		await expectIntact(C.ref, 5);
	});

	test('a changed time of occurrence is detected', async () => {
		sqlite(srv.db, `UPDATE incidents SET occurred_at = occurred_at - 86400000 WHERE case_id = ${ids.C} AND seq = 3`);
		await expectBroken(C.ref, 3, /altered/);
		restore(3);
		await expectIntact(C.ref, 5);
	});

	test('an entry whose hash was recomputed to match is still caught by the next link', async () => {
		// the forger rewrites entry 3 and gives it any consistent-looking hash
		sqlite(srv.db, `UPDATE incidents SET hash = '${'f'.repeat(64)}' WHERE case_id = ${ids.C} AND seq = 3`);
		await expectBroken(C.ref, 3, /altered/);
		restore(3);
		await expectIntact(C.ref, 5);
	});

	test('a broken link (prev_hash changed) is detected', async () => {
		sqlite(srv.db, `UPDATE incidents SET prev_hash = '${ZERO}' WHERE case_id = ${ids.C} AND seq = 4`);
		await expectBroken(C.ref, 4, /does not link/);
		restore(4);
		await expectIntact(C.ref, 5);
	});

	test('a middle entry deleted is detected at the entry after the gap', async () => {
		sqlite(srv.db, `DELETE FROM incidents WHERE case_id = ${ids.C} AND seq = 3`);
		await expectBroken(C.ref, 4, /missing/);
		restore(3);
		await expectIntact(C.ref, 5);
	});

	test('the newest entry deleted is detected through the chain head', async () => {
		sqlite(srv.db, `DELETE FROM incidents WHERE case_id = ${ids.C} AND seq = 5`);
		await expectBroken(C.ref, 5, /removed from the end/);
		restore(5);
		await expectIntact(C.ref, 5);
	});

	test('every entry deleted is detected too', async () => {
		sqlite(srv.db, `DELETE FROM incidents WHERE case_id = ${ids.C}`);
		await expectBroken(C.ref, 1, /removed from the end/);
		sqlite(srv.db, `INSERT INTO incidents SELECT * FROM incidents_backup`);
		await expectIntact(C.ref, 5);
	});

	test('the export says whether the log is intact', async () => {
		sqlite(srv.db, `UPDATE incidents SET behaviour = 'other' WHERE case_id = ${ids.C} AND seq = 2`);
		assert.equal((await officer.get(`/api/v1/cases/${C.ref}/incidents/export`)).body.intact, false);
		restore(2);
		assert.equal((await officer.get(`/api/v1/cases/${C.ref}/incidents/export`)).body.intact, true);
	});

	test('verifying is open to every role that may read the case', async () => {
		const v = await analyst.get(`/api/v1/cases/${C.ref}/incidents/verify`);
		assert.equal(v.status, 200);
		assert.equal(v.body.intact, true);
	});
});

describe('the export, checked without Vigil', () => {
	let C;
	let exp;

	const enc = new TextEncoder();
	function field(type, bytes) {
		const hdr = Buffer.alloc(9);
		hdr[0] = type.charCodeAt(0);
		hdr.writeBigUInt64BE(BigInt(bytes.length), 1);
		return Buffer.concat([hdr, Buffer.from(bytes)]);
	}
	const I = (n) => {
		const b = Buffer.alloc(8);
		b.writeBigInt64BE(BigInt(n));
		return field('I', b);
	};
	const T = (s) => (s === null || s === undefined ? field('N', []) : field('T', enc.encode(s)));
	function entryHash(e) {
		const parts = [
			field('P', enc.encode(e.prev_hash)),
			I(e.case_id), I(e.seq), I(e.recorded_at_ms), I(e.recorded_by_id), T(e.recorded_by),
			I(e.occurred_at_ms), I(e.occurred_until_ms), T(e.place), T(e.behaviour), T(e.description),
			T(e.witnesses_json), T(e.reporter), T(e.attachments_json), I(e.amends), T(e.amend_reason),
			// entries recorded since encryption at rest carry a salt, hashed last
			...(e.salt ? [T(e.salt)] : []),
		];
		return blake2bHex(Buffer.concat(parts), 32);
	}

	before(async () => {
		C = await createCase(officer);
		await addIncident(officer, C.ref, { description: 'plain', behaviour: 'message' });
		await addIncident(officer, C.ref, {
			occurred_at: ago(3 * DAY), occurred_until: ago(3 * DAY - 30 * MINUTE), place: 'Café Rouge, Königstraße',
			behaviour: 'turning_up_work', description: 'waited by the door — “just to talk” ✉', witnesses: ['Zoë', 'the manager'],
			reporter: 'colleague',
		});
		await addIncident(officer, C.ref, { description: 'plain, corrected', behaviour: 'message', amends: 1, amend_reason: 'wrong day' });
		const res = await officer.get(`/api/v1/cases/${C.ref}/incidents/export`);
		assert.equal(res.status, 200, res.text);
		exp = res.body;
	});

	test('carries every hashed field, the hashes and the algorithm in words', () => {
		assert.equal(exp.ref, C.ref);
		assert.equal(exp.intact, true);
		assert.equal(typeof exp.exported_at, 'string');
		assert.match(exp.algorithm, /BLAKE2b-256/);
		assert.equal(exp.entries.length, 3);
		for (const e of exp.entries)
			for (const k of ['case_id', 'seq', 'recorded_at_ms', 'recorded_by_id', 'recorded_by', 'occurred_at_ms', 'occurred_until_ms',
				'place', 'behaviour', 'description', 'witnesses_json', 'reporter', 'attachments_json', 'amends', 'amend_reason', 'salt', 'prev_hash', 'hash'])
				assert.ok(k in e, `entry ${e.seq} has ${k}`);
		// each a salt of its own (16 random bytes), and the algorithm says where it goes
		for (const e of exp.entries) assert.match(e.salt, /^[0-9a-f]{32}$/);
		assert.equal(new Set(exp.entries.map((e) => e.salt)).size, 3);
		assert.match(exp.algorithm, /salt \(T: its 32-character lowercase hex text/);
		assert.equal(exp.entries[1].witnesses_json, '["Zoë","the manager"]');
		assert.equal(exp.entries[0].occurred_until_ms, 0);
		assert.equal(exp.entries[0].amends, 0);
		assert.equal(exp.entries[2].amends, 1);
	});

	test('each prev_hash is the hash before it, the first 64 zeros', () => {
		assert.equal(exp.entries[0].prev_hash, ZERO);
		for (let i = 1; i < exp.entries.length; i++) assert.equal(exp.entries[i].prev_hash, exp.entries[i - 1].hash);
	});

	test('every hash recomputes from the exported fields with an independent BLAKE2b-256', () => {
		assert.equal(blake2bHex(enc.encode('abc'), 32), 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319', 'the JS BLAKE2b-256 itself');
		for (const e of exp.entries) assert.equal(entryHash(e), e.hash, `entry ${e.seq}`);
	});

	test('the recomputation notices a change to any exported field', () => {
		const e = { ...exp.entries[1] };
		for (const [k, v] of [['description', e.description + ' '], ['place', null], ['occurred_at_ms', e.occurred_at_ms + 1], ['witnesses_json', '["Zoe","the manager"]'], ['salt', '0'.repeat(32)]]) {
			assert.notEqual(entryHash({ ...e, [k]: v }), e.hash, k);
		}
	});

	test('the hashes in the export are those of the list', async () => {
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		assert.deepEqual(list.body.incidents.map((e) => e.hash), exp.entries.map((e) => e.hash));
	});

	test('the export is for the roles that protect the victim: a supervisor yes; analyst, advocate, clinician no (403)', async () => {
		assert.equal((await supervisor.get(`/api/v1/cases/${C.ref}/incidents/export`)).status, 200);
		for (const role of ['analyst', 'advocate', 'clinician']) {
			const cl = role === 'analyst' ? analyst : await srv.login(role);
			expectError(await cl.get(`/api/v1/cases/${C.ref}/incidents/export`), 403, 'forbidden');
		}
	});
});

describe('the timeline', () => {
	let C;
	let tl;
	const backdated = Date.now() - 10 * DAY;

	before(async () => {
		C = await createCase(officer, { screening: screening(true) });
		await addIncident(officer, C.ref, { occurred_at: ago(HOUR), behaviour: 'message', description: 'recent message' });
		// reported later, but happened first
		await addIncident(officer, C.ref, { occurred_at: new Date(backdated).toISOString(), behaviour: 'following', description: 'first known following' });
		await addIncident(officer, C.ref, { occurred_at: ago(2 * HOUR), behaviour: 'message', description: 'corrected', amends: 1, amend_reason: 'typo' });
		await meetGates(officer, C.ref, 'assessed');
		const c = (await officer.get(`/api/v1/cases/${C.ref}`)).body;
		const moved = await officer.patch(`/api/v1/cases/${C.ref}`, { version: c.version, status: 'assessed' });
		assert.equal(moved.status, 200, moved.text);
		await officer.post(`/api/v1/cases/${C.ref}/referrals`, { agency: 'sas' });
		const res = await officer.get(`/api/v1/cases/${C.ref}/timeline`);
		assert.equal(res.status, 200, res.text);
		tl = res.body;
	});

	test('holds incidents and case events in time order', () => {
		const times = tl.items.map((i) => Date.parse(i.at));
		for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] <= times[i], `item ${i} out of order: ${JSON.stringify(tl.items)}`);
		const kinds = new Set(tl.items.map((i) => i.kind));
		for (const k of ['created', 'victim_recorded', 'screened', 'classified', 'incident', 'status', 'referred']) assert.ok(kinds.has(k), `${k} in ${[...kinds]}`);
	});

	test('a backdated incident comes first, with the count and the first known incident', () => {
		assert.equal(tl.items[0].kind, 'incident');
		assert.equal(tl.items[0].summary, 'first known following');
		assert.equal(tl.items[0].behaviour, 'following');
		assert.equal(tl.items[0].by, 'officer');
		assert.equal(tl.items[0].seq, 2);
		assert.equal(Date.parse(tl.first_incident_at), new Date(new Date(backdated).toISOString()).getTime());
		// two incidents and one correction: a correction is not an incident
		assert.equal(tl.incident_count, 2);
		assert.equal(tl.ref, C.ref);
	});

	test('an amendment is marked with the entry it amends', () => {
		const am = tl.items.find((i) => i.kind === 'incident' && i.seq === 3);
		assert.equal(am.amends, 1);
		assert.equal(tl.items.find((i) => i.kind === 'incident' && i.seq === 1).amends, undefined);
	});

	test('the screening and the status move are described', () => {
		assert.match(tl.items.find((i) => i.kind === 'screened').summary, /FOUR: stalking/);
		assert.match(tl.items.find((i) => i.kind === 'status').summary, /screened -> assessed/);
	});

	test('an analyst reads the timeline (200) and an unknown case is 404', async () => {
		assert.equal((await analyst.get(`/api/v1/cases/${C.ref}/timeline`)).status, 200);
		expectError(await analyst.get('/api/v1/cases/STAC-2000-000123/timeline'), 404, 'not_found');
	});
});
