// Who sees a case: an officer the cases she owns or is assigned to; a
// supervisor and an analyst all of their agency's (and no other agency's); an
// advocate the cases referred to her agency; a clinician the cases whose
// suspect is in the programme; an operator and an administrator none.  A case
// that exists but is not the caller's to see is 403, an unknown one 404.
// Every read is audited.  A victim's address and the places of incidents are
// withheld from analysts and clinicians.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer, stopServer } from './lib/server.mjs';
import { addIncident, createCase, screening, ukMobile } from './lib/casekit.mjs';

let srv;
const c = {}; // clients by username
let A; // the officer's case: victim with an address, suspect, an incident with a place
let B; // the supervisor's own case
let K; // a case of another police force (agency kent)
const YEAR = new Date().getUTCFullYear();

before(async () => {
	srv = await startServer();
	Object.assign(c, await srv.logins(['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst', 'admin']));
	// another force, with its own supervisor
	let r = await c.admin.post('/api/v1/agencies', { code: 'kent', name: 'Kent Police', kind: 'police' });
	assert.equal(r.status, 201, r.text);
	// another agency's staff are made by its own administrator (here, the command line)
	srv.addUser('kentsup', 'supervisor', 'kent', { password: 'kent-supervisor-pw-1' });
	srv.addUser('kentoff', 'officer', 'kent', { password: 'kent-officer-pw-12' });
	[c.kentsup, c.kentoff] = await Promise.all([srv.login('kentsup', 'kent-supervisor-pw-1'), srv.login('kentoff', 'kent-officer-pw-12')]);

	A = await createCase(c.officer, {
		summary: 'case A',
		screening: screening(true),
		victims: [{ name: 'Alice Victim', identifiers: [
			{ kind: 'address', value: '1 Safe House Lane, London' },
			{ kind: 'phone', value: ukMobile().national },
		] }],
		suspect: { name: 'Sam Suspect', identifiers: [{ kind: 'phone', value: ukMobile().national }] },
	});
	await addIncident(c.officer, A.ref, { place: 'outside her flat', behaviour: 'loitering', description: 'waited outside' });
	B = await createCase(c.supervisor, { summary: 'case B', suspect: { name: 'Bob Suspect' } });
	K = await createCase(c.kentsup, { summary: 'case K', suspect: { name: 'Ken Suspect' } });
	assert.equal(K.agency, 'kent');
});
after(() => stopServer(srv));

const refs = (res) => res.body.cases.map((x) => x.ref);
const unknownRef = `STAC-${YEAR}-999999`;

describe('officer', () => {
	test('sees the case she owns (200)', async () => {
		const res = await c.officer.get(`/api/v1/cases/${A.ref}`);
		assert.equal(res.status, 200);
		assert.equal(res.body.ref, A.ref);
	});

	test("a case of her agency she neither owns nor is assigned to is 403", async () => {
		expectError(await c.officer.get(`/api/v1/cases/${B.ref}`), 403, 'forbidden');
	});

	test("another agency's case is 403", async () => {
		expectError(await c.officer.get(`/api/v1/cases/${K.ref}`), 403, 'forbidden');
	});

	test('an unknown case is 404', async () => {
		expectError(await c.officer.get(`/api/v1/cases/${unknownRef}`), 404, 'not_found');
	});

	test('the list holds only her own cases', async () => {
		const res = await c.officer.get('/api/v1/cases?limit=200');
		assert.ok(refs(res).includes(A.ref));
		assert.ok(!refs(res).includes(B.ref));
		assert.ok(!refs(res).includes(K.ref));
	});

	test('her sub-resources of a case she may not see are 403 too', async () => {
		for (const p of ['links', 'timeline', 'incidents', 'incidents/verify', 'assessments', 'typology'])
			expectError(await c.officer.get(`/api/v1/cases/${B.ref}/${p}`), 403, 'forbidden');
		expectError(await c.officer.post(`/api/v1/cases/${B.ref}/incidents`, { occurred_at: new Date().toISOString(), behaviour: 'call', description: 'x' }), 403, 'forbidden');
	});

	test('sees a case once assigned to it, by a supervisor', async () => {
		const X = await createCase(c.supervisor, { summary: 'to be assigned' });
		expectError(await c.officer.get(`/api/v1/cases/${X.ref}`), 403, 'forbidden');
		const res = await c.supervisor.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'officer' });
		assert.equal(res.status, 201, res.text);
		assert.deepEqual(res.body, { ref: X.ref, assigned: 'officer' });
		const seen = await c.officer.get(`/api/v1/cases/${X.ref}`);
		assert.equal(seen.status, 200);
		assert.deepEqual(seen.body.assigned, ['officer']);
		assert.ok(refs(await c.officer.get('/api/v1/cases?limit=200')).includes(X.ref));
	});

	test('an assigned officer who is not the owner may not assign others (403)', async () => {
		const X = await createCase(c.supervisor);
		await c.supervisor.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'officer' });
		expectError(await c.officer.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'supervisor' }), 403, 'forbidden');
	});

	test('the owner may assign; only officers and supervisors can be assigned', async () => {
		const X = await createCase(c.officer);
		assert.equal((await c.officer.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'supervisor' })).status, 201);
		expectError(await c.officer.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'analyst' }), 400, 'bad_request', 'username');
		expectError(await c.officer.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'nobody-at-all' }), 400, 'bad_request', 'username');
	});

	test('loses the case when a supervisor gives it to someone else', async () => {
		const X = await createCase(c.officer);
		const res = await c.supervisor.patch(`/api/v1/cases/${X.ref}`, { version: X.version, owner: 'supervisor' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.owner, 'supervisor');
		expectError(await c.officer.get(`/api/v1/cases/${X.ref}`), 403, 'forbidden');
	});

	test('a supervisor may not give a case to an analyst (400, owner)', async () => {
		const X = await createCase(c.officer);
		expectError(await c.supervisor.patch(`/api/v1/cases/${X.ref}`, { version: X.version, owner: 'analyst' }), 400, 'bad_request', 'owner');
	});

	test('sees the victim address and the incident places', async () => {
		const res = await c.officer.get(`/api/v1/cases/${A.ref}`);
		const v = res.body.people.find((p) => p.role === 'victim');
		assert.ok(v.identifiers.some((i) => i.kind === 'address' && i.value === '1 Safe House Lane, London'));
		assert.equal(v.address_withheld, undefined);
		const inc = await c.officer.get(`/api/v1/cases/${A.ref}/incidents`);
		assert.equal(inc.body.incidents[0].place, 'outside her flat');
	});
});

