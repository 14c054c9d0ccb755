// The audit trail: every write (including failed and denied ones) is
// recorded; GET /api/v1/audit pages newest first with filters; the hash chain
// verifies after activity, through the API and the command line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, expectError, postAnnounced, sleep, sqlite, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

async function newest(query = '') {
	const res = await admin.get(`/api/v1/audit?limit=1${query ? `&${query}` : ''}`);
	assert.equal(res.status, 200, res.text);
	assert.equal(res.body.entries.length, 1, `an entry for ${query}`);
	return res.body.entries[0];
}

describe('what is recorded', () => {
	test('the seeding done on the command line is in the trail as cli:<user>', async () => {
		const res = await admin.get('/api/v1/audit?action=agency.create&limit=500');
		const codes = res.body.entries.filter((e) => e.username.startsWith('cli:')).map((e) => e.object).sort();
		assert.deepEqual(codes, ['agency:met', 'agency:nlft', 'agency:sas']);
		for (const e of res.body.entries) {
			assert.equal(e.client_addr, 'local');
			assert.equal(e.outcome, 'ok');
		}
	});

	test('an entry has id, at, username, agency, action, object, outcome, status, client_addr, detail and hash', async () => {
		const e = await newest('action=login');
		assert.deepEqual(Object.keys(e).sort(), [
			'action', 'agency', 'at', 'client_addr', 'detail', 'hash', 'id', 'object', 'outcome', 'status', 'token_id', 'username',
		]);
		assert.equal(e.action, 'login');
		assert.equal(e.username, 'admin');
		assert.equal(e.agency, 'met');
		assert.equal(e.object, 'user:admin');
		assert.equal(e.outcome, 'ok');
		assert.equal(e.status, 200);
		assert.equal(e.client_addr, '127.0.0.1');
		assert.match(e.hash, /^[0-9a-f]{64}$/);
		assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
		assert.equal(typeof e.id, 'number');
	});

	test('a failed sign-in is recorded as login, denied, 401, with no user', async () => {
		await srv.client().login('supervisor', 'wrong-password-here');
		const e = await newest('action=login&object=user:supervisor');
		assert.equal(e.outcome, 'denied');
		assert.equal(e.status, 401);
		assert.equal(e.username, null);
		assert.equal(e.detail, 'wrong username or password');
		assert.ok(!JSON.stringify(e).includes('wrong-password-here'), 'the password is never recorded');
	});

	test('a successful user creation is recorded as user.create, ok, 201', async () => {
		const res = await admin.post('/api/v1/users', { username: 'audited', role: 'advocate', agency: 'met', password: 'audited-user-pw' });
		assert.equal(res.status, 201);
		const e = await newest('action=user.create&object=user:audited');
		assert.equal(e.outcome, 'ok');
		assert.equal(e.status, 201);
		assert.equal(e.username, 'admin');
		assert.equal(e.detail, 'role advocate, agency met');
		assert.ok(!JSON.stringify(e).includes('audited-user-pw'));
	});

	test('a failed write (409) is recorded as failed', async () => {
		await admin.post('/api/v1/users', { username: 'audited', role: 'advocate', agency: 'met', password: 'audited-user-pw' });
		const e = await newest('action=user.create&object=user:audited');
		assert.equal(e.outcome, 'failed');
		assert.equal(e.status, 409);
	});

	test('a write refused for bad JSON (400) is recorded as failed', async () => {
		await admin.post('/api/v1/agencies', '{not json');
		const e = await newest('action=agency.create');
		assert.equal(e.outcome, 'failed');
		assert.equal(e.status, 400);
	});

	test('a denied write (403) is recorded as denied with the user', async () => {
		const officer = await srv.login('officer');
		await officer.post('/api/v1/tokens', { name: 'sneaky' });
		const e = await newest('action=token.create&user=officer');
		assert.equal(e.outcome, 'denied');
		assert.equal(e.status, 403);
		assert.equal(e.agency, 'met');
	});

	test('an unauthenticated write (401) is recorded as denied', async () => {
		await srv.client().post('/api/v1/users', { username: 'anon' });
		const e = await newest('action=user.create');
		assert.equal(e.outcome, 'denied');
		assert.equal(e.status, 401);
		assert.equal(e.username, null);
	});

	test('a write refused as too large (413) is recorded as failed', async () => {
		// "every POST/PUT/PATCH/DELETE, including failed and denied ones, writes an
		// audit entry" (docs/ARCHITECTURE.md, a request's path, step 6)
		const last = await newest();
		const res = await postAnnounced(srv.url, '/api/v1/agencies', {
			size: 2 * 1024 * 1024,
			headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
		});
		expectError(res, 413, 'payload_too_large');
		const list = await admin.get(`/api/v1/audit?limit=20`);
		const since = list.body.entries.filter((e) => e.id > last.id && e.action !== 'audit.list');
		assert.deepEqual(since.map((e) => [e.status, e.outcome]), [[413, 'failed']],
			'one audit entry for the refused POST, status 413, outcome failed');
	});

	test('a write to an unknown path is recorded as unmatched with the path', async () => {
		await admin.post('/api/v1/nowhere', {});
		const e = await newest('action=unmatched');
		assert.equal(e.object, '/api/v1/nowhere');
		assert.equal(e.status, 404);
		assert.equal(e.outcome, 'failed');
	});

	test('user.update, token.create, token.revoke, agency.create and logout are recorded', async () => {
		const u = (await admin.get('/api/v1/users/audited')).body;
		await admin.patch('/api/v1/users/audited', { version: u.version, display_name: 'Audited Person' });
		const t = await admin.post('/api/v1/tokens', { name: 'audit-me' });
		await admin.del(`/api/v1/tokens/${t.body.id}`);
		await admin.post('/api/v1/agencies', { code: 'auditco', name: 'Audit Co', kind: 'other' });
		const byebye = await srv.login('analyst');
		await byebye.post('/api/v1/logout');

		assert.equal((await newest('action=user.update')).detail, 'display_name ');
		assert.equal((await newest('action=user.update')).object, 'user:audited');
		assert.equal((await newest('action=token.create')).object, `token:${t.body.id}`);
		assert.equal((await newest('action=token.revoke')).object, `token:${t.body.id}`);
		assert.equal((await newest('action=agency.create')).object, 'agency:auditco');
		const lo = await newest('action=logout');
		assert.equal(lo.username, 'analyst');
		assert.equal(lo.object, 'user:analyst');
		assert.equal(lo.outcome, 'ok');
	});

	test('reading the audit trail is itself recorded as audit.list with the count read', async () => {
		const res = await admin.get('/api/v1/audit?limit=3');
		assert.equal(res.body.entries.length, 3);
		const e = await newest('action=audit.list');
		assert.equal(e.detail, 'read 3 entries');
		assert.equal(e.username, 'admin');
		assert.equal(e.outcome, 'ok');
	});

	test('verifying is recorded as audit.verify', async () => {
		await admin.get('/api/v1/audit/verify');
		const e = await newest('action=audit.verify');
		assert.equal(e.outcome, 'ok');
		assert.equal(e.status, 200);
	});

	test('a denied audit read is recorded too', async () => {
		const op = await srv.login('operator');
		expectError(await op.get('/api/v1/audit'), 403, 'forbidden');
		const e = await newest('action=audit.list&user=operator');
		assert.equal(e.outcome, 'denied');
		assert.equal(e.status, 403);
	});

	test('plain reads (GET /api/v1/me, /api/v1/users) are not recorded', async () => {
		const last = await newest();
		await admin.get('/api/v1/me');
		await admin.get('/api/v1/users');
		await admin.get('/api/v1/agencies');
		const res = await admin.get(`/api/v1/audit?limit=10`);
		// only the audit.list of newest() above came between
		const since = res.body.entries.filter((e) => e.id > last.id);
		assert.deepEqual(since.map((e) => e.action), ['audit.list']);
	});
});

