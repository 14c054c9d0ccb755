// Encryption at rest (issue 16): what identifies or locates a victim is
// sealed in the database with a data key kept in a file outside it, and reads
// back whole through the API; she is still found by her phone number, typed
// any way (a keyed hash beside the sealed value); the database itself, its
// bytes on disk (SQLite, write-ahead log included) or its raw columns
// (PostgreSQL), holds none of what the test wrote about her; `vigil key
// rotate` re-seals everything with a new key while the server serves and
// ingests, losing nothing, and goes on where it stopped when interrupted; a
// missing or wrong key file stops the server at start; a sealed value altered
// in the database fails with a clear error, never garbage; and a database
// whose values are in clear (one from before) is sealed at the server's start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DAY, addIncident, ago, blake2bHex, createCase, unique, ukMobile } from './lib/casekit.mjs';
import { iso, monitoringKit, nextAt } from './lib/monitorkit.mjs';
import {
	cli,
	cliAsync,
	Client,
	dataKeyOf,
	emptyDatabase,
	ENGINE,
	expectError,
	seedDatabase,
	sleep,
	spawnServer,
	sqlite,
	startServer,
	stopServer,
	VIGIL_BIN,
} from './lib/server.mjs';

const PG = ENGINE === 'postgres';
let srv;
let c; // clients by role

before(async () => {
	srv = await startServer();
	c = {};
	for (const role of ['officer', 'supervisor', 'operator', 'analyst']) c[role] = await srv.login(role);
});
after(() => stopServer(srv));

/* Everything the test writes about her: none of it may be in the database. */
function herDetails() {
	const tag = unique('Qx').replace(/[0-9]/g, (d) => 'abcdefghij'[d]); // letters only: a name
	const phone = ukMobile();
	return {
		tag,
		phone,
		name: `Xylophone ${tag}`,
		alias: `Zuzu ${tag}`,
		dob: '1987-06-05',
		description: `teacher at Quillbrook Academy ${tag}`,
		email: `xylo.${tag.toLowerCase()}@example.org`,
		address: `12 ${tag} Lane, Zedtown ZZ1 2QQ`,
		summary: `She lives at 12 ${tag} Lane and works at Quillbrook Academy`,
		place: `outside 12 ${tag} Lane`,
		witness: `Neighbour ${tag}`,
		reporter: `her sister ${tag}`,
		told: `moved to her sister's in Plumtree ${tag}`,
		note: `new number given ${tag}`,
		referral: `needs rehousing away from ${tag} Lane`,
		zoneName: `home of ${tag}`,
		condition: `not to enter ${tag} Lane`,
		// positions with digits of their own: her home (a zone) and her phone
		home: [51.512347, -0.123459],
		fix: [51.498763, -0.141287],
	};
}

/* The strings (and, for SQLite, the 8-byte doubles) that must not be stored. */
function forbidden(h) {
	return {
		strings: [h.name, h.alias, h.name.toLowerCase(), h.description, h.email, h.address, h.summary, h.place, h.witness,
			h.reporter, h.told, h.note, h.referral, h.zoneName, h.condition, h.phone.national, h.phone.e164,
			h.phone.e164.slice(3), String(h.home[0]), String(h.home[1]), String(h.fix[0]), String(h.fix[1])],
		doubles: [h.home[0], h.home[1], h.fix[0], h.fix[1]],
	};
}