describe('supervisor', () => {
	test("sees every case of her agency, her officers' included", async () => {
		assert.equal((await c.supervisor.get(`/api/v1/cases/${A.ref}`)).status, 200);
		assert.equal((await c.supervisor.get(`/api/v1/cases/${B.ref}`)).status, 200);
		const list = refs(await c.supervisor.get('/api/v1/cases?limit=200'));
		assert.ok(list.includes(A.ref) && list.includes(B.ref));
		assert.ok(!list.includes(K.ref));
	});

	test("another agency's case is 403 to her, and it is not in her list", async () => {
		expectError(await c.supervisor.get(`/api/v1/cases/${K.ref}`), 403, 'forbidden');
		expectError(await c.supervisor.patch(`/api/v1/cases/${K.ref}`, { version: K.version, summary: 'x' }), 403, 'forbidden');
		expectError(await c.supervisor.post(`/api/v1/cases/${K.ref}/assignments`, { username: 'officer' }), 403, 'forbidden');
	});

	test('she may not assign an officer of another agency to her case (400, username)', async () => {
		const X = await createCase(c.supervisor, { summary: 'met only' });
		const res = await c.supervisor.post(`/api/v1/cases/${X.ref}/assignments`, { username: 'kentoff' });
		expectError(res, 400, 'bad_request', 'username');
		expectError(await c.kentoff.get(`/api/v1/cases/${X.ref}`), 403, 'forbidden');
	});

	test("the other agency's supervisor sees her own case and not ours (403)", async () => {
		assert.equal((await c.kentsup.get(`/api/v1/cases/${K.ref}`)).status, 200);
		expectError(await c.kentsup.get(`/api/v1/cases/${A.ref}`), 403, 'forbidden');
		expectError(await c.kentsup.get(`/api/v1/cases/${B.ref}/timeline`), 403, 'forbidden');
		const list = refs(await c.kentsup.get('/api/v1/cases?limit=200'));
		assert.deepEqual(list, [K.ref]);
	});
});

