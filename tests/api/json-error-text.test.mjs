// A body that is not JSON is answered with a message that is text: jansson
// quotes the body near the error, and when the error falls on the first byte
// of a multi-byte character that quote is half a character, which no JSON
// answer can carry (the API answered 400 with an empty body) and which is not
// the UTF-8 the OsmAnd port's text/plain answer claims.  The byte is escaped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startServer, stopServer } from './lib/server.mjs';

let srv;
let OSM;

before(async () => {
	srv = await startServer({ args: ['--osmand-listen', '127.0.0.1:0'], users: false });
	OSM = srv.osmandUrl();
});
after(() => stopServer(srv));

// {"username":"\<U+F22C>"}: an invalid escape, right before a 3-byte character
const BODY = Buffer.concat([Buffer.from('{"username":"\\'), Buffer.from([0xef, 0x88, 0xac]), Buffer.from('"}')]);

/** The body as bytes, and whether they are valid UTF-8. */
async function bytesOf(res) {
	const bytes = Buffer.from(await res.arrayBuffer());
	let utf8 = true;
	try {
		new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		utf8 = false;
	}
	return { bytes, utf8 };
}

test('the API answers bad_json with the quote escaped', async () => {
	const res = await fetch(`${srv.url}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY });
	assert.equal(res.status, 400);
	const { bytes, utf8 } = await bytesOf(res);
	assert.ok(utf8, `valid UTF-8: ${bytes.toString('hex')}`);
	const body = JSON.parse(bytes.toString('utf8'));
	assert.equal(body.error.code, 'bad_json');
	assert.equal(body.error.message, 'the body is not valid JSON: invalid escape near \'"\\\\\\xef\' (line 1, column 15)');
});

test("the OsmAnd port's 400 is UTF-8 text with the quote escaped", async () => {
	const res = await fetch(`${OSM}/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: BODY });
	assert.equal(res.status, 400);
	const { bytes, utf8 } = await bytesOf(res);
	assert.ok(utf8, `valid UTF-8: ${bytes.toString('hex')}`);
	assert.equal(bytes.toString('utf8'), 'the body is not a JSON object: invalid escape near \'"\\\\\\xef\'\n');
});
