// Nothing crosses an agency's line (issue 13).  One Vigil shared by two
// forces (met, kent), two charities (sas, vsu), two NHS trusts (nlft, oxl)
// and a monitoring contractor (g4s) that serves met only.  Each kind of
// object (case, device, position, alert, stream, token) is tried by every
// user of every agency against a table of what each may do; then each hole
// that was found in the monitoring chain is tried as the attacker did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, expectError, sleep, sqlite, startServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';
import { circle, dest, iso, nextAt, waitFor } from './lib/monitorkit.mjs';
import { connectStream } from './lib/sse.mjs';

let srv;
const c = {}; // clients by username
const streams = [];
const HOME = [51.5074, -0.1278];
const KENT_HOME = [51.2798, 1.0789];

// every user of the shared Vigil: username -> [role, agency]
const USERS = {
	officer: ['officer', 'met'], supervisor: ['supervisor', 'met'], operator: ['operator', 'met'],
	analyst: ['analyst', 'met'], admin: ['admin', 'met'], clinician: ['clinician', 'nlft'], advocate: ['advocate', 'sas'],
	kofficer: ['officer', 'kent'], ksupervisor: ['supervisor', 'kent'], koperator: ['operator', 'kent'], kadmin: ['admin', 'kent'],
	goperator: ['operator', 'g4s'], gsupervisor: ['supervisor', 'g4s'], gadmin: ['admin', 'g4s'],
	vadvocate: ['advocate', 'vsu'], oclinician: ['clinician', 'oxl'],
};
const w = {}; // the world: cases, devices, alerts

async function post(client, path, body, status = 201) {
	const res = await client.post(path, body);
	assert.equal(res.status, status, `${path}: ${res.status} ${res.text}`);
	return res.body;
}

async function fixes(client, list) {
	const res = await client.post('/api/v1/fixes', { fixes: list });
	assert.equal(res.status, 200, res.text);
	return res.body.results.map((r) => r.result);
}

/** Wait until the engine has applied a fix of the device (as its owner's manager sees it). */
async function applied(manager, uid, at) {
	await waitFor(`${uid} at ${at}`, async () => (await manager.get(`/api/v1/devices/${uid}`)).body.state?.last_fix_at === at);
}

async function alertOf(viewer, ref, kind) {
	return waitFor(`a ${kind} alert on ${ref}`, async () => {
		const res = await viewer.get(`/api/v1/alerts?case=${ref}&limit=100`);
		return res.body.alerts?.find((a) => a.kind === kind);
	});
}

/**
 * An agency's monitoring of its case ref: its supervisor registers a tag and
 * her phone, its operator a tag left free; its officer puts the tag on him,
 * the phone with her, and a home zone round home.  The devices' uids.
 */
async function monitorCase(agency, ref, officer, supervisor, operator, home) {
	const d = { tag: unique(`${agency}-tag`), phone: unique(`${agency}-phone`), free: unique(`${agency}-free`) };
	await post(supervisor, '/api/v1/devices', { uid: d.tag, kind: 'offender_tag', protocol: 'json' });
	await post(supervisor, '/api/v1/devices', { uid: d.phone, kind: 'victim_phone', protocol: 'json' });
	await post(operator, '/api/v1/devices', { uid: d.free, kind: 'offender_tag', protocol: 'json' });
	await post(officer, `/api/v1/cases/${ref}/monitoring`, { device: d.tag, role: 'suspect' });
	await post(officer, `/api/v1/cases/${ref}/monitoring`, { device: d.phone, role: 'victim' });
	await post(officer, `/api/v1/cases/${ref}/zones`, { name: 'Home', ...circle(home, 200, { warning_m: 0 }) });
	return d;
}

