// "Ask the tag" (issue 14, item 3) and the accuracy of every protocol (item
// 4).  A Teltonika tag whose fix opens a possible entry is sent the fast
// command (Codec 12) on its own session; its response is recorded; its next,
// faster fix decides the entry long before the confirmation timer; once
// decided it is sent the normal command.  A tag with no session open is
// recorded as unavailable and gets the command it is owed when it connects.
// A device that cannot be commanded (OsmAnd, JSON) records
// faster_reporting_unavailable once per possible entry and is decided by
// the time rule.  A Teltonika record with HDOP 8 and 4 satellites is
// degraded (no entry from it alone); one with HDOP 0.9 and 12 satellites
// near the line is confident.  A device that reports no accuracy is taken
// at its kind's assumed accuracy, shown on the device.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sqlite, stopServer } from './lib/server.mjs';
import { dest, iso, nextAt, startMonitoring, waitFor } from './lib/monitorkit.mjs';
import { codec12, imei, packet, tag } from './lib/teltonika.mjs';

const CONFIRM_S = 12;
const ANSWER_S = 3; // --teltonika-command-timeout
const FAST = 'setparam 10050:3;10055:3';
const NORMAL = 'setparam 10050:45;10055:45';
const HOME = [51.5074, -0.1278];
let srv;
let TEL; // the Teltonika port
let OSM; // the OsmAnd base URL
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring({
		args: ['--teltonika-listen', '127.0.0.1:0', '--osmand-listen', '127.0.0.1:0', '--confirm-seconds',
			String(CONFIRM_S), '--teltonika-fast-command', FAST, '--teltonika-normal-command', NORMAL,
			'--teltonika-command-timeout', String(ANSWER_S)],
	}));
	TEL = srv.teltonikaPort();
	OSM = srv.osmandUrl();
});
after(() => stopServer(srv));

let serial = 0;
/** A case whose suspect wears a new device of that protocol, with a 100 m home zone at centre. */
const watched = (protocol, centre) =>
	k.watched(protocol === 'teltonika' ? imei() : `${protocol}-${process.pid}-${Date.now()}-${++serial}`, centre, protocol);

/** The device events of a device, oldest first: [{kind, detail}]. */
function events(uid) {
	return sqlite(srv.db, `SELECT e.kind, COALESCE(e.detail, '') FROM device_events e JOIN devices d ON d.id = e.device_id
		WHERE d.uid = '${uid}' ORDER BY e.id`)
		.trim()
		.split('\n')
		.filter(Boolean)
		.map((line) => {
			const [kind, ...rest] = line.split('|');
			const detail = rest.join('|');
			return { kind, detail: detail ? JSON.parse(detail) : null };
		});
}
const ofKind = (list, kind) => list.filter((e) => e.kind === kind);

/** A tag connected and accepted. */
async function connect(uid) {
	const t = await tag(TEL, uid);
	assert.equal(t.answer, 1, 'the handshake is accepted');
	return t;
}

/** One record, acknowledged: its time. */
async function send(t, where, { hdop = 2.0, sats = 10 } = {}) {
	const at = nextAt();
	t.write(packet([[at, where[0], where[1], { hdop, sats }]]));
	assert.equal(await t.ack(), 1, 'the record is acknowledged');
	return at;
}

