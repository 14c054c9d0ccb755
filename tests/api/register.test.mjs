// The stalkers register (issue 19): a supervisor enters a convicted stalker
// with an SPO (a decision with a reason, kept in the entry's history); a new
// report in another force naming his phone in another format is recognised
// at intake, for that officer and her supervisor, with what matched, and his
// responsible officer is told in his inbox; a role that may not read the
// register (or see the other case) learns only that a match exists and whom
// to ask; an overdue review is in the responsible officer's inbox and on the
// compliance view; every search and view states a purpose and is in the
// oversight report; the register's export is signed, imports into another
// Vigil, and a tampered file is refused; a removed entry is purged, leaving
// one audit record.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client, ENGINE, cli, expectError, spawnServer, sqlite, startServers } from './lib/server.mjs';
import { DAY, ago, createCase, unique, victim } from './lib/casekit.mjs';

let srv;   // the Met's Vigil, with Kent on it too
let other; // a neighbouring force's Vigil
let sup, officer, advocate, analyst, admin, kentoff, kentsup;
let keyDir;
let entry;
const PHONE_AS_ENTERED = '07700 900777';
const PHONE_AS_REPORTED = '+44 (0)7700-900.777';

function keyFile(name) {
	const file = path.join(keyDir, name);
	const r = cli(['audit', 'keygen', '--key', file]);
	assert.equal(r.status, 0, r.stderr);
	return { file, pk: r.stdout.match(/public key: ([0-9a-f]{64})/)[1] };
}

