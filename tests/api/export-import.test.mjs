// `vigil export` and `vigil import` move a whole centre between databases and
// engines (issue 8): every row, the audit trail and each case's incident
// chain arrive intact, the target takes new work with fresh ids, and a
// refused import (a database not empty, a tampered or truncated file) keeps
// nothing.  When VIGIL_TEST_PG is set, the export also crosses to the other
// engine.  Sealed values (issue 16) travel sealed: the target is opened with
// the source's data key file, and without it the import is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { addIncident, createCase, screening } from './lib/casekit.mjs';
import { Client, ENGINE, cli, dataKeyOf, emptyDatabase, shareDataKey, spawnServer, sqlite, startServer } from './lib/server.mjs';

let srv;
let passwords;
let exportFile;
let scratch;
let keyHolder; // a path whose data key is the source's (the source's directory goes with it)
const before_ = { count: {} };

const count = (db, table) => Number(sqlite(db, `SELECT COUNT(*) FROM ${table}`).trim());

async function signIn(url, user) {
	const c = new Client(url);
	const res = await c.login(user, passwords[user]);
	assert.equal(res.status, 200, res.text);
	return c;
}

before(async () => {
	srv = await startServer();
	passwords = srv.passwords;
	scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-export-'));
	const officer = await srv.login('officer');
	for (let i = 0; i < 3; i++) {
		const c = await createCase(officer, { screening: screening(true) });
		await addIncident(officer, c.ref, { behaviour: 'message', description: `message ${i}` });
		await addIncident(officer, c.ref, { behaviour: 'following', description: `followed ${i}` });
	}
	const list = await officer.get('/api/v1/cases?limit=200');
	before_.cases = list.body.cases.map((c) => c.ref).sort();
	before_.case = (await officer.get(`/api/v1/cases/${before_.cases[0]}`)).body;
	before_.incidents = (await officer.get(`/api/v1/cases/${before_.cases[0]}/incidents`)).body;
	// exported while the server runs (it only reads), nothing writing meanwhile
	for (const t of ['users', 'cases', 'incidents', 'audit_log']) before_.count[t] = count(srv.db, t);
	exportFile = path.join(scratch, 'centre.jsonl');
	keyHolder = path.join(scratch, 'source.db');
	if (ENGINE === 'postgres') keyHolder = srv.db; // its key file is the harness's
	else {
		fs.copyFileSync(dataKeyOf(srv.db), dataKeyOf(keyHolder));
		fs.chmodSync(dataKeyOf(keyHolder), 0o600);
	}
	const r = cli(['export', '--out', exportFile, '--db', srv.db]);
	assert.equal(r.status, 0, r.stderr);
	assert.equal(count(srv.db, 'audit_log'), before_.count.audit_log, 'the export wrote to the source');
	assert.equal(await srv.stop(), 0);
});
after(() => {
	if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** Import the export into a new database of engine, with the source's data
 * key (unless withKey is false); the database. */
function importInto(engine, file = exportFile, { withKey = true } = {}) {
	const db = emptyDatabase(scratch, engine);
	const args = ['import', '--in', file, '--db', db];
	if (withKey) args.push('--data-key', shareDataKey(keyHolder, db));
	const r = cli(args);
	return { db, r };
}

function roundTrip(engine) {
	test(`into a new ${engine} database: every row, the audit trail and the incident chains arrive intact`, async () => {
		const { db, r } = importInto(engine);
		assert.equal(r.status, 0, r.stderr);
		for (const t of ['users', 'cases', 'incidents', 'audit_log']) assert.equal(count(db, t), before_.count[t], t);
		const audit = cli(['audit', 'verify', '--db', db]);
		assert.equal(audit.status, 0, audit.stdout + audit.stderr);
		for (const ref of before_.cases) {
			const v = cli(['case', 'verify', ref, '--db', db, '--data-key', dataKeyOf(db)]);
			assert.equal(v.status, 0, `${ref}: ${v.stdout}${v.stderr}`);
		}

		// the same users sign in with the same passwords and see the same cases
		const s = await spawnServer(db, ['--attachments', path.join(scratch, `att-${engine}`)]);
		try {
			const officer = await signIn(s.url, 'officer');
			const list = await officer.get('/api/v1/cases?limit=200');
			assert.deepEqual(list.body.cases.map((c) => c.ref).sort(), before_.cases);
			const c = (await officer.get(`/api/v1/cases/${before_.cases[0]}`)).body;
			for (const k of ['ref', 'status', 'relationship', 'channel', 'classifications', 'version', 'created_at', 'owner'])
				assert.deepEqual(c[k], before_.case[k], k);
			const inc = (await officer.get(`/api/v1/cases/${before_.cases[0]}/incidents`)).body;
			assert.deepEqual(inc, before_.incidents);
			const verify = await officer.get(`/api/v1/cases/${before_.cases[0]}/incidents/verify`);
			assert.equal(verify.body.intact, true, verify.text);

			// new work gets the next reference and new ids, and chains on
			const made = await createCase(officer, { screening: screening(true) });
			assert.ok(!before_.cases.includes(made.ref), made.ref);
			const n = Number(made.ref.slice(-6));
			assert.equal(n, Math.max(...before_.cases.map((x) => Number(x.slice(-6)))) + 1, made.ref);
			await addIncident(officer, before_.cases[0], { behaviour: 'message', description: 'after the move' });
			const v2 = await officer.get(`/api/v1/cases/${before_.cases[0]}/incidents/verify`);
			assert.equal(v2.body.intact, true, v2.text);
		} finally {
			s.child.kill('SIGTERM');
			await s.exited;
		}
		const audit2 = cli(['audit', 'verify', '--db', db]);
		assert.equal(audit2.status, 0, audit2.stdout + audit2.stderr);
	});
}

describe('a round trip', () => {
	roundTrip(ENGINE);
	const other = ENGINE === 'sqlite' ? 'postgres' : 'sqlite';
	if (other === 'sqlite' || process.env.VIGIL_TEST_PG) roundTrip(other);
});

describe('a refused import keeps nothing', () => {
	test('into a database that is not empty', () => {
		const { db, r } = importInto(ENGINE);
		assert.equal(r.status, 0, r.stderr);
		const again = cli(['import', '--in', exportFile, '--db', db]);
		assert.notEqual(again.status, 0);
		assert.match(again.stderr, /empty/);
		assert.equal(count(db, 'cases'), before_.cases.length);
	});

	test('without the data key file of the source, it is refused: the incident logs cannot be verified', () => {
		const { db, r } = importInto(ENGINE, exportFile, { withKey: false });
		assert.notEqual(r.status, 0);
		if (ENGINE === 'sqlite') assert.match(r.stderr, /data key file/);
		else assert.match(r.stderr, /--data-key FILE/);
		assert.equal(count(db, 'cases'), 0);
	});

	test('a tampered row', () => {
		const lines = fs.readFileSync(exportFile, 'utf8').split('\n');
		// the incidents' descriptions are sealed: the behaviour is in clear
		const i = lines.findIndex((l) => l.includes('"following"'));
		assert.ok(i >= 0, 'the export holds the incident behaviour');
		lines[i] = lines[i].replace('"following"', '"loitering"');
		const bad = path.join(scratch, 'tampered.jsonl');
		fs.writeFileSync(bad, lines.join('\n'));
		const { db, r } = importInto(ENGINE, bad);
		assert.notEqual(r.status, 0, 'a tampered export was imported');
		assert.ok(r.stderr.length > 0);
		assert.equal(count(db, 'cases'), 0);
		assert.equal(count(db, 'incidents'), 0);
	});

	test('a truncated file', () => {
		const text = fs.readFileSync(exportFile, 'utf8');
		const bad = path.join(scratch, 'truncated.jsonl');
		fs.writeFileSync(bad, text.slice(0, Math.floor(text.length / 2)));
		const { db, r } = importInto(ENGINE, bad);
		assert.notEqual(r.status, 0, 'a truncated export was imported');
		assert.equal(count(db, 'cases'), 0);
	});

	test('a file that is not an export, and a missing one', () => {
		const bad = path.join(scratch, 'junk.jsonl');
		fs.writeFileSync(bad, 'not json at all\n');
		let { r } = importInto(ENGINE, bad);
		assert.notEqual(r.status, 0);
		({ r } = importInto(ENGINE, path.join(scratch, 'no-such-file.jsonl')));
		assert.notEqual(r.status, 0);
		assert.match(r.stderr, /no-such-file/);
	});
});
