// app.js — the shell: who is signed in, the navigation that role may use
// (with the count of her work waiting), and the hash router (#/work,
// #/desk, #/cases, #/cases/REF/tab?..., #/devices, #/compliance, #/audit,
// #/admin).  The API's vocabularies are loaded once signed in.
import { api, onSessionLost, setCsrf } from './api.js';
import { clear, h, TIME_ZONE } from './dom.js';
import { forgetVocabulary, loadVocabulary } from './vocab.js';

const pages = {
	signin: () => import('./pages/signin.js'),
	work: () => import('./pages/inbox.js'),
	desk: () => import('./pages/desk.js'),
	cases: () => import('./pages/cases.js'),
	case: () => import('./pages/case.js'),
	devices: () => import('./pages/devices.js'),
	register: () => import('./pages/register.js'),
	compliance: () => import('./pages/compliance.js'),
	audit: () => import('./pages/audit.js'),
	admin: () => import('./pages/admin.js'),
};

const NAV = [
	{ page: 'work', label: 'My work', perm: 'signed-in' },
	{ page: 'desk', label: 'Alert desk', perm: 'alerts' },
	{ page: 'cases', label: 'Cases', perm: 'cases:read' },
	{ page: 'devices', label: 'Devices', perm: 'devices:read' },
	{ page: 'register', label: 'Register', perm: 'people:search' },
	{ page: 'compliance', label: 'Compliance', perm: 'compliance:read' },
	{ page: 'audit', label: 'Audit trail', perm: 'audit:read' },
	{ page: 'admin', label: 'Administration', any: ['users:manage', 'agencies:manage', 'tokens:manage'] },
];

export const session = {
	me: null,
	can(perm) {
		return !!this.me && this.me.permissions.includes(perm);
	},
};

let cleanup = null;
let signinNotice = '';

function allowed(entry) {
	if (entry.perm) return session.can(entry.perm);
	return entry.any.some((p) => session.can(p));
}

/* Her start page: the desk for those who work it, else her work. */
function home() {
	const first = NAV.find((n) => n.page !== 'work' && allowed(n));
	if (first && first.page === 'desk') return '#/desk';
	return '#/work';
}

/* The count of her work in the navigation, read again after each page and
 * each save (refreshWork), so it never shows what she has just done. */
let workSeq = 0;
export async function refreshWork() {
	const mine = ++workSeq;
	const link = document.querySelector('a[data-nav=work]');
	if (!link || !session.me) return;
	let counts;
	try {
		counts = (await api.get('/api/v1/inbox')).counts;
	} catch {
		return;
	}
	if (mine !== workSeq || !link.isConnected) return;
	const n = link.querySelector('.count');
	n.textContent = counts.total ? String(counts.total) : '';
	n.hidden = !counts.total;
	n.classList.toggle('has-overdue', counts.overdue > 0);
	link.querySelector('.sr-only').textContent = `: ${counts.total} item${counts.total === 1 ? '' : 's'}${counts.overdue ? `, ${counts.overdue} overdue` : ''}`;
}

export function navigate(hash) {
	if (location.hash === hash) route();
	else location.hash = hash;
}

function header() {
	const top = document.getElementById('top');
	if (!session.me) {
		clear(top, h('span', { class: 'brand' }, 'Vigil'));
		return;
	}
	const u = session.me.user;
	const current = (location.hash.split('/')[1] || '').replace(/^case$/, 'cases');
	clear(
		top,
		h('a', { class: 'brand', href: home() }, 'Vigil'),
		h(
			'nav',
			{ 'aria-label': 'Main' },
			h('ul', {}, NAV.filter(allowed).map((n) =>
				h('li', {}, h('a', { href: '#/' + n.page, 'data-nav': n.page, 'aria-current': current === n.page ? 'page' : null }, n.label,
					n.page === 'work' ? [h('span', { class: 'count', hidden: true, 'aria-hidden': 'true' }), h('span', { class: 'sr-only' })] : null)))),
		),
		h(
			'div',
			{ class: 'who' },
			h('span', { class: 'user', 'data-role': u.role }, `${u.display_name} · ${u.role} · ${u.agency ? u.agency.code : ''}`),
			h('span', { class: 'tz', title: 'Times are shown in this time zone' }, TIME_ZONE),
			h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
		),
	);
}

