// Sharing a case with partners (issue 18): a case is shared with a partner
// agency for a purpose, on consent or a recorded lawful basis, until
// withdrawn; each agency reads the part of the case its purpose opens (the
// charity her side, the trust his side), as docs/ACCESS.md's purpose table
// says.  Access for each agency x each part of a case is one table; a
// withdrawal ends access at once, the partner's open stream of the case
// included.  Runs on both engines (VIGIL_TEST_ENGINE).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer } from './lib/server.mjs';
import { addIncident, ago, createCase, screening, unique, ukMobile } from './lib/casekit.mjs';
import { connectStream } from './lib/sse.mjs';
import { waitFor } from './lib/monitorkit.mjs';

let srv;
const c = {};
const streams = [];
const USERS = {
	officer: ['officer', 'met'], supervisor: ['supervisor', 'met'], clinician: ['clinician', 'nlft'],
	advocate: ['advocate', 'sas'], otherclin: ['clinician', 'wlft'], otheradv: ['advocate', 'vsu'],
	otherofficer: ['officer', 'kent'],
};
const herPhone = ukMobile();
const her = { name: `Hannah ${unique('h')}`, address: '27 Quiet Mews, London N1', phone: herPhone.national, e164: herPhone.e164 };
const him = { name: `Mark ${unique('m')}`, phone: ukMobile().national };
let M;

const victimConsent = { of: 'victim', note: 'she agreed on the phone on 3 December, recorded by PC Ames' };