describe('a Teltonika tag is asked for faster fixes on its own session', () => {
	const s = {};

	before(async () => {
		const centre = dest(HOME, 3000, 0);
		s.case = await watched('teltonika', centre);
		s.t = await connect(s.case.tag);
		// 5 m inside the edge, HDOP 2 (10 m): may be inside, not confident
		s.firstAt = await send(s.t, dest(centre, 95, 90));
		s.fast = await s.t.command(5000);
		s.fastAt = Date.now();
		s.t.respond('New value 10050:3;10055:3;');
		s.answered = await waitFor('the response to be recorded', () =>
			ofKind(events(s.case.tag), 'reporting_command_answered')[0]);
		s.device = await k.deviceState(s.case.tag);
		// its next fix, sooner than its normal period: 30 m inside, HDOP 0.9 with 12 satellites
		s.secondAt = await send(s.t, dest(centre, 70, 90), { hdop: 0.9, sats: 12 });
		s.alert = await k.waitAlert(s.case.ref, 'zone_entry', 5000);
		s.alertSeenAt = Date.now();
		s.normal = await s.t.command(5000);
		s.t.respond('New value 10050:45;10055:45;');
		await waitFor('the second response to be recorded', () =>
			ofKind(events(s.case.tag), 'reporting_command_answered').length === 2);
		s.after = await k.deviceState(s.case.tag);
		s.t.close();
	});

	test('the fix that opens a possible entry brings the fast command, as Codec 12 on its socket', () => {
		assert.equal(s.fast, FAST);
		assert.ok(s.fastAt - s.firstAt < 5000, `the command came ${s.fastAt - s.firstAt} ms after the fix`);
		const list = events(s.case.tag);
		assert.ok(ofKind(list, 'possible_entry_request_faster_reporting').length >= 1);
		const sent = ofKind(list, 'reporting_command_sent');
		assert.deepEqual(sent[0].detail, { mode: 'fast', command: FAST });
	});

	test('its response is recorded, and shown on the device', () => {
		assert.deepEqual(s.answered.detail, { mode: 'fast', response: 'New value 10050:3;10055:3;' });
		const r = s.device.reporting;
		assert.equal(r.commandable, true);
		assert.equal(r.requested, 'fast');
		assert.equal(r.state, 'acknowledged');
		assert.equal(r.command, FAST);
		assert.equal(r.response, 'New value 10050:3;10055:3;');
		assert.ok(r.at && r.sent_at && r.acknowledged_at);
		assert.ok(Date.parse(r.at) <= Date.parse(r.sent_at) && Date.parse(r.sent_at) <= Date.parse(r.acknowledged_at));
	});

	test('its next, faster fix decides the entry, long before the confirmation timer', () => {
		assert.equal(s.alert.decided_at, iso(s.secondAt), 'decided by the second fix');
		assert.equal(s.alert.decided_by, s.case.tag);
		assert.ok(s.alertSeenAt - s.firstAt < CONFIRM_S * 1000,
			`the entry was alerted ${s.alertSeenAt - s.firstAt} ms after the first fix`);
	});

	test('once decided, the tag is sent the normal command, and that is recorded too', () => {
		assert.equal(s.normal, NORMAL);
		assert.deepEqual(s.t.commands, [FAST, NORMAL], 'two commands, no more');
		const r = s.after.reporting;
		assert.equal(r.requested, 'normal');
		assert.equal(r.state, 'acknowledged');
		assert.equal(r.command, NORMAL);
		assert.equal(r.response, 'New value 10050:45;10055:45;');
		const sent = ofKind(events(s.case.tag), 'reporting_command_sent').map((e) => e.detail.mode);
		assert.deepEqual(sent, ['fast', 'normal']);
		assert.equal(ofKind(events(s.case.tag), 'faster_reporting_unavailable').length, 0);
	});
});

describe('a command not answered, answered in the same write as a packet, or cut short', () => {
	const s = {};

	before(async () => {
		const centres = [0, 1, 2].map((i) => dest(HOME, 5000, 120 * i));
		[s.silent, s.together, s.gone] = await Promise.all(centres.map((centre) => watched('teltonika', centre)));
		const tags = await Promise.all([s.silent, s.together, s.gone].map((w) => connect(w.tag)));
		[s.ts, s.tt, s.tg] = tags;
		for (let i = 0; i < 3; i++) await send(tags[i], dest(centres[i], 95, 45));
		s.commands = await Promise.all(tags.map((t) => t.command(5000)));
		s.sentAt = Date.now();
		// its response and its next packet (the same reading) in one write: both read
		s.tt.write(Buffer.concat([codec12(0x06, 'New value 10050:3;10055:3;'), packet([[nextAt(), ...dest(centres[1], 95, 46), { hdop: 2, sats: 10 }]])]));
		s.togetherAck = await s.tt.ack();
		// gone before it answered
		s.tg.close();
		s.goneEvent = await waitFor('the closed session\'s command to be unanswered', () =>
			ofKind(events(s.gone.tag), 'reporting_command_unanswered')[0]);
		s.silentEvent = await waitFor('the silent tag\'s command to be unanswered', () =>
			ofKind(events(s.silent.tag), 'reporting_command_unanswered')[0], (ANSWER_S + 5) * 1000);
		s.silentAfter = Date.now() - s.sentAt;
		s.silentDevice = await k.deviceState(s.silent.tag);
		s.togetherEvents = events(s.together.tag);
		s.ts.close();
		s.tt.close();
	});

	test('each tag was sent the fast command', () => {
		assert.deepEqual(s.commands, [FAST, FAST, FAST]);
	});

	test('a tag that does not answer within the timeout is recorded as unanswered', () => {
		assert.deepEqual(s.silentEvent.detail, { mode: 'fast', why: 'no answer in time' });
		assert.ok(s.silentAfter >= ANSWER_S * 1000 - 200, `after ${s.silentAfter} ms`);
		assert.equal(s.silentDevice.reporting.state, 'unanswered');
		assert.equal(s.silentDevice.reporting.acknowledged_at, null);
	});

	test('a response and a data packet in one write are each read as what they are', () => {
		assert.equal(s.togetherAck, 1, 'the packet after the response is acknowledged, the response is not');
		assert.deepEqual(ofKind(s.togetherEvents, 'reporting_command_answered').map((e) => e.detail),
			[{ mode: 'fast', response: 'New value 10050:3;10055:3;' }]);
		assert.deepEqual(ofKind(s.togetherEvents, 'reporting_command_unanswered'), []);
	});

	test('a session that closes before the answer leaves the command unanswered', () => {
		assert.deepEqual(s.goneEvent.detail, { mode: 'fast', why: 'the session closed before the tag answered' });
	});
});

