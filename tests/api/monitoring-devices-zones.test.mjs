// Electronic monitoring, the set-up: registering devices (who may, what is
// checked, the state shown), drawing zones on a case (every way a geometry can
// be wrong is a 400 that says what is wrong; a zone's geometry is shown only to
// roles that protect the victim) and assigning a device to the suspect or the
// victim of a case (an offender tag watches the suspect, a victim's device
// the victim).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer, stopServer } from './lib/server.mjs';
import { createCase, unique } from './lib/casekit.mjs';

let srv;
const c = {}; // clients by role
let caseA; // the officer's case
let caseB; // the supervisor's case (the officer may not see it)
const YEAR = new Date().getUTCFullYear();
const unknownRef = `STAC-${YEAR}-999999`;

// a home in London, GeoJSON order [longitude, latitude]
const HOME = [-0.1278, 51.5074];
const point = (lonlat = HOME) => ({ type: 'Point', coordinates: lonlat });
const square = (d = 0.002, [lon, lat] = HOME) => ({
	type: 'Polygon',
	coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]],
});

before(async () => {
	srv = await startServer();
	Object.assign(c, await srv.logins());
	caseA = await createCase(c.officer, { suspect: { name: 'Sam Tagged' } });
	caseB = await createCase(c.supervisor, { suspect: { name: 'Bob Tagged' } });
});
after(() => stopServer(srv));

async function newDevice(kind = 'offender_tag', extra = {}) {
	const uid = unique('dev');
	const res = await c.operator.post('/api/v1/devices', { uid, kind, protocol: 'osmand', ...extra });
	assert.equal(res.status, 201, res.text);
	return res.body;
}

describe('registering a device', () => {
	test('an operator registers an offender tag: 201 with its fields and the default interval of 60 s', async () => {
		const uid = unique('tag');
		const res = await c.operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'teltonika' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.uid, uid);
		assert.equal(res.body.kind, 'offender_tag');
		assert.equal(res.body.protocol, 'teltonika');
		assert.equal(res.body.expected_interval_s, 60);
		assert.equal(res.body.rejected_fixes, 0);
		assert.equal(typeof res.body.id, 'number');
		assert.match(res.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	});

	test('a supervisor registers a victim phone and a victim alarm with their intervals (201)', async () => {
		for (const [kind, protocol, interval] of [['victim_phone', 'osmand', 30], ['victim_alarm', 'json', 600]]) {
			const uid = unique('v');
			const res = await c.supervisor.post('/api/v1/devices', { uid, kind, protocol, expected_interval_s: interval });
			assert.equal(res.status, 201, res.text);
			assert.equal(res.body.kind, kind);
			assert.equal(res.body.protocol, protocol);
			assert.equal(res.body.expected_interval_s, interval);
		}
	});

	test('officer, clinician, advocate, analyst and admin may not register a device (403)', async () => {
		for (const role of ['officer', 'clinician', 'advocate', 'analyst', 'admin']) {
			const res = await c[role].post('/api/v1/devices', { uid: unique('x'), kind: 'offender_tag', protocol: 'osmand' });
			expectError(res, 403, 'forbidden');
		}
	});

	test('without signing in it is 401', async () => {
		const res = await srv.client().post('/api/v1/devices', { uid: unique('x'), kind: 'offender_tag', protocol: 'osmand' });
		assert.equal(res.status, 401);
	});

	test('a uid already registered is 409 conflict on uid', async () => {
		const dv = await newDevice();
		const res = await c.supervisor.post('/api/v1/devices', { uid: dv.uid, kind: 'victim_phone', protocol: 'osmand' });
		expectError(res, 409, 'conflict', 'uid');
	});

	test('a missing, empty, too long or spaced uid is 400 on uid', async () => {
		const base = { kind: 'offender_tag', protocol: 'osmand' };
		expectError(await c.operator.post('/api/v1/devices', base), 400, 'bad_request', 'uid');
		expectError(await c.operator.post('/api/v1/devices', { ...base, uid: '' }), 400, 'bad_request', 'uid');
		expectError(await c.operator.post('/api/v1/devices', { ...base, uid: 'x'.repeat(65) }), 400, 'bad_request', 'uid');
		expectError(await c.operator.post('/api/v1/devices', { ...base, uid: 'two words' }), 400, 'bad_request', 'uid');
		expectError(await c.operator.post('/api/v1/devices', { ...base, uid: 'ctl\u0001' }), 400, 'bad_request', 'uid');
		expectError(await c.operator.post('/api/v1/devices', { ...base, uid: 42 }), 400, 'bad_request', 'uid');
	});

	test('a 64-character uid is accepted', async () => {
		const uid = `${unique('L')}-`.padEnd(64, 'z');
		const res = await c.operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'osmand' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.uid, uid);
	});

	test('an unknown kind is 400 on kind, an unknown protocol 400 on protocol', async () => {
		expectError(await c.operator.post('/api/v1/devices', { uid: unique('x'), kind: 'ankle', protocol: 'osmand' }),
			400, 'bad_request', 'kind');
		expectError(await c.operator.post('/api/v1/devices', { uid: unique('x'), protocol: 'osmand' }), 400, 'bad_request', 'kind');
		expectError(await c.operator.post('/api/v1/devices', { uid: unique('x'), kind: 'offender_tag', protocol: 'gt06' }),
			400, 'bad_request', 'protocol');
		expectError(await c.operator.post('/api/v1/devices', { uid: unique('x'), kind: 'offender_tag' }), 400, 'bad_request', 'protocol');
	});

	test('expected_interval_s outside 1..86400 or not a whole number is 400 on expected_interval_s', async () => {
		for (const v of [0, -5, 86401, 1.5, '60']) {
			const res = await c.operator.post('/api/v1/devices', { uid: unique('x'), kind: 'offender_tag', protocol: 'osmand', expected_interval_s: v });
			expectError(res, 400, 'bad_request', 'expected_interval_s');
		}
	});

	test('an unknown field is 400 naming it', async () => {
		const res = await c.operator.post('/api/v1/devices', { uid: unique('x'), kind: 'offender_tag', protocol: 'osmand', imei: '1' });
		expectError(res, 400, 'bad_request', 'imei');
	});

	test('a refused registration leaves no device behind', async () => {
		const uid = unique('gone');
		await c.operator.post('/api/v1/devices', { uid, kind: 'offender_tag', protocol: 'nope' });
		expectError(await c.operator.get(`/api/v1/devices/${uid}`), 404, 'not_found');
	});
});

