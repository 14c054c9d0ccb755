// What the alert desk shows of an alert beside its trail: where both people
// were when it was decided and where they are now, apart and with their
// times (a proximity alert "150 m inside" must not show her a kilometre away
// because her marker moved on), hers only to the roles that protect her and
// only while the alert is worked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { stopServer } from './lib/server.mjs';
import { dest, startMonitoring } from './lib/monitorkit.mjs';

let srv;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring(undefined, ['operator', 'officer', 'supervisor']));
});
after(() => stopServer(srv));

const HOME = [51.5074, -0.1278];
const close = (p, q, m = 1) => Math.abs(p.lat - q[0]) < m * 1e-5 && Math.abs(p.lon - q[1]) < m * 1e-5;

describe('both positions, then and now', () => {
	test('a proximity alert: his and her positions at the decision, and theirs now, each with its time', async () => {
		const m = await k.monitored({ victim: true, zones: [{ kind: 'proximity', radius_m: 300, warning_m: 0 }] });
		const her = dest(HOME, 1000, 30);
		const [herAt] = await k.trail(m.phone, [her]);
		const hisPoint = dest(her, 150, 200);
		const [hisAt] = await k.trail(m.tag, [hisPoint]);
		const alert = await k.waitAlert(m.ref, 'proximity');
		// then she walks on 1.2 km, and he goes home
		const herNow = dest(her, 1200, 90);
		const hisNow = dest(HOME, 3000, 270);
		const [herNowAt] = await k.trail(m.phone, [herNow]);
		const [hisNowAt] = await k.trail(m.tag, [hisNow]);
		await k.settle();

		const res = await c.operator.get(`/api/v1/alerts/${alert.id}`);
		assert.equal(res.status, 200, res.text);
		const p = res.body.positions;
		assert.equal(p.at_alert.at, hisAt, 'the moment is the fix that decided it');
		assert.ok(close(p.at_alert.offender, hisPoint), JSON.stringify(p.at_alert.offender));
		assert.equal(p.at_alert.offender.at, hisAt);
		assert.equal(p.at_alert.offender.device, m.tag);
		assert.ok(close(p.at_alert.victim, her), JSON.stringify(p.at_alert.victim));
		assert.equal(p.at_alert.victim.at, herAt);
		assert.equal(p.at_alert.victim.device, m.phone);
		assert.ok(close(p.now.victim, herNow), JSON.stringify(p.now.victim));
		assert.equal(p.now.victim.at, herNowAt);
		assert.ok(close(p.now.offender, hisNow), JSON.stringify(p.now.offender));
		assert.equal(p.now.offender.at, hisNowAt);
		assert.equal(p.at_alert.offender.accuracy_m, 10);

		// resolved: her positions are no longer shown; his still are
		await k.resolve(alert.id, 'false_alarm');
		const after = (await c.supervisor.get(`/api/v1/alerts/${alert.id}`)).body.positions;
		assert.equal(after.at_alert.victim, undefined);
		assert.equal(after.now.victim, undefined);
		assert.ok(close(after.at_alert.offender, hisPoint));
	});

	test('a fix of hers from before the watch (or half an hour before the alert) says nothing of that moment', async () => {
		const m = await k.monitored({ victim: true, zones: [{ kind: 'exclusion', geometry: { type: 'Point', coordinates: [HOME[1], HOME[0]] }, radius_m: 200 }] });
		// her phone's only fix, an hour before his entry (fix times are the devices' own)
		const hourAgo = new Date(Date.now() - 3600e3).toISOString();
		let res = await c.operator.post('/api/v1/fixes', { fixes: [{ device: m.phone, at: hourAgo, lat: 51.6, lon: -0.2, accuracy_m: 10 }] });
		assert.equal(res.status, 200, res.text);
		await k.trail(m.tag, [HOME]);
		const alert = await k.waitAlert(m.ref, 'zone_entry');
		res = await c.operator.get(`/api/v1/alerts/${alert.id}`);
		assert.equal(res.body.positions.at_alert.victim, null);
		assert.ok(close(res.body.positions.at_alert.offender, HOME));
	});
});