describe('a Teltonika tag with no session open', () => {
	const s = {};

	before(async () => {
		const centre = dest(HOME, 3000, 90);
		s.case = await watched('teltonika', centre);
		// its fix came some other way (the JSON API), and it is not connected
		s.where = dest(centre, 95, 0);
		await k.trail(s.case.tag, [s.where], { accuracy_m: 10 });
		// on PostgreSQL the other nodes are asked first, for a few seconds
		s.unavailable = await waitFor('faster_reporting_unavailable', () =>
			ofKind(events(s.case.tag), 'faster_reporting_unavailable')[0], 8000);
		s.device = await k.deviceState(s.case.tag);
		// it connects, and its first packet (the same reading) is acknowledged
		s.t = await connect(s.case.tag);
		await send(s.t, s.where);
		s.owed = await s.t.command(5000);
		s.t.respond('New value 10050:3;10055:3;');
		await waitFor('the owed command to be acknowledged', async () =>
			(await k.deviceState(s.case.tag)).reporting.state === 'acknowledged');
		s.t.close();
	});

	test('is recorded as unavailable, and shown so', () => {
		assert.equal(s.unavailable.detail.mode, 'fast');
		assert.equal(ofKind(events(s.case.tag), 'faster_reporting_unavailable').length, 1);
		assert.equal(s.device.reporting.requested, 'fast');
		assert.equal(s.device.reporting.state, 'unavailable');
		assert.equal(s.device.reporting.sent_at, null);
	});

	test('and is sent the command it is owed once it connects', () => {
		assert.equal(s.owed, FAST);
	});
});

describe('a device that cannot be commanded is decided with what it has', () => {
	const s = {};

	before(async () => {
		const centre = dest(HOME, 3000, 180);
		const osmCentre = dest(HOME, 3000, 270);
		s.json = await watched('json', centre);
		s.osm = await watched('osmand', osmCentre);
		const osm = async (where) => {
			const at = nextAt();
			const q = new URLSearchParams({ id: s.osm.tag, lat: String(where[0]), lon: String(where[1]),
				timestamp: String(at), accuracy: '10' });
			const res = await fetch(`${OSM}/?${q}`);
			assert.equal(res.status, 200);
			return at;
		};
		// 5 m inside with 10 m accuracy: a possible entry, and then silence
		[s.jsonAt] = await k.trail(s.json.tag, [dest(centre, 95, 0)], { accuracy_m: 10 });
		// the same twice over OsmAnd: one possible entry with two readings, which lapses
		s.osmAt = await osm(dest(osmCentre, 95, 0));
		await osm(dest(osmCentre, 95, 1));
		await k.settle();
		s.early = { json: await k.alerts(s.json.ref, 'zone_entry'), osm: await k.alerts(s.osm.ref, 'zone_entry') };
		s.jsonAlert = await k.waitAlert(s.json.ref, 'zone_entry', (CONFIRM_S + 8) * 1000);
		// past the OsmAnd one's deadline (and the next tick): a new reading opens a new one
		await waitFor('the first possible entry to lapse', () => Date.now() > s.osmAt + CONFIRM_S * 1000 + 2500,
			(CONFIRM_S + 8) * 1000);
		await osm(dest(osmCentre, 95, 2));
		s.osmEvents = await waitFor('a second faster_reporting_unavailable', () => {
			const list = events(s.osm.tag);
			return ofKind(list, 'faster_reporting_unavailable').length >= 2 && list;
		});
		s.device = await k.deviceState(s.json.tag);
		s.osmDevice = await k.deviceState(s.osm.tag);
	});

	test('each possible entry is recorded once as faster_reporting_unavailable, and no command is asked', () => {
		assert.equal(ofKind(events(s.json.tag), 'faster_reporting_unavailable').length, 1);
		// two possible entries (the first with two readings): two, not three
		assert.equal(ofKind(s.osmEvents, 'faster_reporting_unavailable').length, 2, JSON.stringify(s.osmEvents));
		for (const uid of [s.json.tag, s.osm.tag])
			assert.equal(ofKind(events(uid), 'reporting_command_sent').length, 0);
		for (const d of [s.device, s.osmDevice]) {
			assert.equal(d.reporting.commandable, false);
			assert.equal(d.reporting.requested, null);
		}
	});

	test('and the time rule decides it, never waiting for a fix that will not come faster', () => {
		assert.deepEqual(s.early, { json: [], osm: [] });
		assert.equal(s.jsonAlert.decided_by, 'timer');
		assert.equal(Date.parse(s.jsonAlert.decided_at), Date.parse(s.jsonAt) + CONFIRM_S * 1000);
	});
});

