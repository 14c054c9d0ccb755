// `vigil serve` stops cleanly on SIGTERM and SIGINT (exit 0), finishing a
// request that is in flight, and refuses new connections once stopped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { removeDir, seedDatabase, sleep, spawnServer } from './lib/server.mjs';

let seeded;

before(async () => {
	seeded = await seedDatabase();
});
after(() => {
	if (seeded) removeDir(seeded.dir);
});

test('SIGTERM on an idle server exits 0 after logging a clean stop', async () => {
	const srv = await spawnServer(seeded.db);
	assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
	srv.child.kill('SIGTERM');
	const { code, signal } = await srv.exited;
	assert.equal(signal, null);
	assert.equal(code, 0, srv.stderr());
	assert.match(srv.stderr(), /stopped cleanly/);
});

test('SIGINT exits 0 too', async () => {
	const srv = await spawnServer(seeded.db);
	srv.child.kill('SIGINT');
	const { code } = await srv.exited;
	assert.equal(code, 0, srv.stderr());
});

test('a request in flight when SIGTERM arrives completes, then the server exits 0', async () => {
	const srv = await spawnServer(seeded.db);
	// A sign-in whose body arrives in two parts: the server has the request
	// (headers and the first part) before the signal, the rest after it.
	const enc = new TextEncoder();
	let finish;
	const rest = new Promise((resolve) => (finish = resolve));
	const body = new ReadableStream({
		start(c) {
			c.enqueue(enc.encode('{"username":"admin",'));
		},
		async pull(c) {
			await rest;
			c.enqueue(enc.encode(JSON.stringify({ password: seeded.passwords.admin }).replace(/^\{/, '')));
			c.close();
		},
	});
	const pending = fetch(`${srv.url}/api/v1/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body,
		duplex: 'half',
	});
	await sleep(300); // the server has accepted the connection and read the headers
	srv.child.kill('SIGTERM');
	await sleep(300); // it is now stopping, waiting for this request
	assert.equal(srv.child.exitCode, null, 'the server waits for the request in flight');
	finish();
	const res = await pending;
	assert.equal(res.status, 200);
	const json = await res.json();
	assert.equal(json.user.username, 'admin');
	const { code } = await srv.exited;
	assert.equal(code, 0, srv.stderr());
	assert.doesNotMatch(srv.stderr(), /still open/);
	// and once stopped, nothing answers
	await assert.rejects(fetch(`${srv.url}/healthz`));
});

test('the sign-in completed during shutdown was committed and audited', async () => {
	const srv = await spawnServer(seeded.db);
	try {
		const login = await fetch(`${srv.url}/api/v1/login`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ username: 'admin', password: seeded.passwords.admin }),
		});
		const cookie = login.headers.getSetCookie()[0].split(';')[0];
		const res = await fetch(`${srv.url}/api/v1/audit?action=login&outcome=ok`, { headers: { Cookie: cookie } });
		const body = await res.json();
		assert.equal(body.entries.length, 2, 'the in-flight sign-in and this one');
		const verify = await fetch(`${srv.url}/api/v1/audit/verify`, { headers: { Cookie: cookie } });
		assert.equal((await verify.json()).intact, true);
	} finally {
		srv.child.kill('SIGTERM');
		assert.equal((await srv.exited).code, 0);
	}
});
