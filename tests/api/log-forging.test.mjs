// Log forging: text from outside (a device id on the OsmAnd port, a device
// named in POST /api/v1/fixes) that carries CR, LF or another control
// character never starts a line of its own in the server's log; where a log
// line quotes it, it is escaped (\x0d\x0a), and so are line separators and
// bidi controls, which pass as printable text.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { sleep, startServer, stopServer } from './lib/server.mjs';

let srv;
let OSM; // http://127.0.0.1:PORT of the OsmAnd listener
let operator;

before(async () => {
	srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0'], roles: ['operator'] });
	OSM = srv.osmandUrl();
	operator = await srv.login('operator');
});
after(() => stopServer(srv));

// What an attacker would have appear as a record of its own.
const FORGED = '2026-01-01T00:00:00.000Z error forged';

/** Every line of the server's stderr that does not start as a record does. */
function strayLines() {
	return srv.stderr().split('\n').filter((l) => l !== '' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warn|error) /.test(l));
}

async function settle() {
	// the log is written before the answer, but stderr reaches us through a pipe
	await sleep(200);
}

test('an OsmAnd device id with CR LF writes no forged line', async () => {
	const res = await fetch(`${OSM}/?id=a%0D%0A${encodeURIComponent(FORGED)}&lat=51.5&lon=-0.12`);
	// refused as input: an id is text without control characters
	assert.equal(res.status, 400);
	assert.match(await res.text(), /without control characters/);
	await settle();
	assert.deepEqual(strayLines(), []);
	assert.ok(!srv.stderr().split('\n').some((l) => l.startsWith(FORGED)), srv.stderr());
});

test('an OsmAnd id with a line separator or a bidi override reaches the log escaped', async () => {
	// printable text as far as the id rule goes (a device may be registered so),
	// but U+2028 ends a line in some log viewers and U+202E turns the rest around
	for (const [id, escaped] of [['ghost%E2%80%A8fake', 'ghost\\\\xe2\\\\x80\\\\xa8fake'], ['ghost%E2%80%AEexe.jpg', 'ghost\\\\xe2\\\\x80\\\\xaeexe\\.jpg']]) {
		const res = await fetch(`${OSM}/?id=${id}&lat=51.5&lon=-0.12`);
		assert.equal(res.status, 404, await res.text());
		await settle();
		await sleep(1000); // the unregistered-device line is written once a second at most
		assert.match(srv.stderr(), new RegExp(`warn fix from unregistered device '${escaped}' refused\n`));
	}
	assert.ok(!/[\u2028\u202e]/.test(srv.stderr()), 'no raw U+2028 or U+202E in the log');
	assert.deepEqual(strayLines(), []);
});

test('a device named with CR LF in POST /api/v1/fixes is logged escaped, on one line', async () => {
	const device = `ghost\r\n${FORGED}`;
	const res = await operator.post('/api/v1/fixes', { fixes: [{ device, at: new Date().toISOString(), lat: 51.5, lon: -0.12 }] });
	await settle();
	assert.deepEqual(strayLines(), []);
	assert.ok(!srv.stderr().split('\n').some((l) => l.startsWith(FORGED)), srv.stderr());
	// refused as input (400), or taken as an unknown device, whose refusal is logged
	if (res.status === 200) {
		assert.equal(res.body.results[0].result, 'unknown_device');
		assert.match(srv.stderr(), /device 'ghost\\x0d\\x0a2026-01-01T00:00:00\.000Z error forged' refused\n/);
	} else {
		assert.equal(res.status, 400, res.text);
	}
});

test('an escape sequence and a lone backslash are escaped too', async () => {
	const device = 'ghost\u001b[2J\\x0a';
	const res = await operator.post('/api/v1/fixes', { fixes: [{ device, at: new Date().toISOString(), lat: 51.5, lon: -0.12 }] });
	await settle();
	assert.ok(!srv.stderr().includes('\u001b'), 'no raw ESC reaches the log');
	if (res.status === 200)
		assert.match(srv.stderr(), /device 'ghost\\x1b\[2J\\\\x0a' refused\n/);
	else
		assert.equal(res.status, 400, res.text);
});

test('a flood of made-up device ids writes one log line a second, counting the rest', async () => {
	const before = srv.stderr().split('\n').filter((l) => l.includes('unregistered device')).length;
	await sleep(1100);
	const t0 = Date.now();
	for (let i = 0; i < 200; i++) {
		const res = await fetch(`${OSM}/?id=flood-${i}&lat=51.5&lon=-0.12`);
		assert.equal(res.status, 404);
	}
	const seconds = (Date.now() - t0) / 1000;
	await sleep(1100);
	await fetch(`${OSM}/?id=flood-last&lat=51.5&lon=-0.12`);
	await settle();
	const lines = srv.stderr().split('\n').filter((l) => l.includes('unregistered device')).slice(before);
	assert.ok(lines.length <= Math.ceil(seconds) + 2, `${lines.length} lines for 201 refusals in ${seconds} s`);
	assert.match(lines.at(-1), /flood-last' refused \(and \d+ more from unregistered devices/);
});
