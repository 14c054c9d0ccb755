// Evidence files: uploaded as a raw body, stored once by content hash
// (BLAKE2b-256) outside the database, up to a configurable size (here
// --attachment-max-mb 1); streamed back byte-identical to those who may read
// the case; cited by hash from incident entries.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { expectError, postAnnounced, startServer, stopServer } from './lib/server.mjs';
import { addIncident, blake2bHex, createCase } from './lib/casekit.mjs';

const MB = 1024 * 1024;
let srv;
let officer;
let supervisor;
let analyst;
let advocate;
let C;
let D;

before(async () => {
	srv = await startServer({ args: ['--attachment-max-mb', '1'], roles: ['officer', 'supervisor', 'analyst', 'advocate'] });
	[officer, supervisor, analyst, advocate] = await Promise.all(['officer', 'supervisor', 'analyst', 'advocate'].map((u) => srv.login(u)));
	C = await createCase(officer);
	D = await createCase(officer);
});
after(() => stopServer(srv));

function upload(client, ref, bytes, { filename = 'photo.jpg', type = 'image/jpeg' } = {}) {
	const q = filename === null ? '' : `?filename=${encodeURIComponent(filename)}`;
	return client.post(`/api/v1/cases/${ref}/attachments${q}`, bytes, { json: false, headers: type ? { 'Content-Type': type } : {} });
}

async function download(client, ref, hash) {
	const h = { Cookie: client.cookie };
	const res = await fetch(`${srv.url}/api/v1/cases/${ref}/attachments/${hash}`, { headers: h });
	return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('uploading and downloading', () => {
	const photo = randomBytes(50 * 1024);
	let up;

	before(async () => {
		up = await upload(officer, C.ref, photo);
	});

	test('an upload answers 201 with its BLAKE2b-256 hash, size, name and type', () => {
		assert.equal(up.status, 201, up.text);
		assert.equal(up.body.hash, blake2bHex(photo, 32));
		assert.equal(up.body.size, photo.length);
		assert.equal(up.body.filename, 'photo.jpg');
		assert.equal(up.body.content_type, 'image/jpeg');
	});

	test('the file is stored once, by its hash, outside the database', () => {
		const stored = path.join(srv.attachments, up.body.hash.slice(0, 2), up.body.hash);
		assert.ok(fs.existsSync(stored), stored);
		assert.ok(fs.readFileSync(stored).equals(photo));
	});

	test('it streams back byte-identical, with its type and a Content-Disposition naming the file', async () => {
		const res = await download(officer, C.ref, up.body.hash);
		assert.equal(res.status, 200);
		assert.ok(res.bytes.equals(photo), 'the same bytes');
		assert.equal(res.headers.get('content-type'), 'image/jpeg');
		assert.equal(res.headers.get('content-disposition'), 'attachment; filename="photo.jpg"');
		assert.equal(Number(res.headers.get('content-length')), photo.length);
	});

	test('the same bytes uploaded again give the same hash and one stored file', async () => {
		const again = await upload(supervisor, C.ref, photo, { filename: 'copy.jpg' });
		assert.equal(again.status, 201, again.text);
		assert.equal(again.body.hash, up.body.hash);
		const dir = path.join(srv.attachments, up.body.hash.slice(0, 2));
		assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith(up.body.hash.slice(0, 8))), [up.body.hash]);
	});

	test('a text file keeps its media type (parameters dropped)', async () => {
		const text = Buffer.from('screenshot transcript: "see you tonight"\n');
		const res = await upload(officer, C.ref, text, { filename: 'transcript.txt', type: 'text/plain; charset=utf-8' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.content_type, 'text/plain');
		const back = await download(officer, C.ref, res.body.hash);
		assert.ok(back.bytes.equals(text));
		assert.equal(back.headers.get('content-type'), 'text/plain');
	});

	test('the upload is on the timeline', async () => {
		const tl = await officer.get(`/api/v1/cases/${C.ref}/timeline`);
		assert.ok(tl.body.items.some((i) => i.kind === 'attachment' && i.summary === 'photo.jpg'));
	});

	test('an analyst of the agency may download (200); an advocate of a case not referred may not (403)', async () => {
		const a = await download(analyst, C.ref, up.body.hash);
		assert.equal(a.status, 200);
		assert.ok(a.bytes.equals(photo));
		const b = await download(advocate, C.ref, up.body.hash);
		assert.equal(b.status, 403);
	});

	test('an analyst may not upload (403)', async () => {
		expectError(await upload(analyst, C.ref, Buffer.from('x')), 403, 'forbidden');
	});

	test("a file of one case is not reachable through another (404)", async () => {
		const res = await download(officer, D.ref, up.body.hash);
		assert.equal(res.status, 404);
	});

	test('an unknown or malformed hash is 404', async () => {
		assert.equal((await download(officer, C.ref, 'ab'.repeat(32))).status, 404);
		assert.equal((await download(officer, C.ref, 'not-a-hash')).status, 404);
		assert.equal((await download(officer, C.ref, up.body.hash.toUpperCase())).status, 404);
	});
});