/** A case with her in it, and everything else that is about her. */
async function recordHer(h, { suspectPhone } = {}) {
	const made = await createCase(c.supervisor, {
		owner: 'officer',
		summary: h.summary,
		victims: [{
			name: h.name, aliases: [h.alias], dob: h.dob, description: h.description,
			identifiers: [{ kind: 'phone', value: h.phone.national }, { kind: 'email', value: h.email },
				{ kind: 'address', value: h.address }],
		}],
		suspect: { name: `Suspect ${unique('s')}`, identifiers: [{ kind: 'phone', value: (suspectPhone ?? ukMobile()).national }] },
	});
	const ref = made.ref;
	await addIncident(c.officer, ref, { place: h.place, witnesses: [h.witness], reporter: h.reporter, description: `he waited for her ${h.tag}` });
	let res = await c.officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, { at: ago(60000), method: 'phone', told: h.told, notes: h.note });
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'housing', note: h.referral });
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${ref}/orders`, {
		kind: 'non_molestation', status: 'granted', granted_at: ago(DAY),
		conditions: [{ kind: 'no_contact', detail: h.condition },
			{ kind: 'exclusion_zone', zone: { type: 'Point', coordinates: [h.home[1], h.home[0]] }, radius_m: 300, warning_m: 200 }],
	});
	assert.equal(res.status, 201, res.text);
	const k = monitoringKit(srv, c);
	await k.zone(ref, { name: h.zoneName, kind: 'exclusion', geometry: { type: 'Point', coordinates: [h.home[1], h.home[0]] }, radius_m: 250 });
	const phone = await k.device('victim_phone');
	await k.assign(ref, phone, 'victim');
	await k.trail(phone, [h.fix]);
	return { ref, made, phone, k };
}

/** The victim of a case as the API gives it. */
async function herOnCase(client, ref) {
	const res = await client.get(`/api/v1/cases/${ref}`);
	assert.equal(res.status, 200, res.text);
	return { body: res.body, victim: res.body.people.find((p) => p.role === 'victim') };
}

/** Every table's rows as text: what a copy of the database shows. */
function databaseText(db) {
	if (PG) {
		const tables = sqlite(db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").trim().split('\n');
		return tables.map((t) => sqlite(db, `SELECT t::text FROM ${t} t`)).join('\n');
	}
	return sqlite(db, '.dump');
}

/** The database's bytes on disk: the file, its write-ahead log and its shared memory. */
function databaseBytes(db) {
	return Buffer.concat(['', '-wal', '-shm'].map((x) => (fs.existsSync(db + x) ? fs.readFileSync(db + x) : Buffer.alloc(0))));
}

function assertNothingOfHers(db, h, what) {
	const { strings, doubles } = forbidden(h);
	const text = databaseText(db);
	for (const s of strings) assert.ok(!text.includes(s), `${what}: the database's rows hold "${s}"`);
	if (!PG) {
		sqlite(db, 'PRAGMA wal_checkpoint(FULL)');
		const bytes = databaseBytes(db);
		for (const s of strings) assert.equal(bytes.indexOf(Buffer.from(s)), -1, `${what}: the database file holds "${s}"`);
		for (const d of doubles) {
			const b = Buffer.alloc(8);
			b.writeDoubleBE(d); // SQLite's REAL on disk
			assert.equal(bytes.indexOf(b), -1, `${what}: the database file holds the position ${d}`);
		}
	}
	return text;
}