describe('reading devices', () => {
	let dv;
	before(async () => {
		dv = await newDevice('offender_tag', { expected_interval_s: 45 });
	});

	test('operator, supervisor and officer list devices (200) and see the new one', async () => {
		for (const role of ['operator', 'supervisor', 'officer']) {
			const res = await c[role].get('/api/v1/devices');
			assert.equal(res.status, 200, `${role}: ${res.text}`);
			const mine = res.body.devices.find((d) => d.uid === dv.uid);
			assert.ok(mine, `${role} sees the device`);
			assert.equal(mine.expected_interval_s, 45);
		}
	});

	test('clinician, advocate, analyst and admin may not list or read devices (403)', async () => {
		for (const role of ['clinician', 'advocate', 'analyst', 'admin']) {
			expectError(await c[role].get('/api/v1/devices'), 403, 'forbidden');
			expectError(await c[role].get(`/api/v1/devices/${dv.uid}`), 403, 'forbidden');
		}
	});

	test('a device that never reported has a state with no fix, no battery, signal not lost, not charging and no position', async () => {
		const res = await c.operator.get(`/api/v1/devices/${dv.uid}`);
		assert.equal(res.status, 200, res.text);
		assert.ok(res.body.state, 'the state is shown');
		assert.equal(res.body.state.last_fix_at, null);
		assert.equal(res.body.state.battery, null);
		assert.equal(res.body.state.signal_lost, false);
		assert.equal(res.body.state.charging, false);
		assert.equal(res.body.state.last_position, undefined);
	});

	test('an unknown device is 404 not_found', async () => {
		expectError(await c.operator.get('/api/v1/devices/no-such-device'), 404, 'not_found');
	});
});