describe('analyst', () => {
	test("sees every case of her agency and none of another's", async () => {
		assert.equal((await c.analyst.get(`/api/v1/cases/${A.ref}`)).status, 200);
		assert.equal((await c.analyst.get(`/api/v1/cases/${B.ref}`)).status, 200);
		expectError(await c.analyst.get(`/api/v1/cases/${K.ref}`), 403, 'forbidden');
	});

	test("the victim's contact details are withheld from her: her name, not her address or phone", async () => {
		const res = await c.analyst.get(`/api/v1/cases/${A.ref}`);
		const v = res.body.people.find((p) => p.role === 'victim');
		assert.equal(v.address_withheld, true);
		assert.deepEqual(v.identifiers, []);
		assert.ok(v.withheld.includes('contact details'));
		assert.equal(v.name, 'Alice Victim');
		assert.equal(res.body.view.name, 'offender');
		assert.ok(!res.text.includes('Safe House'), 'the address appears nowhere in the answer');
	});

	test('the places of incidents are withheld from her', async () => {
		const res = await c.analyst.get(`/api/v1/cases/${A.ref}/incidents`);
		assert.equal(res.status, 200);
		const e = res.body.incidents[0];
		assert.equal(e.place_withheld, true);
		assert.ok(!('place' in e));
		assert.ok(!res.text.includes('outside her flat'));
		const tl = await c.analyst.get(`/api/v1/cases/${A.ref}/timeline`);
		assert.ok(!tl.text.includes('outside her flat'));
	});

	test('may not change a case, record incidents or export the log (403)', async () => {
		expectError(await c.analyst.patch(`/api/v1/cases/${A.ref}`, { version: 1, summary: 'x' }), 403, 'forbidden');
		expectError(await c.analyst.post(`/api/v1/cases/${A.ref}/incidents`, { occurred_at: new Date().toISOString(), behaviour: 'call', description: 'x' }), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/cases/${A.ref}/incidents/export`), 403, 'forbidden');
	});
});

describe('advocate', () => {
	test('sees no case until it is referred to her agency', async () => {
		const X = await createCase(c.officer, { victims: [{ name: 'Vera', identifiers: [{ kind: 'address', value: '9 Refuge Road' }] }] });
		expectError(await c.advocate.get(`/api/v1/cases/${X.ref}`), 403, 'forbidden');
		assert.ok(!refs(await c.advocate.get('/api/v1/cases?limit=200')).includes(X.ref));
		const r = await c.officer.post(`/api/v1/cases/${X.ref}/referrals`, { agency: 'sas', note: 'needs an advocate' });
		assert.equal(r.status, 201, r.text);
		assert.deepEqual(r.body, { ref: X.ref, referred_to: 'sas' });
		const res = await c.advocate.get(`/api/v1/cases/${X.ref}`);
		assert.equal(res.status, 200);
		assert.deepEqual(res.body.referred_to, ['sas']);
		// she protects the victim: the address is hers to see
		const v = res.body.people.find((p) => p.role === 'victim');
		assert.ok(v.identifiers.some((i) => i.kind === 'address' && i.value === '9 Refuge Road'));
		const list = refs(await c.advocate.get('/api/v1/cases?limit=200'));
		assert.ok(list.includes(X.ref));
		assert.ok(!list.includes(A.ref) && !list.includes(B.ref) && !list.includes(K.ref));
	});

	test('a referral to another agency does not show the case to her', async () => {
		const X = await createCase(c.officer);
		assert.equal((await c.officer.post(`/api/v1/cases/${X.ref}/referrals`, { agency: 'nlft' })).status, 201);
		expectError(await c.advocate.get(`/api/v1/cases/${X.ref}`), 403, 'forbidden');
	});

	test('a referral to an unknown agency is 400 naming agency', async () => {
		expectError(await c.officer.post(`/api/v1/cases/${A.ref}/referrals`, { agency: 'nowhere' }), 400, 'bad_request', 'agency');
	});

	test('may not change a referred case nor refer it on (403)', async () => {
		const X = await createCase(c.officer);
		await c.officer.post(`/api/v1/cases/${X.ref}/referrals`, { agency: 'sas' });
		expectError(await c.advocate.patch(`/api/v1/cases/${X.ref}`, { version: X.version + 1, summary: 'x' }), 403, 'forbidden');
		expectError(await c.advocate.post(`/api/v1/cases/${X.ref}/referrals`, { agency: 'nlft' }), 403, 'forbidden');
	});
});

describe('clinician', () => {
	test('sees a case once its suspect is in the programme, without the victim address', async () => {
		const X = await createCase(c.officer, {
			victims: [{ name: 'Vic', identifiers: [{ kind: 'address', value: '3 Hidden Close' }] }],
			suspect: { name: 'Paul Programme' },
		});
		expectError(await c.clinician.get(`/api/v1/cases/${X.ref}`), 403, 'forbidden');
		const r = await c.officer.post(`/api/v1/cases/${X.ref}/programme`, { consent_note: 'consent recorded on form 12' });
		assert.equal(r.status, 201, r.text);
		assert.deepEqual(r.body, { ref: X.ref, enrolled: true, trust: 'nlft' }, 'the only NHS trust, by default');
		const res = await c.clinician.get(`/api/v1/cases/${X.ref}`);
		assert.equal(res.status, 200);
		const v = res.body.people.find((p) => p.role === 'victim');
		assert.equal(v.address_withheld, true);
		assert.ok(!res.text.includes('Hidden Close'));
		assert.ok(refs(await c.clinician.get('/api/v1/cases?limit=200')).includes(X.ref));
		expectError(await c.clinician.get(`/api/v1/cases/${A.ref}`), 403, 'forbidden');
	});

	test('enrolling twice is 409, and a case without a suspect has nobody to enrol (409)', async () => {
		const X = await createCase(c.officer, { suspect: { name: 'Twice Enrolled' } });
		assert.equal((await c.officer.post(`/api/v1/cases/${X.ref}/programme`, { consent_note: 'yes' })).status, 201);
		expectError(await c.officer.post(`/api/v1/cases/${X.ref}/programme`, { consent_note: 'yes' }), 409, 'conflict');
		const Y = await createCase(c.officer);
		expectError(await c.officer.post(`/api/v1/cases/${Y.ref}/programme`, { consent_note: 'yes' }), 409, 'conflict');
		expectError(await c.officer.post(`/api/v1/cases/${Y.ref}/programme`, {}), 400, 'bad_request', 'consent_note');
	});

	test('may not enrol a suspect herself (403)', async () => {
		expectError(await c.clinician.post(`/api/v1/cases/${B.ref}/programme`, { consent_note: 'x' }), 403, 'forbidden');
	});
});

describe('operator and administrator', () => {
	test('an admin may not list or read cases (403), known or not', async () => {
		expectError(await c.admin.get('/api/v1/cases'), 403, 'forbidden');
		expectError(await c.admin.get(`/api/v1/cases/${A.ref}`), 403, 'forbidden');
		expectError(await c.admin.get(`/api/v1/cases/${unknownRef}`), 403, 'forbidden');
		expectError(await c.admin.get(`/api/v1/cases/${A.ref}/timeline`), 403, 'forbidden');
	});

	test('an operator sees only the cases under electronic monitoring', async () => {
		// no device is assigned to A: not in the list, and 403 on reading it
		const list = await c.operator.get('/api/v1/cases');
		assert.equal(list.status, 200, list.text);
		assert.ok(!list.body.cases.some((x) => x.ref === A.ref));
		expectError(await c.operator.get(`/api/v1/cases/${A.ref}`), 403, 'forbidden');
		expectError(await c.operator.get(`/api/v1/cases/${unknownRef}`), 404, 'not_found');
		// once a tag watches its suspect, the monitoring centre sees it
		const M = await createCase(c.officer);
		const uid = `tag-${Date.now()}`;
		assert.equal((await c.operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'json' })).status, 201);
		assert.equal((await c.officer.post(`/api/v1/cases/${M.ref}/monitoring`, { device: uid, role: 'suspect' })).status, 201);
		assert.equal((await c.operator.get(`/api/v1/cases/${M.ref}`)).status, 200);
		assert.ok((await c.operator.get('/api/v1/cases')).body.cases.some((x) => x.ref === M.ref));
	});

	test('without signing in a case is 401', async () => {
		const res = await srv.raw(`/api/v1/cases/${A.ref}`);
		assert.equal(res.status, 401);
	});
});

describe('the audit of reads', () => {
	test('every read of a case is audited as case.read on case:REF, denied ones too', async () => {
		const X = await createCase(c.officer);
		await c.officer.get(`/api/v1/cases/${X.ref}`);
		await c.supervisor.get(`/api/v1/cases/${X.ref}`);
		await c.analyst.get(`/api/v1/cases/${X.ref}`);
		await c.kentsup.get(`/api/v1/cases/${X.ref}`); // 403
		const res = await c.admin.get(`/api/v1/audit?action=case.read&object=${encodeURIComponent(`case:${X.ref}`)}&limit=50`);
		assert.equal(res.status, 200, res.text);
		const entries = res.body.entries;
		const who = entries.map((e) => `${e.username}:${e.outcome}:${e.status}`).sort();
		assert.deepEqual(who, ['analyst:ok:200', 'kentsup:denied:403', 'officer:ok:200', 'supervisor:ok:200']);
		assert.ok(entries.every((e) => e.action === 'case.read' && e.object === `case:${X.ref}`));
	});

	test('reading the links, the timeline and the incidents is audited with the case', async () => {
		const X = await createCase(c.officer);
		await c.officer.get(`/api/v1/cases/${X.ref}/links`);
		await c.officer.get(`/api/v1/cases/${X.ref}/timeline`);
		await c.officer.get(`/api/v1/cases/${X.ref}/incidents`);
		const res = await c.admin.get(`/api/v1/audit?object=${encodeURIComponent(`case:${X.ref}`)}&user=officer&limit=50`);
		const actions = res.body.entries.map((e) => e.action);
		for (const a of ['case.links', 'case.timeline', 'incident.list', 'case.create'])
			assert.ok(actions.includes(a), `${a} in ${actions}`);
	});

	test('a list is audited with how many cases it showed', async () => {
		await c.analyst.get('/api/v1/cases?limit=3');
		const res = await c.admin.get('/api/v1/audit?action=case.list&user=analyst&limit=1');
		assert.equal(res.body.entries[0].detail, 'listed 3 cases');
	});
});