describe('sealed, and read back whole', () => {
	let h;
	let her;

	before(async () => {
		h = herDetails();
		her = await recordHer(h);
	});

	test('her name, alias, date of birth, description and identifiers come back as written (normalised)', async () => {
		const { body, victim } = await herOnCase(c.officer, her.ref);
		assert.equal(victim.name, h.name);
		assert.deepEqual(victim.aliases, [h.alias]);
		assert.equal(victim.dob, h.dob);
		assert.equal(victim.description, h.description);
		assert.deepEqual(victim.identifiers, [{ kind: 'phone', value: h.phone.e164 }, { kind: 'email', value: h.email },
			{ kind: 'address', value: h.address }]);
		assert.equal(body.summary, h.summary);
		const tl = await c.officer.get(`/api/v1/cases/${her.ref}/timeline`);
		assert.ok(tl.body.items.some((i) => i.kind === 'victim_recorded' && i.summary === h.name), JSON.stringify(tl.body.items));
		assert.ok(tl.body.items.some((i) => i.kind === 'zone' && i.summary === h.zoneName), JSON.stringify(tl.body.items));
	});

	test('the incident, the contact log, the referral, the order and the zones come back as written', async () => {
		const inc = (await c.officer.get(`/api/v1/cases/${her.ref}/incidents`)).body.incidents[0];
		assert.equal(inc.place, h.place);
		assert.deepEqual(inc.witnesses, [h.witness]);
		assert.equal(inc.reporter, h.reporter);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/incidents/verify`)).body.intact, true);
		const care = (await c.officer.get(`/api/v1/cases/${her.ref}/victim-care`)).body;
		assert.equal(care.contacts[0].told, h.told);
		assert.equal(care.contacts[0].notes, h.note);
		assert.equal(care.referrals[0].note, h.referral);
		const order = (await c.officer.get(`/api/v1/cases/${her.ref}/orders`)).body.orders[0];
		assert.equal(order.conditions[0].detail, h.condition);
		assert.deepEqual(order.conditions[1].zone.coordinates, [h.home[1], h.home[0]]);
		const zones = (await c.officer.get(`/api/v1/cases/${her.ref}/zones`)).body.zones;
		assert.equal(zones[0].name, h.zoneName);
		assert.deepEqual(zones[0].geometry.coordinates, [h.home[1], h.home[0]]);
	});

	test("her phone's position comes back to those who protect her, and the engine works from it", async () => {
		await her.k.settle();
		const dev = await her.k.deviceState(her.phone);
		assert.equal(dev.state.last_position.lat, h.fix[0]);
		assert.equal(dev.state.last_position.lon, h.fix[1]);
	});

	test('a supervisor finds her by her phone typed another way; an analyst does not', async () => {
		const q = (client, s) => client.get(`/api/v1/people/search?q=${encodeURIComponent(s)}&purpose=${encodeURIComponent('a new report names this number')}`);
		const res = await q(c.supervisor, `+44 (0)${h.phone.national.slice(1)}`);
		assert.equal(res.status, 200, res.text);
		const hit = res.body.results.find((x) => x.role === 'victim');
		assert.ok(hit, JSON.stringify(res.body));
		assert.deepEqual([hit.case.ref, hit.name, hit.dob, hit.matched], [her.ref, h.name, h.dob, 'phone']);
		const byEmail = await q(c.supervisor, h.email.toUpperCase());
		assert.ok(byEmail.body.results.some((x) => x.role === 'victim' && x.case.ref === her.ref));
		const analyst = await q(c.analyst, h.phone.e164);
		assert.equal(analyst.status, 200);
		assert.ok(!analyst.body.results.some((x) => x.role === 'victim'), 'an analyst does not protect her');
		// the search is audited with a keyed hash of the number, not the number
		const audit = await srv.login('admin').then((a) => a.get('/api/v1/audit?action=people.search&limit=3'));
		for (const e of audit.body.entries) assert.ok(!e.detail.includes(h.phone.e164.slice(3)), e.detail);
		assert.match(audit.body.entries[0].detail, /query \(keyed hash\): vh1\.\d+\.[0-9a-f]{32}/);
	});

	test('cases still link through the suspect, and the same victim in two cases is counted once', async () => {
		const sp = ukMobile();
		const h2 = herDetails();
		const a = await createCase(c.supervisor, {
			victims: [{ name: h2.name, identifiers: [{ kind: 'phone', value: h2.phone.national }] }],
			suspect: { name: `Suspect ${h2.tag}`, identifiers: [{ kind: 'phone', value: sp.national }] },
		});
		const b = await createCase(c.supervisor, {
			victims: [{ name: `Another name ${h2.tag}`, identifiers: [{ kind: 'phone', value: h2.phone.e164 }] }],
			suspect: { name: `Suspect again ${h2.tag}`, identifiers: [{ kind: 'phone', value: `+44 ${sp.national.slice(1)}` }] },
		});
		assert.deepEqual(b.links.cases.map((x) => x.ref), [a.ref]);
		assert.equal(b.links.distinct_victims, 1, 'her phone, typed two ways, is one victim');
		const third = await createCase(c.supervisor, {
			victims: [{ name: `Third ${h2.tag}` }],
			suspect: { name: `Suspect three ${h2.tag}`, identifiers: [{ kind: 'phone', value: sp.e164 }] },
		});
		assert.equal(third.links.count, 2);
		assert.equal(third.links.distinct_victims, 2);
		assert.deepEqual(third.flags.map((f) => f.flag), ['possible_serial']);
	});

	test(`the database (${ENGINE}) holds nothing of what was written about her; the suspect's phone stays in clear`, async () => {
		const suspect = ukMobile();
		const h3 = herDetails();
		await recordHer(h3, { suspectPhone: suspect });
		const text = assertNothingOfHers(srv.db, h3, 'after recording her');
		assertNothingOfHers(srv.db, h, 'the first case');
		// the check can fail: what is in clear by design is found
		assert.ok(text.includes(suspect.e164), "the suspect's phone number is in clear (it links cases)");
		if (!PG) assert.notEqual(databaseBytes(srv.db).indexOf(Buffer.from(suspect.e164)), -1);
		// her device's fixes: no position in clear, a sealed one beside it
		const rows = sqlite(srv.db, `SELECT COUNT(*), COUNT(lat), COUNT(sealed) FROM fixes WHERE device_id IN (SELECT id FROM devices WHERE kind = 'victim_phone')`).trim();
		const [n, clear, sealed] = rows.split('|').map(Number);
		assert.ok(n >= 2, rows);
		assert.equal(clear, 0, rows);
		assert.equal(sealed, n, rows);
	});
});