describe('drawing zones', () => {
	const zonesOf = (ref) => `/api/v1/cases/${ref}/zones`;
	const post = (body, who = c.officer, ref = caseA.ref) => who.post(zonesOf(ref), body);

	test('an exclusion circle: 201 with its radius, the default warning ring of 200 m and the geometry as given', async () => {
		const res = await post({ name: 'Home', kind: 'exclusion', geometry: point(), radius_m: 250 });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.name, 'Home');
		assert.equal(res.body.kind, 'exclusion');
		assert.equal(res.body.radius_m, 250);
		assert.equal(res.body.warning_m, 200);
		assert.deepEqual(res.body.geometry, point());
		assert.equal(typeof res.body.id, 'number');
	});

	test('an exclusion polygon with its own warning ring: 201, no radius', async () => {
		const res = await post({ name: 'Work', kind: 'exclusion', geometry: square(), warning_m: 500 }, c.supervisor);
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.warning_m, 500);
		assert.equal(res.body.radius_m, undefined);
		assert.deepEqual(res.body.geometry, square());
	});

	test('a proximity zone: 201 with a radius and no geometry; warning_m 0 means no ring', async () => {
		const res = await post({ name: 'Near her', kind: 'proximity', radius_m: 500, warning_m: 0 });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.kind, 'proximity');
		assert.equal(res.body.radius_m, 500);
		assert.equal(res.body.warning_m, 0);
		assert.equal(res.body.geometry, undefined);
	});

	test('the radius bounds 10 and 50000 m are accepted', async () => {
		assert.equal((await post({ name: 'tiny', kind: 'exclusion', geometry: point(), radius_m: 10 })).status, 201);
		assert.equal((await post({ name: 'huge', kind: 'exclusion', geometry: point(), radius_m: 50000 })).status, 201);
	});

	test('a missing or bad name is 400 on name; an unknown kind 400 on kind', async () => {
		expectError(await post({ kind: 'exclusion', geometry: point(), radius_m: 100 }), 400, 'bad_request', 'name');
		expectError(await post({ name: '', kind: 'exclusion', geometry: point(), radius_m: 100 }), 400, 'bad_request', 'name');
		expectError(await post({ name: 'bad\u0007', kind: 'exclusion', geometry: point(), radius_m: 100 }), 400, 'bad_request', 'name');
		expectError(await post({ name: 'x', kind: 'inclusion', geometry: point(), radius_m: 100 }), 400, 'bad_request', 'kind');
		expectError(await post({ name: 'x', geometry: point(), radius_m: 100 }), 400, 'bad_request', 'kind');
	});

	test('an exclusion zone without a geometry is 400 on geometry', async () => {
		expectError(await post({ name: 'x', kind: 'exclusion', radius_m: 100 }), 400, 'bad_request', 'geometry');
	});

	test('a geometry that is not a GeoJSON object is 400 on geometry', async () => {
		expectError(await post({ name: 'x', kind: 'exclusion', geometry: 'POINT(0 51)', radius_m: 100 }), 400, 'bad_request', 'geometry');
		expectError(await post({ name: 'x', kind: 'exclusion', geometry: { coordinates: HOME }, radius_m: 100 }), 400, 'bad_request', 'geometry');
	});

	test('a geometry type other than Point or Polygon is 400 on geometry.type', async () => {
		const line = { type: 'LineString', coordinates: [HOME, [HOME[0] + 0.01, HOME[1]]] };
		const res = await post({ name: 'x', kind: 'exclusion', geometry: line, radius_m: 100 });
		expectError(res, 400, 'bad_request', 'geometry.type');
		assert.match(res.body.error.message, /Point or Polygon/);
	});

	test('a Point without [longitude, latitude] numbers is 400 on geometry.coordinates', async () => {
		for (const coordinates of [[], [-0.1], ['-0.1', '51.5'], null, { lon: 0, lat: 51 }]) {
			const res = await post({ name: 'x', kind: 'exclusion', geometry: { type: 'Point', coordinates }, radius_m: 100 });
			expectError(res, 400, 'bad_request', 'geometry.coordinates');
		}
	});

	test('a Point out of range (longitude beyond 180, latitude beyond 90) is 400 saying so', async () => {
		for (const lonlat of [[181, 51.5], [-180.5, 51.5], [-0.1, 91], [-0.1, -90.01], [51.5, -120]]) {
			const res = await post({ name: 'x', kind: 'exclusion', geometry: point(lonlat), radius_m: 100 });
			expectError(res, 400, 'bad_request', 'geometry.coordinates');
			assert.match(res.body.error.message, /out of range/);
		}
	});

	test('a Point without radius_m is 400 on radius_m', async () => {
		const res = await post({ name: 'x', kind: 'exclusion', geometry: point() });
		expectError(res, 400, 'bad_request', 'radius_m');
		assert.match(res.body.error.message, /radius_m/);
	});

	test('an absurd radius (under 10 m, over 50 km, negative, zero, not a number) is 400 on radius_m', async () => {
		for (const radius_m of [9.9, 0, -100, 50000.5, 1e9, '100', true]) {
			const res = await post({ name: 'x', kind: 'exclusion', geometry: point(), radius_m });
			expectError(res, 400, 'bad_request', 'radius_m');
		}
	});

	test('a Polygon with a radius_m is 400 on radius_m', async () => {
		expectError(await post({ name: 'x', kind: 'exclusion', geometry: square(), radius_m: 100 }), 400, 'bad_request', 'radius_m');
	});

	test('an open ring (last position not the first) is 400 saying the ring is open', async () => {
		const g = square();
		g.coordinates[0].pop();
		const res = await post({ name: 'x', kind: 'exclusion', geometry: g });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /open/);
	});

	test('a self-intersecting ring (a bow tie) is 400 saying it intersects itself', async () => {
		const [lon, lat] = HOME;
		const d = 0.002;
		const bowtie = { type: 'Polygon', coordinates: [[[lon - d, lat - d], [lon + d, lat + d], [lon + d, lat - d], [lon - d, lat + d], [lon - d, lat - d]]] };
		const res = await post({ name: 'x', kind: 'exclusion', geometry: bowtie });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /intersects itself/);
	});

	test('a ring position out of range is 400 naming the position', async () => {
		const g = square();
		g.coordinates[0][2] = [200, 51.5];
		const res = await post({ name: 'x', kind: 'exclusion', geometry: g });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /position 2 is out of range/);
		const g2 = square();
		g2.coordinates[0][1] = [HOME[0], 95];
		expectError(await post({ name: 'x', kind: 'exclusion', geometry: g2 }), 400, 'bad_request', 'geometry.coordinates');
	});

	test('a ring of fewer than 4 positions is 400 saying it needs 4', async () => {
		const [lon, lat] = HOME;
		const tri = { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.01, lat], [lon, lat]]] };
		const res = await post({ name: 'x', kind: 'exclusion', geometry: tri });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /at least 4/);
	});

	test('a ring with a repeated position, or that encloses no area, is 400', async () => {
		const [lon, lat] = HOME;
		const dup = { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat], [lon, lat + 0.01], [lon, lat]]] };
		let res = await post({ name: 'x', kind: 'exclusion', geometry: dup });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /same point/);
		const flat = { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.01, lat], [lon + 0.02, lat], [lon, lat]]] };
		res = await post({ name: 'x', kind: 'exclusion', geometry: flat });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
	});

	test('a polygon with a hole (two rings) or no ring is 400 on geometry.coordinates', async () => {
		const withHole = square();
		withHole.coordinates.push(square(0.0005).coordinates[0]);
		let res = await post({ name: 'x', kind: 'exclusion', geometry: withHole });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /one ring/);
		res = await post({ name: 'x', kind: 'exclusion', geometry: { type: 'Polygon', coordinates: [] } });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
	});

	test('a ring position that is not [longitude, latitude] is 400 naming it', async () => {
		const g = square();
		g.coordinates[0][1] = ['x', 'y'];
		const res = await post({ name: 'x', kind: 'exclusion', geometry: g });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /position 1/);
	});

	test('a ring of more than 512 positions is 400', async () => {
		const [lon, lat] = HOME;
		const ring = [];
		for (let i = 0; i < 600; i++) {
			const a = (2 * Math.PI * i) / 600;
			ring.push([lon + 0.01 * Math.cos(a), lat + 0.01 * Math.sin(a)]);
		}
		ring.push(ring[0]);
		const res = await post({ name: 'x', kind: 'exclusion', geometry: { type: 'Polygon', coordinates: [ring] } });
		expectError(res, 400, 'bad_request', 'geometry.coordinates');
		assert.match(res.body.error.message, /512/);
	});

	test('a proximity zone with a geometry is 400 on geometry; without radius_m 400 on radius_m', async () => {
		expectError(await post({ name: 'x', kind: 'proximity', geometry: point(), radius_m: 100 }), 400, 'bad_request', 'geometry');
		expectError(await post({ name: 'x', kind: 'proximity' }), 400, 'bad_request', 'radius_m');
		expectError(await post({ name: 'x', kind: 'proximity', radius_m: 5 }), 400, 'bad_request', 'radius_m');
		expectError(await post({ name: 'x', kind: 'proximity', radius_m: 60000 }), 400, 'bad_request', 'radius_m');
	});

	test('warning_m outside 0..5000 or not a number is 400 on warning_m', async () => {
		for (const warning_m of [-1, 5001, '200']) {
			const res = await post({ name: 'x', kind: 'exclusion', geometry: point(), radius_m: 100, warning_m });
			expectError(res, 400, 'bad_request', 'warning_m');
		}
	});

	test('an unknown field is 400 naming it', async () => {
		expectError(await post({ name: 'x', kind: 'exclusion', geometry: point(), radius_m: 100, colour: 'red' }), 400, 'bad_request', 'colour');
	});

	test('a zone on an unknown case is 404, on a case the officer may not see 403', async () => {
		const body = { name: 'x', kind: 'exclusion', geometry: point(), radius_m: 100 };
		expectError(await post(body, c.officer, unknownRef), 404, 'not_found');
		expectError(await post(body, c.officer, caseB.ref), 403, 'forbidden');
	});

	test('operator, clinician, advocate, analyst and admin may not draw zones (403)', async () => {
		const body = { name: 'x', kind: 'exclusion', geometry: point(), radius_m: 100 };
		for (const role of ['operator', 'clinician', 'advocate', 'analyst', 'admin'])
			expectError(await post(body, c[role]), 403, 'forbidden');
	});

	test('refused zones were not stored: the list holds only the accepted ones', async () => {
		const res = await c.officer.get(zonesOf(caseA.ref));
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.ref, caseA.ref);
		const names = res.body.zones.map((z) => z.name).sort();
		assert.deepEqual(names, ['Home', 'Near her', 'Work', 'huge', 'tiny']);
	});

	test('the list gives the geometry to the officer and the supervisor', async () => {
		for (const role of ['officer', 'supervisor']) {
			const res = await c[role].get(zonesOf(caseA.ref));
			assert.equal(res.status, 200, res.text);
			const home = res.body.zones.find((z) => z.name === 'Home');
			assert.deepEqual(home.geometry, point());
			assert.equal(home.geometry_withheld, undefined);
		}
	});

	test('an analyst sees the zones but never their geometry: geometry_withheld', async () => {
		const res = await c.analyst.get(zonesOf(caseA.ref));
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.zones.length, 5);
		for (const z of res.body.zones) {
			assert.equal(z.geometry, undefined, `zone ${z.name}: no geometry`);
			if (z.kind === 'exclusion') assert.equal(z.geometry_withheld, true);
		}
		assert.ok(!res.text.includes('51.5074'), 'no latitude of the home anywhere in the answer');
		assert.ok(!res.text.includes('-0.1278'), 'no longitude of the home anywhere in the answer');
	});

	test('removing a zone: 200, then it is gone from the list, and removing it again is 404', async () => {
		const made = await post({ name: 'Temporary', kind: 'exclusion', geometry: point(), radius_m: 50 });
		assert.equal(made.status, 201);
		expectError(await c.operator.del(`${zonesOf(caseA.ref)}/${made.body.id}`), 403, 'forbidden');
		const res = await c.officer.del(`${zonesOf(caseA.ref)}/${made.body.id}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body, { id: made.body.id, removed: true });
		const list = await c.officer.get(zonesOf(caseA.ref));
		assert.ok(!list.body.zones.some((z) => z.id === made.body.id));
		expectError(await c.officer.del(`${zonesOf(caseA.ref)}/${made.body.id}`), 404, 'not_found');
	});

	test('removing a zone through another case, or an id that is not a number, is 404', async () => {
		const made = await post({ name: 'Keep', kind: 'exclusion', geometry: point(), radius_m: 50 });
		expectError(await c.supervisor.del(`${zonesOf(caseB.ref)}/${made.body.id}`), 404, 'not_found');
		expectError(await c.officer.del(`${zonesOf(caseA.ref)}/abc`), 404, 'not_found');
		expectError(await c.officer.del(`${zonesOf(caseA.ref)}/0`), 404, 'not_found');
		const list = await c.officer.get(zonesOf(caseA.ref));
		assert.ok(list.body.zones.some((z) => z.id === made.body.id), 'still there');
		await c.officer.del(`${zonesOf(caseA.ref)}/${made.body.id}`);
	});
});

describe('assigning a device to a case', () => {
	const mon = (ref) => `/api/v1/cases/${ref}/monitoring`;

	test('an offender tag to the suspect: 201 with the case, device, role and a start time', async () => {
		const dv = await newDevice('offender_tag');
		const before = Date.now();
		const res = await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'suspect' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.ref, caseA.ref);
		assert.equal(res.body.device, dv.uid);
		assert.equal(res.body.role, 'suspect');
		assert.equal(res.body.ends_at, null);
		assert.ok(Date.parse(res.body.starts_at) >= before - 1000);
		assert.equal(typeof res.body.id, 'number');
	});

	test("a victim's phone and a victim's alarm to the victim: 201", async () => {
		for (const kind of ['victim_phone', 'victim_alarm']) {
			const dv = await newDevice(kind);
			const res = await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'victim' });
			assert.equal(res.status, 201, `${kind}: ${res.text}`);
			assert.equal(res.body.role, 'victim');
		}
	});

	test('an offender tag on the victim is 400 on role', async () => {
		const dv = await newDevice('offender_tag');
		expectError(await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'victim' }), 400, 'bad_request', 'role');
	});

	test("a victim's phone or alarm on the suspect is 400 on role", async () => {
		for (const kind of ['victim_phone', 'victim_alarm']) {
			const dv = await newDevice(kind);
			expectError(await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'suspect' }), 400, 'bad_request', 'role');
		}
	});

	test('a role other than suspect or victim is 400 on role', async () => {
		const dv = await newDevice('offender_tag');
		expectError(await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'witness' }), 400, 'bad_request', 'role');
		expectError(await c.officer.post(mon(caseA.ref), { device: dv.uid }), 400, 'bad_request', 'role');
	});

	test('an unregistered device is 400 on device; no device at all 400 on device', async () => {
		expectError(await c.officer.post(mon(caseA.ref), { device: 'never-registered', role: 'suspect' }), 400, 'bad_request', 'device');
		expectError(await c.officer.post(mon(caseA.ref), { role: 'suspect' }), 400, 'bad_request', 'device');
	});

	test('a period: ends_at before starts_at is 400 on ends_at, a starts_at that is not a time 400 on starts_at', async () => {
		const dv = await newDevice('offender_tag');
		const now = Date.now();
		expectError(await c.officer.post(mon(caseA.ref), {
			device: dv.uid, role: 'suspect', starts_at: new Date(now).toISOString(), ends_at: new Date(now - 3600e3).toISOString(),
		}), 400, 'bad_request', 'ends_at');
		expectError(await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'suspect', starts_at: 'tomorrow' }),
			400, 'bad_request', 'starts_at');
		expectError(await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'suspect', ends_at: '2026-13-01T00:00:00Z' }),
			400, 'bad_request', 'ends_at');
	});

	test('a period with both ends is kept as given', async () => {
		const dv = await newDevice('offender_tag');
		const day = 86400e3;
		const starts_at = new Date(Math.ceil(Date.now() / day) * day + 30 * day).toISOString();
		const ends_at = new Date(Date.parse(starts_at) + 180 * day).toISOString();
		const res = await c.officer.post(mon(caseA.ref), { device: dv.uid, role: 'suspect', starts_at, ends_at });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.starts_at, starts_at);
		assert.equal(res.body.ends_at, ends_at);
	});

	test('on an unknown case 404; on a case the officer may not see 403', async () => {
		const dv = await newDevice('offender_tag');
		expectError(await c.officer.post(mon(unknownRef), { device: dv.uid, role: 'suspect' }), 404, 'not_found');
		expectError(await c.officer.post(mon(caseB.ref), { device: dv.uid, role: 'suspect' }), 403, 'forbidden');
	});

	test('a supervisor assigns on a case of her agency (201)', async () => {
		const dv = await newDevice('offender_tag');
		const res = await c.supervisor.post(mon(caseB.ref), { device: dv.uid, role: 'suspect' });
		assert.equal(res.status, 201, res.text);
	});

	test('operator, clinician, advocate, analyst and admin may not assign (403)', async () => {
		const dv = await newDevice('offender_tag');
		for (const role of ['operator', 'clinician', 'advocate', 'analyst', 'admin'])
			expectError(await c[role].post(mon(caseA.ref), { device: dv.uid, role: 'suspect' }), 403, 'forbidden');
	});

	test('an operator reads a case only once a device is assigned to it', async () => {
		const k = await createCase(c.officer, { suspect: { name: 'Later Tagged' } });
		expectError(await c.operator.get(`/api/v1/cases/${k.ref}`), 403, 'forbidden');
		const dv = await newDevice('offender_tag');
		assert.equal((await c.officer.post(mon(k.ref), { device: dv.uid, role: 'suspect' })).status, 201);
		const res = await c.operator.get(`/api/v1/cases/${k.ref}`);
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.ref, k.ref);
	});
});
