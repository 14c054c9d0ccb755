// Her app: signs in with a code sent to her number and a PIN on this phone,
// then offers panic (her position sent while it is open), her diary, her
// warnings and what the centre did, her safety plan, her orders' terms and
// who looks after her.  Screens change in place (no history entries, no
// addresses that say what this is); the quick exit, on every screen, leaves
// for a neutral site and replaces this page in the history.  Nothing but the
// phone's sign-in secret and her choice of look is kept on the phone.
import { clear, field, formError, h, onSubmit, select, textarea } from '../js/dom.js';

const EXIT = 'https://www.bbc.co.uk/weather';
const KEY = { device: 'n.d', look: 'n.look' };
const LOOKS = { notes: 'Notes', recipes: 'Recipes', weather: 'Weather' };
const KINDS = [['message', 'Messages or texts'], ['call', 'Calls'], ['social_media', 'Social media'], ['following', 'Following me'],
	['loitering', 'Waiting or hanging around'], ['turning_up_home', 'Turning up at my home'], ['turning_up_work', 'Turning up at my work'],
	['unwanted_gift', 'Gifts or things left for me'], ['property_damage', 'Damage to my things'], ['threat', 'Threats'],
	['violence', 'Violence'], ['third_party_contact', 'Through other people'], ['other', 'Something else']];

const main = document.getElementById('main');
let session = null;
let watch = null;
let poll = null;
let seen = new Set();

function say(text) {
	document.getElementById('live').textContent = text;
}

function quickExit() {
	stopWatching();
	session = null;
	try {
		sessionStorage.clear();
	} catch {
		/* nothing kept */
	}
	location.replace(EXIT);
}

function look(name) {
	const n = LOOKS[name] ? name : 'notes';
	document.title = LOOKS[n];
	document.getElementById('app-name').textContent = LOOKS[n];
	document.getElementById('manifest').href = `/m/manifest-${n}.json`;
	document.getElementById('icon').href = `/m/icon-${n}.svg`;
}

class Refused extends Error {
	constructor(status, body) {
		super((body && body.error && body.error.message) || `error ${status}`);
		this.status = status;
		this.field = body && body.error && body.error.field;
		this.code = body && body.error && body.error.code;
	}
}

async function call(method, path, body) {
	const headers = { Accept: 'application/json' };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (session) headers['X-Her-Session'] = session;
	let res;
	try {
		res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
	} catch {
		throw new Refused(0, { error: { message: 'No connection: try again. If you are in danger, call 999.' } });
	}
	const text = await res.text();
	const data = text ? JSON.parse(text) : null;
	if (res.status === 401 && session) {
		session = null;
		stopWatching();
		unlock('Locked: enter your PIN.');
	}
	if (!res.ok) throw new Refused(res.status, data);
	return data;
}

function stopWatching() {
	if (watch !== null) navigator.geolocation?.clearWatch(watch);
	watch = null;
	if (poll) clearInterval(poll);
	poll = null;
}

function screen(title, ...children) {
	clear(main, h('h1', { tabindex: '-1' }, title), children);
	main.querySelector('h1').focus();
}

function back() {
	return h('button', { type: 'button', class: 'secondary back', onclick: home }, 'Back');
}

/* ---- signing in ------------------------------------------------------------------- */

function signIn(note) {
	const f = h('form', {}, formError(),
		field('Your mobile number', h('input', { type: 'tel', name: 'phone', autocomplete: 'tel' }), { name: 'phone', required: 'Enter your mobile number.' }),
		h('button', { type: 'submit' }, 'Send me a code'));
	onSubmit(f, async () => {
		const phone = f.elements.phone.value.trim();
		const r = await call('POST', '/api/v1/her/code', { phone });
		codeScreen(phone, r.message);
	});
	screen('Sign in', note ? h('p', { role: 'status' }, note) : null, h('p', {}, 'We will text you a code.'), f);
}

