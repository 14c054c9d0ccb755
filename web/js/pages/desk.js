// The alert desk: the live queue (Server-Sent Events), newest critical first,
// with a sound and a running response clock; the selected alert's map and the
// response protocol (acknowledge, call the victim, call the offender, send
// police, resolve with an outcome and a note).
import { api, qs } from '../api.js';
import { add, announce, badge, clear, field, fmtDuration, fmtTime, formError, h, onSubmit, select, textarea, timeEl, words } from '../dom.js';
import { drawPosition, drawTrail, drawZones, legend, makeMap } from '../map.js';
import { label, options } from '../vocab.js';

const SEVERITY = { critical: 0, high: 1, medium: 2, low: 3 };

/* A position's line: where, how sure, when. */
function posText(p) {
	return p ? [`${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`, p.accuracy_m ? ` (±${Math.round(p.accuracy_m)} m)` : '', ' at ', timeEl(p.at)] : h('span', { class: 'muted' }, 'no fix');
}

/* Whether each warning went out: the notifications table's attempts, per
 * channel (her gateway, the centre, the police). */
function delivery(a) {
	const by = new Map();
	for (const n of a.notifications || []) {
		if (!by.has(n.channel)) by.set(n.channel, []);
		by.get(n.channel).push(n);
	}
	const line = (channel, who) => {
		const ns = by.get(channel) || [];
		if (channel === 'victim' && (a.victim_warning || []).length) return herWarning(a);
		if (!ns.length) return h('li', { 'data-channel': channel }, `${who}: `, h('span', { class: 'muted' }, channel === 'victim' ? (a.late ? 'not warned: the approach had passed when it was found' : 'nothing sent (no gateway set up, or none for this kind of alert)') : 'nothing sent'));
		const ok = ns.filter((n) => n.delivered).pop();
		const last = ns[ns.length - 1];
		return h('li', { 'data-channel': channel }, `${who}: `, ok
			? h('span', { class: 'delivery-ok' }, 'delivered ', timeEl(ok.at), ns.length > 1 ? ` (attempt ${ok.attempt})` : '')
			: h('span', { class: 'delivery-bad' }, `not delivered after ${ns.length} attempt${ns.length === 1 ? '' : 's'}`, last.http_status ? ` (the gateway answered ${last.http_status})` : last.error ? ` (${last.error})` : '', ', last ', timeEl(last.at)));
	};
	return h('ul', { class: 'call-list', 'aria-label': 'Warnings sent' }, line('victim', 'Her warning'), line('centre', 'The centre'), line('police', 'The police'));
}

/* What became of her warning (store/warnings: each message's state, as the
 * provider reported it). */
const WARNING_STATE = {
	sending: 'being sent',
	sent: 'sent, no receipt yet',
	delivered: 'delivered to her phone',
	failed: 'not delivered',
	no_number: 'not sent: the case has no phone number for her',
};
const PROVIDER = { notify: 'SMS through GOV.UK Notify', webhook: 'the gateway' };
function herWarning(a) {
	return h('li', { 'data-channel': 'victim' }, 'Her warning: ', a.victim_warning.map((m, i) => {
		const ok = m.state === 'delivered' || m.state === 'sent';
		return [i ? '; ' : '', m.repeat ? `visit ${m.repeat + 1}: ` : '',
			h('span', { class: ok ? 'delivery-ok' : m.state === 'sending' ? '' : 'delivery-bad', 'data-warning-state': m.state },
				WARNING_STATE[m.state] || m.state),
			` (${PROVIDER[m.provider] || m.provider}`, m.reference ? `, reference ${m.reference}` : '', ') ', timeEl(m.updated_at),
			m.detail && m.state !== 'no_number' ? ` — ${m.detail}` : ''];
	}));
}
/* A warning that did not reach her: the operator calls her, now. */
function unreached(a) {
	const m = (a.victim_warning || []).find((x) => x.escalated);
	if (!m) return null;
	return h('div', { class: 'banner banner-danger', role: 'alert', 'data-unreached': '' },
		h('strong', {}, 'Her warning did not reach her. Call her now. '),
		m.state === 'no_number' ? 'The case has no phone number for her.' : m.detail ? `(${m.detail})` : '');
}

