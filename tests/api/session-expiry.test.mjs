// Session lifetime: --session-idle ends a session left unused, --session-max
// ends any session however busy.  The server refreshes a session's last use at
// most every 5 s, so the idle test leaves the session untouched while waiting.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, expectError, sleep, startServers } from './lib/server.mjs';

let idleSrv;
let maxSrv;

before(async () => {
	[idleSrv, maxSrv] = await startServers(
		{ args: ['--session-idle', '2'], roles: ['officer', 'admin'] },
		{ args: ['--session-idle', '6', '--session-max', '8'], roles: ['officer', 'analyst'] },
	);
});
after(async () => {
	const codes = await Promise.all([idleSrv?.stop(), maxSrv?.stop()]);
	assert.deepEqual(codes, [0, 0]);
});

// The two waits overlap: run the tests of this group concurrently.
describe('expiry', { concurrency: true }, () => {
	test('a session unused for --session-idle seconds is 401 session_expired, then unauthorized', async () => {
		const c = await idleSrv.login('officer');
		const me = await c.get('/api/v1/me');
		assert.equal(me.status, 200);
		assert.equal(me.body.idle_timeout_s, 2);
		await sleep(3000);
		expectError(await c.get('/api/v1/me'), 401, 'session_expired');
		// the expired session is deleted: it is now simply unknown
		expectError(await c.get('/api/v1/me'), 401, 'unauthorized');
		// signing in again works
		const again = await idleSrv.login('officer');
		assert.equal((await again.get('/api/v1/me')).status, 200);
	});

	test('a write with an idle-expired session is 401 session_expired (not csrf)', async () => {
		const c = await idleSrv.login('admin');
		await sleep(3000);
		const res = await c.post('/api/v1/agencies', { code: 'late', name: 'Late', kind: 'other' });
		expectError(res, 401, 'session_expired');
	});

	test('--session-max ends a session in use: the cookie Max-Age and expiry say so', async () => {
		const c = new Client(maxSrv.url);
		const t0 = Date.now();
		const login = await c.login('officer', maxSrv.passwords.officer);
		assert.equal(login.status, 200);
		assert.match(login.headers.getSetCookie()[0], /Max-Age=8(;|$)/);
		assert.equal(login.body.idle_timeout_s, 6);
		const exp = Date.parse(login.body.session_expires_at);
		assert.ok(Math.abs(exp - (t0 + 8000)) < 1500, `session_expires_at ${login.body.session_expires_at}`);
		// used after 5.8 s: still valid, and its last use is refreshed (> 5 s)
		await sleep(5800 - (Date.now() - t0));
		assert.equal((await c.get('/api/v1/me')).status, 200);
		// at 8.6 s it has been idle under 3 s, but its absolute lifetime is over
		await sleep(8600 - (Date.now() - t0));
		expectError(await c.get('/api/v1/me'), 401, 'session_expired');
	});

	test('a fresh session on the same server is unaffected by another\'s expiry', async () => {
		await sleep(3000);
		const c = await maxSrv.login('analyst');
		await sleep(4700);
		assert.equal((await c.get('/api/v1/me')).status, 200);
	});
});

test('a garbage cookie is 401 unauthorized, not session_expired', async () => {
	const res = await idleSrv.raw('/api/v1/me', { headers: { Cookie: 'vigil_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
	expectError(res, 401, 'unauthorized');
});