describe('listing', () => {
	test('entries come newest first with decreasing ids', async () => {
		const res = await admin.get('/api/v1/audit?limit=50');
		const ids = res.body.entries.map((e) => e.id);
		assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
		const ats = res.body.entries.map((e) => Date.parse(e.at));
		for (let i = 1; i < ats.length; i++) assert.ok(ats[i] <= ats[i - 1]);
	});

	test('paging by limit and before visits every entry once; the last page has next_before null', async () => {
		const all = await admin.get('/api/v1/audit?limit=500');
		const total = all.body.entries.length;
		assert.ok(total > 20 && total < 500, `${total} entries`);
		assert.equal(all.body.next_before, null);
		const seen = [];
		let cursor = null;
		for (let page = 0; page < 100; page++) {
			const res = await admin.get(`/api/v1/audit?limit=7&action=login${cursor ? `&before=${cursor}` : ''}`);
			assert.equal(res.status, 200);
			seen.push(...res.body.entries.map((e) => e.id));
			if (res.body.entries.length === 7) assert.equal(res.body.next_before, res.body.entries[6].id);
			cursor = res.body.next_before;
			if (cursor === null) break;
		}
		const logins = (await admin.get('/api/v1/audit?limit=500&action=login')).body.entries.map((e) => e.id);
		assert.deepEqual(seen, logins, 'the pages together are every login entry, once, in order');
	});

	test('default limit is 100', async () => {
		// make sure there are more than 100 entries
		let n = (await admin.get('/api/v1/audit?limit=1')).body.entries[0].id;
		for (; n < 120; n++) await admin.post('/api/v1/agencies', {});
		const res = await admin.get('/api/v1/audit');
		assert.equal(res.body.entries.length, 100);
		assert.equal(res.body.next_before, res.body.entries[99].id);
	});

	test('before returns only older entries', async () => {
		const res = await admin.get('/api/v1/audit?before=10&limit=500');
		assert.deepEqual(res.body.entries.map((e) => e.id), [9, 8, 7, 6, 5, 4, 3, 2, 1]);
	});

	test('filters combine: user, action, outcome, object', async () => {
		const res = await admin.get('/api/v1/audit?user=admin&action=user.create&outcome=failed&object=user:audited');
		assert.equal(res.status, 200);
		assert.equal(res.body.entries.length, 1);
		assert.equal(res.body.entries[0].status, 409);
		const ok = await admin.get('/api/v1/audit?outcome=ok&limit=500');
		assert.ok(ok.body.entries.every((e) => e.outcome === 'ok'));
		const denied = await admin.get('/api/v1/audit?outcome=denied&limit=500');
		assert.ok(denied.body.entries.length > 0 && denied.body.entries.every((e) => e.outcome === 'denied'));
	});

	test('from and to (RFC 3339) bound the time: from inclusive, to exclusive', async () => {
		const t1 = new Date().toISOString();
		await sleep(20);
		await admin.post('/api/v1/agencies', { code: 'timed', name: 'Timed', kind: 'other' });
		await sleep(20);
		const t2 = new Date().toISOString();
		const inside = await admin.get(`/api/v1/audit?action=agency.create&from=${t1}&to=${t2}`);
		assert.equal(inside.status, 200, inside.text);
		assert.deepEqual(inside.body.entries.map((e) => e.object), ['agency:timed']);
		const beforeT1 = await admin.get(`/api/v1/audit?action=agency.create&to=${t1}&limit=500`);
		assert.ok(!beforeT1.body.entries.some((e) => e.object === 'agency:timed'));
		const afterT2 = await admin.get(`/api/v1/audit?action=agency.create&from=${t2}`);
		assert.deepEqual(afterT2.body.entries, []);
		const exact = inside.body.entries[0].at;
		const fromExact = await admin.get(`/api/v1/audit?action=agency.create&from=${exact}`);
		assert.deepEqual(fromExact.body.entries.map((e) => e.object), ['agency:timed']);
		const toExact = await admin.get(`/api/v1/audit?action=agency.create&to=${exact}&from=${t1}`);
		assert.deepEqual(toExact.body.entries, []);
	});

	test('a time with an offset is understood', async () => {
		const res = await admin.get(`/api/v1/audit?from=${encodeURIComponent('2000-01-01T00:00:00+01:00')}&limit=1`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.entries.length, 1);
	});

	test('a bad limit is 400 on field limit', async () => {
		for (const l of ['0', '501', '-1', 'ten', '1.5', ''])
			expectError(await admin.get(`/api/v1/audit?limit=${l}`), 400, 'bad_request', 'limit');
	});

	test('limit 1 and 500 are accepted', async () => {
		assert.equal((await admin.get('/api/v1/audit?limit=1')).body.entries.length, 1);
		assert.equal((await admin.get('/api/v1/audit?limit=500')).status, 200);
	});

	test('a bad before is 400 on field before', async () => {
		expectError(await admin.get('/api/v1/audit?before=0'), 400, 'bad_request', 'before');
		expectError(await admin.get('/api/v1/audit?before=abc'), 400, 'bad_request', 'before');
	});

	test('a bad from or to is 400 naming it', async () => {
		expectError(await admin.get('/api/v1/audit?from=yesterday'), 400, 'bad_request', 'from');
		expectError(await admin.get('/api/v1/audit?to=2026-13-45T00:00:00Z'), 400, 'bad_request', 'to');
	});

	test('the supervisor may read the trail', async () => {
		const sup = await srv.login('supervisor');
		const res = await sup.get('/api/v1/audit?limit=5');
		assert.equal(res.status, 200);
		assert.equal(res.body.entries.length, 5);
	});
});

