// The sign-in throttle: the first failure is free; from the second, each
// attempt must wait a backoff that doubles with each failure (429
// login_throttled, the password not even checked); at --login-max-failures the
// account is locked (429 account_locked, even with the right password) until
// the lockout ends or an administrator unlocks it.  A name that is no account
// is answered exactly as an account is, so nothing tells which names exist.
// Per client address, too many failures in the lockout window slow it to one
// attempt every --addr-slow-ms (429 too_many_attempts between), never shutting
// out a right password: a whole station may sign in from one address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, sleep, startServers } from './lib/server.mjs';

// The server measures the wait from the moment it starts handling the failed
// attempt, before the password check (100 ms, and over a second on a loaded
// machine).  An attempt sent straight after a failure must fall inside the
// backoff, so the backoff is well above that; and instead of sleeping for a
// computed time, the tests retry until the server lets an attempt through
// (an attempt refused with 429 is not counted) and check how long that took.
const BACKOFF = 1500;
// the account lock here comes at the 4th failure, to keep the waits short
const MAX = 4;
let srv;
let addrSrv;
let shortSrv;
let lockSrv;

before(async () => {
	[srv, addrSrv, shortSrv, lockSrv] = await startServers(
		{ args: ['--login-backoff-ms', String(BACKOFF), '--login-max-failures', String(MAX), '--login-lockout', '120'] },
		{ args: ['--addr-max-failures', '3', '--login-lockout', '120', '--addr-slow-ms', '2000'], roles: ['officer', 'admin'] },
		{ args: ['--login-max-failures', '2', '--login-lockout', '5'], roles: ['advocate', 'operator'] },
		// a lock long enough that a loaded machine's slow sign-ins cannot outlast it
		{ args: ['--login-max-failures', '2', '--login-lockout', '60'], roles: ['operator'] },
	);
});
after(async () => {
	const codes = await Promise.all([srv?.stop(), addrSrv?.stop(), shortSrv?.stop(), lockSrv?.stop()]);
	assert.deepEqual(codes, [0, 0, 0, 0]);
});

const WRONG = 'definitely-wrong-password';

/** A failed login, checked (401); returns when the attempt was sent. */
async function fail(server, username) {
	const sent = Date.now();
	const res = await server.client().login(username, WRONG);
	expectError(res, 401, 'invalid_credentials');
	return sent;
}

/**
 * Retry a sign-in every 50 ms while it is refused with 429 `code` (which does
 * not count as an attempt): the first answer that is not, when that attempt
 * was sent, and when its answer came.
 */
async function loginWhenAllowed(server, username, password, code, limitMs = 10000) {
	const start = Date.now();
	for (;;) {
		const sent = Date.now();
		const res = await server.client().login(username, password);
		const answered = Date.now();
		if (res.status !== 429 || res.body?.error?.code !== code) return { res, sent, answered };
		assert.ok(answered - start < limitMs, `still ${code} after ${limitMs} ms`);
		await sleep(50);
	}
}

function retryAfter(res) {
	const v = res.headers.get('retry-after');
	assert.match(v ?? '', /^\d+$/, `Retry-After is a whole number of seconds, got ${v}`);
	return Number(v);
}