async function signOut() {
	try {
		await api.post('/api/v1/logout');
	} catch {
		/* signed out either way */
	}
	session.me = null;
	setCsrf(null);
	forgetVocabulary();
	signinNotice = 'You have signed out.';
	navigate('#/signin');
}

export function signedIn(me, notice) {
	session.me = me;
	setCsrf(me.csrf_token);
	signinNotice = notice || '';
	const back = sessionStorage.getItem('vigil.after-signin');
	sessionStorage.removeItem('vigil.after-signin');
	navigate(back && back !== '#/signin' ? back : home());
}

onSessionLost((code) => {
	if (!session.me) return;
	session.me = null;
	setCsrf(null);
	signinNotice = code === 'session_expired' ? 'Your session expired: sign in again to carry on.' : 'You are signed out: sign in again to carry on.';
	sessionStorage.setItem('vigil.after-signin', location.hash);
	navigate('#/signin');
});

let generation = 0;

async function route() {
	const mine = ++generation;
	if (cleanup) {
		try {
			cleanup();
		} catch {
			/* a page's own teardown */
		}
		cleanup = null;
	}
	const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
	const parts = path.split('/').map(decodeURIComponent);
	const query = new URLSearchParams(search || '');
	let name = parts[0] || '';
	const main = document.getElementById('main');
	if (!session.me && name !== 'signin') {
		if (name) sessionStorage.setItem('vigil.after-signin', location.hash);
		name = 'signin';
		history.replaceState(null, '', '#/signin');
	}
	if (session.me && (name === 'signin' || name === '')) {
		history.replaceState(null, '', home());
		name = home().slice(2);
	}
	if (name === 'cases' && parts[1] && parts[1] !== 'new') name = 'case';
	header();
	const entry = NAV.find((n) => n.page === (name === 'case' ? 'cases' : name));
	if (name !== 'signin' && (!pages[name] || (entry && !allowed(entry)))) {
		clear(main, h('h1', {}, 'Not available'), h('p', {}, pages[name] ? 'Your role does not give you this page.' : 'There is no such page.'),
			h('p', {}, h('a', { href: home() }, 'Go to your start page')));
		return;
	}
	/* each route renders into a view of its own: a page still loading when
	 * the user moves on writes into a view no longer in the document */
	const view = h('div', { class: 'view' }, h('p', { class: 'loading' }, 'Loading…'));
	clear(main, view);
	let mod;
	try {
		[mod] = await Promise.all([pages[name](), session.me ? loadVocabulary() : null]);
	} catch (err) {
		if (mine === generation) clear(view, h('h1', {}, 'Something went wrong'), h('p', { class: 'form-error', role: 'alert' }, err.message || String(err)));
		return;
	}
	if (mine !== generation) return;
	const ctx = { session, params: parts.slice(1), query, navigate, notice: signinNotice, refreshWork };
	signinNotice = '';
	clear(view);
	let done = null;
	try {
		done = (await mod.render(view, ctx)) || null;
	} catch (err) {
		if (mine === generation)
			clear(view, h('h1', {}, 'Something went wrong'), h('p', { class: 'form-error', role: 'alert' }, err.message || String(err)));
	}
	if (mine !== generation) {
		if (done) done();
		return;
	}
	cleanup = done;
	refreshWork();
	const heading = view.querySelector('h1');
	if (heading) {
		heading.tabIndex = -1;
		document.title = `${heading.textContent} · Vigil`;
	}
}

async function start() {
	try {
		const me = await api.get('/api/v1/me');
		session.me = me;
		setCsrf(me.csrf_token);
	} catch {
		session.me = null;
	}
	window.addEventListener('hashchange', route);
	route();
}

start();