describe('the hash chain', () => {
	test('GET /api/v1/audit/verify after all this activity is intact with every entry checked', async () => {
		const res = await admin.get('/api/v1/audit/verify');
		assert.equal(res.status, 200);
		assert.equal(res.body.intact, true);
		assert.deepEqual(Object.keys(res.body).sort(), ['entries', 'intact']);
		// the newest entry now is the record of that verify, made after the check
		const last = await admin.get('/api/v1/audit?limit=1');
		assert.equal(last.body.entries[0].action, 'audit.verify');
		assert.equal(res.body.entries, last.body.entries[0].id - 1);
	});

	test('the supervisor may verify the chain', async () => {
		const sup = await srv.login('supervisor');
		const res = await sup.get('/api/v1/audit/verify');
		assert.equal(res.status, 200);
		assert.equal(res.body.intact, true);
	});

	test('`vigil audit verify` on the live database exits 0 and says intact', async () => {
		const r = cli(['audit', 'verify', '--db', srv.db]);
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /^audit trail intact: \d+ entries verified$/m);
	});

	test('concurrent writes from many clients keep the chain intact and gapless', async () => {
		const other = await srv.login('admin');
		const officer = await srv.login('officer');
		const jobs = [];
		for (let i = 0; i < 20; i++) {
			jobs.push(admin.post('/api/v1/agencies', { code: `par-${i}`, name: `Parallel ${i}`, kind: 'other' }));
			jobs.push(other.post('/api/v1/agencies', {})); // 400
			jobs.push(officer.post('/api/v1/agencies', { code: `no-${i}`, name: 'No', kind: 'other' })); // 403
		}
		const res = await Promise.all(jobs);
		assert.deepEqual(
			res.map((r) => r.status).sort(),
			[...Array(20).fill(201), ...Array(20).fill(400), ...Array(20).fill(403)].sort(),
		);
		const v = await admin.get('/api/v1/audit/verify');
		assert.equal(v.body.intact, true, JSON.stringify(v.body));
		const created = await admin.get('/api/v1/audit?action=agency.create&outcome=ok&limit=500');
		for (let i = 0; i < 20; i++) assert.ok(created.body.entries.some((e) => e.object === `agency:par-${i}`), `par-${i} audited`);
		const c = cli(['audit', 'verify', '--db', srv.db]);
		assert.equal(c.status, 0, c.stdout);
	});

	test('the entries link: each hash is unique and ids have no gaps', async () => {
		// met's administrator reads met's part (and the unattributed entries):
		// every id of the chain is in the database, whoever may read it
		const ids = sqlite(srv.db, 'SELECT id FROM audit_log ORDER BY id').trim().split('\n').map(Number);
		assert.equal(ids[0], 1);
		for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1);
		const res = await admin.get('/api/v1/audit?limit=500');
		assert.equal(new Set(res.body.entries.map((e) => e.hash)).size, res.body.entries.length);
	});

	test("each agency's administrator and supervisor read their agency's part of the trail", async () => {
		const met = (await admin.get('/api/v1/audit?limit=500')).body.entries;
		assert.ok(!met.some((e) => e.agency && e.agency !== 'met'), 'nothing of nlft or sas staff in met\'s part');
		const sup = (await (await srv.login('supervisor')).get('/api/v1/audit?limit=500')).body.entries;
		assert.ok(sup.every((e) => e.agency === 'met' || e.object?.startsWith('case:') || e.object?.startsWith('device:')),
			'a supervisor reads no unattributed entries');
	});
});
