// Need to know within a case (issue 16): seeing a case does not open all of
// it.  An operator, of the force or of its monitoring contractor, sees what
// the response to an alert needs (the offender, the victim's name and the
// numbers to call her on, orders, zones, devices) and not the file nor her
// care; a clinician sees the offender's side and of the victim her name only;
// a victim's single point of contact, and whoever a contact with her is
// logged as made by, must be of an agency the case is shared with.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer, stopServer } from './lib/server.mjs';
import { addIncident, createCase, screening, unique, ukMobile } from './lib/casekit.mjs';
import { circle } from './lib/monitorkit.mjs';

let srv;
const c = {};
const USERS = {
	officer: ['officer', 'met'], supervisor: ['supervisor', 'met'], operator: ['operator', 'met'],
	analyst: ['analyst', 'met'], clinician: ['clinician', 'nlft'], advocate: ['advocate', 'sas'],
	goperator: ['operator', 'g4s'], vadvocate: ['advocate', 'vsu'],
};
const HOME = [51.5074, -0.1278];
const her = {
	name: `Hannah ${unique('h')}`, address: '27 Quiet Mews, London N1', phone: ukMobile().national,
	email: 'hannah.private@example.org', dob: '1991-04-12', description: 'red coat, walks a grey lurcher',
};
const him = { name: `Mark ${unique('m')}`, phone: ukMobile().national, vehicle: 'LR19 XYZ' };
const NARRATIVE = 'He waits at the end of her road most mornings';
let M; // the monitored case