// The groups use separate servers or accounts: run them side by side, each in order.
describe('throttle', { concurrency: true }, () => {
describe('per account: backoff (analyst)', { concurrency: false }, () => {
	test('the first failure is free: a second attempt straight away is checked (401)', async () => {
		await fail(srv, 'analyst');
		await fail(srv, 'analyst');
	});

	test('after the second failure an attempt within the backoff is 429 login_throttled with Retry-After', async () => {
		const res = await srv.client().login('analyst', WRONG);
		expectError(res, 429, 'login_throttled');
		assert.ok([1, 2].includes(retryAfter(res)), 'what is left of 1.5 s, rounded up');
	});

	test('while throttled even the right password is refused 429 login_throttled', async () => {
		const res = await srv.client().login('analyst', srv.passwords.analyst);
		expectError(res, 429, 'login_throttled');
		assert.deepEqual(res.headers.getSetCookie(), []);
	});

	test('after the backoff the right password signs in and clears the failures', async () => {
		const { res } = await loginWhenAllowed(srv, 'analyst', srv.passwords.analyst, 'login_throttled');
		assert.equal(res.status, 200, res.text);
		// the count starts again: two failures in a row are both checked
		await fail(srv, 'analyst');
		await fail(srv, 'analyst');
	});
});

describe('per account: doubling, lock and unlock (operator)', { concurrency: false }, () => {
	test(`the wait doubles with each failure, then the account locks at --login-max-failures (${MAX})`, async () => {
		// operator: failures 1 and 2 at once
		await fail(srv, 'operator');
		const second = await fail(srv, 'operator');
		// after 2 failures: wait BACKOFF
		const throttled = await srv.client().login('operator', WRONG);
		expectError(throttled, 429, 'login_throttled', null);
		assert.ok([1, 2].includes(retryAfter(throttled)), 'what is left of 1.5 s, rounded up');
		// the 3rd failure is let through no sooner than BACKOFF after the 2nd
		const r3 = await loginWhenAllowed(srv, 'operator', WRONG, 'login_throttled');
		expectError(r3.res, 401, 'invalid_credentials');
		assert.ok(r3.answered - second >= BACKOFF, `waited ${r3.answered - second} ms after the 2nd failure`);
		// after 3 failures: wait 2 x BACKOFF
		const again = await srv.client().login('operator', WRONG);
		expectError(again, 429, 'login_throttled');
		assert.ok([2, 3].includes(retryAfter(again)), 'the wait has doubled to 3 s');
		const r4 = await loginWhenAllowed(srv, 'operator', WRONG, 'login_throttled');
		// the 4th failure is still answered as a failure...
		expectError(r4.res, 401, 'invalid_credentials');
		assert.ok(r4.answered - r3.sent >= 2 * BACKOFF, `waited ${r4.answered - r3.sent} ms after the 3rd failure`);
		// ...and now the account is locked, even with the right password
		const res = await srv.client().login('operator', srv.passwords.operator);
		expectError(res, 429, 'account_locked');
		const ra = retryAfter(res);
		assert.ok(ra > 100 && ra <= 120, `Retry-After ${ra} is about the 120 s lockout`);
	});

	test('a locked account refuses right and wrong passwords alike with 429 account_locked', async () => {
		expectError(await srv.client().login('operator', srv.passwords.operator), 429, 'account_locked');
		expectError(await srv.client().login('operator', WRONG), 429, 'account_locked');
	});

	test('the lock shows as locked: true to an administrator', async () => {
		const admin = await srv.login('admin');
		const res = await admin.get('/api/v1/users/operator');
		assert.equal(res.status, 200);
		assert.equal(res.body.locked, true);
		assert.equal(res.body.disabled, false);
	});

	test('other accounts are not affected by one account\'s lock', async () => {
		const res = await srv.client().login('clinician', srv.passwords.clinician);
		assert.equal(res.status, 200);
	});

	test('an administrator\'s PATCH {unlock: true} clears the lock and the user signs in', async () => {
		const admin = await srv.login('admin');
		const u = (await admin.get('/api/v1/users/operator')).body;
		const res = await admin.patch('/api/v1/users/operator', { version: u.version, unlock: true });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.locked, false);
		assert.equal(res.body.version, u.version + 1);
		const login = await srv.client().login('operator', srv.passwords.operator);
		assert.equal(login.status, 200, login.text);
		assert.equal(login.body.user.locked, false);
	});

	test('after an unlock the failure count starts from zero', async () => {
		await fail(srv, 'operator');
		await fail(srv, 'operator');
		expectError(await srv.client().login('operator', WRONG), 429, 'login_throttled');
	});

	test('an unlock is audited as user.update with detail "unlocked"', async () => {
		const admin = await srv.login('admin');
		const res = await admin.get('/api/v1/audit?action=user.update&object=user:operator');
		assert.equal(res.status, 200);
		assert.equal(res.body.entries[0].detail, 'unlocked');
		assert.equal(res.body.entries[0].outcome, 'ok');
	});

	test('throttled and locked sign-ins are audited as denied with status 429', async () => {
		const admin = await srv.login('admin');
		const res = await admin.get('/api/v1/audit?action=login&object=user:operator&outcome=denied&limit=500');
		assert.equal(res.status, 200);
		const statuses = new Set(res.body.entries.map((e) => e.status));
		assert.ok(statuses.has(429), JSON.stringify([...statuses]));
		for (const e of res.body.entries) assert.equal(e.outcome, 'denied');
	});
});

describe('per address', { concurrency: false }, () => {
	test('failures from one address beyond --addr-max-failures slow it to one attempt every 2 s; a right password still signs in', async () => {
		const earlier = await addrSrv.login('officer'); // signed in before
		await fail(addrSrv, 'ghost1');
		await fail(addrSrv, 'ghost2');
		await fail(addrSrv, 'ghost3');
		const res = await addrSrv.client().login('ghost4', WRONG);
		expectError(res, 429, 'too_many_attempts');
		const ra = retryAfter(res);
		assert.ok(ra >= 1 && ra <= 2, `Retry-After ${ra}: a couple of seconds, not the lockout's 120`);
		// a colleague at the same station, with her right password, gets in once the
		// few seconds have passed
		const { res: good } = await loginWhenAllowed(addrSrv, 'admin', addrSrv.passwords.admin, 'too_many_attempts', 5000);
		assert.equal(good.status, 200, good.text);
		// guessing goes on at one attempt every 2 s at most
		const t0 = Date.now();
		let tried = 0;
		while (Date.now() - t0 < 3000) {
			const r = await addrSrv.client().login(`ghost-${tried}`, WRONG);
			if (r.status === 401) tried += 1;
			else expectError(r, 429, 'too_many_attempts');
			await sleep(100);
		}
		assert.ok(tried <= 2, `${tried} guesses in 3 s`);
		assert.equal((await earlier.get('/api/v1/me')).status, 200);
	});
});

describe('a name that is no account is answered as an account is', { concurrency: false }, () => {
	test('the same answers, in order, for a real name and an unknown one: 401, 401, then 429 login_throttled', async () => {
		const seq = async (name) => {
			const out = [];
			for (let i = 0; i < 3; i++) {
				const r = await lockSrv.client().login(name, WRONG);
				out.push(`${r.status} ${r.body?.error?.code}`);
			}
			return out;
		};
		// --login-max-failures 2 on this server: the second failure locks for 60 s
		const real = await seq('operator');
		const ghost = await seq('nobody-at-all');
		assert.deepEqual(ghost, real);
		assert.equal(real[2], '429 account_locked');
	});
});

describe('lock expiry', { concurrency: false }, () => {
	test('a lock ends by itself after --login-lockout seconds', async () => {
		await fail(shortSrv, 'advocate');
		const second = await fail(shortSrv, 'advocate'); // --login-max-failures 2: locked for 5 s (2 s was shorter than a loaded machine's sign-in)
		const locked = await shortSrv.client().login('advocate', shortSrv.passwords.advocate);
		expectError(locked, 429, 'account_locked');
		assert.ok(retryAfter(locked) >= 1 && retryAfter(locked) <= 5, 'Retry-After is what is left of the 5 s');
		const { res, answered } = await loginWhenAllowed(shortSrv, 'advocate', shortSrv.passwords.advocate, 'account_locked');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.user.locked, false);
		assert.ok(answered - second >= 4000, `the lock lasted ${answered - second} ms`);
	});
});
});
