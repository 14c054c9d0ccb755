// Asking a tag across nodes: two `vigil serve` nodes on one PostgreSQL
// database, the tag's session on the standby's Teltonika port.  The
// leader's engine asks for faster fixes; the standby, which holds the
// session, writes the Codec 12 command and records it and the tag's
// response; the leader records no "unavailable" for it; the next fix decides
// the entry, and the normal command follows the same way.  A tag with a
// session on neither node is recorded once as unavailable.
//
// PostgreSQL only (VIGIL_TEST_ENGINE=postgres): a SQLite file has one node.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, sleep, sqlite, stopSpawned } from './lib/server.mjs';
import { dest, iso, nextAt, waitFor } from './lib/monitorkit.mjs';
import { engineOf, sameSessionOn, twoNodes } from './lib/multinode.mjs';
import { imei, packet, tag } from './lib/teltonika.mjs';

const HOME = [51.5074, -0.1278];
const FAST = 'setparam 10050:4;10055:4';
const NORMAL = 'setparam 10050:50;10055:50';
const REMOTE_WAIT_MS = 3000; // REPORTING_REMOTE_WAIT_MS

let a; // the leader
let b = null; // the standby, on the same database
let onA;
let kA;

const telPort = (node) => Number(node.stdout().match(/Teltonika devices on tcp:\/\/127\.0\.0\.1:(\d+)/)[1]);

const watchedTag = (centre) => kA.watched(imei('36'), centre);

const events = (uid, kind) =>
	sqlite(a.db, `SELECT COALESCE(e.detail, '') FROM device_events e JOIN devices d ON d.id = e.device_id
		WHERE d.uid = '${uid}' AND e.kind = '${kind}' ORDER BY e.id`)
		.trim()
		.split('\n')
		.filter(Boolean)
		.map((d) => (d ? JSON.parse(d) : null));

describe('a command for a tag whose session is on another node', { skip: ENGINE !== 'postgres' && 'needs PostgreSQL: a SQLite file has one node' }, () => {
	const s = {};

	before(async () => {
		const args = ['--teltonika-listen', '127.0.0.1:0', '--confirm-seconds', '30', '--teltonika-fast-command', FAST,
			'--teltonika-normal-command', NORMAL];
		({ a, b, onA, kA } = await twoNodes(args));
		s.engines = [await engineOf(a.url), await engineOf(b.url)];

		const centre = dest(HOME, 4000, 0);
		s.here = await watchedTag(centre);
		s.nowhere = await watchedTag(dest(HOME, 4000, 90));

		// the tag's session is on the standby
		s.t = await tag(telPort(b), s.here.tag);
		assert.equal(s.t.answer, 1);
		const at1 = nextAt();
		s.t.write(packet([[at1, ...dest(centre, 95, 90), { hdop: 2, sats: 10 }]]));
		assert.equal(await s.t.ack(), 1);
		s.fast = await s.t.command(8000);
		s.t.respond('New value 10050:4;10055:4;');
		s.answered = await waitFor('the response to be recorded', () => events(s.here.tag, 'reporting_command_answered')[0], 8000);
		// longer than a request waits for another node to take it
		await sleep(REMOTE_WAIT_MS + 1000);
		s.unavailableHere = events(s.here.tag, 'faster_reporting_unavailable');
		s.deviceOnA = await kA.deviceState(s.here.tag);
		// the next, faster fix: confidently inside
		s.at2 = nextAt();
		s.t.write(packet([[s.at2, ...dest(centre, 70, 90), { hdop: 0.9, sats: 12 }]]));
		assert.equal(await s.t.ack(), 1);
		s.alert = await kA.waitAlert(s.here.ref, 'zone_entry', 8000);
		s.normal = await s.t.command(8000);
		s.t.respond('New value 10050:50;10055:50;');
		await waitFor('the normal command to be acknowledged', async () =>
			(await sameSessionOn(b, onA.operator).get(`/api/v1/devices/${s.here.tag}`)).body.reporting.state === 'acknowledged'
			&& (await kA.deviceState(s.here.tag)).reporting.requested === 'normal', 8000);
		s.deviceOnB = (await sameSessionOn(b, onA.operator).get(`/api/v1/devices/${s.here.tag}`)).body;
		s.t.close();

		// a tag connected to neither node
		await kA.trail(s.nowhere.tag, [dest(dest(HOME, 4000, 90), 95, 0)], { accuracy_m: 10 });
		s.nowhereEvents = await waitFor('faster_reporting_unavailable', () => {
			const list = events(s.nowhere.tag, 'faster_reporting_unavailable');
			return list.length ? list : null;
		}, REMOTE_WAIT_MS + 5000);
		await sleep(1500);
		s.nowhereCount = events(s.nowhere.tag, 'faster_reporting_unavailable').length;
	});
	after(async () => {
		await stopSpawned(b);
		if (a) await a.stop();
	});

	test('the first node leads, the other stands by with the tag\'s session', () => {
		assert.deepEqual(s.engines, ['leader', 'standby']);
	});

	test('the standby writes the leader\'s fast command on the session and records the response', () => {
		assert.equal(s.fast, FAST);
		assert.deepEqual(events(s.here.tag, 'reporting_command_sent')[0], { mode: 'fast', command: FAST });
		assert.deepEqual(s.answered, { mode: 'fast', response: 'New value 10050:4;10055:4;' });
		assert.deepEqual(s.unavailableHere, [], 'the leader heard that the standby took it');
		assert.equal(s.deviceOnA.reporting.state, 'acknowledged');
	});

	test('the next fix decides the entry, and the normal command goes the same way', () => {
		assert.equal(s.alert.decided_at, iso(s.at2));
		assert.equal(s.normal, NORMAL);
		assert.deepEqual(s.t.commands, [FAST, NORMAL]);
		assert.equal(s.deviceOnB.reporting.requested, 'normal');
		assert.equal(s.deviceOnB.reporting.response, 'New value 10050:50;10055:50;');
	});

	test('a tag with a session on neither node is recorded once as unavailable', () => {
		assert.equal(s.nowhereEvents[0].mode, 'fast');
		assert.equal(s.nowhereCount, 1);
		assert.deepEqual(events(s.nowhere.tag, 'reporting_command_sent'), []);
	});
});
