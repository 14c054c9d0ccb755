// A victim's location (where she lives, where her phone is, where she pressed
// her alarm) goes only to the roles that protect her: officer, supervisor,
// advocate, operator.  An analyst never receives it, from any endpoint; a
// clinician sees a zone without its geometry; and no log or audit line
// carries a position.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, ROLES, sleep, stopServer } from './lib/server.mjs';
import { circle, dest, iso, lonlat, nextAt, startMonitoring } from './lib/monitorkit.mjs';

let srv;
let c;
let k;

// distinctive coordinates, easy to find in any text
const HER_HOME = [51.4321987, -0.0987654];
const HER_PHONE = [51.4411223, -0.0911447];
const HER_ALARM = [51.4388765, -0.0933321];
const needles = [HER_HOME, HER_PHONE, HER_ALARM].flatMap(([lat, lon]) => [String(lat).slice(0, 8), String(lon).slice(0, 8)]);
const leaks = (text) => needles.filter((n) => text.includes(n));

let m; // the case
let alarm;
before(async () => {
	({ srv, c, k } = await startMonitoring(undefined, ROLES));
	m = await k.monitored({
		victim: true,
		zones: [circle(HER_HOME, 300, { name: 'Her home' }), { kind: 'proximity', radius_m: 500, name: 'Her' }],
	});
	alarm = await k.device('victim_alarm');
	await k.assign(m.ref, alarm, 'victim');
	// her phone reports; she presses her alarm; he comes near her
	await k.trail(m.phone, [HER_PHONE]);
	await k.post([{ device: alarm, at: iso(nextAt()), lat: HER_ALARM[0], lon: HER_ALARM[1], events: ['sos'] }]);
	await k.trail(m.tag, [dest(HER_PHONE, 3000, 0), dest(HER_PHONE, 100, 0)]);
	await k.waitAlert(m.ref, 'panic');
	await k.waitAlert(m.ref, 'proximity');
	// the case is referred to the advocates, and the suspect joins the programme
	let r = await c.officer.post(`/api/v1/cases/${m.ref}/referrals`, { agency: 'sas', note: 'victim support' });
	assert.equal(r.status, 201, r.text);
	r = await c.officer.post(`/api/v1/cases/${m.ref}/programme`, { consent_note: 'consent on form 12' });
	assert.equal(r.status, 201, r.text);
});
after(() => stopServer(srv));