before(async () => {
	srv = await startServer();
	srv.addAgency('kent', 'police', 'Kent Police');
	srv.addAgency('g4s', 'contractor', 'Monitoring Contractor');
	srv.addAgency('vsu', 'charity', 'Victim Support Unit');
	srv.addAgency('oxl', 'nhs', 'Oxleas NHS');
	for (const [u, [role, agency]] of Object.entries(USERS))
		if (!srv.passwords[u]) srv.addUser(u, role, agency);
	srv.grant('met', 'g4s');
	Object.assign(c, await srv.logins(Object.keys(USERS)));

	// met: the officer's monitored case M, with a tag and her phone, a home zone;
	// its suspect treated by nlft's clinicians
	w.M = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('m')}` } })).ref;
	await post(c.officer, `/api/v1/cases/${w.M}/programme`, { consent_note: 'signed', trust: 'nlft' });
	({ tag: w.MT, phone: w.MP, free: w.MF } = await monitorCase('met', w.M, c.officer, c.supervisor, c.operator, HOME));
	// g4s registers a tag, and met's officer puts it on a second met case
	w.M2 = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('m2')}` } })).ref;
	w.GT = unique('g4s-tag');
	w.GF = unique('g4s-free');
	await post(c.goperator, '/api/v1/devices', { uid: w.GT, kind: 'offender_tag', protocol: 'json' });
	await post(c.goperator, '/api/v1/devices', { uid: w.GF, kind: 'offender_tag', protocol: 'json' });
	await post(c.officer, `/api/v1/cases/${w.M2}/monitoring`, { device: w.GT, role: 'suspect' });
	// kent: its officer's monitored case K, the same kit
	w.K = (await createCase(c.kofficer, { suspect: { name: `Suspect ${unique('k')}` } })).ref;
	({ tag: w.KT, phone: w.KP, free: w.KF } = await monitorCase('kent', w.K, c.kofficer, c.ksupervisor, c.koperator, KENT_HOME));

	// positions: her phones at home, the tags walking in (a zone entry each)
	const t = nextAt();
	w.at = {};
	assert.deepEqual(await fixes(c.supervisor, [
		{ device: w.MP, at: iso(t), lat: HOME[0], lon: HOME[1], accuracy_m: 5 },
		{ device: w.MT, at: iso(t + 1), lat: HOME[0], lon: HOME[1], accuracy_m: 5 },
		{ device: w.MF, at: iso(t + 1), lat: 51.6, lon: -0.2, accuracy_m: 5 },
	]), ['stored', 'stored', 'stored']);
	assert.deepEqual(await fixes(c.goperator, [
		{ device: w.GT, at: iso(t + 1), lat: 51.45, lon: -0.05, accuracy_m: 5 },
		{ device: w.GF, at: iso(t + 1), lat: 51.46, lon: -0.06, accuracy_m: 5 },
	]), ['stored', 'stored']);
	assert.deepEqual(await fixes(c.ksupervisor, [
		{ device: w.KP, at: iso(t), lat: KENT_HOME[0], lon: KENT_HOME[1], accuracy_m: 5 },
		{ device: w.KT, at: iso(t + 1), lat: KENT_HOME[0], lon: KENT_HOME[1], accuracy_m: 5 },
		{ device: w.KF, at: iso(t + 1), lat: 51.3, lon: 1.1, accuracy_m: 5 },
	]), ['stored', 'stored', 'stored']);
	for (const [m, uid] of [[c.supervisor, w.MT], [c.goperator, w.GF], [c.ksupervisor, w.KT], [c.ksupervisor, w.KF]])
		await applied(m, uid, iso(t + 1));
	w.MA = (await alertOf(c.operator, w.M, 'zone_entry')).id;
	w.KA = (await alertOf(c.koperator, w.K, 'zone_entry')).id;
});
after(async () => {
	for (const s of streams) s.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

// ---- the table -------------------------------------------------------------------
// Who sees which case: M and M2 are met's (monitored), K is kent's.
// The contractor's operators work met's monitored cases; its supervisors, who
// could write to a case, see none of them; nlft's clinician sees the case whose
// suspect her trust treats, oxl's does not.
const CASES = {
	officer: ['M', 'M2'], supervisor: ['M', 'M2'], operator: ['M', 'M2'], analyst: ['M', 'M2'],
	kofficer: ['K'], ksupervisor: ['K'], koperator: ['K'],
	goperator: ['M', 'M2'], clinician: ['M'],
};
// Which devices each may read (GET /devices/{uid} 200, in GET /devices).
const DEVICES = {
	officer: ['MT', 'MP', 'MF', 'GT', 'GF'], supervisor: ['MT', 'MP', 'MF', 'GT', 'GF'], operator: ['MT', 'MP', 'MF', 'GT', 'GF'],
	kofficer: ['KT', 'KP', 'KF'], ksupervisor: ['KT', 'KP', 'KF'], koperator: ['KT', 'KP', 'KF'],
	goperator: ['MT', 'MP', 'MF', 'GT', 'GF'], gsupervisor: ['MF', 'GT', 'GF'],
};
// Whose live positions each gets (a tag on a visible case, her phone to those
// who protect her, a free tag to its owner's device managers).
const POSITIONS = {
	officer: ['MT', 'MP', 'GT'], supervisor: ['MT', 'MP', 'MF', 'GT'], operator: ['MT', 'MP', 'MF', 'GT'],
	kofficer: ['KT', 'KP'], ksupervisor: ['KT', 'KP', 'KF'], koperator: ['KT', 'KP', 'KF'],
	goperator: ['MT', 'MP', 'GT', 'GF'], gsupervisor: ['GF'],
};
// Whose alerts each works (the permission "alerts": supervisors and operators).
const ALERTS = { supervisor: ['MA'], operator: ['MA'], ksupervisor: ['KA'], koperator: ['KA'], goperator: ['MA'], gsupervisor: [] };

describe('each agency x each kind of object', () => {
	for (const u of Object.keys(USERS)) {
		test(`${u} (${USERS[u].join(', ')}): cases`, async () => {
			for (const ref of ['M', 'M2', 'K']) {
				const res = await c[u].get(`/api/v1/cases/${w[ref]}`);
				const want = (CASES[u] ?? []).includes(ref) ? 200 : 403;
				assert.equal(res.status, want, `${u} GET case ${ref}: ${res.status}`);
			}
			const list = await c[u].get('/api/v1/cases?limit=500');
			if (list.status === 200) {
				const seen = ['M', 'M2', 'K'].filter((ref) => list.body.cases.some((x) => x.ref === w[ref]));
				assert.deepEqual(seen, CASES[u] ?? [], `${u}'s case list`);
			}
		});

		test(`${u}: devices and positions`, async () => {
			const all = ['MT', 'MP', 'MF', 'GT', 'GF', 'KT', 'KP', 'KF'];
			const list = await c[u].get('/api/v1/devices');
			if (!DEVICES[u]) {
				assert.equal(list.status, 403, `${u} may not read devices`);
				return;
			}
			assert.equal(list.status, 200, list.text);
			const listed = all.filter((d) => list.body.devices.some((x) => x.uid === w[d]));
			assert.deepEqual(listed, DEVICES[u], `${u}'s device list`);
			for (const d of all) {
				const res = await c[u].get(`/api/v1/devices/${w[d]}`);
				const visible = DEVICES[u].includes(d);
				assert.equal(res.status, visible ? 200 : 404, `${u} GET device ${d}`);
				if (!visible) continue;
				const pos = Boolean(res.body.state?.last_position);
				assert.equal(pos, POSITIONS[u].includes(d), `${u} ${pos ? 'sees' : 'does not see'} the position of ${d}`);
				const inList = list.body.devices.find((x) => x.uid === w[d]);
				assert.equal(Boolean(inList.state?.last_position), pos, `${u}: the list agrees on ${d}`);
			}
		});

		test(`${u}: alerts and their positions`, async () => {
			const list = await c[u].get('/api/v1/alerts?limit=500');
			if (!ALERTS[u]) {
				assert.equal(list.status, 403, `${u} does not work alerts`);
				return;
			}
			const seen = ['MA', 'KA'].filter((a) => list.body.alerts.some((x) => x.id === w[a]));
			assert.deepEqual(seen, ALERTS[u], `${u}'s alert queue`);
			for (const a of ['MA', 'KA']) {
				const res = await c[u].get(`/api/v1/alerts/${w[a]}`);
				assert.equal(res.status, ALERTS[u].includes(a) ? 200 : 403, `${u} GET alert ${a}`);
				if (res.status !== 200) {
					assert.ok(!res.text.includes(String(HOME[0]).slice(0, 6)) && !res.text.includes(String(KENT_HOME[0]).slice(0, 6)));
					expectError(await c[u].post(`/api/v1/alerts/${w[a]}/acknowledge`, {}), 403, 'forbidden');
				}
			}
		});
	}

	test('tokens: each administrator lists only her own agency\'s tokens', async () => {
		const made = {};
		for (const a of ['admin', 'kadmin', 'gadmin'])
			made[a] = (await post(c[a], '/api/v1/tokens', { name: `${a}-own` })).id;
		for (const a of ['admin', 'kadmin', 'gadmin']) {
			const ids = (await c[a].get('/api/v1/tokens')).body.tokens.map((t) => t.id);
			for (const b of ['admin', 'kadmin', 'gadmin'])
				assert.equal(ids.includes(made[b]), a === b, `${a} lists ${b}'s token: ${ids.includes(made[b])}`);
		}
	});

	test('streams: each sees the events of her own cases only', async () => {
		const open = {};
		for (const u of Object.keys(ALERTS)) open[u] = await connectStream(srv.url, c[u], { track: streams });
		await sleep(200);
		// a tamper on each force's tag
		const t = nextAt();
		await fixes(c.supervisor, [{ device: w.MT, at: iso(t), lat: HOME[0], lon: HOME[1], events: ['tamper'] }]);
		await fixes(c.ksupervisor, [{ device: w.KT, at: iso(t), lat: KENT_HOME[0], lon: KENT_HOME[1], events: ['tamper'] }]);
		const mTamper = await alertOf(c.operator, w.M, 'tamper');
		const kTamper = await alertOf(c.koperator, w.K, 'tamper');
		for (const u of Object.keys(ALERTS).filter((x) => ALERTS[x].length)) {
			const mine = ALERTS[u].includes('MA') ? mTamper : kTamper;
			const other = mine === mTamper ? kTamper : mTamper;
			await open[u].next((e) => e.data.alert?.id === mine.id);
			await sleep(100);
			assert.ok(!open[u].events.some((e) => e.data.alert?.id === other.id), `${u} got another agency's alert`);
			assert.ok(!open[u].events.some((e) => e.data.alert?.case === (mine === mTamper ? w.K : w.M)));
			open[u].close();
		}
	});
});

// ---- the holes, as they were found ------------------------------------------------
describe('1. another force\'s victim phone cannot be taken over', () => {
	test('kent\'s officer does not list met\'s devices, and cannot assign met\'s phone, backdated or not', async () => {
		const list = await c.kofficer.get('/api/v1/devices');
		assert.ok(!list.body.devices.some((d) => [w.MT, w.MP, w.MF, w.GT, w.GF].includes(d.uid)));
		const thirty = iso(Date.now() - 30 * 86400e3);
		expectError(await c.kofficer.post(`/api/v1/cases/${w.K}/monitoring`, { device: w.MP, role: 'victim', starts_at: thirty }), 400, 'bad_request', 'starts_at');
		expectError(await c.kofficer.post(`/api/v1/cases/${w.K}/monitoring`, { device: w.MP, role: 'victim' }), 400, 'bad_request', 'device');
		expectError(await c.kofficer.post(`/api/v1/cases/${w.K}/monitoring`, { device: w.MF, role: 'suspect' }), 400, 'bad_request', 'device');
		// g4s serves met, not kent: its free tag is not kent's to use either
		expectError(await c.kofficer.post(`/api/v1/cases/${w.K}/monitoring`, { device: w.GF, role: 'suspect' }), 400, 'bad_request', 'device');
		const mon = await c.kofficer.get(`/api/v1/cases/${w.K}/monitoring`);
		assert.deepEqual(mon.body.devices.map((d) => d.uid).sort(), [w.KP, w.KT].sort());
	});

	test('her panic still opens on her own case only, and reaches no webhook of his', async () => {
		const t = nextAt();
		await fixes(c.supervisor, [{ device: w.MP, at: iso(t), lat: HOME[0], lon: HOME[1], events: ['sos'] }]);
		const panic = await alertOf(c.operator, w.M, 'panic');
		assert.equal(panic.case, w.M);
		const kent = await c.koperator.get(`/api/v1/alerts?limit=500`);
		assert.ok(!kent.body.alerts.some((a) => a.kind === 'panic'));
	});

	test('a met device cannot be backdated onto a met case either: history stays with the case that had it', async () => {
		const ref = (await createCase(c.officer)).ref;
		expectError(await c.officer.post(`/api/v1/cases/${ref}/monitoring`, { device: w.MF, role: 'suspect', starts_at: iso(Date.now() - 3600e3) }), 400, 'bad_request', 'starts_at');
	});
});

describe('2. one tag, one wearer', () => {
	test('a busy tag is 409 naming its case to those who may see it, and not naming it to others', async () => {
		const other = (await createCase(c.officer)).ref;
		const res = await c.officer.post(`/api/v1/cases/${other}/monitoring`, { device: w.MT, role: 'suspect' });
		expectError(res, 409, 'device_in_use', 'device');
		assert.match(res.body.error.message, new RegExp(w.M));
		// a second officer of met, who may not see M, is told only that it is in use
		srv.addUser('officer2', 'officer', 'met');
		const o2 = await srv.login('officer2');
		const hers = (await createCase(o2)).ref;
		const res2 = await o2.post(`/api/v1/cases/${hers}/monitoring`, { device: w.MT, role: 'suspect' });
		assert.ok([400, 409].includes(res2.status), res2.text);
		assert.ok(!res2.text.includes(w.M), 'the other case is not named');
	});

	test('two officers assigning one free tag at once: exactly one wins', async () => {
		const uid = unique('race-tag');
		await post(c.supervisor, '/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'json' });
		const refs = await Promise.all([0, 1, 2, 3].map(() => createCase(c.supervisor).then((x) => x.ref)));
		const results = await Promise.all(refs.map((ref) => c.supervisor.post(`/api/v1/cases/${ref}/monitoring`, { device: uid, role: 'suspect' })));
		assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409]);
	});

	test('ended, the tag may watch another; its history stays on the first case', async () => {
		const uid = unique('moved-tag');
		await post(c.supervisor, '/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'json' });
		const a = (await createCase(c.officer)).ref;
		const b = (await createCase(c.officer)).ref;
		const first = await post(c.officer, `/api/v1/cases/${a}/monitoring`, { device: uid, role: 'suspect' });
		expectError(await c.officer.patch(`/api/v1/cases/${a}/monitoring/${first.id}`, {}), 400, 'bad_request', 'reason');
		const ended = await c.officer.patch(`/api/v1/cases/${a}/monitoring/${first.id}`, { reason: 'order discharged' });
		assert.equal(ended.status, 200, ended.text);
		expectError(await c.officer.patch(`/api/v1/cases/${a}/monitoring/${first.id}`, { reason: 'again' }), 409, 'conflict');
		await post(c.officer, `/api/v1/cases/${b}/monitoring`, { device: uid, role: 'suspect' });
		const tl = await c.officer.get(`/api/v1/cases/${a}/timeline`);
		assert.ok(JSON.stringify(tl.body).includes('monitoring_ended'));
		// kent cannot end met's assignment
		expectError(await c.kofficer.patch(`/api/v1/cases/${a}/monitoring/${first.id}`, { reason: 'x' }), 403, 'forbidden');
	});
});

describe('3. the live stream ends with the rights that opened it', () => {
	async function tamper() {
		await fixes(c.supervisor, [{ device: w.MT, at: iso(nextAt()), lat: HOME[0], lon: HOME[1], events: ['case_open'] }]);
	}
	test('after logout: an end event, then nothing', async () => {
		const op = await srv.login('operator');
		const s = await connectStream(srv.url, op, { track: streams });
		await op.post('/api/v1/logout');
		await waitFor('the stream to end', () => s.ended, 8000);
		const end = s.events.find((e) => e.event === 'end');
		assert.equal(end?.data.code, 'signed_out');
		await tamper();
		await sleep(500);
		assert.ok(!s.events.some((e) => e.event === 'alert'), 'no alert after sign-out');
	});

	test('after the account is disabled', async () => {
		srv.addUser('op-disable', 'operator', 'met');
		const op = await srv.login('op-disable');
		const s = await connectStream(srv.url, op, { track: streams });
		const u = (await c.admin.get('/api/v1/users/op-disable')).body;
		assert.equal((await c.admin.patch('/api/v1/users/op-disable', { version: u.version, disabled: true })).status, 200);
		await waitFor('the stream to end', () => s.ended, 8000);
		assert.ok(['account_disabled', 'signed_out'].includes(s.events.find((e) => e.event === 'end')?.data.code));
		await tamper();
		await sleep(500);
		assert.ok(!s.events.some((e) => e.event === 'alert'));
	});

	test('after the role changes to one that may not work alerts', async () => {
		srv.addUser('op-demoted', 'operator', 'met');
		const op = await srv.login('op-demoted');
		const s = await connectStream(srv.url, op, { track: streams });
		const u = (await c.admin.get('/api/v1/users/op-demoted')).body;
		assert.equal((await c.admin.patch('/api/v1/users/op-demoted', { version: u.version, role: 'analyst' })).status, 200);
		await waitFor('the stream to end', () => s.ended, 8000);
		assert.equal(s.events.find((e) => e.event === 'end')?.data.code, 'forbidden');
		await tamper();
		await sleep(500);
		assert.ok(!s.events.some((e) => e.event === 'alert'));
	});

	test('after the token is revoked, and after a grant is revoked the contractor\'s stream loses met\'s cases', async () => {
		const t = await srv.serviceToken(c.admin, 'operator', { name: 'desk-feed' });
		const s = await connectStream(srv.url, srv.bearer(t.token), { track: streams });
		assert.equal(s.status, 200);
		assert.equal((await c.admin.del(`/api/v1/tokens/${t.id}`)).status, 200);
		await waitFor('the stream to end', () => s.ended, 8000);
		assert.equal(s.events.find((e) => e.event === 'end')?.data.code, 'signed_out');

		// g4s's operator: met's grant revoked while her stream is open
		srv.addUser('gop2', 'operator', 'g4s');
		const g = await srv.login('gop2');
		const gs = await connectStream(srv.url, g, { track: streams });
		const grants = (await c.admin.get('/api/v1/service-grants')).body.grants;
		const mine = grants.find((x) => x.provider === 'g4s' && x.client === 'met');
		assert.ok(mine, JSON.stringify(grants));
		expectError(await c.kadmin.del(`/api/v1/service-grants/${mine.id}`), 404, 'not_found'); // not kent's to end
		assert.equal((await c.admin.del(`/api/v1/service-grants/${mine.id}`)).status, 200);
		await tamper();
		await sleep(800);
		assert.ok(!gs.events.some((e) => e.event === 'alert'), 'no met alert reaches g4s after the grant is revoked');
		expectError(await g.get(`/api/v1/cases/${w.M}`), 403, 'forbidden');
		expectError(await g.get(`/api/v1/devices/${w.MT}`), 404, 'not_found');
		// offered again: nothing until g4s accepts
		const offer = await c.admin.post('/api/v1/service-grants', { provider: 'g4s', note: 'renewed' });
		assert.equal(offer.status, 201, offer.text);
		assert.equal(offer.body.state, 'offered');
		expectError(await g.get(`/api/v1/cases/${w.M}`), 403, 'forbidden');
		expectError(await c.admin.post(`/api/v1/service-grants/${offer.body.id}/accept`, {}), 404, 'not_found'); // not met's to accept
		const ok = await c.gadmin.post(`/api/v1/service-grants/${offer.body.id}/accept`, {});
		assert.equal(ok.status, 200, ok.text);
		assert.equal(ok.body.state, 'accepted');
		assert.equal((await g.get(`/api/v1/cases/${w.M}`)).status, 200);
		expectError(await c.admin.post('/api/v1/service-grants', { provider: 'g4s' }), 409, 'conflict');
		expectError(await c.kadmin.post('/api/v1/service-grants', { provider: 'nowhere' }), 400, 'bad_request', 'provider');
		expectError(await c.kadmin.post('/api/v1/service-grants', { provider: 'vsu' }), 400, 'bad_request', 'provider');
		expectError(await c.officer.post('/api/v1/service-grants', { provider: 'g4s' }), 403, 'forbidden');
	});
});

describe('4. an administrator cannot act as anyone', () => {
	test('no token for another agency\'s supervisor, nor for a person of her own', async () => {
		expectError(await c.admin.post('/api/v1/tokens', { name: 'x', username: 'ksupervisor' }), 400, 'bad_request', 'username');
		expectError(await c.kadmin.post('/api/v1/tokens', { name: 'x', username: 'supervisor' }), 400, 'bad_request', 'username');
		expectError(await c.admin.post('/api/v1/tokens', { name: 'x', username: 'supervisor' }), 403, 'forbidden', 'username');
		// nor reset his password, or plant an account in his agency
		expectError(await c.admin.patch('/api/v1/users/ksupervisor', { version: 1, password: 'now-i-am-kent-1' }), 404, 'not_found');
		expectError(await c.admin.post('/api/v1/users', { username: 'planted', role: 'supervisor', agency: 'kent', password: 'planted-password-1' }), 403, 'forbidden', 'agency');
	});

	test('a service account\'s token reads as it, and the audit trail names the token', async () => {
		const t = await srv.serviceToken(c.kadmin, 'supervisor', { name: 'kent-reports' });
		const res = await srv.bearer(t.token).get(`/api/v1/cases/${w.K}`);
		assert.equal(res.status, 200);
		expectError(await srv.bearer(t.token).get(`/api/v1/cases/${w.M}`), 403, 'forbidden');
		const audit = await c.ksupervisor.get(`/api/v1/audit?action=case.read&object=case:${w.K}&limit=5`);
		const e = audit.body.entries.find((x) => x.token_id === t.id);
		assert.ok(e, JSON.stringify(audit.body.entries));
		assert.match(e.username, /^svc-supervisor-/);
	});
});

describe('5. offender positions stay within the agencies that watch him', () => {
	test('no kent user gets a met tag\'s position from devices, alerts or trails', async () => {
		for (const u of ['kofficer', 'ksupervisor', 'koperator']) {
			for (const path of ['/api/v1/devices', `/api/v1/devices/${w.MT}`, '/api/v1/alerts?limit=500', `/api/v1/alerts/${w.MA}`]) {
				const res = await c[u].get(path);
				// (a 404 repeats the id it was asked for, and nothing else)
				const echoed = path.endsWith(w.MT) && res.status === 404;
				assert.ok((echoed || !res.text.includes(w.MT)) && !res.text.includes('51.507'), `${u} ${path}: ${res.text.slice(0, 200)}`);
			}
		}
	});

	test('kent\'s supervisor cannot post fixes for met\'s tag; a token bound to devices posts only for them', async () => {
		assert.deepEqual(await fixes(c.ksupervisor, [{ device: w.MT, at: iso(nextAt()), lat: 51.0, lon: 0.0 }]), ['unknown_device']);
		const n = sqlite(srv.db, `SELECT COUNT(*) FROM fixes WHERE device_id = (SELECT id FROM devices WHERE uid = '${w.MT}') AND lat = 51`).trim();
		assert.equal(n, '0');
		// a token of met's integration bound to the free tag
		const t = await srv.serviceToken(c.admin, 'operator', { name: 'tag-gateway', devices: [w.MF] });
		assert.deepEqual(t.devices, [w.MF]);
		const b = srv.bearer(t.token);
		assert.deepEqual(await fixes(b, [
			{ device: w.MF, at: iso(nextAt()), lat: 51.6, lon: -0.2 },
			{ device: w.MT, at: iso(nextAt()), lat: 51.6, lon: -0.2 },
		]), ['stored', 'unknown_device']);
		assert.deepEqual((await b.get('/api/v1/devices')).body.devices.map((d) => d.uid), [w.MF]);
		expectError(await b.get(`/api/v1/devices/${w.MT}`), 404, 'not_found');
		expectError(await b.get(`/api/v1/cases/${w.M}`), 403, 'forbidden');
		expectError(await b.get('/api/v1/alerts'), 403, 'forbidden');
		// a device out of the account's reach cannot be bound
		expectError(await c.admin.post('/api/v1/tokens', { name: 'x', username: t.username, devices: [w.KT] }), 400, 'bad_request', 'devices');
	});
});

describe('6. the audit trail accounts for every read', () => {
	test('device reads name the device; a list names what it listed', async () => {
		await c.kofficer.get(`/api/v1/devices/${w.KT}`);
		await c.kofficer.get('/api/v1/devices');
		const one = (await c.ksupervisor.get(`/api/v1/audit?action=device.get&user=kofficer&limit=1`)).body.entries[0];
		assert.equal(one.object, `device:${w.KT}`);
		const list = (await c.ksupervisor.get(`/api/v1/audit?action=device.list&user=kofficer&limit=1`)).body.entries[0];
		for (const d of ['KT', 'KP', 'KF']) assert.ok(list.detail.includes(w[d]), list.detail);
	});

	test('refused reads name the object: a case, a device, an alert', async () => {
		await c.kofficer.get(`/api/v1/cases/${w.M}`);
		await c.kofficer.get(`/api/v1/devices/${w.MP}`);
		await c.clinician.get(`/api/v1/devices/${w.MP}`); // refused by role, before any handler
		await c.koperator.get(`/api/v1/alerts/${w.MA}`);
		const q = async (user, action) => (await c.supervisor.get(`/api/v1/audit?action=${action}&user=${user}&limit=1`)).body.entries[0];
		const e1 = await q('kofficer', 'case.read');
		assert.deepEqual([e1.object, e1.outcome], [`case:${w.M}`, 'denied']);
		const e2 = await q('kofficer', 'device.get');
		assert.deepEqual([e2.object, e2.status], [`device:${w.MP}`, 404]);
		const e3 = await q('clinician', 'device.get');
		assert.deepEqual([e3.object, e3.outcome], [`device:${w.MP}`, 'denied']);
		const e4 = await q('koperator', 'alert.get');
		assert.deepEqual([e4.object, e4.outcome], [`alert:${w.MA}`, 'denied']);
	});
});

describe('7. holes a review found, closed', () => {
	test('no agency makes another its monitoring centre on its own say: an offer reaches nothing until accepted', async () => {
		const offer = await c.kadmin.post('/api/v1/service-grants', { provider: 'met', note: 'kent says so' });
		assert.equal(offer.status, 201, offer.text);
		assert.equal(offer.body.state, 'offered');
		// met's free kit is still not kent's to list, assign or post for
		const list = await c.kofficer.get('/api/v1/devices');
		assert.ok(!list.body.devices.some((d) => d.uid === w.MF));
		expectError(await c.kofficer.post(`/api/v1/cases/${w.K}/monitoring`, { device: w.MF, role: 'suspect' }), 400, 'bad_request', 'device');
		assert.deepEqual(await fixes(c.ksupervisor, [{ device: w.MF, at: iso(nextAt()), lat: 51.0, lon: 0.0 }]), ['unknown_device']);
		// met sees the offer, and declines it
		const grants = (await c.admin.get('/api/v1/service-grants')).body.grants;
		const mine = grants.find((g) => g.id === offer.body.id);
		assert.deepEqual([mine.client, mine.provider, mine.state], ['kent', 'met', 'offered']);
		assert.equal((await c.admin.del(`/api/v1/service-grants/${offer.body.id}`)).status, 200);
	});

	test("a contractor's supervisor cannot read or change a client's case", async () => {
		expectError(await c.gsupervisor.get(`/api/v1/cases/${w.M}`), 403, 'forbidden');
		expectError(await c.gsupervisor.patch(`/api/v1/cases/${w.M}`, { version: 1, summary: 'changed by g4s' }), 403, 'forbidden');
	});

	test("a device passed on does not show where its last wearer was", async () => {
		// g4s's free tag has a position (its last use); met's officer puts it on a new case
		const ref = (await createCase(c.officer)).ref;
		const seenBefore = (await c.goperator.get(`/api/v1/devices/${w.GF}`)).body.state.last_position;
		assert.ok(seenBefore, 'its owner sees it on the shelf');
		const a = await post(c.officer, `/api/v1/cases/${ref}/monitoring`, { device: w.GF, role: 'suspect' });
		for (const u of ['officer', 'supervisor', 'goperator']) {
			const res = await c[u].get(`/api/v1/devices/${w.GF}`);
			assert.equal(res.status, 200, `${u}: ${res.text}`);
			assert.equal(res.body.state.last_position, undefined, `${u} sees no position from before the watch`);
		}
		const mon = await c.officer.get(`/api/v1/cases/${ref}/monitoring`);
		assert.equal(mon.body.devices.find((d) => d.uid === w.GF).state.last_position, undefined);
		// his first fix under this watch is theirs to see
		const t = nextAt();
		await fixes(c.goperator, [{ device: w.GF, at: iso(t), lat: 51.47, lon: -0.07, accuracy_m: 5 }]);
		await applied(c.goperator, w.GF, iso(t));
		assert.ok((await c.officer.get(`/api/v1/devices/${w.GF}`)).body.state.last_position);
		// ended, it goes back on the shelf: the next user sees nothing of this case's
		assert.equal((await c.officer.patch(`/api/v1/cases/${ref}/monitoring/${a.id}`, { reason: 'done' })).status, 200);
		assert.equal((await c.goperator.get(`/api/v1/devices/${w.GF}`)).body.state.last_position, undefined);
		expectError(await c.officer.patch(`/api/v1/cases/${ref}/monitoring/${a.id}`, { reason: 'again', ends_at: iso(Date.now() + 86400e3) }), 409, 'conflict');
	});

	test("the audit trail: each agency reads its own part, not another's", async () => {
		const met = (await c.supervisor.get('/api/v1/audit?limit=500')).body.entries;
		const kent = (await c.ksupervisor.get('/api/v1/audit?limit=500')).body.entries;
		assert.ok(met.length > 0 && kent.length > 0);
		assert.ok(!kent.some((e) => e.agency === 'met' && e.object?.startsWith('case:') && e.object !== `case:${w.K}`), 'no met work on met cases in kent\'s trail');
		assert.ok(!kent.some((e) => e.action === 'case.monitoring_end' && e.agency === 'met'), 'nor the reasons met gave');
		assert.ok(!met.some((e) => e.agency === 'kent' && e.object === `case:${w.K}`), 'nor kent\'s in met\'s');
		// what kent's staff tried on met's cases is in met's part
		assert.ok(met.some((e) => e.agency === 'kent' && e.object === `case:${w.M}`));
	});

	test('an assignment starts within 90 days, and can only be shortened', async () => {
		const ref = (await createCase(c.officer)).ref;
		expectError(await c.officer.post(`/api/v1/cases/${ref}/monitoring`, { device: w.MF, role: 'suspect', starts_at: iso(Date.now() + 100 * 86400e3) }), 400, 'bad_request', 'starts_at');
		const a = await post(c.officer, `/api/v1/cases/${ref}/monitoring`, { device: w.MF, role: 'suspect', starts_at: iso(Date.now() + 86400e3), ends_at: iso(Date.now() + 2 * 86400e3) });
		// booked for tomorrow: the officer still sees it, and a second booking is 409, not "no device"
		assert.equal((await c.officer.get(`/api/v1/devices/${w.MF}`)).status, 200);
		const other = (await createCase(c.officer)).ref;
		expectError(await c.officer.post(`/api/v1/cases/${other}/monitoring`, { device: w.MF, role: 'suspect' }), 409, 'device_in_use');
		expectError(await c.officer.patch(`/api/v1/cases/${ref}/monitoring/${a.id}`, { reason: 'longer', ends_at: iso(Date.now() + 3 * 86400e3) }), 400, 'bad_request', 'ends_at');
		assert.equal((await c.officer.patch(`/api/v1/cases/${ref}/monitoring/${a.id}`, { reason: 'not needed' })).status, 200);
	});
});