before(async () => {
	srv = await startServer();
	srv.addAgency('g4s', 'contractor', 'Monitoring Contractor');
	srv.addAgency('vsu', 'charity', 'Victim Support Unit');
	for (const [u, [role, agency]] of Object.entries(USERS))
		if (!srv.passwords[u]) srv.addUser(u, role, agency);
	srv.grant('met', 'g4s');
	for (const u of Object.keys(USERS)) c[u] = await srv.login(u);

	M = (await createCase(c.officer, {
		summary: NARRATIVE,
		screening: screening(true, 'she keeps a diary of every sighting'),
		victims: [{ name: her.name, dob: her.dob, description: her.description, aliases: ['Hannah B'], identifiers: [
			{ kind: 'address', value: her.address }, { kind: 'phone', value: her.phone }, { kind: 'email', value: her.email },
		] }],
		suspect: { name: him.name, identifiers: [{ kind: 'phone', value: him.phone }, { kind: 'vehicle', value: him.vehicle }] },
	})).ref;
	await addIncident(c.officer, M, { place: 'outside her gate', behaviour: 'loitering', description: 'stood at the gate for an hour' });
	let res = await c.officer.post(`/api/v1/cases/${M}/programme`, { consent_note: 'signed', trust: 'nlft' });
	assert.equal(res.status, 201, res.text);
	const tag = unique('tag');
	res = await c.supervisor.post('/api/v1/devices', { uid: tag, kind: 'offender_tag', protocol: 'json' });
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${M}/monitoring`, { device: tag, role: 'suspect' });
	assert.equal(res.status, 201, res.text);
	res = await c.officer.post(`/api/v1/cases/${M}/zones`, { name: 'Home', ...circle(HOME, 200, { warning_m: 0 }) });
	assert.equal(res.status, 201, res.text);
});
after(() => stopServer(srv));

const FILE = ['incidents', 'incidents/verify', 'timeline', 'assessments', 'typology', 'plan', 'plan/versions', 'reviews', 'links'];
const CARE = ['victim-care', 'tasks'];
const RESPONSE = ['orders', 'zones'];

describe('an operator sees what the response needs', () => {
	for (const who of ['operator', 'goperator']) {
		test(`${who}: the offender in full, of the victim her name and phone; no file, no narrative`, async () => {
			const res = await c[who].get(`/api/v1/cases/${M}`);
			assert.equal(res.status, 200, res.text);
			assert.equal(res.body.view.name, 'response');
			assert.deepEqual(res.body.view.parts, ['response']);
			const v = res.body.people.find((p) => p.role === 'victim');
			assert.equal(v.name, her.name);
			assert.deepEqual(v.identifiers.map((i) => i.kind), ['phone']);
			assert.equal(v.dob, null);
			assert.equal(v.description, null);
			assert.deepEqual(v.aliases, []);
			assert.ok(v.withheld.includes('address'));
			const s = res.body.people.find((p) => p.role === 'suspect');
			assert.deepEqual(s.identifiers.map((i) => i.kind).sort(), ['phone', 'vehicle']);
			for (const secret of [her.address, her.email, her.dob, her.description, 'Hannah B', NARRATIVE, 'diary of every sighting'])
				assert.ok(!res.text.includes(secret), `${who} must not read "${secret}"`);
			for (const k of ['screening', 'links', 'risk', 'incidents', 'signoff'])
				assert.ok(!(k in res.body), `${k} is of the file`);
			assert.equal(res.body.summary, null);
			assert.ok(res.body.risk_level === null || typeof res.body.risk_level === 'string');
		});

		test(`${who}: the file and her care are 403 need_to_know; orders, zones and devices are open`, async () => {
			for (const part of [...FILE, ...CARE]) {
				const res = await c[who].get(`/api/v1/cases/${M}/${part}`);
				expectError(res, 403, 'need_to_know');
				assert.match(res.body.error.message, /not open to your role \(operator\)/);
			}
			for (const part of RESPONSE)
				assert.equal((await c[who].get(`/api/v1/cases/${M}/${part}`)).status, 200, part);
			assert.equal((await c[who].get(`/api/v1/cases/${M}/monitoring`)).status, 200);
		});
	}

	test('the case list gives her no narrative either', async () => {
		const res = await c.operator.get('/api/v1/cases?limit=200');
		const row = res.body.cases.find((x) => x.ref === M);
		assert.ok(row, 'the monitored case is listed');
		assert.equal(row.summary, null);
		assert.ok(!res.text.includes(NARRATIVE));
	});

	test('a refused part is audited with the case named', async () => {
		await c.operator.get(`/api/v1/cases/${M}/incidents`);
		const res = await c.supervisor.get(`/api/v1/audit?user=operator&object=case:${M}&limit=50`);
		assert.equal(res.status, 200, res.text);
		assert.ok(res.body.entries.some((e) => e.action === 'incident.list' && e.status === 403), JSON.stringify(res.body.entries));
	});
});

describe('a clinician sees the offender\'s side', () => {
	test('the file is open; of the victim her name only, no contact details anywhere', async () => {
		const res = await c.clinician.get(`/api/v1/cases/${M}`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.view.name, 'offender');
		assert.deepEqual(res.body.view.parts, ['response', 'file']);
		const v = res.body.people.find((p) => p.role === 'victim');
		assert.equal(v.name, her.name);
		assert.deepEqual(v.identifiers, []);
		assert.ok(v.withheld.includes('contact details'));
		for (const secret of [her.phone, her.address, her.email, her.dob, her.description])
			assert.ok(!res.text.includes(secret), `the clinician must not read "${secret}"`);
		// the offender in full
		const s = res.body.people.find((p) => p.role === 'suspect');
		assert.ok(s.identifiers.some((i) => i.kind === 'phone'));
		const inc = await c.clinician.get(`/api/v1/cases/${M}/incidents`);
		assert.equal(inc.status, 200);
		assert.match(inc.text, /stood at the gate/);
		assert.ok(!inc.text.includes('outside her gate'), 'the place is withheld');
		for (const part of CARE)
			expectError(await c.clinician.get(`/api/v1/cases/${M}/${part}`), 403, 'need_to_know');
	});
});

describe('her point of contact is of an agency the case is shared with', () => {
	test('another charity\'s advocate is refused (400 username); the charity it is referred to is not', async () => {
		let res = await c.officer.put(`/api/v1/cases/${M}/victim-care/spoc`, { username: 'vadvocate' });
		expectError(res, 400, 'bad_request', 'username');
		assert.match(res.body.error.message, /cannot see case/);
		res = await c.officer.post(`/api/v1/cases/${M}/victim-care/contacts`, { method: 'phone', told: 'x', by: 'vadvocate' });
		expectError(res, 400, 'bad_request', 'by');
		// an operator (wrong role) and an officer's own colleague
		expectError(await c.officer.put(`/api/v1/cases/${M}/victim-care/spoc`, { username: 'operator' }), 400, 'bad_request', 'username');
		res = await c.officer.post(`/api/v1/cases/${M}/referrals`, { agency: 'sas' });
		assert.equal(res.status, 201, res.text);
		res = await c.officer.put(`/api/v1/cases/${M}/victim-care/spoc`, { username: 'advocate' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.spoc, 'advocate');
		expectError(await c.officer.put(`/api/v1/cases/${M}/victim-care/spoc`, { username: 'vadvocate' }), 400, 'bad_request', 'username');
		// referred to vsu too: now its advocate may be named
		assert.equal((await c.officer.post(`/api/v1/cases/${M}/referrals`, { agency: 'vsu' })).status, 201);
		res = await c.officer.put(`/api/v1/cases/${M}/victim-care/spoc`, { username: 'vadvocate' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.spoc, 'vadvocate');
		// and an advocate sees the whole case
		const full = await c.vadvocate.get(`/api/v1/cases/${M}`);
		assert.equal(full.body.view.name, 'full');
		assert.ok(full.text.includes(her.address));
	});
});
