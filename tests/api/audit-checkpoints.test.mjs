// Signed checkpoints of the audit trail (issue 13, hole 6): someone who can
// rewrite the database cut entries from the end of the trail and moved its
// head to match, and `vigil audit verify` still said intact.  The server now
// signs the head every few seconds with a key kept outside the database, into
// the database and into a file beside the key; a cut below a checkpoint is
// found by the command line and the API, even when the checkpoints in the
// database are cut too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { cli, sleep, sqlite, startServer } from './lib/server.mjs';
import { waitFor } from './lib/monitorkit.mjs';

let srv;
let admin;
let dir;
let key;
let pub;

before(async () => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-audit-key-'));
	key = path.join(dir, 'audit.key');
	const r = cli(['audit', 'keygen', '--key', key]);
	assert.equal(r.status, 0, r.stderr);
	pub = r.stdout.match(/public key: ([0-9a-f]{64})/)[1];
	srv = await startServer({ args: ['--audit-key', key, '--housekeeping-secs', '1', '--audit-checkpoint-secs', '1'] });
	admin = await srv.login('admin');
});
after(async () => {
	if (srv) assert.equal(await srv.stop(), 0);
	fs.rmSync(dir, { recursive: true, force: true });
});

const verify = (...extra) => cli(['audit', 'verify', '--db', srv.db, ...extra]);
const newestCheckpoint = () => Number(sqlite(srv.db, 'SELECT MAX(last_id) FROM audit_checkpoints').trim() || 0);

describe('the key', () => {
	test('keygen makes a file only its owner reads, and never overwrites one', () => {
		assert.equal(fs.statSync(key).mode & 0o777, 0o600);
		assert.match(fs.readFileSync(key, 'utf8'), new RegExp(`public ${pub}`));
		const again = cli(['audit', 'keygen', '--key', key]);
		assert.equal(again.status, 1);
		assert.match(again.stderr, /never overwritten/);
	});

	test('a key file others may read, or that is not a key, stops the server at start', () => {
		const loose = path.join(dir, 'loose.key');
		fs.copyFileSync(key, loose);
		fs.chmodSync(loose, 0o644);
		const r = cli(['serve', '--db', path.join(dir, 'x.db'), '--audit-key', loose, '--listen', '127.0.0.1:0']);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /chmod 600/);
		const junk = path.join(dir, 'junk.key');
		fs.writeFileSync(junk, 'public 00\nsecret 00\n', { mode: 0o600 });
		const j = cli(['serve', '--db', path.join(dir, 'x.db'), '--audit-key', junk, '--listen', '127.0.0.1:0']);
		assert.equal(j.status, 1);
		assert.match(j.stderr, /not a Vigil key file/);
	});
});