describe('the accuracy of a Teltonika record is read from its HDOP and satellites', () => {
	const s = {};

	before(async () => {
		const a = dest(HOME, 6000, 0);
		const b = dest(HOME, 6000, 90);
		s.degraded = await watched('teltonika', a);
		s.good = await watched('teltonika', b);
		s.td = await connect(s.degraded.tag);
		s.tg = await connect(s.good.tag);
		// 45 m inside, HDOP 8 with 4 satellites: 40 m, degraded (taken as 120 m)
		await send(s.td, dest(a, 55, 0), { hdop: 8, sats: 4 });
		// 22 m inside, HDOP 0.9 with 12 satellites: 5 m (taken at the 10 m floor)
		s.goodAt = await send(s.tg, dest(b, 78, 0), { hdop: 0.9, sats: 12 });
		s.goodAlert = await k.waitAlert(s.good.ref, 'zone_entry', 3000);
		await k.settle();
		s.degradedAlerts = await k.alerts(s.degraded.ref, 'zone_entry');
		s.degradedEvents = events(s.degraded.tag);
		s.deviceD = await k.deviceState(s.degraded.tag);
		s.deviceG = await k.deviceState(s.good.tag);
		s.td.close();
		s.tg.close();
	});

	test('HDOP 8 with 4 satellites is degraded: a possible entry, no entry from it alone', () => {
		assert.deepEqual(s.degradedAlerts, []);
		assert.ok(ofKind(s.degradedEvents, 'possible_entry_request_faster_reporting').length >= 1);
		assert.equal(s.deviceD.state.last_position.accuracy_m, 40);
		assert.equal(s.deviceD.state.last_position.accuracy_assumed, false);
	});

	test('HDOP 0.9 with 12 satellites near the line is confident: an entry at once', () => {
		assert.equal(s.goodAlert.decided_at, iso(s.goodAt));
		assert.equal(s.deviceG.state.last_position.accuracy_m, 5);
	});
});

describe('a device that reports no accuracy', () => {
	test('is taken at its kind\'s assumed accuracy, shown on the device', async () => {
		const uids = {};
		for (const kind of ['offender_tag', 'victim_phone', 'victim_alarm']) {
			const uid = await k.device(kind);
			const ref = await k.newCase();
			await k.assign(ref, uid, kind === 'offender_tag' ? 'suspect' : 'victim');
			uids[kind] = uid;
			const results = await k.post([{ device: uid, at: iso(nextAt()), lat: 51.3, lon: -0.6 }]);
			assert.equal(results[0].result, 'stored');
		}
		await k.settle();
		const want = { offender_tag: 25, victim_phone: 20, victim_alarm: 50 };
		for (const [kind, uid] of Object.entries(uids)) {
			const d = await k.deviceState(uid);
			assert.equal(d.assumed_accuracy_m, want[kind], kind);
			assert.equal(d.state.last_position.accuracy_m, want[kind], kind);
			assert.equal(d.state.last_position.accuracy_assumed, true, kind);
		}
		// one that reports it is taken at its word
		const results = await k.post([{ device: uids.offender_tag, at: iso(nextAt()), lat: 51.3, lon: -0.6, accuracy_m: 7 }]);
		assert.equal(results[0].result, 'stored');
		await k.settle();
		const d = await k.deviceState(uids.offender_tag);
		assert.equal(d.state.last_position.accuracy_m, 7);
		assert.equal(d.state.last_position.accuracy_assumed, false);
	});
});