describe('the key file', () => {
	test('a missing key file stops the server at start, saying so', () => {
		const r = cli(['serve', '--db', srv.db, '--listen', '127.0.0.1:0', '--osmand-listen', 'off', '--teltonika-listen', 'off',
			'--data-key', path.join(srv.dir, 'no-such.key')]);
		assert.equal(r.status, 1, r.stdout + r.stderr);
		assert.match(r.stderr, /cannot read the data key file .*no-such\.key: No such file or directory/);
		assert.doesNotMatch(r.stdout, /listening/);
	});

	test('another key file stops it too: the wrong one for this database', () => {
		const other = path.join(srv.dir, 'other.key');
		assert.equal(cli(['key', 'init', '--key', other]).status, 0);
		const r = cli(['serve', '--db', srv.db, '--listen', '127.0.0.1:0', '--osmand-listen', 'off', '--teltonika-listen', 'off',
			'--data-key', other]);
		assert.equal(r.status, 1, r.stdout + r.stderr);
		assert.match(r.stderr, /other\.key is the wrong one for this database: its key 1 is not the key 1/);
	});

	test('a key file others may read stops it', () => {
		const loose = path.join(srv.dir, 'loose.key');
		fs.copyFileSync(dataKeyOf(srv.db), loose);
		fs.chmodSync(loose, 0o644);
		const r = cli(['serve', '--db', srv.db, '--listen', '127.0.0.1:0', '--osmand-listen', 'off', '--teltonika-listen', 'off',
			'--data-key', loose]);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /readable by it alone \(mode 644\): chown it and chmod 600 it/);
	});

	test(PG ? 'a database on a server needs --data-key' : 'without --data-key, a SQLite database whose key file is missing is not served', () => {
		if (PG) {
			const r = cli(['serve', '--db', srv.db, '--listen', '127.0.0.1:0', '--osmand-listen', 'off', '--teltonika-listen', 'off']);
			assert.equal(r.status, 1);
			assert.match(r.stderr, /needs --data-key FILE/);
			return;
		}
		const copy = path.join(srv.dir, 'copy.db');
		sqlite(srv.db, `VACUUM INTO '${copy}'`);
		const r = cli(['serve', '--db', copy, '--listen', '127.0.0.1:0', '--osmand-listen', 'off', '--teltonika-listen', 'off']);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /the data key file .*copy\.db\.data-key is missing, and this database's victims' details are sealed/);
		assert.ok(!fs.existsSync(`${copy}.data-key`), 'no new key was made for a database sealed with another');
	});
});

