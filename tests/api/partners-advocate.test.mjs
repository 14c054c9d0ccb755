// The charity's advocate (issue 18): her caseload is the victims shared with
// her agency; she refers a victim to outside services (no Vigil account) by
// name and contact, each with the victim's consent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { expectError, startServer, stopServer } from './lib/server.mjs';
import { newCase } from './lib/cases.mjs';

let srv;
const c = {};
let S, N; // S shared with the charity, N not

before(async () => {
	srv = await startServer();
	for (const u of ['officer', 'advocate']) c[u] = await srv.login(u);
	S = (await newCase(c.officer, { victim: 'Sara Shared' })).ref;
	N = (await newCase(c.officer, { victim: 'Nora Notshared' })).ref;
	const res = await c.officer.post(`/api/v1/cases/${S}/shares`, {
		agency: 'sas', purpose: 'victim_advocacy', basis: 'consent', consent: { of: 'victim', note: 'agreed at the front counter' },
	});
	assert.equal(res.status, 201, res.text);
});
after(() => stopServer(srv));

test('her caseload is the cases shared with her agency, and nothing else', async () => {
	const res = await c.advocate.get('/api/v1/caseload');
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.body.cases.map((x) => [x.ref, x.purposes]), [[S, ['victim_advocacy']]]);
	assert.equal((await c.advocate.get(`/api/v1/cases/${S}`)).status, 200);
	expectError(await c.advocate.get(`/api/v1/cases/${N}`), 403, 'forbidden');
	const list = (await c.advocate.get('/api/v1/cases')).body.cases.map((x) => x.ref);
	assert.deepEqual(list, [S]);
});

test('a referral to a refuge outside Vigil, by name and contact, with her consent', async () => {
	const url = `/api/v1/cases/${S}/victim-care/referrals`;
	expectError(await c.advocate.post(url, { service: 'refuge', contact: '0808 2000 247' }), 400, 'bad_request', 'provider');
	expectError(await c.advocate.post(url, { service: 'refuge', provider: 'Haven Refuge', contact: '0808 2000 247', status: 'accepted' }),
		400, 'bad_request', 'consent');
	const res = await c.advocate.post(url, {
		service: 'refuge', provider: 'Haven Refuge', contact: '0808 2000 247', status: 'accepted',
		consent: { given: true, note: 'she asked for a place for her and her son' },
	});
	assert.equal(res.status, 201, res.text);
	const r = res.body.referrals.find((x) => x.provider === 'Haven Refuge');
	assert.equal(r.contact, '0808 2000 247');
	assert.equal(r.service, 'refuge');
	assert.equal(r.consent.given, true);
	const care = (await c.officer.get(`/api/v1/cases/${S}/victim-care`)).body;
	assert.ok(care.referrals.some((x) => x.provider === 'Haven Refuge' && x.contact === '0808 2000 247'));
	expectError(await c.advocate.post(`/api/v1/cases/${N}/victim-care/referrals`, { service: 'housing', provider: 'x' }), 403, 'forbidden');
});
