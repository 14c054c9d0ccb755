// Two `vigil serve` nodes on one database (PostgreSQL: a SQLite file has one
// node), as the multinode tests start them, and what they ask of a node.
import { Client, spawnServer, startServer } from './server.mjs';
import { monitoringKit } from './monitorkit.mjs';

/** A client of another node with the same session (sessions live in the database). */
export function sameSessionOn(node, client) {
	const c = new Client(node.url);
	c.cookie = client.cookie;
	c.csrf = client.csrf;
	return c;
}

/** The node's engine as /healthz tells it ('leader', 'standby'), or 'down' when it does not answer (within timeoutMs, if given). */
export async function engineOf(url, timeoutMs) {
	try {
		const res = await fetch(`${url}/healthz`, timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {});
		return (await res.json()).engine;
	} catch {
		return 'down';
	}
}

/**
 * Node a started (seeded) with args, these roles signed in on it (onA) and a
 * monitoring kit on them (kA); node b spawned on a's database with the same
 * args and attachments, the same sessions on it (onB) and a kit (kB).
 * Returns {a, b, onA, onB, kA, kB}; if b does not start, a is stopped.
 */
export async function twoNodes(args = [], roles = ['operator', 'officer']) {
	const a = await startServer({ args });
	try {
		const onA = await a.logins(roles);
		const kA = monitoringKit(a, onA);
		const b = await spawnServer(a.db, [...args, '--attachments', a.attachments]);
		const onB = Object.fromEntries(Object.entries(onA).map(([role, client]) => [role, sameSessionOn(b, client)]));
		return { a, b, onA, onB, kA, kB: monitoringKit(b, onB) };
	} catch (e) {
		await a.stop();
		throw e;
	}
}