describe('a sealed value altered in the database', () => {
	let h;
	let her;
	let other;

	before(async () => {
		h = herDetails();
		her = await recordHer(h);
		other = await createCase(c.supervisor, { victims: [{ name: `Other ${unique('o')}`, identifiers: [{ kind: 'phone', value: ukMobile().national }] }] });
	});

	const victimId = (ref) => Number(sqlite(srv.db, `SELECT cp.person_id FROM case_people cp JOIN cases c ON c.id = cp.case_id WHERE c.ref = '${ref}' AND cp.role = 'victim'`).trim());

	test("another victim's sealed name moved onto her row does not open: 500 sealed_value_unreadable, logged with the row", async () => {
		const mine = victimId(her.ref);
		const theirs = victimId(other.ref);
		const saved = sqlite(srv.db, `SELECT full_name FROM persons WHERE id = ${mine}`).trim();
		sqlite(srv.db, `UPDATE persons SET full_name = (SELECT full_name FROM persons WHERE id = ${theirs}) WHERE id = ${mine}`);
		const res = await c.officer.get(`/api/v1/cases/${her.ref}`);
		expectError(res, 500, 'sealed_value_unreadable', null);
		assert.match(res.body.error.message, /altered in the database/);
		assert.ok(!res.text.includes('Other'), 'nothing of the moved value is shown');
		assert.match(srv.stderr(), new RegExp(`the sealed value persons\\.full_name:${mine} cannot be opened: it does not open with key \\d+`));
		sqlite(srv.db, `UPDATE persons SET full_name = '${saved}' WHERE id = ${mine}`);
		assert.equal((await herOnCase(c.officer, her.ref)).victim.name, h.name);
	});

	test('a value written in clear where a sealed one belongs is refused, not shown', async () => {
		const id = Number(sqlite(srv.db, `SELECT id FROM person_identifiers WHERE person_id = ${victimId(her.ref)} ORDER BY id LIMIT 1`).trim());
		const saved = sqlite(srv.db, `SELECT value FROM person_identifiers WHERE id = ${id}`).trim();
		sqlite(srv.db, `UPDATE person_identifiers SET value = '+447700900000' WHERE id = ${id}`);
		const res = await c.officer.get(`/api/v1/cases/${her.ref}`);
		expectError(res, 500, 'sealed_value_unreadable', null);
		assert.ok(!res.text.includes('+447700900000'));
		assert.match(srv.stderr(), new RegExp(`person_identifiers\\.value:${id} cannot be opened: it is not a sealed value`));
		sqlite(srv.db, `UPDATE person_identifiers SET value = '${saved}' WHERE id = ${id}`);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}`)).status, 200);
	});

	test("a zone's geometry with a changed character fails the zones' answer", async () => {
		const id = Number(sqlite(srv.db, `SELECT z.id FROM zones z JOIN cases c ON c.id = z.case_id WHERE c.ref = '${her.ref}'`).trim());
		const saved = sqlite(srv.db, `SELECT geometry FROM zones WHERE id = ${id}`).trim();
		const bad = saved.slice(0, -3) + (saved.at(-3) === 'A' ? 'B' : 'A') + saved.slice(-2);
		sqlite(srv.db, `UPDATE zones SET geometry = '${bad}' WHERE id = ${id}`);
		expectError(await c.officer.get(`/api/v1/cases/${her.ref}/zones`), 500, 'sealed_value_unreadable', null);
		sqlite(srv.db, `UPDATE zones SET geometry = '${saved}' WHERE id = ${id}`);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/zones`)).status, 200);
	});

	test("an incident's sealed place altered breaks its chain there", async () => {
		const cid = Number(sqlite(srv.db, `SELECT id FROM cases WHERE ref = '${her.ref}'`).trim());
		const saved = sqlite(srv.db, `SELECT place FROM incidents WHERE case_id = ${cid} AND seq = 1`).trim();
		const otherPlace = sqlite(srv.db, `SELECT place FROM incidents WHERE place IS NOT NULL AND case_id <> ${cid} LIMIT 1`).trim();
		sqlite(srv.db, `UPDATE incidents SET place = '${otherPlace}' WHERE case_id = ${cid} AND seq = 1`);
		const v = (await c.officer.get(`/api/v1/cases/${her.ref}/incidents/verify`)).body;
		assert.equal(v.intact, false);
		assert.equal(v.first_broken_seq, 1);
		expectError(await c.officer.get(`/api/v1/cases/${her.ref}/incidents`), 500, 'sealed_value_unreadable', null);
		sqlite(srv.db, `UPDATE incidents SET place = '${saved}' WHERE case_id = ${cid} AND seq = 1`);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/incidents/verify`)).body.intact, true);
	});
});

describe('vigil key rotate, against the running server, under ingest', () => {
	let h;
	let her;
	const keyArgs = () => ['--db', srv.db, '--data-key', dataKeyOf(srv.db)];

	before(async () => {
		h = herDetails();
		her = await recordHer(h);
	});

	/** Post her phone's and a tag's fixes until stop(): the acknowledged ones. */
	function ingest(k, phone, tag) {
		const acked = [];
		let running = true;
		const loop = (async () => {
			while (running) {
				const fixes = [];
				for (let i = 0; i < 10; i++) {
					fixes.push({ device: phone, at: iso(nextAt()), lat: 51.49 + Math.random() / 100, lon: -0.14, accuracy_m: 8 });
					fixes.push({ device: tag, at: iso(nextAt()), lat: 51.40, lon: -0.20, accuracy_m: 8 });
				}
				const res = await k.post(fixes);
				res.forEach((r, i) => {
					assert.equal(r.result, 'stored', JSON.stringify(r));
					acked.push(fixes[i]);
				});
				await sleep(15);
			}
		})();
		return { acked, stop: async () => { running = false; await loop; } };
	}

	async function everythingReads(what) {
		const { victim, body } = await herOnCase(c.officer, her.ref);
		assert.equal(victim.name, h.name, what);
		assert.equal(body.summary, h.summary, what);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/victim-care`)).body.contacts[0].notes, h.note, what);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/zones`)).body.zones[0].name, h.zoneName, what);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/incidents/verify`)).body.intact, true, what);
		assert.equal((await c.officer.get(`/api/v1/cases/${her.ref}/orders`)).body.orders[0].conditions[0].detail, h.condition, what);
	}

	/** How many values each key seals, from `vigil key status`. */
	function census() {
		const r = cli(['key', 'status', ...keyArgs()]);
		assert.equal(r.status, 0, r.stderr);
		const out = {};
		for (const m of r.stdout.matchAll(/^key (\d+): (\w+) since .* seals (\d+) value\(s\)$/gm)) out[m[1]] = { state: m[2], values: Number(m[3]) };
		out.clear = Number(r.stdout.match(/in clear where they should be sealed: (\d+)/)[1]);
		return out;
	}

	test('every value is re-sealed with the new key, nothing acknowledged is lost, everything reads, and the old key is retired', async () => {
		const before_ = census();
		const current = Object.keys(before_).find((k) => before_[k].state === 'current');
		const tag = await her.k.device('offender_tag');
		const load = ingest(her.k, her.phone, tag);
		await sleep(300);
		const rotating = cliAsync(['key', 'rotate', ...keyArgs(), '--batch', '5', '--settle-ms', '1500']);
		// she is recorded again while it runs: sealed with whichever key is current
		await sleep(800);
		const during = herDetails();
		const duringCase = await createCase(c.supervisor, { summary: during.summary, victims: [{ name: during.name, identifiers: [{ kind: 'phone', value: during.phone.national }] }] });
		const r = await rotating;
		await load.stop();
		assert.equal(r.status, 0, r.stdout + r.stderr);
		const next = String(Number(current) + 1);
		assert.match(r.stdout, new RegExp(`every value is sealed with key ${next}; key ${current} may now be retired`));
		assert.match(srv.stderr(), new RegExp(`data keys: key ${next} seals from now on \\(was ${current}\\)`));
		assert.ok(load.acked.length > 100, `ingest ran during the rotation (${load.acked.length} fixes)`);

		// nothing acknowledged is lost, her positions all sealed, all with the new key
		const stored = Number(sqlite(srv.db, `SELECT COUNT(*) FROM fixes f JOIN devices d ON d.id = f.device_id WHERE d.uid IN ('${her.phone}', '${tag}')`).trim());
		assert.equal(stored, load.acked.length + 1, 'every acknowledged fix is stored');
		const after_ = census();
		assert.equal(after_[current].values, 0, JSON.stringify(after_));
		assert.equal(after_[current].state, 'old');
		assert.equal(after_[next].state, 'current');
		assert.ok(after_[next].values >= before_[current].values + load.acked.length / 2, JSON.stringify({ before_, after_ }));
		assert.equal(after_.clear, 0);
		await everythingReads('after the rotation');
		assert.equal((await herOnCase(c.supervisor, duringCase.ref)).victim.name, during.name);
		// her phone's trail reads, the newest position too
		await her.k.settle();
		const last = load.acked.filter((f) => f.device === her.phone).at(-1);
		assert.equal((await her.k.deviceState(her.phone)).state.last_fix_at, last.at);

		// retired: gone from the file, and everything still reads
		const ret = cli(['key', 'retire', '--id', current, ...keyArgs()]);
		assert.equal(ret.status, 0, ret.stdout + ret.stderr);
		assert.doesNotMatch(fs.readFileSync(dataKeyOf(srv.db), 'utf8'), new RegExp(`^key ${current} `, 'm'));
		assert.equal(census()[current].state, 'retired');
		await everythingReads('after the old key was retired');
		// the current key is never retired
		const cur = cli(['key', 'retire', '--id', next, ...keyArgs()]);
		assert.equal(cur.status, 1);
		assert.match(cur.stderr, /is the current key/);
	});

	test('interrupted, a rotation goes on where it stopped when run again', async () => {
		const start = census();
		const from = Object.keys(start).find((k) => start[k].state === 'current');
		const to = String(Number(from) + 1);
		// one row a transaction: slow enough to be stopped half-way
		const child = spawn(VIGIL_BIN, ['key', 'rotate', ...keyArgs(), '--batch', '1', '--settle-ms', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		child.stdout.on('data', (d) => (out += d));
		const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
		for (let i = 0; i < 100 && !/sealing fixes with key/.test(out); i++) await sleep(50);
		child.kill('SIGKILL');
		assert.equal((await exited).signal, 'SIGKILL', `it finished before it could be stopped: ${out}`);
		const mid = census();
		assert.equal(mid[to].state, 'current', JSON.stringify(mid));
		assert.ok(mid[from].values > 0 && mid[to].values > 0, `stopped half-way: ${JSON.stringify(mid)}`);
		assert.match(cli(['key', 'status', ...keyArgs()]).stdout, new RegExp(`unfinished: rotate to key ${to}`));
		await everythingReads('half-way through a rotation');
		const again = cli(['key', 'rotate', ...keyArgs(), '--settle-ms', '300']);
		assert.equal(again.status, 0, again.stdout + again.stderr);
		assert.match(again.stdout, new RegExp(`going on with the unfinished rotation to key ${to}`));
		assert.doesNotMatch(again.stdout, /added key/);
		const end = census();
		assert.equal(end[from].values, 0, JSON.stringify(end));
		assert.equal(end[to].state, 'current');
		await everythingReads('after an interrupted rotation was taken up');
	});
});

