// HTTPS on the API port (issue 16): --tls-cert/--tls-key serve the API and
// the browser over TLS 1.2+, session cookies are then Secure and browsers are
// told to keep to https; SIGHUP reads a renewed certificate without a
// restart, and a renewal that cannot be used is refused while the old one
// goes on serving.  Behind a TLS proxy, --public-url https://... marks the
// cookies Secure the same way.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';

import { seedDatabase, removeDir, spawnServer, startServer } from './lib/server.mjs';
import { waitFor } from './lib/monitorkit.mjs';
import { packet as telPacket } from './lib/teltonika.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1: {cert, key} file paths and the PEM. */
function makeCert(name, { kind = 'ec' } = {}) {
	const cert = path.join(dir, `${name}.crt`);
	const key = path.join(dir, `${name}.key`);
	const algo = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
	execFileSync('openssl', ['req', '-x509', ...algo, '-nodes', '-keyout', key, '-out', cert, '-days', '2',
		'-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
	return { cert, key, pem: fs.readFileSync(cert, 'utf8') };
}

/** An HTTPS request trusting `ca`: {status, headers, body (parsed JSON or text)}. */
function request(url, { method = 'GET', headers = {}, body, ca }) {
	return new Promise((resolve, reject) => {
		const data = body === undefined ? undefined : JSON.stringify(body);
		const req = https.request(url, {
			method, ca, agent: false,
			headers: { ...headers, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}) },
		}, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => (text += d));
			res.on('end', () => {
				let parsed = text;
				try { parsed = JSON.parse(text); } catch { /* text */ }
				resolve({ status: res.statusCode, headers: res.headers, body: parsed });
			});
		});
		req.on('error', reject);
		if (data) req.write(data);
		req.end();
	});
}

/** The SHA-256 fingerprint of the certificate a handshake with port shows. */
function servedFingerprint(port) {
	return new Promise((resolve, reject) => {
		const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
			const fp = s.getPeerCertificate().fingerprint256;
			s.end();
			resolve(fp);
		});
		s.on('error', reject);
	});
}

const fingerprint = (pem) => new crypto.X509Certificate(pem).fingerprint256;

