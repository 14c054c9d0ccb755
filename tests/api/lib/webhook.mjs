// A webhook receiver for the notification tests: a local HTTP server that
// records what each POST carried and answers as the test says.
import http from 'node:http';

/** A webhook receiver on 127.0.0.1: answer(count) gives the status for the
 * count-th request, or null to never answer. */
export async function receiver(answer = () => 200) {
	const got = [];
	const held = new Set();
	const server = http.createServer((req, res) => {
		let body = '';
		req.setEncoding('utf8');
		req.on('data', (c) => { body += c; });
		req.on('end', () => {
			got.push({ at: Date.now(), method: req.method, type: req.headers['content-type'], key: req.headers['idempotency-key'], text: body, body: JSON.parse(body) });
			const status = answer(got.length);
			if (status === null) {
				held.add(res); // hang: never answered
				return;
			}
			res.writeHead(status, { 'Content-Type': 'text/plain' });
			res.end('ok');
		});
	});
	server.on('connection', (s) => held.add(s));
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}/hook`,
		got,
		set answer(fn) { answer = fn; },
		async close() {
			for (const x of held) x.destroy?.();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

/** A port nobody listens on. */
export async function deadUrl() {
	const s = http.createServer();
	await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
	const port = s.address().port;
	await new Promise((resolve) => s.close(resolve));
	return `http://127.0.0.1:${port}/dead`;
}

