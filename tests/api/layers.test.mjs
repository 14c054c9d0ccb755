// The source's layers, read from the tree (no server): SQL is written only
// in store/ and db/, and no module of src/ includes, through any chain, one
// that includes it back (docs/ARCHITECTURE.md, "Layers").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function sources(dir = SRC, out = []) {
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) sources(p, out);
		else if (/\.[ch]$/.test(e.name)) out.push(path.relative(SRC, p));
	}
	return out.sort();
}

// The string literals of a C file with their lines (comments and character
// constants skipped), so that a comment may still talk about SQL.
function literals(src) {
	const out = [];
	let i = 0, line = 1;
	while (i < src.length) {
		const c = src[i];
		if (c === '\n') { line++; i++; continue; }
		if (c === '/' && src[i + 1] === '*') {
			const e = src.indexOf('*/', i + 2);
			for (let k = i; k < e; k++) if (src[k] === '\n') line++;
			i = e + 2;
			continue;
		}
		if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); continue; }
		if (c === "'") {
			i++;
			while (src[i] !== "'") i += src[i] === '\\' ? 2 : 1;
			i++;
			continue;
		}
		if (c === '"') {
			let j = i + 1, s = '';
			while (src[j] !== '"') {
				if (src[j] === '\\') { s += src.slice(j, j + 2); j += 2; continue; }
				s += src[j++];
			}
			out.push({ line, s });
			i = j + 1;
			continue;
		}
		i++;
	}
	return out;
}

const SQL = /\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|UNIQUE)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX)|PRAGMA\s|BEGIN(\s|$|;)|COMMIT(\s|$|;)|ROLLBACK(\s|$|;)|LISTEN\s|NOTIFY\s|pg_notify|\sFROM\s+\w+\s+WHERE\s)/;

function sqlIn(file) {
	return literals(fs.readFileSync(path.join(SRC, file), 'utf8'))
		.filter((l) => SQL.test(l.s))
		.map((l) => `${file}:${l.line}: "${l.s.slice(0, 72)}"`);
}

test('the scanner finds the SQL that store/ writes (it would find it elsewhere)', () => {
	assert.ok(sqlIn('store/cases.c').length > 20);
	assert.ok(sqlIn('db/migrate.c').length > 20);
});

test('SQL text is written only in store/ and db/', () => {
	const outside = sources().filter((f) => !/^(store|db)\//.test(f)).flatMap(sqlIn);
	assert.deepEqual(outside, []);
});

// The module of a file: its directory (main.c, the program's entry, and
// vigil.[ch], the server context, are modules of their own).
function moduleOf(file) {
	if (!file.includes('/')) return file.replace(/\.[ch]$/, '');
	return path.dirname(file);
}

function includeGraph(key) {
	const g = new Map();
	for (const f of sources()) {
		const from = key(f);
		if (!g.has(from)) g.set(from, new Set());
		for (const m of fs.readFileSync(path.join(SRC, f), 'utf8').matchAll(/^#include "([^"]+)"/gm)) {
			const to = key(m[1]);
			if (to !== from) g.get(from).add(to);
		}
	}
	return g;
}

// Strongly connected groups of more than one node (Tarjan).
function cycles(g) {
	const index = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
	let n = 0;
	const visit = (v) => {
		index.set(v, n); low.set(v, n); n++;
		stack.push(v); on.add(v);
		for (const w of g.get(v) ?? []) {
			if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
			else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
		}
		if (low.get(v) === index.get(v)) {
			const comp = [];
			let w;
			do { w = stack.pop(); on.delete(w); comp.push(w); } while (w !== v);
			if (comp.length > 1) out.push(comp.sort());
		}
	};
	for (const v of g.keys()) if (!index.has(v)) visit(v);
	return out;
}

test('no include cycles among the modules of src/', () => {
	assert.deepEqual(cycles(includeGraph(moduleOf)), []);
});

test('no include cycles among the headers', () => {
	const headers = includeGraph((f) => f);
	for (const k of [...headers.keys()]) if (!k.endsWith('.h')) headers.delete(k);
	assert.deepEqual(cycles(headers), []);
});

test('no include cycles among the files of api/ and ops/ (a handler or an operation includes another\'s header, never both ways)', () => {
	for (const dir of ['api', 'ops']) {
		const g = includeGraph((f) => f.replace(/\.[ch]$/, ''));
		for (const k of [...g.keys()]) if (!k.startsWith(dir + '/')) g.delete(k);
		assert.deepEqual(cycles(g), [], dir);
	}
});

// What each module may include besides itself (docs/ARCHITECTURE.md,
// "Layers"): the edges point down, so the monitor never calls the live
// stream or the notifier (it publishes to monitor/sinks), operations know no
// HTTP, the store no operation, and core no database.
const MAY_INCLUDE = {
	main: ['cli', 'base', 'db'],
	cli: ['api', 'notify', 'ingest', 'ops', 'monitor', 'http', 'store', 'core', 'db', 'base', 'vigil'],
	api: ['ops', 'notify', 'ingest', 'monitor', 'http', 'store', 'core', 'db', 'base', 'vigil'],
	ingest: ['monitor', 'http', 'store', 'core', 'db', 'base', 'vigil'],
	notify: ['monitor', 'store', 'core', 'db', 'base', 'vigil'],
	ops: ['monitor', 'store', 'core', 'db', 'base', 'vigil'],
	http: ['store', 'core', 'db', 'base', 'vigil'],
	monitor: ['store', 'core', 'db', 'base', 'vigil'],
	store: ['core', 'db', 'base'],
	core: ['base'],
	db: ['base'],
	base: [],
	vigil: ['db'],
};

test('each module includes only the layers below it', () => {
	const wrong = [];
	for (const [from, tos] of includeGraph(moduleOf)) {
		const allowed = MAY_INCLUDE[from];
		assert.ok(allowed, `a module the layers do not name: ${from}`);
		for (const to of tos) if (!allowed.includes(to)) wrong.push(`${from} -> ${to}`);
	}
	assert.deepEqual(wrong, []);
});