/* The numbers the protocol says to call, as the case gives them to this role. */
function numbers(c) {
	if (!c) return h('p', { class: 'muted' }, 'The case could not be read.');
	const phones = (role) => (c.people || []).filter((p) => p.role === role).flatMap((p) => (p.identifiers || []).filter((i) => i.kind === 'phone').map((i) => ({ name: p.name, number: i.value ?? i.display })));
	const list = (who, ps) => h('li', {}, `${who}: `, ps.length ? ps.map((p, i) => [i ? ', ' : '', h('a', { href: `tel:${String(p.number).replace(/[^+0-9]/g, '')}` }, p.number), p.name ? ` (${p.name})` : '']) : h('span', { class: 'muted' }, 'no number on the case'));
	return h('ul', { class: 'call-list', 'aria-label': 'Numbers to call' }, list('Her', phones('victim')), list('Him', phones('suspect')));
}

let audio = null;
function beep(critical) {
	if (localStorage.getItem('vigil.sound') === 'off') return;
	try {
		audio = audio || new AudioContext();
		const t = audio.currentTime;
		for (let i = 0; i < (critical ? 3 : 1); i++) {
			const o = audio.createOscillator();
			const g = audio.createGain();
			o.frequency.value = critical ? 880 : 660;
			g.gain.setValueAtTime(0.2, t + i * 0.3);
			g.gain.exponentialRampToValueAtTime(0.001, t + i * 0.3 + 0.25);
			o.connect(g).connect(audio.destination);
			o.start(t + i * 0.3);
			o.stop(t + i * 0.3 + 0.25);
		}
	} catch {
		/* no audio device: the visible queue still shows it */
	}
}

function order(a, b) {
	const ra = a.state === 'resolved' ? 1 : 0;
	const rb = b.state === 'resolved' ? 1 : 0;
	if (ra !== rb) return ra - rb;
	const sa = SEVERITY[a.severity] ?? 9;
	const sb = SEVERITY[b.severity] ?? 9;
	if (sa !== sb) return sa - sb;
	return b.opened_at < a.opened_at ? -1 : b.opened_at > a.opened_at ? 1 : b.id - a.id;
}

/** The response clock: running until acknowledged (or dispatched), then fixed. */
function clockText(a, now) {
	const opened = Date.parse(a.opened_at);
	const answered = a.acknowledged_at || a.dispatched_at || a.resolved_at;
	if (answered) return `answered in ${fmtDuration((Date.parse(answered) - opened) / 1000)}`;
	return `waiting ${fmtDuration((now - opened) / 1000)}`;
}

