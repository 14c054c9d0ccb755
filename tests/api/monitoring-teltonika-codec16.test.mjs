// Codec 16, which Teltonika tags send when configured for it (2-byte IO ids,
// a generation type): its records are acknowledged and judged like Codec 8's,
// an entry into her home zone is an alert and an alarm element is a panic;
// Teltonika's own documented Codec 16 packet is acknowledged with its count.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { stopServer } from './lib/server.mjs';
import { dest, startMonitoring } from './lib/monitorkit.mjs';
import { imei, packet16, tag } from './lib/teltonika.mjs';

const HOME = [51.5074, -0.1278];
let srv;
let TEL;
let c;
let k;

before(async () => {
	({ srv, c, k } = await startMonitoring({ args: ['--teltonika-listen', '127.0.0.1:0'] }));
	TEL = srv.teltonikaPort();
});
after(() => stopServer(srv));

/** A case whose suspect wears a new Teltonika tag, with a 100 m zone at home: {ref, uid}. */
async function watched() {
	const { ref, tag } = await k.watched(imei('36'), HOME);
	return { ref, uid: tag };
}

test('records in Codec 16 are acknowledged, stored and judged: walking into her home zone is an alert', async () => {
	const { ref, uid } = await watched();
	const t = await tag(TEL, uid);
	assert.equal(t.answer, 1);
	const now = Date.now();
	t.write(packet16([
		[now - 20000, ...dest(HOME, 600, 90)],
		[now - 10000, ...dest(HOME, 300, 90)],
		[now - 1000, ...HOME],
	]));
	assert.equal(await t.ack(), 3);
	const entry = await k.waitAlert(ref, 'zone_entry');
	assert.equal(entry.fix_at, new Date(now - 1000).toISOString(), 'decided by the fix that entered');
	const dv = await k.deviceState(uid);
	assert.equal(dv.state.last_fix_at, new Date(now - 1000).toISOString());
	t.close();
});

test('an alarm element (IO 236) in Codec 16 is a panic', async () => {
	const { ref, uid } = await watched();
	const t = await tag(TEL, uid);
	assert.equal(t.answer, 1);
	t.write(packet16([[Date.now() - 2000, ...dest(HOME, 2000, 0), { alarm: true }]]));
	assert.equal(await t.ack(), 1);
	const sos = await k.waitAlert(ref, 'sos');
	assert.equal(sos.severity, 'critical');
	t.close();
});

test("Teltonika's documented Codec 16 packet is acknowledged with its two records", async () => {
	const { uid } = await watched();
	const t = await tag(TEL, uid);
	assert.equal(t.answer, 1);
	t.write(Buffer.from('000000000000005F10020000016BDBC7833000000000000000000000000000000000000B05040200010000030002'
		+ '000B00270042563A00000000016BDBC7871800000000000000000000000000000000000B05040200010000030002000B00260042563A00000200005FB3', 'hex'));
	assert.equal(await t.ack(), 2);
	t.close();
});