describe('HTTPS with --tls-cert and --tls-key', () => {
	let srv;
	let first;
	let live;

	before(async () => {
		first = makeCert('first');
		// the files the server reads, renewed in place later
		live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
		fs.copyFileSync(first.cert, live.cert);
		fs.copyFileSync(first.key, live.key);
		srv = await startServer({ args: ['--tls-cert', live.cert, '--tls-key', live.key] });
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
	});

	test('the server says https, and signs in over TLS with a Secure cookie and HSTS', async () => {
		assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
		const res = await request(`${srv.url}/api/v1/login`, {
			method: 'POST', ca: first.pem, body: { username: 'officer', password: srv.passwords.officer },
		});
		assert.equal(res.status, 200);
		const cookie = res.headers['set-cookie'][0];
		assert.match(cookie, /; Secure/);
		assert.match(cookie, /HttpOnly/);
		assert.match(res.headers['strict-transport-security'], /max-age=\d+/);
		const me = await request(`${srv.url}/api/v1/me`, { ca: first.pem, headers: { Cookie: cookie.split(';')[0] } });
		assert.equal(me.status, 200);
		assert.equal(me.body.user.username, 'officer');
		// the browser UI comes over TLS too
		const page = await request(`${srv.url}/`, { ca: first.pem });
		assert.equal(page.status, 200);
		assert.match(String(page.body), /<html/i);
	});

	test('a client that does not trust the certificate is refused by its own TLS, not served', async () => {
		await assert.rejects(request(`${srv.url}/healthz`, { ca: makeCert('stranger').pem }), /self[- ]signed|unable to verify|certificate/i);
	});

	test('plain HTTP on the TLS port gets no HTTP answer', async () => {
		const answer = await new Promise((resolve) => {
			const s = net.connect({ host: '127.0.0.1', port: srv.port }, () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
			let data = '';
			s.on('data', (d) => (data += d));
			s.on('error', () => resolve(data));
			s.on('close', () => resolve(data));
			setTimeout(() => { s.destroy(); resolve(data); }, 3000);
		});
		assert.doesNotMatch(answer, /^HTTP\/1\.1 200/);
	});

	test('TLS 1.1 is refused; 1.2 and 1.3 are served', async () => {
		for (const v of ['TLSv1.2', 'TLSv1.3']) {
			const proto = await new Promise((resolve, reject) => {
				const s = tls.connect({ host: '127.0.0.1', port: srv.port, ca: first.pem, minVersion: v, maxVersion: v }, () => {
					const p = s.getProtocol();
					s.end();
					resolve(p);
				});
				s.on('error', reject);
			});
			assert.equal(proto, v);
		}
		await assert.rejects(new Promise((resolve, reject) => {
			const s = tls.connect({ host: '127.0.0.1', port: srv.port, rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, () => {
				s.end();
				resolve();
			});
			s.on('error', reject);
		}));
	});

	test('the live alert stream flows over TLS', async () => {
		const login = await request(`${srv.url}/api/v1/login`, {
			method: 'POST', ca: first.pem, body: { username: 'operator', password: srv.passwords.operator },
		});
		const cookie = login.headers['set-cookie'][0].split(';')[0];
		const first200 = await new Promise((resolve, reject) => {
			const req = https.get(`${srv.url}/api/v1/alerts/stream`, { ca: first.pem, agent: false, headers: { Cookie: cookie, Accept: 'text/event-stream' } }, (res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (d) => {
					text += d;
					if (text.includes('\n\n')) {
						req.destroy();
						resolve({ status: res.statusCode, type: res.headers['content-type'], text });
					}
				});
			});
			req.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
		});
		assert.equal(first200.status, 200);
		assert.match(first200.type, /text\/event-stream/);
	});

	test('SIGHUP serves a renewed certificate without a restart; an unusable renewal is refused and the old one goes on', async () => {
		assert.equal(await servedFingerprint(srv.port), fingerprint(first.pem));
		const second = makeCert('second', { kind: 'rsa' });
		fs.copyFileSync(second.cert, live.cert);
		fs.copyFileSync(second.key, live.key);
		srv.child.kill('SIGHUP');
		await waitFor('the reload is logged', () => /certificate .* read again/.test(srv.stderr()));
		assert.equal(await servedFingerprint(srv.port), fingerprint(second.pem));
		const res = await request(`${srv.url}/healthz`, { ca: second.pem });
		assert.equal(res.status, 200);

		// a renewal half copied: the new certificate with the old key
		fs.copyFileSync(makeCert('third').cert, live.cert);
		srv.child.kill('SIGHUP');
		await waitFor('the mismatch is logged', () => /goes on serving: the key .* is not the certificate/.test(srv.stderr()));
		assert.equal(await servedFingerprint(srv.port), fingerprint(second.pem));
		// and a file that is not a certificate at all
		fs.writeFileSync(live.cert, 'not a certificate\n');
		srv.child.kill('SIGHUP');
		await waitFor('the bad file is logged', () => /goes on serving: .* holds no PEM certificate/.test(srv.stderr()));
		assert.equal((await request(`${srv.url}/healthz`, { ca: second.pem })).status, 200);
		// the key's text never reaches the log
		assert.doesNotMatch(srv.stderr(), /PRIVATE KEY/);
	});
});

describe('serve refuses TLS it cannot use, saying why', () => {
	let seeded;
	before(async () => {
		seeded = await seedDatabase({ users: false });
	});
	after(() => removeDir(seeded.dir));

	const refused = async (args, why) => {
		await assert.rejects(spawnServer(seeded.db, args, { timeoutMs: 5000 }), (e) => {
			assert.match(e.message, why);
			return true;
		});
	};

	test('a key that is not the certificate\'s', async () => {
		const a = makeCert('a');
		const b = makeCert('b');
		await refused(['--tls-cert', a.cert, '--tls-key', b.key], /the key .* is not the certificate/);
	});
	test('a missing file', async () => {
		const a = makeCert('c');
		await refused(['--tls-cert', path.join(dir, 'nothing.crt'), '--tls-key', a.key], /cannot read the certificate .*nothing\.crt/);
	});
	test('a certificate without its key, or the key without its certificate', async () => {
		const a = makeCert('d');
		await refused(['--tls-cert', a.cert], /--tls-cert and --tls-key go together/);
		await refused(['--tls-key', a.key], /--tls-cert and --tls-key go together/);
	});
	test('an http:// public URL while serving https', async () => {
		const a = makeCert('e');
		await refused(['--tls-cert', a.cert, '--tls-key', a.key, '--public-url', 'http://vigil.example'], /--public-url is http:\/\//);
		await refused(['--public-url', 'ftp://vigil.example'], /wants an http:\/\/ or https:\/\/ URL/);
	});
});

describe('behind a TLS proxy: --public-url https://', () => {
	test('cookies are Secure and HSTS is sent; without it, plain http keeps plain cookies', async () => {
		const [behind, plain] = [await startServer({ roles: ['officer'], args: ['--public-url', 'https://vigil.example.police.uk'] }),
			await startServer({ roles: ['officer'] })];
		try {
			const a = await behind.client().login('officer', behind.passwords.officer);
			assert.equal(a.status, 200);
			assert.match(a.headers.get('set-cookie'), /; Secure/);
			assert.ok(a.headers.get('strict-transport-security'));
			const b = await plain.client().login('officer', plain.passwords.officer);
			assert.equal(b.status, 200);
			assert.doesNotMatch(b.headers.get('set-cookie'), /Secure/);
			assert.equal(b.headers.get('strict-transport-security'), null);
		} finally {
			assert.equal(await behind.stop(), 0);
			assert.equal(await plain.stop(), 0);
		}
	});
});

describe('the device ports over TLS, tried with curl and a TLS tag', () => {
	let srv;
	let cert;
	let OSM;
	let TLSTEL;
	let supervisor;
	before(async () => {
		cert = makeCert('devices');
		srv = await startServer({
			roles: ['supervisor'],
			args: ['--tls-cert', cert.cert, '--tls-key', cert.key, '--osmand-listen', '127.0.0.1:0', '--osmand-tls',
				'--teltonika-listen', '127.0.0.1:0', '--teltonika-tls-listen', '127.0.0.1:0'],
		});
		OSM = Number(srv.stdout().match(/OsmAnd devices on https:\/\/127\.0\.0\.1:(\d+)/)[1]);
		TLSTEL = Number(srv.stdout().match(/Teltonika devices over TLS on tls:\/\/127\.0\.0\.1:(\d+)/)[1]);
		const login = await request(`${srv.url}/api/v1/login`, {
			method: 'POST', ca: cert.pem, body: { username: 'supervisor', password: srv.passwords.supervisor },
		});
		supervisor = { cookie: login.headers['set-cookie'][0].split(';')[0], csrf: login.body.csrf_token };
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
	});

	const register = async (uid, kind, protocol) => {
		const res = await request(`${srv.url}/api/v1/devices`, {
			method: 'POST', ca: cert.pem, body: { uid, kind, protocol },
			headers: { Cookie: supervisor.cookie, 'X-CSRF-Token': supervisor.csrf },
		});
		assert.equal(res.status, 201, JSON.stringify(res.body));
	};
	const curl = (args) => execFileSync('curl', ['-sS', '--cacert', cert.cert, '-o', '/dev/null', '-w', '%{http_code} %{ssl_verify_result}', ...args],
		{ encoding: 'utf8', timeout: 20000 });

	test('curl reaches the API over TLS, verifying the certificate', () => {
		assert.equal(curl([`${srv.url}/healthz`]), '200 0');
	});

	test('a phone reports over HTTPS on the OsmAnd port (curl), and plain HTTP there is not answered', async () => {
		await register('tls-phone-1', 'victim_phone', 'osmand');
		const at = Math.floor(Date.now() / 1000) - 5;
		assert.equal(curl([`https://127.0.0.1:${OSM}/?id=tls-phone-1&lat=51.5&lon=-0.1&timestamp=${at}&accuracy=8`]), '200 0');
		assert.throws(() => execFileSync('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${OSM}/?id=tls-phone-1`], { stdio: 'pipe' }));
	});

	test('a tag speaks Teltonika inside TLS: handshake, a packet, its acknowledgement', async () => {
		const imei = '356307042441013';
		await register(imei, 'offender_tag', 'teltonika');
		const s = tls.connect({ host: '127.0.0.1', port: TLSTEL, ca: cert.pem, servername: undefined });
		await new Promise((resolve, reject) => { s.once('secureConnect', resolve); s.once('error', reject); });
		let got = Buffer.alloc(0);
		s.on('data', (d) => { got = Buffer.concat([got, d]); });
		const hs = Buffer.alloc(2 + imei.length);
		hs.writeUInt16BE(imei.length, 0);
		hs.write(imei, 2, 'ascii');
		s.write(hs);
		await waitFor('the handshake answer', () => got.length >= 1);
		assert.equal(got[0], 1);
		s.write(telPacket([[Date.now() - 2000, 51.5, -0.1]]));
		await waitFor('the acknowledgement', () => got.length >= 5);
		assert.equal(got.readUInt32BE(1), 1);
		s.destroy();
	});
});
