// A Server-Sent Events client for the API tests: connect to the live alert
// stream with a client's credentials and collect its events.
import { waitFor } from './monitorkit.mjs';

/**
 * Connect to GET /api/v1/alerts/stream as client (a session or a bearer):
 * {status, type, events, text, ended, body (when not 200), next(pred, ms),
 * close()}.  Events are {id, event, data}; `ended` turns true when the server
 * closes the stream.  Every stream opened is put in `track` (to close after).
 */
export async function connectStream(base, client, { lastEventId, query = '', track, path = '/api/v1/alerts/stream' } = {}) {
	const ac = new AbortController();
	const headers = { Accept: 'text/event-stream' };
	if (client.bearerToken) headers.Authorization = `Bearer ${client.bearerToken}`;
	else headers.Cookie = client.cookie;
	if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
	const res = await fetch(`${base}${path}${query}`, { headers, signal: ac.signal });
	const s = { status: res.status, type: res.headers.get('content-type'), events: [], text: '', closed: false, ended: false };
	s.close = () => {
		s.closed = true;
		ac.abort();
	};
	if (track) track.push(s);
	if (res.status !== 200) {
		s.body = await res.json();
		return s;
	}
	const reader = res.body.getReader();
	const dec = new TextDecoder();
	let buf = '';
	(async () => {
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				const chunk = dec.decode(value, { stream: true });
				s.text += chunk;
				buf += chunk;
				for (let i; (i = buf.indexOf('\n\n')) >= 0; ) {
					const block = buf.slice(0, i);
					buf = buf.slice(i + 2);
					const ev = {};
					for (const line of block.split('\n')) {
						const m = line.match(/^(id|event|data): ?(.*)$/);
						if (m) ev[m[1]] = m[2];
					}
					if (ev.data !== undefined) s.events.push({ id: Number(ev.id), event: ev.event, data: JSON.parse(ev.data) });
				}
			}
			s.ended = true;
		} catch {
			/* aborted */
		}
	})();
	s.next = (pred, timeoutMs = 5000) => waitFor('an event on the stream', () => s.events.find(pred), timeoutMs);
	return s;
}