function codeScreen(phone, message) {
	const f = h('form', {}, formError(),
		field('The code we texted you', h('input', { type: 'text', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 }), { name: 'code', required: 'Enter the code.' }),
		field('Choose a PIN for this phone', h('input', { type: 'password', name: 'pin', inputmode: 'numeric', maxlength: 8, autocomplete: 'new-password' }), { name: 'pin', required: 'Choose a PIN of 4 to 8 digits.', hint: '4 to 8 digits. You will use it each time you open the app.' }),
		h('button', { type: 'submit' }, 'Sign in'));
	onSubmit(f, async () => {
		const r = await call('POST', '/api/v1/her/verify', { phone, code: f.elements.code.value.trim(), pin: f.elements.pin.value });
		localStorage.setItem(KEY.device, r.device);
		const u = await call('POST', '/api/v1/her/unlock', { device: r.device, pin: f.elements.pin.value });
		session = u.session;
		home();
	});
	screen('Enter the code', h('p', { role: 'status' }, message), f);
}

function unlock(note) {
	const f = h('form', {}, formError(),
		field('Your PIN', h('input', { type: 'password', name: 'pin', inputmode: 'numeric', maxlength: 8, autocomplete: 'current-password' }), { name: 'pin', required: 'Enter your PIN.' }),
		h('button', { type: 'submit' }, 'Open'));
	onSubmit(f, async () => {
		try {
			const u = await call('POST', '/api/v1/her/unlock', { device: localStorage.getItem(KEY.device), pin: f.elements.pin.value });
			session = u.session;
			home();
		} catch (e) {
			if (e.code === 'signed_out') {
				localStorage.removeItem(KEY.device);
				signIn(e.message);
				return;
			}
			throw e;
		}
	});
	screen('Open', note ? h('p', { role: 'status' }, note) : null, f);
}

/* ---- home ---------------------------------------------------------------------------- */

async function home() {
	stopWatching();
	const menu = h('ul', { class: 'menu' },
		[['My diary: write what happened', diary], ['My warnings', warnings], ['My safety plan', plan], ['What he must not do', orders], ['Who to contact', contacts], ['This app’s look', looks]]
			.map(([t, fn]) => h('li', {}, h('button', { type: 'button', class: 'secondary', onclick: fn }, t))));
	const live = h('div', { id: 'her-live' });
	screen('Hello', live,
		h('button', { type: 'button', class: 'panic', onclick: panic }, 'I need help now'),
		h('p', { class: 'hint' }, 'Sends the centre your location straight away. If you are in danger, call 999.'),
		menu,
		pushOffer(),
		h('button', { type: 'button', class: 'secondary', onclick: lock }, 'Lock'));
	livePoll(live);
}

/* Warnings with the app closed (Web Push), where her browser can. */
function pushOffer() {
	if (!('PushManager' in window) || !('serviceWorker' in navigator) || !('Notification' in window) || Notification.permission === 'denied') return null;
	const status = h('p', { role: 'status' });
	const b = h('button', { type: 'button', class: 'secondary', onclick: async () => {
		try {
			const { key } = await call('GET', '/api/v1/her/push-key');
			if ((await Notification.requestPermission()) !== 'granted') throw new Error('Notifications were not allowed.');
			const reg = await navigator.serviceWorker.ready;
			const raw = Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));
			const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: raw });
			await call('POST', '/api/v1/her/push', sub.toJSON());
			status.textContent = 'Done: you will be told even when the app is closed.';
		} catch (e) {
			status.textContent = `That did not work on this phone (${e.message}). Warnings still come by text.`;
		}
	} }, 'Tell me even when the app is closed');
	return h('div', {}, b, status);
}

/* Warnings while the app is open: a new one is shown and said at once. */
function livePoll(box) {
	const check = async () => {
		let d;
		try {
			d = await call('GET', '/api/v1/her/home');
		} catch {
			return;
		}
		for (const w of d.warnings) {
			if (w.kind === 'warning' && !seen.has(w.id)) {
				seen.add(w.id);
				if (Date.now() - Date.parse(w.at) < 30 * 60000) {
					clear(box, h('div', { class: 'her-live', role: 'alert' }, h('strong', {}, 'Stay safe. Help is coming. '), 'Go somewhere safe and call 999 if you are in danger.'));
					navigator.vibrate?.([300, 100, 300]);
				}
			}
		}
	};
	check();
	poll = setInterval(check, 5000);
}

async function lock() {
	try {
		await call('POST', '/api/v1/her/lock');
	} catch {
		/* locked here anyway */
	}
	session = null;
	stopWatching();
	unlock();
}