before(async () => {
	srv = await startServer();
	srv.addAgency('wlft', 'nhs', 'West London NHS');
	srv.addAgency('vsu', 'charity', 'Victim Support Unit');
	srv.addAgency('kent', 'police', 'Kent Police');
	for (const [u, [role, agency]] of Object.entries(USERS))
		if (!srv.passwords[u]) srv.addUser(u, role, agency);
	for (const u of Object.keys(USERS)) c[u] = await srv.login(u);
	M = (await createCase(c.officer, {
		summary: 'He waits at the end of her road',
		screening: screening(true, 'she keeps a diary'),
		victims: [{ name: her.name, identifiers: [{ kind: 'address', value: her.address }, { kind: 'phone', value: her.phone }] }],
		suspect: { name: him.name, identifiers: [{ kind: 'phone', value: him.phone }] },
	})).ref;
	await addIncident(c.officer, M, { place: 'outside her gate', behaviour: 'loitering', description: 'stood at the gate' });
	let res = await c.officer.post(`/api/v1/cases/${M}/shares`, {
		agency: 'sas', purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent,
	});
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${M}/shares`, {
		agency: 'nlft', purpose: 'assessment', basis: 'lawful_basis',
		lawful_basis: 'Crime and Disorder Act 1998 s.115: assessment of the risk he poses', from: ago(3600e3),
	});
	assert.equal(res.status, 201, res.text);
});
after(async () => {
	for (const s of streams) s.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

// The parts of a case, each read by one route (or a field of the case).
const PARTS = {
	header: (who) => c[who].get(`/api/v1/cases/${M}`),
	incidents: (who) => c[who].get(`/api/v1/cases/${M}/incidents`),
	timeline: (who) => c[who].get(`/api/v1/cases/${M}/timeline`),
	assessments: (who) => c[who].get(`/api/v1/cases/${M}/assessments`),
	typology: (who) => c[who].get(`/api/v1/cases/${M}/typology`),
	plan: (who) => c[who].get(`/api/v1/cases/${M}/plan`),
	links: (who) => c[who].get(`/api/v1/cases/${M}/links`),
	orders: (who) => c[who].get(`/api/v1/cases/${M}/orders`),
	care: (who) => c[who].get(`/api/v1/cases/${M}/victim-care`),
	tasks: (who) => c[who].get(`/api/v1/cases/${M}/tasks`),
	shares: (who) => c[who].get(`/api/v1/cases/${M}/shares`),
	programme: (who) => c[who].get(`/api/v1/cases/${M}/programme`),
	clinical: (who) => c[who].get(`/api/v1/cases/${M}/programme/notes`),
};
// who: [expected status of each part in PARTS order (403 f: forbidden, 403 n: need_to_know), sees her contact]
const Y = 200, F = 'forbidden', N = 'need_to_know';
// the clinical record: no police or charity role has the permission (forbidden); the
// trust shared for assessment, not treatment, may not read it (need_to_know)
const TABLE = {
	officer:      [[Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, F], true],  // the case's own
	supervisor:   [[Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, F], true],
	advocate:     [[Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, F], true],  // sas: victim advocacy
	clinician:    [[Y, Y, Y, Y, Y, Y, Y, Y, N, N, Y, Y, N], false], // nlft: assessment
	otheradv:     [[F, F, F, F, F, F, F, F, F, F, F, F, F], false], // vsu: not shared
	otherclin:    [[F, F, F, F, F, F, F, F, F, F, F, F, F], false], // wlft: not shared
	otherofficer: [[F, F, F, F, F, F, F, F, F, F, F, F, F], false], // another force
};

async function checkRow(who, [expected, contact]) {
	const names = Object.keys(PARTS);
	for (let i = 0; i < names.length; i++) {
		const res = await PARTS[names[i]](who);
		const want = expected[i];
		if (want === Y) assert.equal(res.status, 200, `${who} reads ${names[i]}: ${res.text}`);
		else expectError(res, 403, want);
		if (names[i] === 'header' && res.status === 200) {
			assert.equal(res.text.includes(her.e164) || res.text.includes(her.phone), contact, `${who} ${contact ? 'sees' : 'does not see'} her phone`);
			assert.equal(res.text.includes(her.address), contact, `${who} ${contact ? 'sees' : 'does not see'} her address`);
			assert.ok(res.text.includes(him.name), `${who} sees the offender`);
		}
	}
}

describe('each agency x each part of a case', () => {
	for (const [who, row] of Object.entries(TABLE))
		test(`${who} (${USERS[who][1]}): ${row[0].join(' ')}`, () => checkRow(who, row));

	test('a partner lists its own shares only; the owning force all of them', async () => {
		const mine = (await c.advocate.get(`/api/v1/cases/${M}/shares`)).body.shares;
		assert.deepEqual(mine.map((s) => [s.agency, s.purpose, s.basis, s.consent_of, s.active]),
			[['sas', 'victim_advocacy', 'consent', 'victim', true]]);
		const all = (await c.officer.get(`/api/v1/cases/${M}/shares`)).body.shares;
		assert.deepEqual(all.map((s) => s.agency).sort(), ['nlft', 'sas']);
		const nhs = all.find((s) => s.agency === 'nlft');
		assert.equal(nhs.basis, 'lawful_basis');
		assert.match(nhs.lawful_basis, /s\.115/);
		assert.equal(nhs.shared_by, 'officer');
	});

	test("the advocate's caseload lists the case with its purpose", async () => {
		const res = await c.advocate.get('/api/v1/caseload');
		assert.equal(res.status, 200, res.text);
		const row = res.body.cases.find((x) => x.ref === M);
		assert.deepEqual(row.purposes, ['victim_advocacy']);
		assert.ok(!(await c.otheradv.get('/api/v1/caseload')).body.cases.some((x) => x.ref === M));
	});
});

describe('what a share must say', () => {
	const post = (body, who = 'officer') => c[who].post(`/api/v1/cases/${M}/shares`, body);
	test('the purpose fits the agency: assessment is for a trust, not a charity', async () => {
		const res = await post({ agency: 'vsu', purpose: 'assessment', basis: 'consent', consent: { of: 'offender', note: 'he agreed' } });
		expectError(res, 400, 'bad_request', 'purpose');
		assert.match(res.body.error.message, /assessment with an agency of kind nhs; vsu is charity/);
		expectError(await post({ agency: 'vsu', purpose: 'gossip', basis: 'consent', consent: victimConsent }), 400, 'bad_request', 'purpose');
	});
	test("consent is the consent of the person the purpose is about, and says how it was given", async () => {
		const res = await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent', consent: { of: 'offender', note: 'x' } });
		expectError(res, 400, 'bad_request', 'consent.of');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent' }), 400, 'bad_request', 'consent.of');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent', consent: { of: 'victim' } }), 400, 'bad_request', 'consent.note');
	});
	test('without consent the lawful basis is recorded; a share starts now or in the past', async () => {
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'lawful_basis' }), 400, 'bad_request', 'lawful_basis');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'maybe' }), 400, 'bad_request', 'basis');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent, from: ago(-86400e3) }), 400, 'bad_request', 'from');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent, colour: 'red' }), 400, 'bad_request');
	});
	test('not with its own agency, not twice for one purpose, not by a partner or another force', async () => {
		expectError(await post({ agency: 'met', purpose: 'safeguarding', basis: 'lawful_basis', lawful_basis: 'x' }), 400, 'bad_request', 'agency');
		expectError(await post({ agency: 'nope', purpose: 'safeguarding', basis: 'lawful_basis', lawful_basis: 'x' }), 400, 'bad_request', 'agency');
		const dup = await post({ agency: 'sas', purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent });
		expectError(dup, 409, 'conflict', 'purpose');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent }, 'advocate'), 403, 'forbidden');
		expectError(await post({ agency: 'vsu', purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent }, 'otherofficer'), 403, 'forbidden');
	});
});

describe('a referral offers sharing in the same step', () => {
	test('referred to the Victim Support Unit with her consent: its advocate sees her side at once', async () => {
		const res = await c.officer.post(`/api/v1/cases/${M}/referrals`, {
			agency: 'vsu', note: 'needs a refuge place', share: { purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent },
		});
		assert.equal(res.status, 201, res.text);
		await checkRow('otheradv', TABLE.advocate);
		const s = (await c.otheradv.get(`/api/v1/cases/${M}/shares`)).body.shares;
		assert.deepEqual(s.map((x) => [x.agency, x.purpose, x.basis]), [['vsu', 'victim_advocacy', 'consent']]);
	});
	test('a share that does not hold refuses the referral too (nothing half done)', async () => {
		const res = await c.officer.post(`/api/v1/cases/${M}/referrals`, {
			agency: 'wlft', share: { purpose: 'victim_advocacy', basis: 'consent', consent: victimConsent },
		});
		expectError(res, 400, 'bad_request', 'purpose');
		await checkRow('otherclin', TABLE.otherclin);
	});
});

describe('withdrawal ends access at once', () => {
	test("the charity withdraws: its advocate's open stream of the case ends, and every part is 403", async () => {
		const s = await connectStream(srv.url, c.advocate, { path: `/api/v1/cases/${M}/alerts/stream`, track: streams });
		assert.equal(s.status, 200, JSON.stringify(s.body));
		await waitFor('the stream to open', () => s.text.length > 0);
		const share = (await c.advocate.get(`/api/v1/cases/${M}/shares`)).body.shares[0];
		expectError(await c.advocate.post(`/api/v1/cases/${M}/shares/${share.id}/withdraw`, { version: share.version + 5, reason: 'x' }),
			409, 'stale_version', 'version');
		expectError(await c.advocate.post(`/api/v1/cases/${M}/shares/${share.id}/withdraw`, { version: share.version }),
			400, 'bad_request', 'reason');
		const t0 = Date.now();
		const res = await c.officer.post(`/api/v1/cases/${M}/shares/${share.id}/withdraw`, {
			version: share.version, reason: 'she withdrew her consent to sharing with the charity',
		});
		assert.equal(res.status, 200, res.text);
		const end = await s.next((e) => e.event === 'end', 4000);
		assert.equal(end.data.code, 'case_not_visible');
		assert.ok(Date.now() - t0 < 4000, 'at once, not at the next tick');
		await waitFor('the stream to close', () => s.ended);
		await checkRow('advocate', TABLE.otheradv);
		assert.ok(!(await c.advocate.get('/api/v1/caseload')).body.cases.some((x) => x.ref === M));
		const after = (await c.officer.get(`/api/v1/cases/${M}/shares`)).body.shares.find((x) => x.id === share.id);
		assert.equal(after.active, false);
		assert.equal(after.withdrawn.by, 'officer');
		assert.match(after.withdrawn.reason, /withdrew her consent/);
		expectError(await c.officer.post(`/api/v1/cases/${M}/shares/${share.id}/withdraw`, { version: after.version, reason: 'again' }),
			409, 'conflict');
	});

	test('a partner may withdraw its own share; not another partner\'s', async () => {
		const all = (await c.officer.get(`/api/v1/cases/${M}/shares`)).body.shares;
		const nhs = all.find((s) => s.agency === 'nlft' && s.active);
		const vsu = all.find((s) => s.agency === 'vsu' && s.active);
		expectError(await c.clinician.post(`/api/v1/cases/${M}/shares/${vsu.id}/withdraw`, { version: vsu.version, reason: 'no' }),
			403, 'forbidden');
		const res = await c.clinician.post(`/api/v1/cases/${M}/shares/${nhs.id}/withdraw`, { version: nhs.version, reason: 'assessment done' });
		assert.equal(res.status, 200, res.text);
		await checkRow('clinician', TABLE.otherclin);
	});

	test('sharing and withdrawing are audited and in the timeline', async () => {
		const res = await c.supervisor.get(`/api/v1/audit?object=case:${M}&limit=200`);
		assert.equal(res.status, 200, res.text);
		const actions = res.body.entries.map((e) => `${e.action} ${e.status}`);
		for (const a of ['share.create 201', 'share.withdraw 200', 'share.create 409', 'share.withdraw 403'])
			assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
		const tl = (await c.officer.get(`/api/v1/cases/${M}/timeline`)).text;
		assert.match(tl, /shared/);
		assert.match(tl, /share_withdrawn/);
	});
});