describe('an analyst', () => {
	test("sees the case's zones without geometry: geometry_withheld, no coordinates anywhere", async () => {
		const res = await c.analyst.get(`/api/v1/cases/${m.ref}/zones`);
		assert.equal(res.status, 200, res.text);
		const home = res.body.zones.find((z) => z.name === 'Her home');
		assert.equal(home.geometry, undefined);
		assert.equal(home.geometry_withheld, true);
		assert.deepEqual(leaks(res.text), []);
	});

	test('reads the case and its timeline with no coordinates in them', async () => {
		for (const p of [`/api/v1/cases/${m.ref}`, `/api/v1/cases/${m.ref}/timeline`]) {
			const res = await c.analyst.get(p);
			assert.equal(res.status, 200, `${p}: ${res.text}`);
			assert.deepEqual(leaks(res.text), [], p);
		}
	});

	test("may not read devices (their state holds her phone's position): 403", async () => {
		expectError(await c.analyst.get('/api/v1/devices'), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/devices/${m.phone}`), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/devices/${alarm}`), 403, 'forbidden');
	});

	test('may not read alerts (her panic is placed where she pressed it): 403, nor the stream', async () => {
		const panic = await k.waitAlert(m.ref, 'panic');
		expectError(await c.analyst.get('/api/v1/alerts'), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/alerts?case=${m.ref}`), 403, 'forbidden');
		expectError(await c.analyst.get(`/api/v1/alerts/${panic.id}`), 403, 'forbidden');
		expectError(await c.analyst.get('/api/v1/alerts/stream'), 403, 'forbidden');
	});

	test('may not post fixes or draw zones: 403', async () => {
		expectError(await c.analyst.post('/api/v1/fixes', { fixes: [{ device: m.phone, at: iso(nextAt()), lat: 51.4, lon: -0.1 }] }), 403, 'forbidden');
		expectError(await c.analyst.post(`/api/v1/cases/${m.ref}/zones`, circle(HER_HOME, 100, { name: 'x' })), 403, 'forbidden');
	});

	test('finds no coordinates in the case list either', async () => {
		const res = await c.analyst.get('/api/v1/cases?limit=200');
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(leaks(res.text), []);
	});
});

describe('the other roles', () => {
	test("a clinician (the suspect is in her programme) sees the zones without geometry", async () => {
		const res = await c.clinician.get(`/api/v1/cases/${m.ref}/zones`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.zones.find((z) => z.name === 'Her home').geometry_withheld, true);
		assert.deepEqual(leaks(res.text), []);
	});

	test('the advocate of a referred case sees the geometry of her home zone', async () => {
		const res = await c.advocate.get(`/api/v1/cases/${m.ref}/zones`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.zones.find((z) => z.name === 'Her home').geometry.coordinates, lonlat(HER_HOME));
	});

	test("the officer and the operator see her phone's last position", async () => {
		for (const role of ['officer', 'operator', 'supervisor']) {
			const res = await c[role].get(`/api/v1/devices/${m.phone}`);
			assert.equal(res.status, 200, res.text);
			assert.deepEqual([res.body.state.last_position.lat, res.body.state.last_position.lon], HER_PHONE, role);
		}
	});

	test('the operator sees where she pressed her alarm, and its trail', async () => {
		const panic = await k.waitAlert(m.ref, 'panic');
		const res = await c.operator.get(`/api/v1/alerts/${panic.id}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.trail.map((f) => [f.lat, f.lon]), [HER_ALARM]);
		assert.deepEqual([panic.position.lat, panic.position.lon], HER_ALARM);
	});
});

describe('only on the cases one may see', () => {
	test("an officer who may not see a case does not get her phone's position from the device list", async () => {
		// a case of the supervisor's: the officer neither owns it nor is assigned to it
		const res = await c.supervisor.post('/api/v1/cases', { relationship: 'stranger', channel: 'in_person', summary: 'not the officer\'s', victims: [{ name: 'Another victim' }] });
		assert.equal(res.status, 201, res.text);
		const ref = res.body.ref;
		expectError(await c.officer.get(`/api/v1/cases/${ref}`), 403, 'forbidden');
		const phone = await k.device('victim_phone');
		assert.equal((await c.supervisor.post(`/api/v1/cases/${ref}/monitoring`, { device: phone, role: 'victim' })).status, 201);
		const where = [51.4402, -0.0922];
		await k.trail(phone, [where]);
		await k.settle();
		const sup = await c.supervisor.get(`/api/v1/devices/${phone}`);
		assert.ok(sup.body.state.last_position, 'the supervisor sees it');
		// a device watching a case she may not see is not hers to read at all
		expectError(await c.officer.get(`/api/v1/devices/${phone}`), 404, 'not_found');
		const list = await c.officer.get('/api/v1/devices');
		assert.ok(!list.body.devices.some((d) => d.uid === phone), 'not in her list');
		assert.ok(!list.text.includes(String(where[0])), 'her position in no answer');
	});

	test('a device read is in the audit trail', async () => {
		await c.operator.get(`/api/v1/devices/${m.phone}`);
		const res = await c.supervisor.get('/api/v1/audit?action=device.get&limit=20');
		assert.equal(res.status, 200, res.text);
		assert.ok(res.body.entries.some((e) => e.username === 'operator'), res.text);
	});
});

describe('logs and audit', () => {
	test("no position of hers in the server's log", async () => {
		await sleep(100);
		assert.deepEqual(leaks(srv.stderr()), []);
		assert.deepEqual(leaks(srv.stdout()), []);
	});

	test('no position of hers in the audit trail', async () => {
		const res = await c.supervisor.get('/api/v1/audit?limit=500');
		assert.equal(res.status, 200, res.text);
		assert.ok(res.text.includes('zone'), 'the zones were audited');
		assert.deepEqual(leaks(res.text), []);
	});
});