/* ---- panic --------------------------------------------------------------------------- */

function panic() {
	stopWatching();
	const status = h('p', { role: 'status' }, 'Sending…');
	screen('Help is on its way', status, h('p', {}, 'Keep this screen open if you can: the centre sees where you are while it is.'),
		h('p', {}, h('a', { href: 'tel:999' }, 'Call 999')), back());
	let sent = false;
	let last = 0;
	const send = async (pos) => {
		// how long ago her phone took the position (both on her phone's clock): one it had
		// kept is judged at its own time; an age that cannot be is left out
		const age = pos ? Math.round(Date.now() - pos.timestamp) : -1;
		const body = pos ? { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy_m: pos.coords.accuracy } : {};
		if (age >= 0 && age <= 3600000) body.age_ms = age;
		try {
			if (!sent) {
				sent = true;
				await call('POST', '/api/v1/her/panic', body);
				status.textContent = 'The centre has your call for help.';
				say('The centre has your call for help.');
			} else if (pos && Date.now() - last > 5000) {
				last = Date.now();
				await call('POST', '/api/v1/her/position', body);
			}
		} catch (e) {
			sent = sent && e.status !== 0;
			status.textContent = e.message;
		}
	};
	if (!navigator.geolocation) {
		send(null);
		return;
	}
	/* the call for help goes at once; her position follows as it comes */
	const early = setTimeout(() => { if (!sent) send(null); }, 3000);
	watch = navigator.geolocation.watchPosition((p) => { clearTimeout(early); send(p); }, () => { clearTimeout(early); if (!sent) send(null); },
		{ enableHighAccuracy: true, maximumAge: 5000, timeout: 10000 });
}

/* ---- diary ------------------------------------------------------------------------- */

/* A picture made smaller (at most 1280 px, JPEG) as base64.  Read as a
 * data: URL (the page's Content-Security-Policy allows no blob: images). */
function shrink(file) {
	return new Promise((resolve, reject) => {
		const fail = () => reject(new Error('That picture could not be read.'));
		const reader = new FileReader();
		reader.onerror = fail;
		reader.onload = () => {
			const img = new Image();
			img.onload = () => {
				const k = Math.min(1, 1280 / Math.max(img.width, img.height));
				const c = document.createElement('canvas');
				c.width = Math.max(1, Math.round(img.width * k));
				c.height = Math.max(1, Math.round(img.height * k));
				c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);
				resolve(c.toDataURL('image/jpeg', 0.8).split(',')[1]);
			};
			img.onerror = fail;
			img.src = reader.result;
		};
		reader.readAsDataURL(file);
	});
}

function diary() {
	stopWatching();
	const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
	const f = h('form', {}, formError(),
		field('What happened?', textarea('what', { rows: 5, maxlength: 4000 }), { name: 'what', required: 'Say what happened.' }),
		field('What kind of thing was it?', select('behaviour', KINDS, { value: 'other' }), { name: 'behaviour' }),
		field('When?', h('input', { type: 'datetime-local', name: 'at', value: now, max: now }), { name: 'at' }),
		field('Where? (optional)', h('input', { type: 'text', name: 'where', maxlength: 300 }), { name: 'where' }),
		field('A photo or screenshot (optional)', h('input', { type: 'file', name: 'photo', accept: 'image/*' }), { name: 'photo.data', errorFor: 'photo.data' }),
		h('button', { type: 'submit' }, 'Save in my diary'));
	onSubmit(f, async () => {
		const body = { what: f.elements.what.value.trim(), behaviour: f.elements.behaviour.value };
		if (f.elements.at.value) body.at = new Date(f.elements.at.value).toISOString();
		if (f.elements.where.value.trim()) body.where = f.elements.where.value.trim();
		const file = f.elements.photo.files[0];
		if (file) body.photo = { type: 'image/jpeg', data: await shrink(file) };
		const r = await call('POST', '/api/v1/her/diary', body);
		screen('Saved', h('p', { role: 'status' }, r.message), back());
	});
	screen('My diary', h('p', {}, 'Write down each thing that happens: your officer sees it straight away, and it is kept as evidence.'), f, back());
}

