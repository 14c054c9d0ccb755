// Tampering with the audit trail directly in the database is detected, by
// GET /api/v1/audit/verify and by `vigil audit verify`: an altered row, the
// newest row deleted, a middle row deleted.  After each case the original row
// is put back and the chain verifies again, which shows that the detection is
// about exactly that change.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, sqlite, startServer, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => {
	srv = await startServer({ roles: ['admin'] });
	admin = await srv.login('admin');
	// some activity of every kind
	await admin.post('/api/v1/agencies', { code: 'tamper', name: 'Tamper Ltd', kind: 'other' });
	await admin.post('/api/v1/users', { username: 'temp', role: 'officer', agency: 'met', password: 'temporary-pw-1' });
	await admin.post('/api/v1/users', { username: 'temp', role: 'officer', agency: 'met', password: 'temporary-pw-1' }); // 409
	await srv.client().login('temp', 'wrong-password-x');
	const t = await admin.post('/api/v1/tokens', { name: 'tmp' });
	await admin.del(`/api/v1/tokens/${t.body.id}`);
	// keep a copy of the rows to restore them after each tampering
	sqlite(srv.db, 'CREATE TABLE audit_backup AS SELECT * FROM audit_log');
});
after(() => stopServer(srv));

async function apiVerify() {
	const res = await admin.get('/api/v1/audit/verify');
	assert.equal(res.status, 200, res.text);
	return res.body;
}

function cliVerify() {
	return cli(['audit', 'verify', '--db', srv.db]);
}

function restore(id) {
	sqlite(srv.db, `DELETE FROM audit_log WHERE id = ${id}; INSERT INTO audit_log SELECT * FROM audit_backup WHERE id = ${id}`);
}

async function expectIntact() {
	const c = cliVerify();
	assert.equal(c.status, 0, `vigil audit verify: ${c.stdout}${c.stderr}`);
	assert.match(c.stdout, /audit trail intact: \d+ entries verified/);
	const v = await apiVerify();
	assert.equal(v.intact, true, JSON.stringify(v));
}

async function expectBroken(id, reason) {
	// the command line first: it only reads
	const c = cliVerify();
	assert.equal(c.status, 1, `vigil audit verify should exit 1: ${c.stdout}${c.stderr}`);
	assert.match(c.stdout, new RegExp(`BROKEN at entry ${id}\\b`));
	const v = await apiVerify();
	assert.equal(v.intact, false, JSON.stringify(v));
	assert.equal(v.first_broken_id, id, JSON.stringify(v));
	assert.equal(typeof v.entries, 'number');
	assert.match(v.reason, reason);
	return v;
}

/**
 * Tamper with the log (sql), expect the chain broken at entry id for reason,
 * put entry restoreId back (id unless given) and expect the chain intact.
 */
async function tamperedAt(sql, id, reason, restoreId = id) {
	sqlite(srv.db, sql);
	await expectBroken(id, reason);
	restore(restoreId);
	await expectIntact();
}

describe('an intact chain', () => {
	test('verifies after activity, by the API and the command line', async () => {
		await expectIntact();
	});

	test('an intact verify answers exactly {intact, entries}', async () => {
		const v = await apiVerify();
		assert.deepEqual(Object.keys(v).sort(), ['entries', 'intact']);
		assert.ok(v.entries >= 10, `${v.entries} entries`);
	});
});

describe('tampering', () => {
	test('a row altered in the database is detected at that entry (2) by the API and the CLI', async () => {
		sqlite(srv.db, "UPDATE audit_log SET detail='tampered' WHERE id=2");
		const v = await expectBroken(2, /altered|does not match/);
		assert.equal(v.entries, 2, 'the check stops at the broken entry');
		// the verify that found it is recorded with what it found
		const rec = await admin.get('/api/v1/audit?action=audit.verify&limit=1');
		assert.equal(rec.body.entries[0].detail, 'chain broken at entry 2');
		restore(2);
		await expectIntact();
	});

	test('an outcome changed from denied to ok is detected', async () => {
		const id = Number(sqlite(srv.db, "SELECT MIN(id) FROM audit_log WHERE outcome = 'denied'").trim());
		assert.ok(id > 0);
		await tamperedAt(`UPDATE audit_log SET outcome = 'ok' WHERE id = ${id}`, id, /altered/);
	});

	test('a changed timestamp is detected', async () => {
		await tamperedAt('UPDATE audit_log SET at = at + 1 WHERE id = 5', 5, /altered/);
	});

	test('a NULL made into an empty string is detected', async () => {
		const id = Number(sqlite(srv.db, 'SELECT MIN(id) FROM audit_log WHERE detail IS NULL').trim());
		assert.ok(id > 0);
		await tamperedAt(`UPDATE audit_log SET detail = '' WHERE id = ${id}`, id, /altered/);
	});

	test('a broken link (prev_hash changed) is detected', async () => {
		await tamperedAt('UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE id = 1) WHERE id = 4', 4, /link/);
	});

	test('deleting the newest row is detected', async () => {
		const newest = Number(sqlite(srv.db, 'SELECT MAX(id) FROM audit_log').trim());
		sqlite(srv.db, 'CREATE TABLE IF NOT EXISTS audit_newest AS SELECT * FROM audit_log WHERE 1 = 0');
		sqlite(srv.db, `INSERT INTO audit_newest SELECT * FROM audit_log WHERE id = ${newest}`);
		sqlite(srv.db, `DELETE FROM audit_log WHERE id = ${newest}`);
		await expectBroken(newest, /removed from the end/);
		sqlite(srv.db, `INSERT INTO audit_log SELECT * FROM audit_newest WHERE id = ${newest}`);
		await expectIntact();
	});

	test('deleting a middle row is detected at the entry after the gap', async () => {
		await tamperedAt('DELETE FROM audit_log WHERE id = 7', 8, /missing/, 7);
	});

	test('deleting the first row is detected', async () => {
		await tamperedAt('DELETE FROM audit_log WHERE id = 1', 2, /missing/, 1);
	});

	test('a forged row appended without the chain head is detected', async () => {
		const last = sqlite(srv.db, 'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').trim().split('|');
		const id = Number(last[0]) + 1;
		sqlite(srv.db, `INSERT INTO audit_log (id, at, action, outcome, prev_hash, hash) VALUES (${id}, 0, 'forged', 'ok', '${last[1]}', '${'0'.repeat(64)}')`);
		await expectBroken(id, /altered/);
		sqlite(srv.db, `DELETE FROM audit_log WHERE id = ${id}`);
		await expectIntact();
	});

	test('emptying the whole audit log is detected (the chain head remains)', async () => {
		sqlite(srv.db, 'CREATE TABLE audit_all AS SELECT * FROM audit_log');
		sqlite(srv.db, 'DELETE FROM audit_log');
		const c = cliVerify();
		assert.equal(c.status, 1, c.stdout);
		assert.match(c.stdout, /BROKEN at entry 1\b/);
		sqlite(srv.db, 'INSERT INTO audit_log SELECT * FROM audit_all');
		await expectIntact();
	});

	test('the server goes on appending to a chain that was restored', async () => {
		const res = await admin.post('/api/v1/agencies', { code: 'after', name: 'After Tamper', kind: 'other' });
		assert.equal(res.status, 201);
		await expectIntact();
	});
});