describe('refused uploads', () => {
	test('no filename is 400 naming filename', async () => {
		expectError(await upload(officer, C.ref, Buffer.from('abc'), { filename: null }), 400, 'bad_request', 'filename');
	});

	for (const name of ['../etc/passwd', 'a/b.jpg', 'back\\slash.jpg', 'quote".jpg', '..', 'x'.repeat(201)]) {
		test(`the filename ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}...` : name)} is 400`, async () => {
			expectError(await upload(officer, C.ref, Buffer.from('abc'), { filename: name }), 400, 'bad_request', 'filename');
		});
	}

	test('a Content-Type that is not a media type is 400', async () => {
		expectError(await upload(officer, C.ref, Buffer.from('abc'), { type: 'jpeg' }), 400, 'bad_request', 'Content-Type');
	});

	test('an empty upload is 400', async () => {
		expectError(await upload(officer, C.ref, Buffer.alloc(0)), 400, 'bad_request');
	});

	test('an upload of exactly the limit (1 MiB) is accepted', async () => {
		const big = randomBytes(MB);
		const res = await upload(officer, C.ref, big, { filename: 'exact.bin', type: 'application/octet-stream' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.size, MB);
		assert.equal(res.body.hash, blake2bHex(big, 32));
	});

	test('an upload announced over the limit is 413 payload_too_large', async () => {
		const res = await postAnnounced(srv.url, `/api/v1/cases/${C.ref}/attachments?filename=big.bin`, {
			size: MB + 1,
			headers: { 'Content-Type': 'application/octet-stream', Cookie: officer.cookie, 'X-CSRF-Token': officer.csrf },
			start: 'xxxx',
		});
		expectError(res, 413, 'payload_too_large');
	});

	test('a streamed upload (no Content-Length) that grows past the limit is 413', async () => {
		const chunk = Buffer.alloc(64 * 1024, 7);
		let sent = 0;
		const body = new ReadableStream({
			pull(ctrl) {
				if (sent > MB) return ctrl.close();
				sent += chunk.length;
				ctrl.enqueue(chunk);
			},
		});
		const res = await fetch(`${srv.url}/api/v1/cases/${C.ref}/attachments?filename=stream.bin`, {
			method: 'POST', body, duplex: 'half',
			headers: { 'Content-Type': 'application/octet-stream', Cookie: officer.cookie, 'X-CSRF-Token': officer.csrf },
		});
		assert.equal(res.status, 413);
		assert.equal((await res.json()).error.code, 'payload_too_large');
	});

	test('an upload to an unknown case is 404, and nothing of it is kept', async () => {
		const bytes = randomBytes(1000);
		expectError(await upload(officer, 'STAC-2000-000404', bytes), 404, 'not_found');
		const hash = blake2bHex(bytes, 32);
		assert.ok(!fs.existsSync(path.join(srv.attachments, hash.slice(0, 2), hash)));
	});
});

describe('hostile uploads (issue 16)', () => {
	const tmpFiles = () => {
		const dir = path.join(srv.attachments, 'tmp');
		return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
	};

	test('an upload with no session, or from a role that may not upload, writes nothing to disk before it is refused', async () => {
		const before = tmpFiles().length;
		// 2 MiB announced under the limit would be streamed to disk if the check came after the body
		const chunk = Buffer.alloc(256 * 1024, 9);
		const send = async (headers) => {
			let sent = 0;
			const body = new ReadableStream({
				async pull(ctrl) {
					if (sent >= 1024 * 1024 - chunk.length) return ctrl.close();
					sent += chunk.length;
					ctrl.enqueue(chunk);
					await new Promise((r) => setTimeout(r, 20));
				},
			});
			try {
				const res = await fetch(`${srv.url}/api/v1/cases/${C.ref}/attachments?filename=x.bin`, {
					method: 'POST', body, duplex: 'half', headers: { 'Content-Type': 'application/octet-stream', ...headers },
				});
				return res.status;
			} catch {
				return 'closed';
			}
		};
		let seenTmp = 0;
		const watch = setInterval(() => { seenTmp = Math.max(seenTmp, tmpFiles().length - before); }, 5);
		const anon = await send({});
		const analystUp = await send({ Cookie: analyst.cookie, 'X-CSRF-Token': analyst.csrf });
		const noCsrf = await send({ Cookie: officer.cookie });
		clearInterval(watch);
		assert.ok([401, 'closed'].includes(anon), `anonymous: ${anon}`);
		assert.ok([403, 'closed'].includes(analystUp), `analyst: ${analystUp}`);
		assert.ok([403, 'closed'].includes(noCsrf), `no CSRF token: ${noCsrf}`);
		assert.equal(seenTmp, 0, 'no temporary file was ever made for them');
		assert.equal(tmpFiles().length, before);
	});

	test('a filename with a NUL in it (a%00b) is 400, not cut short to "a"', async () => {
		const res = await officer.post(`/api/v1/cases/${C.ref}/attachments?filename=a%00b.jpg`, Buffer.from('abc'), { json: false, headers: { 'Content-Type': 'image/jpeg' } });
		expectError(res, 400, 'bad_request', 'filename');
	});

	test('an HTML or SVG upload is served back as bytes to save, sandboxed, never as a page', async () => {
		for (const [type, body] of [['text/html', '<script>alert(1)</script>'], ['image/svg+xml', '<svg onload="alert(1)"/>']]) {
			const up = await upload(officer, C.ref, Buffer.from(body), { filename: 'evil', type });
			assert.equal(up.status, 201, up.text);
			const down = await download(officer, C.ref, up.body.hash);
			assert.equal(down.status, 200);
			assert.equal(down.headers.get('content-type'), 'application/octet-stream');
			assert.match(down.headers.get('content-security-policy') ?? '', /sandbox/);
			assert.match(down.headers.get('content-disposition'), /^attachment;/);
		}
	});
});

describe('citing an attachment from an incident', () => {
	test('an incident may cite an uploaded file by its hash', async () => {
		const bytes = randomBytes(2000);
		const up = await upload(officer, C.ref, bytes, { filename: 'doorbell.mp4', type: 'video/mp4' });
		const e = await addIncident(officer, C.ref, { behaviour: 'turning_up_home', attachments: [up.body.hash] });
		assert.deepEqual(e.attachments, [up.body.hash]);
		const list = await officer.get(`/api/v1/cases/${C.ref}/incidents`);
		assert.deepEqual(list.body.incidents.find((x) => x.seq === e.seq).attachments, [up.body.hash]);
		assert.equal((await officer.get(`/api/v1/cases/${C.ref}/incidents/verify`)).body.intact, true);
	});

	test('citing a hash never uploaded is 400 naming the attachment', async () => {
		const res = await officer.post(`/api/v1/cases/${C.ref}/incidents`, {
			occurred_at: new Date(Date.now() - 60000).toISOString(), behaviour: 'message', description: 'x', attachments: [blake2bHex(Buffer.from('never'), 32)],
		});
		expectError(res, 400, 'bad_request', 'attachments[0]');
	});

	test("citing another case's file is 400", async () => {
		const up = await upload(officer, D.ref, randomBytes(300), { filename: 'other.png', type: 'image/png' });
		assert.equal(up.status, 201);
		const res = await officer.post(`/api/v1/cases/${C.ref}/incidents`, {
			occurred_at: new Date(Date.now() - 60000).toISOString(), behaviour: 'message', description: 'x', attachments: [up.body.hash],
		});
		expectError(res, 400, 'bad_request', 'attachments[0]');
	});
});