before(async () => {
	keyDir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'vigil-register-'));
	const met = keyFile('met.key');
	const trust = path.join(keyDir, 'trusted');
	fs.writeFileSync(trust, `# register keys of our neighbours\n${met.pk} met\n`);
	[srv, other] = await startServers({ args: ['--register-key', met.file] },
		{ args: ['--register-trust', trust], roles: ['supervisor', 'officer'] });
	[sup, officer, advocate, analyst, admin] = await Promise.all(['supervisor', 'officer', 'advocate', 'analyst', 'admin'].map((u) => srv.login(u)));
	srv.addAgency('kent', 'police', 'Kent Police');
	srv.addUser('kentoff', 'officer', 'kent');
	srv.addUser('kentsup', 'supervisor', 'kent');
	[kentoff, kentsup] = await Promise.all([srv.login('kentoff'), srv.login('kentsup')]);
});
after(async () => {
	await Promise.all([srv, other].filter(Boolean).map(async (s) => assert.equal(await s.stop(), 0)));
	if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

const inbox = async (c, scope = 'mine') => {
	const res = await c.get(`/api/v1/inbox?scope=${scope}`);
	assert.equal(res.status, 200, res.text);
	return res.body.items;
};
const PURPOSE = 'purpose=' + encodeURIComponent('checking a new report of stalking');

describe('entries: decisions with reasons, and their history', () => {
	test('a supervisor enters a convicted stalker with an SPO', async () => {
		const res = await sup.post('/api/v1/register', {
			name: 'Gary Fixated', dob: '1979-02-03', aliases: ['Gaz Fix'],
			identifiers: [{ kind: 'phone', value: PHONE_AS_ENTERED }, { kind: 'vehicle', value: 'gf12 abc' }],
			basis: 'spo', basis_ref: 'SPO/2026/0417 Highbury Corner Magistrates', category: 'serial', level: 2,
			responsible: 'officer', next_review_at: ago(-90 * DAY), reason: 'convicted twice; full SPO granted',
		});
		assert.equal(res.status, 201, res.text);
		entry = res.body;
		assert.equal(entry.basis, 'spo');
		assert.equal(entry.responsible.username, 'officer');
		assert.deepEqual(entry.identifiers.map((i) => [i.kind, i.value]).sort(), [['phone', '+447700900777'], ['vehicle', 'GF12ABC']]);
		assert.equal(entry.status, 'active');
		assert.equal(entry.version, 1);
	});

	test('an officer may not enter, and a reason and a lawful basis are required', async () => {
		const body = { name: 'Nobody', basis: 'conviction', basis_ref: 'X/1', category: 'serial', level: 1, next_review_at: ago(-DAY), reason: 'because so' };
		expectError(await officer.post('/api/v1/register', body), 403, 'forbidden');
		expectError(await sup.post('/api/v1/register', { ...body, basis: 'rumour' }), 400, 'bad_request', 'basis');
		expectError(await sup.post('/api/v1/register', { ...body, reason: undefined }), 400, 'bad_request', 'reason');
		expectError(await sup.post('/api/v1/register', { ...body, next_review_at: ago(DAY) }), 400, 'bad_request', 'next_review_at');
	});

	test("the man's details are checked as a case's suspect's are: each identifier said plainly, the same fields named", async () => {
		const body = { name: 'Nobody', basis: 'conviction', basis_ref: 'X/1', category: 'serial', level: 1, next_review_at: ago(-DAY), reason: 'because so' };
		const refused = async (extra, field, words) => {
			const res = await sup.post('/api/v1/register', { ...body, ...extra });
			expectError(res, 400, 'bad_request', field);
			assert.match(res.body.error.message, words, res.text);
		};
		// an identifier too long is refused as too long (it once said whatever was in a buffer)
		await refused({ identifiers: [{ kind: 'email', value: `${'x'.repeat(300)}@example.com` }] }, 'identifiers[0].value', /identifiers\[0\]\.value/);
		await refused({ identifiers: [{ kind: 'phone' }] }, 'identifiers[0].value', /identifiers\[0\]\.value/);
		await refused({ identifiers: [{ kind: 'phone', value: '07700 900111', note: 'x' }] }, 'identifiers[0].note', /unknown field/);
		await refused({ identifiers: [{ kind: 'fax', value: '1' }] }, 'identifiers[0].kind', /phone, email, handle, vehicle or address/);
		await refused({ identifiers: ['07700 900111'] }, 'identifiers[0]', /must be an object/);
		await refused({ aliases: ['ok', 42] }, 'aliases[1]', /must be a name/);
		await refused({ dob: '2999-01-01' }, 'dob', /date of birth/);
		await refused({ name: undefined }, 'name', /name/);
	});

	test('a review moves the date on, with a reason; a stale version is refused; the history keeps both', async () => {
		const next = ago(-120 * DAY);
		const res = await sup.post(`/api/v1/register/${entry.id}/review`, { version: entry.version, next_review_at: next, level: 3, reason: 'breached the SPO; raised to level 3' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.level, 3);
		assert.equal(res.body.version, 2);
		expectError(await sup.post(`/api/v1/register/${entry.id}/review`, { version: 1, next_review_at: next, reason: 'again, from an old page' }), 409, 'conflict');
		const view = await sup.get(`/api/v1/register/${entry.id}?${PURPOSE}`);
		assert.equal(view.status, 200, view.text);
		assert.deepEqual(view.body.history.map((h) => [h.version, h.action, h.by]), [[1, 'entered', 'supervisor'], [2, 'reviewed', 'supervisor']]);
		assert.equal(view.body.history[0].entry.level, 2);
		assert.equal(view.body.history[1].entry.level, 3);
		entry = view.body;
	});

	test('a view needs a stated purpose', async () => {
		expectError(await sup.get(`/api/v1/register/${entry.id}`), 400, 'bad_request', 'purpose');
		expectError(await sup.get('/api/v1/register?q=gary'), 400, 'bad_request', 'purpose');
	});
});

describe('recognition at intake', () => {
	let metCase, kentCase;

	test('a case of his own force names him first (the Met)', async () => {
		metCase = await createCase(officer, { suspect: { name: 'G. Fixated', identifiers: [{ kind: 'email', value: `gf${unique()}@example.com` }, { kind: 'phone', value: '07700900777' }] } });
	});

	test('a new report in another force naming his phone another way is recognised at once', async () => {
		kentCase = await createCase(kentoff, { victims: [victim()], suspect: { name: 'Unknown man', identifiers: [{ kind: 'phone', value: PHONE_AS_REPORTED }] } });
		const res = await kentoff.get(`/api/v1/cases/${kentCase.ref}/recognition`);
		assert.equal(res.status, 200, res.text);
		const reg = res.body.matches.find((m) => m.kind === 'register');
		assert.ok(reg, JSON.stringify(res.body));
		assert.equal(reg.shown, true);
		assert.equal(reg.entry.id, entry.id);
		assert.equal(reg.entry.name, 'Gary Fixated');
		assert.equal(reg.matched, 'phone +447700900777');
		assert.deepEqual(reg.ask, { username: 'officer', name: reg.ask.name, agency: 'met' });
		// the Met's case: she may not see it, so only that it exists and whom to ask
		const other = res.body.matches.find((m) => m.kind === 'case');
		assert.ok(other, JSON.stringify(res.body));
		assert.equal(other.shown, false);
		assert.equal(other.case, undefined);
		assert.equal(other.matched, undefined);
		assert.equal(other.ask.agency, 'met');
		assert.equal(other.ask.username, 'officer');
		assert.ok(!JSON.stringify(other).includes(metCase.ref));
	});

	test('the officer and her supervisor have it in their inbox', async () => {
		for (const c of [kentoff, kentsup]) {
			const items = (await inbox(c)).filter((i) => i.kind === 'recognition' && i.case.ref === kentCase.ref);
			assert.equal(items.length, 2, JSON.stringify(items));
			// what matched is the recognition's to show (the Met's case is
			// not Kent's to see): the inbox says only that there is a match
			assert.ok(!JSON.stringify(items).includes('+447700900777'), JSON.stringify(items));
		}
		// the Met's supervisor sees none of Kent's
		assert.equal((await inbox(sup)).filter((i) => i.kind === 'recognition' && i.case.ref === kentCase.ref).length, 0);
	});

	test('the entry\'s responsible officer is told his man has a new case, without its reference', async () => {
		const items = (await inbox(officer)).filter((i) => i.kind === 'register_match');
		const told = items.find((i) => i.detail.startsWith('kent'));
		assert.ok(told, JSON.stringify(items));
		assert.equal(told.what, 'Gary Fixated');
		assert.equal(told.entry_id, entry.id);
		assert.equal(told.case, undefined);
		assert.ok(!JSON.stringify(told).includes(kentCase.ref));
		// the entry now counts the new case (not visible to the Met) and its history says so
		const view = await sup.get(`/api/v1/register/${entry.id}?${PURPOSE}`);
		assert.ok(view.body.cases.some((c) => c.visible === false));
		assert.ok(view.body.history.some((h) => h.action === 'recognised' && /kent/.test(h.reason)));
		const rec = view.body.recognitions.find((m) => m.id === told.id);
		assert.equal(rec.agency, 'kent');
		assert.equal(rec.ask.username, 'kentoff');
		assert.equal(rec.case, undefined, 'the Met does not see Kent\'s case');
		expectError(await sup.post(`/api/v1/register/matches/${told.id}/acknowledge`, {}), 403, 'forbidden');
		const ack = await officer.post(`/api/v1/register/matches/${told.id}/acknowledge`, {});
		assert.equal(ack.status, 200, ack.text);
		assert.ok(!(await inbox(officer)).some((i) => i.kind === 'register_match' && i.id === told.id));
	});

	test('a supervisor marks a recognition seen: it leaves both inboxes', async () => {
		const rec = (await kentsup.get(`/api/v1/cases/${kentCase.ref}/recognition`)).body.matches;
		expectError(await kentoff.post(`/api/v1/cases/${kentCase.ref}/recognition/${rec[0].id}/seen`, {}), 403, 'forbidden');
		for (const m of rec) {
			const res = await kentsup.post(`/api/v1/cases/${kentCase.ref}/recognition/${m.id}/seen`, {});
			assert.equal(res.status, 200, res.text);
		}
		for (const c of [kentoff, kentsup])
			assert.equal((await inbox(c)).filter((i) => i.kind === 'recognition' && i.case.ref === kentCase.ref).length, 0);
	});

	test('a role without access to the register sees only that a match exists and whom to ask', async () => {
		const ref = await kentoff.post(`/api/v1/cases/${kentCase.ref}/referrals`, { agency: 'sas', note: 'advocacy' });
		assert.equal(ref.status, 201, ref.text);
		const res = await advocate.get(`/api/v1/cases/${kentCase.ref}/recognition`);
		assert.equal(res.status, 200, res.text);
		assert.ok(res.body.matches.length >= 2);
		for (const m of res.body.matches) {
			assert.equal(m.shown, false);
			assert.equal(m.entry, undefined);
			assert.equal(m.case, undefined);
			assert.equal(m.matched, undefined);
			assert.equal(m.ask.agency, 'met');
		}
		expectError(await advocate.get(`/api/v1/register?${PURPOSE}`), 403, 'forbidden');
	});

	test('identifiers added later to a suspect are recognised too (name and date of birth, alias)', async () => {
		const c = await createCase(kentoff, { suspect: { name: 'Someone Else' } });
		assert.equal((await kentoff.get(`/api/v1/cases/${c.ref}/recognition`)).body.count, 0);
		const add = await kentoff.post(`/api/v1/cases/${c.ref}/suspect/identifiers`, { identifiers: [{ kind: 'vehicle', value: 'GF12-ABC' }] });
		assert.equal(add.status, 200, add.text);
		const rec = (await kentoff.get(`/api/v1/cases/${c.ref}/recognition`)).body.matches;
		assert.ok(rec.some((m) => m.kind === 'register' && m.matched === 'vehicle GF12ABC'), JSON.stringify(rec));
		const d = await createCase(kentoff, { suspect: { name: 'gaz  fix', dob: '1979-02-03' } });
		const rec2 = (await kentoff.get(`/api/v1/cases/${d.ref}/recognition`)).body.matches;
		assert.ok(rec2.some((m) => m.kind === 'register' && m.matched === 'name and date of birth'), JSON.stringify(rec2));
		// his date of birth learnt later: recognised then by name (his alias) and date of birth
		const e2 = await createCase(kentoff, { suspect: { name: 'Gaz Fix' } });
		assert.equal((await kentoff.get(`/api/v1/cases/${e2.ref}/recognition`)).body.count, 0);
		expectError(await kentoff.post(`/api/v1/cases/${e2.ref}/suspect/identifiers`, {}), 400, 'bad_request', 'identifiers');
		const dob = await kentoff.post(`/api/v1/cases/${e2.ref}/suspect/identifiers`, { dob: '1979-02-03' });
		assert.equal(dob.status, 200, dob.text);
		const rec3 = (await kentoff.get(`/api/v1/cases/${e2.ref}/recognition`)).body.matches;
		assert.ok(rec3.some((m) => m.kind === 'register' && m.matched === 'name and date of birth'), JSON.stringify(rec3));
	});
});

describe('several nodes on one PostgreSQL database', { skip: ENGINE !== 'postgres' && 'PostgreSQL only' }, () => {
	test('a report taken on another node is recognised, and his officer told on the first', async () => {
		const node = await spawnServer(srv.db, ['--attachments', srv.attachments]);
		try {
			const c = new Client(node.url);
			assert.equal((await c.login('kentoff', srv.passwords.kentoff)).status, 200);
			const made = await c.post('/api/v1/cases', { relationship: 'stranger', channel: 'in_person', summary: 'texts at night', victims: [victim()], suspect: { name: 'Unknown', identifiers: [{ kind: 'phone', value: '0044 7700 900777' }] } });
			assert.equal(made.status, 201, made.text);
			const rec = await c.get(`/api/v1/cases/${made.body.ref}/recognition`);
			assert.ok(rec.body.matches.some((m) => m.kind === 'register' && m.entry.id === entry.id), rec.text);
			const items = (await inbox(officer)).filter((i) => i.kind === 'register_match' && i.entry_id === entry.id);
			assert.ok(items.length >= 1, 'told on the first node');
		} finally {
			node.child.kill('SIGTERM');
			await node.exited;
		}
	});
});

describe('identifiers learnt later link cases too', () => {
	test('a phone added to a suspect links his cases and flags a possible serial stalker', async () => {
		const a = await createCase(kentoff, { suspect: { name: 'First Name', identifiers: [{ kind: 'phone', value: '07700 900321' }] } });
		const b = await createCase(kentoff, { suspect: { name: 'Second Name' } });
		const flags = async (ref) => (await kentoff.get(`/api/v1/cases/${ref}`)).body.flags.map((f) => f.flag);
		assert.ok(!(await flags(b.ref)).includes('possible_serial'));
		const add = await kentoff.post(`/api/v1/cases/${b.ref}/suspect/identifiers`, { identifiers: [{ kind: 'phone', value: '+447700900321' }] });
		assert.equal(add.status, 200, add.text);
		assert.ok((await flags(a.ref)).includes('possible_serial'));
		assert.ok((await flags(b.ref)).includes('possible_serial'));
		const rec = (await kentoff.get(`/api/v1/cases/${b.ref}/recognition`)).body.matches;
		assert.deepEqual(rec.map((m) => [m.kind, m.case && m.case.ref, m.matched]), [['case', a.ref, 'phone +447700900321']]);
	});
});

describe('review overdue, search and oversight', () => {
	test('an overdue review is a task in the responsible officer\'s inbox and on the compliance view', async () => {
		sqlite(srv.db, `UPDATE register_entries SET next_review_at = ${Date.now() - 2 * DAY} WHERE id = ${entry.id}`);
		const item = (await inbox(officer)).find((i) => i.kind === 'register_review' && i.id === entry.id);
		assert.ok(item, 'in his inbox');
		assert.equal(item.overdue, true);
		assert.equal(item.due_to, 'officer');
		const comp = await sup.get('/api/v1/compliance');
		assert.equal(comp.status, 200, comp.text);
		assert.ok(comp.body.register_reviews_overdue.items.some((i) => i.id === entry.id));
		// Kent's compliance view has the Met's officer's entries? No: his force's only
		const kcomp = await kentsup.get('/api/v1/compliance');
		assert.ok(!kcomp.body.register_reviews_overdue.items.some((i) => i.id === entry.id));
		const rev = await sup.post(`/api/v1/register/${entry.id}/review`, { version: entry.version, next_review_at: ago(-90 * DAY), reason: 'reviewed at the panel' });
		assert.equal(rev.status, 200, rev.text);
		entry = rev.body;
		assert.ok(!(await inbox(officer)).some((i) => i.kind === 'register_review' && i.id === entry.id));
	});

	test('entries are shared between forces: Kent searches the Met\'s entry by his phone', async () => {
		const res = await kentsup.get(`/api/v1/register?q=${encodeURIComponent('07700900777')}&${PURPOSE}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.entries.map((e) => e.id), [entry.id]);
		assert.equal(res.body.entries[0].matched, 'phone');
		const byName = await analyst.get(`/api/v1/register?q=fixated&purpose=${encodeURIComponent('monthly analysis of repeat offending')}`);
		assert.equal(byName.status, 200, byName.text);
		assert.ok(byName.body.entries.some((e) => e.id === entry.id));
	});

	test('the oversight report lists every search and view of the force\'s staff, who, why and how often', async () => {
		const res = await kentsup.get('/api/v1/register/oversight');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.agency, 'kent');
		const acc = res.body.accesses;
		const kent = acc.filter((a) => a.user === 'kentsup' && a.action === 'search');
		assert.equal(kent.length, 1);
		assert.equal(kent[0].purpose, 'checking a new report of stalking');
		assert.equal(kent[0].query_kind, 'phone');
		assert.match(kent[0].query_hash, /\S{16,}/);
		assert.equal(kent[0].results, 1);
		assert.ok(!JSON.stringify(acc).includes('900777'), 'the query is kept as a keyed hash');
		assert.ok(acc.every((a) => a.agency === 'kent'), 'another force\'s searches are its own to oversee');
		const met = await sup.get('/api/v1/register/oversight');
		assert.equal(met.status, 200, met.text);
		assert.equal(met.body.by_user.analyst.searches, 1);
		assert.equal(met.body.by_user.supervisor.views, 2);
		assert.equal(met.body.by_user.kentsup, undefined);
		assert.equal(met.body.accesses.filter((a) => a.user === 'analyst')[0].purpose, 'monthly analysis of repeat offending');
		expectError(await officer.get('/api/v1/register/oversight'), 403, 'forbidden');
		// and the audit trail has each with its purpose
		const audit = await sup.get('/api/v1/audit?action=register.search');
		assert.equal(audit.status, 200, audit.text);
		assert.ok(audit.body.entries.some((e) => e.username === 'analyst' && /^purpose: monthly analysis/.test(e.detail)));
	});
});

describe('exchange between Vigils: signed export, verified import', () => {
	let doc;

	test('the export is signed with the register key', async () => {
		const res = await sup.get('/api/v1/register/export');
		assert.equal(res.status, 200, res.text);
		doc = res.body;
		assert.equal(doc.format, 'vigil-register');
		assert.equal(doc.signature.algorithm, 'ed25519');
		const payload = JSON.parse(doc.payload);
		assert.ok(payload.entries.some((e) => e.id === entry.id && e.basis === 'spo'));
		expectError(await officer.get('/api/v1/register/export'), 403, 'forbidden');
	});

	test('another Vigil that trusts the key imports it; his phone is then recognised there', async () => {
		const osup = await other.login('supervisor');
		const res = await osup.post('/api/v1/register/import', { document: doc, reason: 'monthly exchange with the Met' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.issuer, 'met');
		assert.ok(res.body.added >= 1);
		const again = await osup.post('/api/v1/register/import', { document: doc, reason: 'monthly exchange with the Met' });
		assert.equal(again.body.added, 0);
		assert.ok(again.body.updated >= 1);
		const found = await osup.get(`/api/v1/register?q=${encodeURIComponent(PHONE_AS_REPORTED)}&${PURPOSE}`);
		assert.equal(found.body.entries.length, 1, found.text);
		const e = found.body.entries[0];
		assert.equal(e.name, 'Gary Fixated');
		assert.equal(e.basis_ref, 'SPO/2026/0417 Highbury Corner Magistrates');
		assert.equal(e.responsible.username, 'supervisor');
		assert.equal(e.origin.vigil.split(':')[0], 'met');
		const oofficer = await other.login('officer');
		const c = await createCase(oofficer, { suspect: { name: 'Unknown', identifiers: [{ kind: 'phone', value: '+447700900777' }] } });
		const rec = (await oofficer.get(`/api/v1/cases/${c.ref}/recognition`)).body.matches;
		assert.ok(rec.some((m) => m.kind === 'register' && m.entry.id === e.id));
	});

	test('a tampered file is refused, and so is one signed by a key not trusted', async () => {
		const osup = await other.login('supervisor');
		const tampered = { ...doc, payload: doc.payload.replace('"level":3', '"level":1') };
		assert.notEqual(tampered.payload, doc.payload);
		expectError(await osup.post('/api/v1/register/import', { document: tampered, reason: 'monthly exchange' }), 422, 'signature_invalid', 'document');
		const forged = { ...doc, signature: { ...doc.signature, public_key: 'ab'.repeat(32) } };
		expectError(await osup.post('/api/v1/register/import', { document: forged, reason: 'monthly exchange' }), 422, 'signature_invalid', 'document');
		// and the other Vigil cannot export: it has no key
		expectError(await osup.get('/api/v1/register/export'), 409, 'not_configured');
	});

	test('an older export replayed does not take an entry back to what it was', async () => {
		const osup = await other.login('supervisor');
		const cur = (await sup.get(`/api/v1/register?q=${encodeURIComponent(PHONE_AS_ENTERED)}&${PURPOSE}`)).body.entries.find((e) => e.id === entry.id);
		const res = await sup.post(`/api/v1/register/${entry.id}/review`, { version: cur.version, next_review_at: ago(-150 * DAY), level: 1, reason: 'complied for a year; lowered to level 1' });
		assert.equal(res.status, 200, res.text);
		const newer = (await sup.get('/api/v1/register/export')).body;
		let imp = await osup.post('/api/v1/register/import', { document: newer, reason: 'monthly exchange with the Met' });
		assert.equal(imp.status, 200, imp.text);
		const level = async () => (await osup.get(`/api/v1/register?q=${encodeURIComponent(PHONE_AS_REPORTED)}&${PURPOSE}`)).body.entries[0].level;
		assert.equal(await level(), 1);
		// the older file, signed and trusted, brought in again
		imp = await osup.post('/api/v1/register/import', { document: doc, reason: 'monthly exchange with the Met' });
		assert.ok(imp.status === 200 || imp.status === 409 || imp.status === 422, imp.text);
		assert.equal(await level(), 1, 'an older export replayed took the entry back to level 3');
	});
});

describe('retention', () => {
	test('a removed entry is purged, with one audit record and nothing else left', async () => {
		const made = await sup.post('/api/v1/register', {
			name: 'Temporary Person', identifiers: [{ kind: 'email', value: 'temp.person@example.org' }],
			basis: 'panel', basis_ref: 'MAPPA-2026-99', category: 'persistent', level: 1,
			next_review_at: ago(-30 * DAY), reason: 'panel decision of the month',
		});
		assert.equal(made.status, 201, made.text);
		const id = made.body.id;
		const person = sqlite(srv.db, `SELECT person_id FROM register_entries WHERE id = ${id}`).trim();
		const rm = await sup.post(`/api/v1/register/${id}/removal`, { version: 1, reason: 'the panel lifted the decision' });
		assert.equal(rm.status, 200, rm.text);
		assert.equal(rm.body.status, 'removed');
		const purge = await sup.post('/api/v1/register/purge', {});
		assert.equal(purge.status, 200, purge.text);
		assert.ok(purge.body.purged >= 1);
		for (const [t, col] of [['register_entries', 'id'], ['register_history', 'entry_id'], ['register_matches', 'entry_id'], ['register_entry_cases', 'entry_id']])
			assert.equal(sqlite(srv.db, `SELECT COUNT(*) FROM ${t} WHERE ${col} = ${id}`).trim(), '0', t);
		for (const t of ['persons', 'person_identifiers', 'person_aliases'])
			assert.equal(sqlite(srv.db, `SELECT COUNT(*) FROM ${t} WHERE ${t === 'persons' ? 'id' : 'person_id'} = ${person}`).trim(), '0', t);
		assert.equal(sqlite(srv.db, "SELECT COUNT(*) FROM person_identifiers WHERE value = 'temp.person@example.org'").trim(), '0');
		const audit = await admin.get(`/api/v1/audit?action=register.purge&object=register:${id}`);
		assert.equal(audit.status, 200, audit.text);
		const entries = (audit.body.entries ?? audit.body.items ?? []).filter((a) => a.action === 'register.purge' && a.object === `register:${id}`);
		assert.equal(entries.length, 1, audit.text);
		assert.ok(!JSON.stringify(entries).includes('Temporary'));
		// nor anything of him left in the trail's other entries on the entry
		// (the trail cannot be purged: it never held the decision's words)
		const all = await admin.get(`/api/v1/audit?object=register:${id}&limit=500`);
		assert.equal(all.status, 200, all.text);
		const text = JSON.stringify(all.body);
		for (const s of ['MAPPA-2026-99', 'panel decision of the month', 'the panel lifted the decision'])
			assert.ok(!text.includes(s), `the audit trail still holds "${s}" after the purge`);
		expectError(await sup.get(`/api/v1/register/${id}?${PURPOSE}`), 404, 'not_found');
	});

	test('an active entry past its retention date is purged too; one within it stays', async () => {
		const make = async (name) => {
			const res = await sup.post('/api/v1/register', {
				name, basis: 'conviction', basis_ref: 'T20260001', category: 'high_harm', level: 1,
				next_review_at: ago(-30 * DAY), retain_until: ago(-365 * DAY), reason: 'convicted at the Crown Court',
			});
			assert.equal(res.status, 201, res.text);
			assert.ok(res.body.retain_until);
			return res.body.id;
		};
		const [gone, kept] = [await make('Past Retention'), await make('Within Retention')];
		sqlite(srv.db, `UPDATE register_entries SET retain_until = ${Date.now() - DAY} WHERE id = ${gone}`);
		const purge = await sup.post('/api/v1/register/purge', {});
		assert.equal(purge.body.purged, 1, purge.text);
		assert.equal(sqlite(srv.db, `SELECT COUNT(*) FROM register_entries WHERE id = ${gone}`).trim(), '0');
		assert.equal(sqlite(srv.db, `SELECT COUNT(*) FROM register_entries WHERE id = ${kept}`).trim(), '1');
		assert.equal(sqlite(srv.db, "SELECT COUNT(*) FROM persons WHERE full_name = 'Past Retention'").trim(), '0');
	});

	test('the audit trail, with every register decision, search, view and purge in it, verifies', async () => {
		const res = await admin.get('/api/v1/audit/verify');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.intact, true, res.text);
		const views = await admin.get('/api/v1/audit?action=register.view&limit=500');
		const ok = views.body.entries.filter((e) => e.outcome === 'ok');
		assert.equal(ok.length, 2, 'the Met supervisor\'s two views (an administrator reads her agency\'s part of the trail)');
		assert.ok(ok.every((e) => /^purpose: /.test(e.detail)), 'each view with its purpose');
	});
});
