// Asking for help without an account: the public page's data (the FOUR
// questions in plain words, the national helplines, what happens next), a
// request sent with no sign-in joining the triage queue (what she wrote
// sealed at rest, never in the log or the audit trail), a few an hour from
// one address, and the centre's triage: accept it as a case, answer it, or
// pass it to a partner, once, with version.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createCase } from './lib/casekit.mjs';
import { Client, cli, dataKeyOf, ENGINE, removeDir, seedDatabase, spawnServer, sqlite, startServer } from './lib/server.mjs';

const STORY = 'My former partner waits outside my work every evening and messages me all night.';
const CONTACT = 'text 07700 900456, say it is the dentist';

function request(extra = {}) {
	return { wants: 'report', fixated: 'yes', obsessive: 'yes', unwanted: 'yes', repeated: 'not_sure', story: STORY, contact: CONTACT, safe_times: 'weekdays 9 to 5', ...extra };
}

describe('asking for help without an account', () => {
	let srv, anon, officer, advocate, analyst, admin;

	before(async () => {
		srv = await startServer({ args: ['--help-per-hour', '4'] });
		anon = srv.client();
		[officer, advocate, analyst, admin] = await Promise.all(['officer', 'advocate', 'analyst', 'admin'].map((u) => srv.login(u)));
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
	});

	test('the page: four questions in plain words, helplines as data, what happens next', async () => {
		const res = await anon.get('/api/v1/help');
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.questions.map((q) => q.name), ['fixated', 'obsessive', 'unwanted', 'repeated']);
		for (const q of res.body.questions) assert.match(q.text, /\?$/);
		assert.ok(res.body.helplines.some((l) => l.number === '999'));
		assert.ok(res.body.helplines.some((l) => /Stalking Helpline/.test(l.name)));
		assert.match(res.body.next_steps, /call 999/);
		assert.deepEqual(res.body.answers, ['yes', 'no', 'not_sure']);
	});

	test('a request with a missing or wrong answer is refused naming the field, in plain words', async () => {
		let res = await anon.post('/api/v1/help', request({ wants: 'x' }));
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'wants');
		res = await anon.post('/api/v1/help', request({ unwanted: 'maybe' }));
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'unwanted');
		assert.match(res.body.error.message, /yes, no or not sure/);
		res = await anon.post('/api/v1/help', request({ story: '' }));
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'story');
		res = await anon.post('/api/v1/help', request({ story: 'x'.repeat(4001) }));
		assert.equal(res.status, 400);
		res = await anon.post('/api/v1/help', { ...request(), name: 'extra' });
		assert.equal(res.status, 400);
	});

	let first;
	test('sent with no sign-in, it joins the triage queue, its words sealed at rest and kept out of the log and audit', async () => {
		const res = await anon.post('/api/v1/help', request());
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.received, true);
		assert.equal(res.body.contact_given, true);
		assert.match(res.body.next_steps, /within one working day/);
		assert.ok(!('id' in res.body), 'she is given nothing to read it back with');
		const q = await officer.get('/api/v1/help-requests?state=new');
		assert.equal(q.status, 200, q.text);
		first = q.body.requests.find((r) => r.story === STORY);
		assert.ok(first, JSON.stringify(q.body));
		assert.equal(q.body.waiting, 1);
		assert.deepEqual(first.four, { fixated: 'yes', obsessive: 'yes', unwanted: 'yes', repeated: 'not_sure' });
		assert.equal(first.contact, CONTACT);
		assert.equal(first.state, 'new');
		if (ENGINE === 'sqlite') {
			const raw = sqlite(srv.db, 'SELECT story || contact || safe_times FROM help_requests');
			assert.ok(!raw.includes('former partner') && !raw.includes('07700'), raw);
		}
		assert.ok(!srv.stderr().includes('former partner') && !srv.stderr().includes('07700'));
		const audit = await admin.get('/api/v1/audit?limit=50');
		assert.equal(audit.status, 200, audit.text);
		assert.ok(!JSON.stringify(audit.body).includes('former partner'));
		assert.ok(audit.body.entries.some((e) => e.action === 'help.request'), JSON.stringify(audit.body.entries.slice(0, 5)));
	});

	test('only those who look after victims see the queue', async () => {
		assert.equal((await analyst.get('/api/v1/help-requests')).status, 403);
		assert.equal((await anon.get('/api/v1/help-requests')).status, 401);
		assert.equal((await advocate.get(`/api/v1/help-requests/${first.id}`)).status, 200);
	});

	test('accepted as a case: the case it was recorded as, once; a second decision is refused', async () => {
		let res = await officer.post(`/api/v1/help-requests/${first.id}/decide`, { outcome: 'accepted', version: first.version });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'case');
		res = await officer.post(`/api/v1/help-requests/${first.id}/decide`, { outcome: 'accepted', version: first.version, case: 'STAC-1999-000001' });
		assert.equal(res.status, 400);
		const c = await createCase(officer, { channel: 'online', summary: 'from the public page' });
		res = await officer.post(`/api/v1/help-requests/${first.id}/decide`, { outcome: 'accepted', version: first.version + 1, case: c.ref });
		assert.equal(res.status, 409, res.text);
		res = await officer.post(`/api/v1/help-requests/${first.id}/decide`, { outcome: 'accepted', version: first.version, case: c.ref });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual([res.body.state, res.body.case, res.body.handled_by], ['accepted', c.ref, 'officer']);
		res = await advocate.post(`/api/v1/help-requests/${first.id}/decide`, { outcome: 'answered', version: res.body.version, note: 'x' });
		assert.equal(res.status, 409);
		assert.match(res.body.error.message, /accepted already, by officer/);
		const q = await officer.get('/api/v1/help-requests?state=new');
		assert.equal(q.body.waiting, 0);
	});

	test('answered (what she was told is required), or passed to a partner agency', async () => {
		assert.equal((await anon.post('/api/v1/help', request({ wants: 'advice' }))).status, 201);
		assert.equal((await anon.post('/api/v1/help', request({ contact: '' }))).status, 201);
		const q = (await advocate.get('/api/v1/help-requests?state=new')).body.requests;
		assert.equal(q.length, 2);
		assert.ok(q[0].received_at <= q[1].received_at, 'oldest first');
		let res = await advocate.post(`/api/v1/help-requests/${q[0].id}/decide`, { outcome: 'answered', version: q[0].version });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'note');
		res = await advocate.post(`/api/v1/help-requests/${q[0].id}/decide`, { outcome: 'answered', version: q[0].version, note: 'Called her at the time she gave; safety advice.' });
		assert.equal(res.status, 200, res.text);
		res = await advocate.post(`/api/v1/help-requests/${q[1].id}/decide`, { outcome: 'passed', version: q[1].version, agency: 'NOPE' });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'agency');
		const agencies = (await advocate.get('/api/v1/agencies')).body;
		const partner = (agencies.agencies || agencies).find((a) => a.kind === 'charity') || (agencies.agencies || agencies)[0];
		res = await advocate.post(`/api/v1/help-requests/${q[1].id}/decide`, { outcome: 'passed', version: q[1].version, agency: partner.code, note: 'to the local service' });
		assert.equal(res.status, 200, res.text);
		assert.deepEqual([res.body.state, res.body.agency, res.body.contact], ['passed', partner.code, null]);
	});

	test('a few an hour from one address: then 429 with Retry-After and the helplines named', async () => {
		// four an hour: three were sent above
		assert.equal((await anon.post('/api/v1/help', request())).status, 201);
		const res = await anon.post('/api/v1/help', request());
		assert.equal(res.status, 429, res.text);
		assert.ok(Number(res.headers?.get?.('retry-after') ?? 1) > 0);
		assert.match(res.body.error.message, /helplines/);
	});
});

