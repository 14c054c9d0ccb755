// A query of more parameters than any request takes is answered 400 at once,
// in plain words, on every route (libmicrohttpd would otherwise keep each in
// its per-connection memory and, when they did not fit, leave the client
// waiting for the header deadline with no answer); the server goes on
// answering, and a normal query is unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;

before(async () => {
	srv = await startServer({ roles: ['officer'] });
	officer = await srv.login('officer');
});
after(() => stopServer(srv));

const query = (n) => Array.from({ length: n }, (_, i) => `a${i}=1`).join('&');

for (const n of [65, 600, 2000]) {
	test(`${n} parameters: 400 at once, naming the limit`, async () => {
		const t0 = Date.now();
		const res = await officer.get(`/api/v1/cases?${query(n)}`);
		assert.ok(Date.now() - t0 < 2000, `answered in ${Date.now() - t0} ms`);
		assert.equal(res.status, 400, res.text);
		assert.equal(res.body.error.code, 'bad_request');
		assert.match(res.body.error.message, new RegExp(`the query has ${n} parameters; no request takes more than 64`));
	});
}

test('a write with 600 parameters in its query is refused before its body, and nothing is made', async () => {
	const before = (await officer.get('/api/v1/cases?limit=100')).body;
	const res = await officer.post(`/api/v1/cases?${query(600)}`, { summary: 'should not be made' });
	assert.equal(res.status, 400, res.text);
	const afterList = (await officer.get('/api/v1/cases?limit=100')).body;
	assert.deepEqual(afterList, before);
});

test('a sign-in with 600 parameters is refused without a hang; a normal query still works', async () => {
	const res = await fetch(`${srv.url}/api/v1/session?${query(600)}`, {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ username: 'x', password: 'y' }), signal: AbortSignal.timeout(2000),
	});
	assert.equal(res.status, 400);
	const ok = await officer.get('/api/v1/cases?limit=1');
	assert.equal(ok.status, 200, ok.text);
});