/* ---- what she is shown --------------------------------------------------------------- */

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '');

async function warnings() {
	const d = await call('GET', '/api/v1/her/home');
	screen('My warnings', d.warnings.length ? d.warnings.map((w) => h('div', { class: 'her-card', 'data-warning': w.id },
		h('p', {}, h('strong', {}, w.words), h('br'), when(w.at)),
		w.sent ? h('p', {}, w.sent === 'delivered' ? 'The text reached your phone.' : w.sent === 'failed' || w.sent === 'no_number' ? 'The text did not reach you: the centre was told to call you.' : 'A text was sent to you.') : null,
		h('p', {}, w.state), w.centre_did.length ? h('ul', {}, w.centre_did.map((x) => h('li', {}, `${x.what}: ${when(x.at)}`))) : null))
		: h('p', {}, 'No warnings.'), back());
}

const NOT_YET = 'Your officer or advocate has not shared this with you in the app yet: ask them.';

async function plan() {
	const d = await call('GET', '/api/v1/her/home');
	if (d.plan === null) return screen('My safety plan', h('p', {}, NOT_YET), back());
	const STATUS = { planned: 'to do', in_progress: 'being done', done: 'done', not_done: 'not done' };
	screen('My safety plan', d.plan.length ? h('ul', {}, d.plan.map((a) => h('li', { class: 'her-card' }, a.what, h('br'), h('span', { class: 'hint' }, STATUS[a.status] || a.status, a.due ? `, by ${when(a.due)}` : ''))))
		: h('p', {}, 'Your officer or advocate will go through your safety plan with you.'), back());
}

async function orders() {
	const d = await call('GET', '/api/v1/her/home');
	if (d.orders === null) return screen('What he must not do', h('p', {}, NOT_YET), h('p', {}, 'If he contacts or follows you, call 999 and write it in your diary.'), back());
	const KIND = { spo_interim: 'Interim Stalking Protection Order', spo_full: 'Stalking Protection Order', restraining: 'Restraining order', non_molestation: 'Non-molestation order', pin: 'Police Information Notice' };
	screen('What he must not do', d.orders.length ? d.orders.map((o) => h('div', { class: 'her-card' },
		h('h2', {}, KIND[o.kind] || o.kind), h('p', {}, o.until_further_order ? 'Until a court says otherwise' : o.ends_at ? `Until ${when(o.ends_at)}` : ''),
		h('ul', {}, o.terms.map((t) => h('li', {}, t.detail || t.kind.replace(/_/g, ' '), t.distance_m ? ` (${t.distance_m} m)` : '')))))
		: h('p', {}, 'No order is in force yet. Your officer will tell you when one is.'),
	h('p', {}, 'If he breaks any of these, call 999 and write it in your diary.'), back());
}

async function contacts() {
	const d = await call('GET', '/api/v1/her/home');
	screen('Who to contact', d.contacts === null ? h('p', {}, NOT_YET) : h('ul', {}, d.contacts.map((c) => h('li', { class: 'her-card' }, `${c.name} (${c.role})`))),
		h('p', {}, 'In an emergency: ', h('a', { href: 'tel:999' }, 'call 999'), '. If you cannot speak, call 999 from a mobile, then press 55.'),
		h('p', {}, 'National Stalking Helpline: ', h('a', { href: 'tel:08088020300' }, '0808 802 0300')), back());
}

function looks() {
	const f = h('form', {}, formError(),
		field('Name and icon', select('look', Object.entries(LOOKS), { value: localStorage.getItem(KEY.look) || 'notes' }), { name: 'look' }),
		h('button', { type: 'submit' }, 'Use this look'));
	onSubmit(f, async () => {
		localStorage.setItem(KEY.look, f.elements.look.value);
		look(f.elements.look.value);
		say('Changed.');
		home();
	});
	screen('This app’s look', h('p', {}, 'Choose how the app appears on your phone.'), f, back());
}

/* ---- start ----------------------------------------------------------------------------- */

document.getElementById('quick-exit').addEventListener('click', quickExit);
look(localStorage.getItem(KEY.look));
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/m/sw.js', { scope: '/m/' }).catch(() => {});
if (localStorage.getItem(KEY.device)) unlock();
else signIn();