describe("a deployment's own helplines", () => {
	let srv;
	const lines = [{ name: 'Local stalking service', number: '01234 567890', when: 'weekdays', what: 'Advice from the local service.' }];

	before(async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-helplines-'));
		fs.writeFileSync(path.join(dir, 'lines.json'), JSON.stringify(lines));
		srv = await startServer({ args: ['--helplines', path.join(dir, 'lines.json')] });
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
	});

	test('--helplines FILE replaces the national list on the public page', async () => {
		const res = await srv.client().get('/api/v1/help');
		assert.deepEqual(res.body.helplines, lines);
	});

	test('a file that is not a list of helplines is refused at start, saying what it should be', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-helplines-'));
		fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify([{ name: 'x' }]));
		const r = cli(['serve', '--db', path.join(dir, 'x.db'), '--helplines', path.join(dir, 'bad.json')]);
		assert.notEqual(r.status, 0);
		assert.match(r.stderr, /a list of 1 to 20 helplines/);
	});
});

describe('a key rotation re-seals what she wrote and her code word', () => {
	test('rotated with no server running and the old key retired, both read again', async () => {
		const { dir, db, passwords } = await seedDatabase({});
		const att = path.join(dir, 'att');
		let s = await spawnServer(db, ['--attachments', att]);
		const story = `He rings the doorbell at night ${Date.now()}`;
		let ref;
		try {
			assert.equal((await new Client(s.url).post('/api/v1/help', request({ story }))).status, 201);
			const officer = new Client(s.url);
			assert.equal((await officer.login('officer', passwords.officer)).status, 200);
			ref = (await createCase(officer)).ref;
			assert.equal((await officer.put(`/api/v1/cases/${ref}/warning-word`, { word: 'Marigold', version: 0 })).status, 200);
		} finally {
			s.child.kill('SIGTERM');
			await s.exited;
		}
		const key = dataKeyOf(db);
		const r = cli(['key', 'rotate', '--db', db, '--data-key', key, '--settle-ms', '0']);
		assert.equal(r.status, 0, r.stdout + r.stderr);
		assert.equal(cli(['key', 'retire', '--id', '1', '--db', db, '--data-key', key]).status, 0);
		s = await spawnServer(db, ['--attachments', att]);
		try {
			const officer = new Client(s.url);
			assert.equal((await officer.login('officer', passwords.officer)).status, 200);
			const q = await officer.get('/api/v1/help-requests');
			assert.equal(q.status, 200, q.text);
			assert.ok(q.body.requests.some((x) => x.story === story && x.contact === CONTACT), q.text);
			assert.equal((await officer.get(`/api/v1/cases/${ref}/warning-word`)).body.word, 'Marigold');
			assert.doesNotMatch(s.stderr(), /cannot be opened/);
		} finally {
			s.child.kill('SIGTERM');
			await s.exited;
			removeDir(dir);
		}
	});
});