describe('checkpoints', () => {
	test('the server signs the head: the database and the file hold checkpoints that verify', async () => {
		for (let i = 0; i < 5; i++) await admin.get('/api/v1/audit?limit=1');
		await waitFor('a checkpoint', () => newestCheckpoint() > 5, 8000);
		assert.ok(fs.readFileSync(`${key}.checkpoints`, 'utf8').split('\n').filter(Boolean).length >= 1);
		const r = verify('--key', key);
		assert.equal(r.status, 0, r.stdout + r.stderr);
		assert.match(r.stdout, /audit trail intact/);
		assert.match(r.stdout, /signed checkpoints hold; the newest vouches for entry \d+/);
		const api = (await admin.get('/api/v1/audit/verify')).body;
		assert.equal(api.intact, true, JSON.stringify(api));
		assert.ok(api.checkpoints.checked >= 1);
		assert.equal(api.checkpoints.key_checked, true);
	});

	test('cutting entries from the end and moving the head is found, by the CLI and the API', async () => {
		const vouched = newestCheckpoint();
		assert.ok(vouched > 5);
		// stop the server's own checkpoints from covering the cut: what an
		// attacker does in one transaction
		const cut = vouched - 3;
		sqlite(srv.db, `CREATE TABLE audit_cut AS SELECT * FROM audit_log WHERE id > ${cut}`);
		sqlite(srv.db, `DELETE FROM audit_log WHERE id > ${cut};
			UPDATE chain_heads SET last_id = ${cut}, hash = (SELECT hash FROM audit_log WHERE id = ${cut}) WHERE chain = 'audit'`);
		const plain = cli(['audit', 'verify', '--db', srv.db, '--public-key', pub, '--no-checkpoint-file']);
		assert.equal(plain.status, 1, plain.stdout + plain.stderr);
		assert.equal(plain.stderr, "");
		assert.match(plain.stdout, new RegExp(`BROKEN at entry ${vouched}\\b.*(missing|differs).*cut back`));
		const api = (await admin.get('/api/v1/audit/verify')).body;
		assert.equal(api.intact, false, JSON.stringify(api));
		assert.match(api.reason, /cut back/);
	});

	test('cutting the checkpoints in the database too is still found, by the file outside it', async () => {
		sqlite(srv.db, 'DELETE FROM audit_checkpoints');
		// the database alone no longer shows where, but a trail with no
		// checkpoint at all is not vouched for
		const db = cli(['audit', 'verify', '--db', srv.db, '--public-key', pub, '--no-checkpoint-file']);
		assert.equal(db.status, 1, db.stdout);
		assert.match(db.stdout, /NOT VOUCHED FOR/);
		// the file beside the key does
		const r = verify('--key', key);
		assert.equal(r.status, 1, r.stdout);
		assert.match(r.stdout, /BROKEN at entry \d+: entry \d+, vouched for by a signed checkpoint in the checkpoint file/);
		const api = (await admin.get('/api/v1/audit/verify')).body;
		assert.equal(api.intact, false);
	});

	test('a checkpoint forged with another key is refused', async () => {
		const other = path.join(dir, 'other.key');
		assert.equal(cli(['audit', 'keygen', '--key', other]).status, 0);
		sqlite(srv.db, 'DELETE FROM audit_checkpoints');
		const forged = path.join(dir, 'forged.checkpoints');
		const r = cli(['audit', 'checkpoint', '--key', other, '--checkpoints', forged, '--db', srv.db]);
		assert.equal(r.status, 0, r.stderr);
		const v = cli(['audit', 'verify', '--db', srv.db, '--public-key', pub, '--checkpoints', forged]);
		assert.equal(v.status, 1, v.stdout);
		assert.match(v.stdout, /not signed by the audit key/);
	});

	test('with a key, the checkpoint file must be there (or said to be absent)', () => {
		const gone = cli(['audit', 'verify', '--db', srv.db, '--key', key, '--checkpoints', path.join(dir, 'nowhere.checkpoints')]);
		assert.equal(gone.status, 1);
		assert.match(gone.stderr, /does not exist/);
		const none = cli(['audit', 'verify', '--db', srv.db, '--public-key', pub]);
		assert.equal(none.status, 1);
		assert.match(none.stderr, /--no-checkpoint-file/);
	});

	test('a line in the checkpoint file that is not a checkpoint is reported, not skipped', () => {
		const bad = path.join(dir, 'bad.checkpoints');
		fs.writeFileSync(bad, 'vigil-checkpoint v1 audit 1 2 nothex\n');
		const v = cli(['audit', 'verify', '--db', srv.db, '--checkpoints', bad]);
		assert.equal(v.status, 1);
		assert.match(v.stderr, /line 1 is not a checkpoint/);
	});

	test('a forged checkpoint far ahead does not stop the server signing, and a head below its own checkpoint is reported', async () => {
		const d2 = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-audit-key2-'));
		const k2 = path.join(d2, 'audit.key');
		assert.equal(cli(['audit', 'keygen', '--key', k2]).status, 0);
		const s2 = await startServer({ roles: ['admin'], args: ['--audit-key', k2, '--housekeeping-secs', '1', '--audit-checkpoint-secs', '1'] });
		try {
			const a2 = await s2.login('admin');
			await a2.get('/api/v1/audit?limit=1');
			const count = () => Number(sqlite(s2.db, `SELECT COUNT(*) FROM audit_checkpoints WHERE last_id < 900000`).trim());
			await waitFor('a first checkpoint', () => count() >= 1, 8000);
			// a row claiming entry 999999, with a junk signature
			sqlite(s2.db, `INSERT INTO audit_checkpoints (at, last_id, hash, public_key, signature)
				SELECT at, 999999, hash, public_key, signature FROM audit_checkpoints LIMIT 1`);
			const before = count();
			await a2.get('/api/v1/audit?limit=1');
			await waitFor('the server to sign on regardless', () => count() > before, 8000);
			// cut the trail below the server's newest checkpoint: it says so in its log
			const vouched = Number(sqlite(s2.db, 'SELECT MAX(last_id) FROM audit_checkpoints WHERE last_id < 900000').trim());
			sqlite(s2.db, `DELETE FROM audit_checkpoints WHERE last_id >= 900000;
				DELETE FROM audit_log WHERE id > ${vouched - 2};
				UPDATE chain_heads SET last_id = ${vouched - 2}, hash = (SELECT hash FROM audit_log WHERE id = ${vouched - 2}) WHERE chain = 'audit'`);
			await waitFor('the cut in the log', () => /entries were cut from its end/.test(s2.stderr()), 8000);
		} finally {
			await s2.stop();
			fs.rmSync(d2, { recursive: true, force: true });
		}
	});

	test('without --audit-key the server makes none, and verify says what that leaves', async () => {
		const fresh = await startServer({ roles: ['admin'] });
		try {
			await sleep(100);
			const r = cli(['audit', 'verify', '--db', fresh.db]);
			assert.equal(r.status, 0, r.stdout);
			assert.match(r.stdout, /no signed checkpoints/);
			assert.equal(sqlite(fresh.db, 'SELECT COUNT(*) FROM audit_checkpoints').trim(), '0');
		} finally {
			await fresh.stop();
		}
	});
});
