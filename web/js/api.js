// api.js — the one way the UI talks to Vigil's API: JSON in and out, the
// session cookie, the CSRF token on every write, and errors as ApiError with
// the API's code, message and the field it names.

export class ApiError extends Error {
	constructor(status, body) {
		const e = (body && body.error) || {};
		super(e.message || `the server answered ${status}`);
		this.status = status;
		this.code = e.code || 'http_' + status;
		this.field = e.field || null;
		this.retryAfter = null;
	}
}

let csrf = null;
const listeners = new Set();

/** Call fn(code) when the session ends under us (expired, signed out elsewhere). */
export function onSessionLost(fn) {
	listeners.add(fn);
}

export function setCsrf(token) {
	csrf = token || null;
}

async function call(method, path, body, file) {
	const headers = { Accept: 'application/json' };
	const init = { method, headers, credentials: 'same-origin' };
	if (method !== 'GET') {
		if (csrf) headers['X-CSRF-Token'] = csrf;
		if (file) {
			headers['Content-Type'] = file.type || 'application/octet-stream';
			init.body = file;
		} else if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
	}
	let res;
	try {
		res = await fetch(path, init);
	} catch (e) {
		const err = new ApiError(0, { error: { code: 'network', message: 'Vigil cannot be reached: check the connection and try again' } });
		throw err;
	}
	let data = null;
	const text = await res.text();
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (!res.ok) {
		const err = new ApiError(res.status, data);
		err.retryAfter = res.headers.get('Retry-After');
		if (res.status === 401 && path !== '/api/v1/login' && path !== '/api/v1/me')
			for (const fn of listeners) fn(err.code);
		throw err;
	}
	return data;
}

export const api = {
	get: (path) => call('GET', path),
	post: (path, body = {}) => call('POST', path, body),
	put: (path, body = {}) => call('PUT', path, body),
	patch: (path, body = {}) => call('PATCH', path, body),
	del: (path) => call('DELETE', path),
	/** POST a file as the request's body (an evidence upload). */
	upload: (path, file) => call('POST', path, undefined, file),
};

/** A query string from an object, leaving out empty values. */
export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
	const s = u.toString();
	return s ? '?' + s : '';
}