// Behind a proxy (the documented way to serve over TLS), every request comes
// from the proxy's address: without knowing the proxy, a handful of requests
// an hour from anyone would shut the page for everyone.  --trusted-proxy names
// it; the client is then the address it appended to X-Forwarded-For.  From
// any other peer, or with no proxy named, the header counts for nothing.
describe('the hourly allowance behind a proxy', () => {
	const send = (url, xff) => fetch(url + '/api/v1/help', {
		method: 'POST', headers: { 'Content-Type': 'application/json', ...(xff ? { 'X-Forwarded-For': xff } : {}) },
		body: JSON.stringify(request()),
	}).then((r) => r.status);

	test('no proxy named: X-Forwarded-For does not give anyone a new allowance', async () => {
		const srv = await startServer({ args: ['--help-per-hour', '2'] });
		try {
			assert.deepEqual([await send(srv.url, '203.0.113.1'), await send(srv.url, '203.0.113.2')], [201, 201]);
			assert.equal(await send(srv.url, '203.0.113.3'), 429);
		} finally {
			assert.equal(await srv.stop(), 0);
		}
	});

	test('behind the named proxy: each client has its own allowance, and cannot choose it', async () => {
		const srv = await startServer({ args: ['--help-per-hour', '2', '--trusted-proxy', '127.0.0.1'] });
		try {
			// the proxy appends the address it saw: the last one counts
			assert.deepEqual([await send(srv.url, '203.0.113.1'), await send(srv.url, '198.51.100.7, 203.0.113.1')], [201, 201]);
			assert.equal(await send(srv.url, '198.51.100.8, 203.0.113.1'), 429);
			// another client behind the same proxy is not held up by the first
			assert.equal(await send(srv.url, '203.0.113.2'), 201);
			// not an address: the proxy's own
			assert.deepEqual([await send(srv.url, 'nonsense'), await send(srv.url, undefined)], [201, 201]);
			assert.equal(await send(srv.url, 'nonsense'), 429);
			// an IPv6 client holds a /64 (2^64 addresses): the allowance is the /64's
			assert.deepEqual([await send(srv.url, '2001:db8:1:2::1'), await send(srv.url, '2001:db8:1:2::2')], [201, 201]);
			assert.equal(await send(srv.url, '2001:db8:1:2:ffff::3'), 429);
			assert.equal(await send(srv.url, '2001:db8:1:3::1'), 201);
		} finally {
			assert.equal(await srv.stop(), 0);
		}
	});
});
