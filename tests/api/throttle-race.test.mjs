// The sign-in throttle under concurrent attempts.  Guesses sent at the same
// time must count as many failures as there were wrong passwords checked, so
// that --login-max-failures and --addr-max-failures bound the number of
// passwords an attacker can try, however the attempts are timed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startServers } from './lib/server.mjs';

const MAX = 5; // the default --login-max-failures
const ADDR_MAX = 3;
const BURST = 8;
let acct;
let addr;

before(async () => {
	[acct, addr] = await startServers(
		// a 1 ms backoff: only the lock limits the guesses here
		{ args: ['--threads', String(BURST), '--login-backoff-ms', '1',
			'--login-lockout', '120', '--addr-max-failures', '1000'], roles: ['officer'] },
		{ args: ['--threads', String(BURST), '--addr-max-failures', String(ADDR_MAX), '--login-lockout', '120'], roles: [] },
	);
});
after(async () => {
	assert.deepEqual(await Promise.all([acct?.stop(), addr?.stop()]), [0, 0]);
});

const burst = (srv, name) =>
	Promise.all(Array.from({ length: BURST }, (_, i) => srv.client().login(name(i), 'wrong-password-guess')));

test(`one failure short of the lock, ${BURST} concurrent wrong passwords: only one is checked, then the account is locked`, async () => {
	// MAX - 1 failures one after the other (the 1 ms backoff has always passed)
	for (let i = 0; i < MAX - 1; i++) {
		const r = await acct.client().login('officer', 'wrong-password-guess');
		assert.equal(r.body?.error?.code, 'invalid_credentials', r.text);
	}
	const res = await burst(acct, () => 'officer');
	const codes = res.map((r) => r.body?.error?.code);
	assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 1,
		`the last allowed failure is checked once, the others are refused unchecked; answers: ${codes.join(', ')}`);
	assert.equal(codes.filter((c) => c === 'account_locked').length, BURST - 1, codes.join(', '));
	assert.equal((await acct.client().login('officer', acct.passwords.officer)).body?.error?.code, 'account_locked');
});

test(`one failure short of --addr-max-failures, ${BURST} concurrent failures from the address: only one is checked`, async () => {
	for (let i = 0; i < ADDR_MAX - 1; i++) {
		const r = await addr.client().login(`early${i}`, 'wrong-password-guess');
		assert.equal(r.body?.error?.code, 'invalid_credentials', r.text);
	}
	const res = await burst(addr, (i) => `ghost${i}`);
	const codes = res.map((r) => r.body?.error?.code);
	assert.equal(codes.filter((c) => c === 'invalid_credentials').length, 1, `answers: ${codes.join(', ')}`);
	assert.equal(codes.filter((c) => c === 'too_many_attempts').length, BURST - 1, codes.join(', '));
});