describe('a database whose values are in clear (one from before) is sealed at the server\'s start', () => {
	let db;
	let dir;
	let passwords;
	const h = herDetails();

	before(async () => {
		dir = fs.mkdtempSync(path.join(srv.dir, 'clear-'));
		db = emptyDatabase(dir);
		({ passwords } = await seedDatabase({ db, dir, roles: ['officer', 'supervisor', 'operator'] }));
		// migrated by the command line, never served: no key recorded yet;
		// rows written in clear, as a release before encryption at rest did
		const one = (sql) => sqlite(db, sql).trim().split('\n')[0];
		const q = (x) => x.replace(/'/g, "''");
		const now = Date.now();
		const officer = one("SELECT id FROM users WHERE username = 'officer'");
		const agency = one("SELECT id FROM agencies WHERE code = 'met'");
		const caseId = one(`INSERT INTO cases (ref, status, relationship, channel, summary, owner_id, agency_id, created_by, created_at, updated_at)
			VALUES ('STAC-2020-000001', 'intake', 'ex_partner', 'online', '${q(h.summary)}', ${officer}, ${agency}, ${officer}, ${now}, ${now}) RETURNING id`);
		const person = one(`INSERT INTO persons (full_name, name_key, dob, description, created_at)
			VALUES ('${q(h.name)}', '${q(h.name.toLowerCase())}', '${q(h.dob)}', '${q(h.description)}', ${now}) RETURNING id`);
		sqlite(db, `INSERT INTO case_people (case_id, person_id, role) VALUES (${caseId}, ${person}, 'victim')`);
		sqlite(db, `INSERT INTO person_aliases (person_id, name, name_key) VALUES (${person}, '${q(h.alias)}', '${h.alias.toLowerCase()}')`);
		sqlite(db, `INSERT INTO person_identifiers (person_id, kind, value, match_key) VALUES (${person}, 'phone', '${q(h.phone.e164)}', '${q(h.phone.e164)}'),
			(${person}, 'address', '${q(h.address)}', 'normalised address')`);
		sqlite(db, `INSERT INTO victim_contacts (case_id, contacted_at, method, told, notes, contact_by, recorded_by, recorded_at)
			VALUES (${caseId}, ${now}, 'phone', '${q(h.told)}', '${q(h.note)}', ${officer}, ${officer}, ${now})`);
		sqlite(db, `INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m, created_at)
			VALUES (${caseId}, '${q(h.zoneName)}', 'exclusion', '{"type":"Point","coordinates":[${h.home[1]},${h.home[0]}]}', 200, 100, ${now})`);
		const dev = one(`INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at, agency_id)
			VALUES ('${unique('oldphone')}', 'victim_phone', 'json', 60, ${now}, ${agency}) RETURNING id`);
		sqlite(db, `INSERT INTO fixes (device_id, at, lat, lon, accuracy_m, received_at) VALUES (${dev}, ${now - 60000}, ${h.fix[0]}, ${h.fix[1]}, 9, ${now})`);
		// an incident entry of before: its hash without a salt
		const e = { prev: '0'.repeat(64), at: now - DAY, rec: now - 1000 };
		const enc = new TextEncoder();
		const field = (type, bytes) => {
			const hdr = Buffer.alloc(9);
			hdr[0] = type.charCodeAt(0);
			hdr.writeBigUInt64BE(BigInt(bytes.length), 1);
			return Buffer.concat([hdr, Buffer.from(bytes)]);
		};
		const I = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return field('I', b); };
		const T = (s) => (s === null ? field('N', []) : field('T', enc.encode(s)));
		const hash = blake2bHex(Buffer.concat([field('P', enc.encode(e.prev)), I(caseId), I(1), I(e.rec), I(officer), T('officer'),
			I(e.at), I(0), T(h.place), T('loitering'), T('he stood outside'), T(null), T(h.reporter), T(null), I(0), T(null)]), 32);
		sqlite(db, `INSERT INTO incidents (case_id, seq, recorded_at, recorded_by, recorded_by_name, occurred_at, place, behaviour, description, reporter, prev_hash, hash)
			VALUES (${caseId}, 1, ${e.rec}, ${officer}, 'officer', ${e.at}, '${q(h.place)}', 'loitering', 'he stood outside', '${q(h.reporter)}', '${e.prev}', '${hash}')`);
		sqlite(db, `INSERT INTO chain_heads (chain, last_id, hash) VALUES ('case:${caseId}', 1, '${hash}')`);
		assert.equal(Number(sqlite(db, 'SELECT COUNT(*) FROM data_keys').trim()), 0);
	});

	test('the server seals every value at its start, reads them back, and the file holds them no longer', async () => {
		const s = await spawnServer(db, ['--attachments', path.join(dir, 'att')]);
		try {
			assert.match(s.stderr(), /sealed \d+ value\(s\) that were in clear, with data key 1/);
			if (!PG) assert.match(s.stderr(), /made the data key file/);
			const officer = new Client(s.url);
			assert.equal((await officer.login('officer', passwords.officer)).status, 200);
			const res = await officer.get('/api/v1/cases/STAC-2020-000001');
			assert.equal(res.status, 200, res.text);
			const v = res.body.people.find((p) => p.role === 'victim');
			assert.deepEqual([v.name, v.dob, v.description, v.aliases], [h.name, h.dob, h.description, [h.alias]]);
			assert.deepEqual(v.identifiers, [{ kind: 'phone', value: h.phone.e164 }, { kind: 'address', value: h.address }]);
			assert.equal(res.body.summary, h.summary);
			const care = (await officer.get('/api/v1/cases/STAC-2020-000001/victim-care')).body;
			assert.deepEqual([care.contacts[0].told, care.contacts[0].notes], [h.told, h.note]);
			assert.equal((await officer.get('/api/v1/cases/STAC-2020-000001/zones')).body.zones[0].name, h.zoneName);
			const inc = (await officer.get('/api/v1/cases/STAC-2020-000001/incidents')).body.incidents[0];
			assert.deepEqual([inc.place, inc.reporter], [h.place, h.reporter]);
			assert.equal((await officer.get('/api/v1/cases/STAC-2020-000001/incidents/verify')).body.intact, true,
				'an entry of before verifies as it did (no salt)');
			const sup = new Client(s.url);
			assert.equal((await sup.login('supervisor', passwords.supervisor)).status, 200);
			const found = await sup.get(`/api/v1/people/search?q=${encodeURIComponent(h.phone.national)}&purpose=${encodeURIComponent('checking an old case')}`);
			assert.ok(found.body.results.some((x) => x.role === 'victim' && x.name === h.name), JSON.stringify(found.body));
		} finally {
			s.child.kill('SIGTERM');
			await s.exited;
		}
		// a copy of the database, and (SQLite) its bytes after the sealing's compaction
		assertNothingOfHers(db, { ...h, referral: 'n/a', condition: 'n/a', witness: 'n/a' }, 'after the first sealing');
	});

	test('rotated with no server running, it is served again: everything reads, and the engine starts from her sealed newest fix', async () => {
		const key = dataKeyOf(db);
		const r = cli(['key', 'rotate', '--db', db, '--data-key', key, '--settle-ms', '0']);
		assert.equal(r.status, 0, r.stdout + r.stderr);
		assert.match(r.stdout, /every value is sealed with key 2; key 1 may now be retired/);
		assert.equal(cli(['key', 'retire', '--id', '1', '--db', db, '--data-key', key]).status, 0);
		const s = await spawnServer(db, ['--attachments', path.join(dir, 'att')]);
		try {
			const officer = new Client(s.url);
			assert.equal((await officer.login('officer', passwords.officer)).status, 200);
			const res = await officer.get('/api/v1/cases/STAC-2020-000001');
			assert.equal(res.status, 200, res.text);
			assert.equal(res.body.people.find((p) => p.role === 'victim').name, h.name);
			const op = new Client(s.url);
			assert.equal((await op.login('operator', passwords.operator)).status, 200);
			const uid = sqlite(db, "SELECT uid FROM devices WHERE kind = 'victim_phone'").trim();
			const dev = await op.get(`/api/v1/devices/${uid}`);
			assert.equal(dev.status, 200, dev.text);
			assert.equal(dev.body.state.last_fix_at !== null, true, dev.text);
			assert.doesNotMatch(s.stderr(), /newest position is not known|cannot be opened/);
		} finally {
			s.child.kill('SIGTERM');
			await s.exited;
		}
	});
});
