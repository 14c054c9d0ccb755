// Limits before sign-in on the API port (issue 16): connections are counted
// per remote address and in all, so one address trickling half-headers cannot
// take every connection and time sign-in out for everyone (4,100 such
// connections from one address did, with a limit of 4,000 and none per
// address).  Silent connections are closed; refusals are in /metrics.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { sleep, startServer } from './lib/server.mjs';
import { waitFor } from './lib/monitorkit.mjs';
import { connectStream } from './lib/sse.mjs';

let srv;
const socks = [];

before(async () => {
	srv = await startServer({
		roles: ['admin', 'officer'],
		args: ['--http-max-per-address', '40', '--http-max-connections', '100', '--http-timeout-seconds', '4'],
	});
});
after(async () => {
	for (const s of socks) s.destroy();
	if (srv) assert.equal(await srv.stop(), 0);
});

/** A connection from localAddress sending half a header: resolves with it, or
 * 'refused' when the server closes it without a word. */
function halfHeader(localAddress) {
	return halfHeaderTo(srv.port, localAddress, socks);
}

async function signInTime(localAddress) {
	const t0 = Date.now();
	const res = await new Promise((resolve, reject) => {
		const body = JSON.stringify({ username: 'officer', password: srv.passwords.officer });
		const s = net.connect({ host: '127.0.0.1', port: srv.port, localAddress });
		let data = '';
		s.on('data', (d) => { data += d; });
		s.on('error', reject);
		s.on('close', () => resolve(data));
		s.on('connect', () => s.end(`POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
	});
	return { ms: Date.now() - t0, status: Number(res.split(' ')[1]) };
}

describe('connections before sign-in', () => {
	test('one address holds at most its share; the rest of its connections are refused at once', async () => {
		// all at once (well within the 4 s a silent connection is given)
		const got = await Promise.all(Array.from({ length: 50 }, () => halfHeader('127.0.0.1')));
		const kept = got.filter((x) => x !== 'refused').length;
		assert.equal(kept, 40, `${kept} kept of 50 from one address`);
	});

	test('while it holds them, sign-in from another address answers within a second', async () => {
		const { ms, status } = await signInTime('127.0.0.2');
		assert.equal(status, 200);
		assert.ok(ms < 1000, `${ms} ms`);
	});

	test('the total is kept too, across addresses; refusals are in /metrics', async () => {
		for (const s of socks.splice(0)) s.destroy();
		await sleep(300);
		const got = await Promise.all([...Array.from({ length: 40 }, () => halfHeader('127.0.0.3')),
			...Array.from({ length: 40 }, () => halfHeader('127.0.0.4')),
			...Array.from({ length: 40 }, () => halfHeader('127.0.0.6'))]);
		assert.equal(got.filter((x) => x === 'refused').length, 20, 'beyond 100 in all, refused');
		const admin = await (async () => {
			for (const s of socks.splice(0)) s.destroy(); // make room to read the metrics
			await sleep(300);
			return srv.login('admin');
		})();
		const m = await admin.get('/metrics');
		assert.match(m.text, /vigil_refused_total\{port="api",reason="connections_per_address"\} ([1-9]\d*)/);
		assert.match(m.text, /vigil_refused_total\{port="api",reason="connections_total"\} ([1-9]\d*)/);
		assert.match(m.text, /vigil_connection_limit\{port="api",per="address"\} 40/);
	});

	test('a connection silent for --http-timeout-seconds (4) is closed, and its place given back', async () => {
		for (const s of socks.splice(0)) s.destroy();
		await sleep(300);
		const held = await Promise.all(Array.from({ length: 40 }, () => halfHeader('127.0.0.5')));
		assert.equal(held.filter((x) => x !== 'refused').length, 40);
		assert.equal(await halfHeader('127.0.0.5'), 'refused');
		await waitFor('the silent ones to be closed', () => held.every((s) => s.destroyed || s.readyState === 'closed'), 8000);
		const again = await halfHeader('127.0.0.5');
		assert.notEqual(again, 'refused');
	});
});

describe('deadlines, and room made when the port is full', () => {
	let s2;
	const mine = [];
	before(async () => {
		s2 = await startServer({
			roles: ['admin', 'officer', 'operator'],
			args: ['--http-max-per-address', '40', '--http-max-connections', '60', '--http-timeout-seconds', '30',
				'--http-header-seconds', '3', '--http-body-seconds', '3'],
		});
	});
	after(async () => {
		for (const s of mine) s.destroy();
		if (s2) assert.equal(await s2.stop(), 0);
	});

	/** Connect from localAddress, write `first`, then `drip` every 400 ms: resolves
	 * {ms, data} when the server closes it (never silent, so only a deadline can). */
	function trickle(localAddress, first, drip) {
		return new Promise((resolve) => {
			const t0 = Date.now();
			const s = net.connect({ host: '127.0.0.1', port: s2.port, localAddress });
			let data = '';
			let timer;
			s.on('error', () => {});
			s.on('data', (d) => { data += d; });
			s.on('close', () => { clearInterval(timer); resolve({ ms: Date.now() - t0, data }); });
			s.on('connect', () => {
				s.write(first);
				timer = setInterval(() => { if (!s.destroyed) s.write(drip); }, 400);
			});
			mine.push(s);
		});
	}

	test('headers trickled a byte at a time are cut at --http-header-seconds, though never silent', async () => {
		const { ms, data } = await trickle('127.0.0.7', 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\n', 'X');
		assert.ok(ms >= 2500 && ms < 7000, `closed after ${ms} ms`);
		assert.doesNotMatch(data, /^HTTP\/1\.1 200/);
	});

	test('a sign-in body trickled is cut at --http-body-seconds, unanswered', async () => {
		const { ms, data } = await trickle('127.0.0.7',
			'POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"username":"', 'a');
		assert.ok(ms >= 2500 && ms < 7000, `closed after ${ms} ms`);
		assert.doesNotMatch(data, /^HTTP\/1\.1 200/);
	});

	test('full of waiting connections from many addresses: sign-in still answers within a second, the oldest waiting is cut, a live stream is not', async () => {
		const operator = await s2.login('operator');
		const stream = await connectStream(s2.url, operator);
		assert.equal(stream.status, 200);
		// twice: fill the port (40 from one address, 20 from another: what is
		// beyond its 60 is refused, as every connection is young), wait, sign
		// in on a connection of her own: room is made by cutting the oldest
		// waiting or idle connection (the first time, her colleague's idle
		// kept-alive one; the second, a waiting one)
		const held = [];
		for (const round of [1, 2]) {
			const got = await Promise.all([...Array.from({ length: 40 }, () => halfHeaderTo(s2.port, '127.0.0.8', mine)),
				...Array.from({ length: 20 }, () => halfHeaderTo(s2.port, '127.0.0.9', mine))]);
			held.push(...got.filter((x) => x !== 'refused'));
			assert.ok(got.some((x) => x === 'refused'), `round ${round}: the port is full`);
			await sleep(1200); // older than the second a new connection is given
			const { ms, status } = await signInRaw(s2.port, `127.0.0.1${round}`, s2.passwords.officer);
			assert.equal(status, 200);
			assert.ok(ms < 1000, `${ms} ms`);
		}
		await sleep(200);
		assert.ok(held.some((s) => s.destroyed || s.readyState === 'closed'), 'a waiting connection was cut');
		assert.equal(stream.ended, false, 'the live stream goes on');
		stream.close();
		for (const s of held) s.destroy();
		await sleep(300);
		const admin = await s2.login('admin');
		const m = (await admin.get('/metrics')).text;
		assert.match(m, /vigil_connections_cut_total\{port="api",reason="evicted_when_full"\} [1-9]/);
		assert.match(m, /vigil_connections_cut_total\{port="api",reason="header_deadline"\} [1-9]/);
		assert.match(m, /vigil_connections_cut_total\{port="api",reason="body_deadline"\} [1-9]/);
	});
});

/** As halfHeader, to another server's port; the sockets kept in list. */
function halfHeaderTo(port, localAddress, list) {
	return new Promise((resolve) => {
		const s = net.connect({ host: '127.0.0.1', port, localAddress });
		let closed = false;
		s.on('error', () => {});
		s.on('close', () => { closed = true; });
		s.on('connect', () => {
			s.write('GET /api/v1/me HTTP/1.1\r\nHost: x\r\n');
			list.push(s);
			// the server may take it and then refuse it straight away
			setTimeout(() => resolve(closed ? 'refused' : s), 300);
		});
	});
}

/** Sign in as officer on a connection of its own from localAddress: {ms, status}. */
function signInRaw(port, localAddress, password) {
	const t0 = Date.now();
	return new Promise((resolve, reject) => {
		const body = JSON.stringify({ username: 'officer', password });
		const s = net.connect({ host: '127.0.0.1', port, localAddress });
		let data = '';
		s.on('data', (d) => { data += d; });
		s.on('error', reject);
		s.on('close', () => resolve({ ms: Date.now() - t0, status: Number(data.split(' ')[1]) }));
		s.on('connect', () => s.end(`POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
	});
}