export async function render(main, ctx) {
	const alerts = new Map();
	let selected = null;
	let lastEventId = 0;
	let es = null;
	let retry = null;
	let closed = false;
	let mapView = null;

	const status = h('p', { class: 'stream-status', role: 'status', 'data-state': 'connecting' }, 'Connecting to the live alert stream…');
	const showResolved = h('input', { type: 'checkbox', id: 'show-resolved' });
	const soundBtn = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(localStorage.getItem('vigil.sound') !== 'off') });
	const setSoundLabel = () => (soundBtn.textContent = soundBtn.getAttribute('aria-pressed') === 'true' ? 'Sound on' : 'Sound off');
	setSoundLabel();
	soundBtn.addEventListener('click', () => {
		const on = soundBtn.getAttribute('aria-pressed') !== 'true';
		soundBtn.setAttribute('aria-pressed', String(on));
		localStorage.setItem('vigil.sound', on ? 'on' : 'off');
		setSoundLabel();
		if (on) beep(false);
	});
	const queue = h('ol', { class: 'queue', 'aria-label': 'Alerts, most urgent first' });
	const detail = h('section', { class: 'alert-detail', 'aria-label': 'Selected alert' }, h('p', { class: 'muted' }, 'Select an alert to see its map and respond.'));

	add(main, 
		h('div', { class: 'page-head' }, h('h1', {}, 'Alert desk'), status,
			h('div', { class: 'tools' }, h('label', { for: 'show-resolved', class: 'inline' }, showResolved, ' Show resolved'), soundBtn)),
		h('div', { class: 'desk' }, h('section', { class: 'queue-pane', 'aria-label': 'Queue' }, queue), detail),
	);
	showResolved.addEventListener('change', () => load());

	function drawQueue() {
		const now = Date.now();
		const list = [...alerts.values()].filter((a) => showResolved.checked || a.state !== 'resolved').sort(order);
		clear(queue, list.length ? list.map((a) => {
			const btn = h('button', {
				type: 'button', class: 'alert-item', 'data-alert': a.id, 'data-severity': a.severity, 'data-state': a.state,
				'aria-current': selected === a.id ? 'true' : null,
				onclick: () => choose(a.id),
			},
			h('span', { class: 'row1' }, badge(a.severity, `sev-${a.severity}`), h('strong', {}, words(a.kind)), badge(a.state, `state-${a.state}`),
				a.escalated_at ? badge('escalated', 'sev-critical') : null),
			h('span', { class: 'row2' }, a.case, a.device ? ` · ${a.device.uid}` : ''),
			h('span', { class: 'row3' }, timeEl(a.opened_at), ' ', h('span', { class: 'clock', 'data-alert-clock': a.id }, clockText(a, now))));
			return h('li', {}, btn);
		}) : h('li', { class: 'muted empty' }, 'No alerts waiting.'));
	}

	function tick() {
		const now = Date.now();
		for (const el of main.querySelectorAll('[data-alert-clock]')) {
			const a = alerts.get(Number(el.dataset.alertClock));
			if (a) el.textContent = clockText(a, now);
		}
	}
	const timer = setInterval(tick, 1000);

	async function load() {
		const state = showResolved.checked ? '' : 'unresolved';
		const res = await api.get('/api/v1/alerts' + qs({ state, limit: 200 }));
		/* the stream may already have brought a newer version of an alert */
		for (const a of res.alerts) {
			const have = alerts.get(a.id);
			if (!have || have.version <= a.version) alerts.set(a.id, a);
		}
		drawQueue();
	}

	function connect() {
		if (closed) return;
		es = new EventSource('/api/v1/alerts/stream' + qs({ last_event_id: lastEventId || '' }));
		es.addEventListener('open', () => {
			status.dataset.state = 'live';
			status.textContent = 'Live: new alerts appear here as they happen.';
		});
		es.addEventListener('alert', (ev) => {
			lastEventId = Number(ev.lastEventId) || lastEventId;
			let msg;
			try {
				msg = JSON.parse(ev.data);
			} catch {
				return;
			}
			const a = msg.alert;
			const isNew = !alerts.has(a.id);
			alerts.set(a.id, a);
			drawQueue();
			if (isNew && a.state === 'open') {
				beep(a.severity === 'critical');
				announce(`New ${a.severity} alert: ${words(a.kind)} on ${a.case}`);
			}
			/* her warning did not reach her: the operator calls her, now */
			if (msg.event === 'victim_unreached') {
				beep(true);
				announce(`Her warning did not reach her on ${a.case}: call her now`);
			}
			if (selected === a.id) showDetail(a.id, false);
		});
		/* the server ended the stream because her rights changed (signed
		 * out, account disabled, role changed): say so and do not reconnect */
		es.addEventListener('end', async (ev) => {
			let why = {};
			try {
				why = JSON.parse(ev.data);
			} catch {
				/* a reason we cannot read is still an end */
			}
			closed = true;
			es.close();
			clearTimeout(retry);
			status.dataset.state = 'down';
			status.textContent = `The live stream has ended: ${why.message || 'your access changed'}.`;
			try {
				await api.get('/api/v1/me'); /* a lost session goes to sign-in */
			} catch {
				/* shown above; api.js handles a 401 */
			}
		});
		es.addEventListener('error', () => {
			if (closed) return;
			status.dataset.state = 'down';
			status.textContent = 'The live stream dropped: reconnecting… (alerts raised meanwhile will appear when it is back)';
			if (es.readyState === EventSource.CLOSED) {
				es.close();
				clearTimeout(retry);
				retry = setTimeout(async () => {
					try {
						await api.get('/api/v1/me'); /* a lost session goes to sign-in */
					} catch (err) {
						if (err.status === 401) return;
					}
					connect();
				}, 2000);
			}
		});
	}

	async function choose(id) {
		selected = id;
		drawQueue();
		await showDetail(id, true);
	}

	async function showDetail(id, focus) {
		let a;
		try {
			a = await api.get(`/api/v1/alerts/${id}`);
		} catch (err) {
			clear(detail, h('p', { class: 'form-error', role: 'alert' }, err.message));
			return;
		}
		alerts.set(a.id, { ...alerts.get(a.id), ...a });
		let zones = [];
		let kase = null;
		try {
			[zones, kase] = await Promise.all([
				api.get(`/api/v1/cases/${encodeURIComponent(a.case)}/zones`).then((r) => r.zones, () => []),
				api.get(`/api/v1/cases/${encodeURIComponent(a.case)}`).catch(() => null),
			]);
		} catch {
			/* the map still shows the trail */
		}
		const pos = a.positions || { at_alert: {}, now: {} };
		const sees = pos.at_alert && 'victim' in pos.at_alert;
		if (mapView) mapView.destroy();
		const mapEl = h('div', { class: 'map' });
		const heading = h('h2', { tabindex: '-1' }, `${words(a.kind)} · ${a.case}`);
		clear(detail,
			heading,
			h('p', {}, badge(a.severity, `sev-${a.severity}`), ' ', badge(a.state, `state-${a.state}`), ' opened ', timeEl(a.opened_at),
				' · ', h('span', { class: 'clock', 'data-alert-clock': a.id }, clockText(a, Date.now()))),
			unreached(a),
			h('p', {}, a.device ? `Device ${a.device.uid} (${label('device_kinds', a.device.kind)})` : '', a.detail && typeof a.detail.distance_m === 'number' ? (a.detail.distance_m < 0 ? ` · ${Math.round(-a.detail.distance_m)} m inside the zone, when it was decided` : ` · ${Math.round(a.detail.distance_m)} m outside the zone, when it was decided`) : '',
				' · ', h('a', { href: `#/cases/${encodeURIComponent(a.case)}/monitoring` }, 'Open the case')),
			(a.response_steps || []).length > 0 && a.state !== 'resolved'
				? h('section', { 'aria-label': 'What to do' }, h('h3', {}, 'What to do'), h('ol', { class: 'response-steps' }, a.response_steps.map((s) => h('li', {}, s))))
				: null,
			h('div', { class: 'positions' },
				h('section', { 'aria-label': 'At the alert' }, h('h3', {}, 'When it was decided, ', timeEl(pos.at_alert && pos.at_alert.at)),
					h('dl', { class: 'facts' }, h('dt', {}, 'Him'), h('dd', {}, posText(pos.at_alert && pos.at_alert.offender)),
						sees ? [h('dt', {}, 'Her'), h('dd', {}, posText(pos.at_alert.victim))] : null)),
				h('section', { 'aria-label': 'Now' }, h('h3', {}, 'Now (last fixes)'),
					h('dl', { class: 'facts' }, h('dt', {}, 'Him'), h('dd', {}, posText(pos.now && pos.now.offender)),
						sees ? [h('dt', {}, 'Her'), h('dd', {}, posText(pos.now.victim))] : null))),
			mapEl,
			legend([['sw-zone', 'protected zone'], ['sw-warning', 'warning ring'], ['sw-trail', 'his trail'],
				['sw-offender-then', 'him when it was decided'], ['sw-offender-now', 'him now'],
				...(sees ? [['sw-victim-then', 'her when it was decided'], ['sw-victim', 'her now']] : [])]),
			h('div', { class: 'side-by-side' },
				h('section', { class: 'card', 'aria-label': 'Numbers to call' }, h('h3', {}, 'Numbers to call'), numbers(kase)),
				h('section', { class: 'card', 'aria-label': 'Warnings sent' }, h('h3', {}, 'Warnings sent'), delivery(a))),
			protocol(a),
		);
		mapView = makeMap(mapEl, { label: `Map of alert ${a.id}` });
		/* a proximity zone is drawn round her where she was when it was decided */
		drawZones(mapView, zones, (sees && pos.at_alert.victim) || a.victim_position);
		drawTrail(mapView, a.trail);
		const at = (p) => (p ? fmtTime(p.at).replace(/^.*?, /, '') : '');
		if (pos.at_alert && pos.at_alert.offender) drawPosition(mapView, pos.at_alert.offender, { label: `Him at the alert (${at(pos.at_alert.offender)})`, kind: 'offender', when: 'then' });
		else if (a.position) drawPosition(mapView, a.position, { label: 'Him at the alert', kind: 'offender', when: 'then' });
		if (pos.now && pos.now.offender && pos.now.offender.at !== (pos.at_alert.offender || {}).at) drawPosition(mapView, pos.now.offender, { label: `Him now (${at(pos.now.offender)})`, kind: 'offender' });
		if (sees && pos.at_alert.victim) drawPosition(mapView, pos.at_alert.victim, { label: `Her at the alert (${at(pos.at_alert.victim)})`, kind: 'victim', when: 'then' });
		if (sees && pos.now.victim && pos.now.victim.at !== (pos.at_alert.victim || {}).at) drawPosition(mapView, pos.now.victim, { label: `Her now (${at(pos.now.victim)})`, kind: 'victim' });
		mapView.fit();
		if (focus) heading.focus();
	}

	function stepTime(a, kind) {
		const s = (a.steps || []).filter((e) => e.event === kind).pop();
		return s ? s.at : null;
	}

	function protocol(a) {
		const resolved = a.state === 'resolved';
		const act = async (path, body, done) => {
			await api.post(`/api/v1/alerts/${a.id}/${path}`, body);
			announce(done);
			ctx.refreshWork();
			await showDetail(a.id, false);
			drawQueue();
		};
		const stepRow = (label, at, button) =>
			h('li', { class: at ? 'done' : '' }, h('span', { class: 'step-label' }, label), ' ', at ? timeEl(at) : h('span', { class: 'muted' }, 'not yet'), ' ', button);
		const errBox = formError();
		const guarded = (fn) => async () => {
			errBox.textContent = '';
			try {
				await fn();
			} catch (err) {
				errBox.textContent = err.message;
			}
		};
		const steps = h('ol', { class: 'protocol', 'aria-label': 'Response protocol' },
			stepRow('Acknowledge', a.acknowledged_at, !a.acknowledged_at && a.state === 'open' &&
				h('button', { type: 'button', class: 'primary', onclick: guarded(() => act('acknowledge', { version: a.version }, 'Alert acknowledged')) }, 'Acknowledge')),
			stepRow('Call the victim', stepTime(a, 'called_victim'), !resolved &&
				h('button', { type: 'button', onclick: guarded(() => act('steps', { step: 'called_victim' }, 'Call to the victim recorded')) }, 'Record call to victim')),
			stepRow('Call the offender', stepTime(a, 'called_offender'), !resolved &&
				h('button', { type: 'button', onclick: guarded(() => act('steps', { step: 'called_offender' }, 'Call to the offender recorded')) }, 'Record call to offender')),
			stepRow('Send police', a.dispatched_at, !a.dispatched_at && !resolved &&
				h('button', { type: 'button', class: 'danger', onclick: guarded(() => act('dispatch', { version: a.version }, 'Police dispatch recorded')) }, 'Dispatch police')),
		);
		let resolveForm = null;
		if (!resolved) {
			const outcome = select('outcome', options('alert_outcomes'), { blank: 'Choose an outcome' });
			const note = textarea('note');
			resolveForm = onSubmit(h('form', { class: 'resolve', 'aria-label': 'Resolve the alert' },
				h('h3', {}, 'Resolve'),
				field('Outcome', outcome, { name: 'outcome', required: 'Choose how the alert ends.' }),
				field('Note', note, { name: 'note', hint: 'What happened and what was done', required: 'Write what happened and what was done.' }),
				formError(),
				h('button', { type: 'submit', class: 'primary' }, 'Resolve alert')), async () => {
				await api.post(`/api/v1/alerts/${a.id}/resolve`, { version: a.version, outcome: outcome.value, note: note.value.trim() });
				announce('Alert resolved');
				ctx.refreshWork();
				await showDetail(a.id, false);
				drawQueue();
			});
		}
		return h('div', { class: 'respond' }, h('h3', {}, 'Response'), steps, errBox,
			resolved ? h('p', {}, 'Resolved ', timeEl(a.resolved_at), `: ${label('alert_outcomes', a.outcome)}. `, a.note || '') : resolveForm);
	}

	connect(); /* first, so that nothing raised while the list loads is missed */
	await load();
	if (ctx.params[0]) choose(Number(ctx.params[0]));
	return () => {
		closed = true;
		clearInterval(timer);
		clearTimeout(retry);
		if (es) es.close();
		if (mapView) mapView.destroy();
	};
}
