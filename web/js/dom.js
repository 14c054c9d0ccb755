// dom.js — small helpers for building pages: elements, labelled fields with a
// place for the API's error next to them, times in the user's time zone.

let seq = 0;

/** An element: h('p', {class: 'x', onclick: fn}, 'text', child, [more]). */
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else if (k === 'text') el.textContent = v;
		else if (k in el && typeof v !== 'string') el[k] = v;
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	/* a region that may scroll sideways (a wide table on a tablet) must be
	 * reachable by the keyboard, to scroll it */
	if (el.classList.contains('table-wrap') && !el.hasAttribute('tabindex')) el.tabIndex = 0;
	return el;
}

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

export function clear(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

export function uid(prefix = 'f') {
	seq += 1;
	return `${prefix}-${seq}`;
}

/** 'victim_safety' -> 'victim safety' */
export function words(s) {
	return s === null || s === undefined ? '' : String(s).replace(/_/g, ' ');
}

// ---- times -------------------------------------------------------------------

export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const full = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** A time as the user reads it, with the zone shown ("28 Nov 2026, 11:30:22 GMT"). */
export function fmtTime(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? String(iso) : full.format(d);
}

export function fmtDay(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	return Number.isNaN(d.getTime()) ? String(iso) : day.format(d);
}

/** A text with RFC 3339 times in it (a record's detail) with each as fmtTime. */
export function localise(text) {
	return text === null || text === undefined ? text : String(text).replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)/g, (t) => fmtTime(t));
}

/** A <time> element showing fmtTime, with the machine value in datetime. */
export function timeEl(iso) {
	return iso ? h('time', { datetime: iso }, fmtTime(iso)) : h('span', { class: 'muted' }, '—');
}

/** Seconds as "4 min 05 s" / "12 s" / "2 h 03 min". */
export function fmtDuration(s) {
	s = Math.max(0, Math.floor(s));
	if (s < 60) return `${s} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
	return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The value of a datetime-local input as RFC 3339 (it is the user's local time). */
export function localToIso(value) {
	if (!value) return null;
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/** An RFC 3339 time as a datetime-local input's value, in the user's zone. */
export function isoToLocal(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	const p = (n) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// ---- forms -------------------------------------------------------------------
//
// A form says what it needs before it is sent: a required field is marked
// "(required)" in its label; each field is checked as the user types (once
// she has left it, or tried to send the form); sending checks every field at
// once and shows every problem beside its field, in plain words.  What the
// API still refuses comes back beside the field it names, its field name
// given as the label the user sees.

/**
 * A labelled field: the label (with "(required)" when it is), the control
 * (given an id and name), an optional hint, and the place where its
 * problems appear.  name is the API's field name (as the API names it in
 * error.field).  required: true, or the sentence to say when it is empty;
 * check(value, control): a sentence when the value will not do, else null.
 */
export function field(label, control, { name, hint, errorFor, required, check, checkEmpty } = {}) {
	const id = control.id || uid('f');
	control.id = id;
	if (name && !control.name) control.name = name;
	const err = h('p', { class: 'field-error', id: id + '-error', role: 'alert' });
	err.dataset.errorFor = errorFor || name || '';
	const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null;
	control.setAttribute('aria-describedby', [hintEl && hintEl.id, err.id].filter(Boolean).join(' '));
	control.dataset.label = label;
	need(control, { required, check, checkEmpty });
	return h('div', { class: 'field' }, h('label', { for: id }, label, required ? h('span', { class: 'req' }, ' (required)') : null), control, hintEl, err);
}

/** Make a control (or a fieldset of radios) required or checked, as field() does. */
export function need(el, { required, check, checkEmpty } = {}) {
	if (checkEmpty) el._checkEmpty = true;
	if (required) {
		el.dataset.required = typeof required === 'string' ? required : '';
		if (el.tagName !== 'FIELDSET') el.setAttribute('aria-required', 'true');
	}
	if (check) el._check = check;
	return el;
}

/** A fieldset of radio buttons with a legend and a place for its problem. */
export function choice(legend, name, pairs, { value, required, errorFor } = {}) {
	const radios = pairs.map(([v, l]) => h('label', { class: 'inline' }, h('input', { type: 'radio', name, value: v, checked: v === value }), l));
	const err = h('p', { class: 'field-error', role: 'alert', 'data-error-for': errorFor || name });
	const fs = h('fieldset', { class: 'choice' }, h('legend', {}, legend, required ? h('span', { class: 'req' }, ' (required)') : null), radios, err);
	fs.dataset.label = legend;
	need(fs, { required });
	fs.value = () => (fs.querySelector('input:checked') || {}).value;
	return fs;
}

export function input(name, attrs = {}) {
	return h('input', { name, type: 'text', ...attrs });
}

export function textarea(name, attrs = {}) {
	return h('textarea', { name, rows: 3, ...attrs });
}

/** A <select> from [value, label] pairs or plain values; blank adds an empty first option. */
export function select(name, options, { value, blank } = {}) {
	const el = h('select', { name });
	if (blank !== undefined) el.append(h('option', { value: '' }, blank));
	for (const o of options) {
		const [v, l] = Array.isArray(o) ? o : [o, words(o)];
		el.append(h('option', { value: v, selected: v === value }, l));
	}
	return el;
}

/** The form-level error box (for an error that names no field we show). */
export function formError() {
	return h('p', { class: 'form-error', role: 'alert', 'data-error-for': '' });
}

/** Remove every shown error from a form. */
export function clearErrors(form) {
	for (const el of form.querySelectorAll('.field-error, .form-error')) el.textContent = '';
	for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function slotOf(el) {
	if (el.tagName === 'FIELDSET') return el.querySelector(':scope > .field-error');
	return el.closest('.field')?.querySelector('.field-error') || null;
}

function shown(el) {
	return !el.disabled && !el.closest('[hidden]');
}

function valueOf(el) {
	if (el.tagName === 'FIELDSET') return (el.querySelector('input:checked') || {}).value || '';
	if (el.type === 'checkbox') return el.checked ? el.value || 'on' : '';
	if (el.type === 'file') return el.files && el.files.length ? el.files[0].name : '';
	return el.value.trim();
}

/** The problem with one control, in words, or ''. */
function problemOf(el) {
	if (!shown(el)) return '';
	const v = valueOf(el);
	if (el.dataset.required !== undefined && !v) {
		if (el.dataset.required) return el.dataset.required;
		const what = (el.dataset.label || 'this').replace(/\s*\(.*\)$/, '');
		const verb = el.tagName === 'SELECT' || el.tagName === 'FIELDSET' ? 'Choose' : el.type === 'file' ? 'Choose' : 'Enter';
		return `${verb} ${what.charAt(0).toLowerCase()}${what.slice(1)}.`;
	}
	if (el._check && (v || el._checkEmpty || el.tagName === 'FIELDSET' || el.type === 'checkbox')) return el._check(el.tagName === 'FIELDSET' ? v : el.type === 'checkbox' ? el.checked : el.value.trim(), el) || '';
	return '';
}

/** Check one control and show (or clear) its problem; true when it is fine. */
export function checkControl(el) {
	const msg = problemOf(el);
	const slot = slotOf(el);
	if (slot && slot.dataset.apiError !== '1') slot.textContent = msg;
	if (slot && !msg && slot.dataset.apiError === '1') {
		/* she changed what the API refused: take its error away */
		slot.textContent = '';
		slot.dataset.apiError = '';
	}
	const target = el.tagName === 'FIELDSET' ? el : el;
	if (msg) target.setAttribute('aria-invalid', 'true');
	else target.removeAttribute('aria-invalid');
	return !msg;
}

function checkables(form) {
	return [...form.querySelectorAll('input, select, textarea, fieldset')].filter((el) => el.dataset.required !== undefined || el._check);
}

/** Check every field of a form at once; the controls with a problem. */
export function checkForm(form) {
	return checkables(form).filter((el) => !checkControl(el));
}

/* Check a field as she types, once she has left it or tried to send. */
function live(form) {
	const owner = (t) => (t.type === 'radio' ? t.closest('fieldset') : t);
	const again = (ev) => {
		const el = owner(ev.target);
		if (!el || (el.dataset.required === undefined && !el._check)) return;
		if (el.dataset.touched || form.dataset.tried) checkControl(el);
	};
	form.addEventListener('input', again);
	form.addEventListener('change', again);
	form.addEventListener('focusout', (ev) => {
		const el = owner(ev.target);
		if (!el || (el.dataset.required === undefined && !el._check)) return;
		/* radios: the group is left when focus leaves the fieldset */
		if (el.tagName === 'FIELDSET' && el.contains(ev.relatedTarget)) return;
		el.dataset.touched = '1';
		checkControl(el);
	});
}

/* "judgement.reason is required" -> "Reason for the judgement is required". */
function plain(msg, f, slot) {
	const control = slot && (slot.closest('.field')?.querySelector('input, select, textarea') || slot.closest('fieldset'));
	const lab = control && control.dataset.label;
	if (!lab || !f) return msg;
	for (const name of [f, slot.dataset.errorFor]) {
		if (name && msg.startsWith(name + ' ')) return lab.replace(/\s*\(.*\)$/, '') + msg.slice(name.length);
		if (name && msg.startsWith(name + ':')) return lab.replace(/\s*\(.*\)$/, '') + msg.slice(name.length);
	}
	return msg;
}

/**
 * Show an API error next to the field it names: the exact field, else the
 * nearest enclosing one ("victims[0].name" -> "victims[0]" -> "victims"),
 * else the form's error box.  Moves focus to the field at fault.
 */
export function showError(form, err, { keep = false } = {}) {
	if (!keep) clearErrors(form);
	let f = err.field || '';
	let slot = null;
	while (f) {
		slot = form.querySelector(`[data-error-for="${CSS.escape(f)}"]`);
		if (slot) break;
		const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
		f = cut > 0 ? f.slice(0, cut) : '';
	}
	if (!slot) slot = form.querySelector('.form-error');
	let msg = err.message || String(err);
	if (err.status === 403 && err.code === 'forbidden') msg = `Your role may not do this: ${msg}`;
	if (err.status === 409 && err.code === 'stale_version') msg = `Someone changed this while you were working: the page now shows the latest; check it and try again. (${msg})`;
	if (!slot) {
		announce(msg);
		return;
	}
	slot.textContent = plain(msg, err.field, slot);
	if (slot.classList.contains('field-error')) slot.dataset.apiError = '1';
	const control = slot.closest('.field')?.querySelector('input, select, textarea') || slot.closest('fieldset')?.querySelector('input');
	if (control) {
		control.setAttribute('aria-invalid', 'true');
		control.focus();
	} else slot.focus?.();
}

/**
 * Wire a form: on submit, check every field (showing every problem at once
 * and sending nothing while there is one), then disable the submit buttons,
 * run action(form) and show any error it throws where it belongs.
 */
export function onSubmit(form, action) {
	form.noValidate = true;
	live(form);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		form.dataset.tried = '1';
		clearErrors(form);
		for (const el of form.querySelectorAll('[data-api-error="1"]')) el.dataset.apiError = '';
		const bad = checkForm(form);
		if (bad.length) {
			const box = form.querySelector('.form-error');
			if (box) box.textContent = bad.length === 1 ? 'One thing needs correcting: it is marked below.' : `${bad.length} things need correcting: each is marked below.`;
			const first = bad[0].tagName === 'FIELDSET' ? bad[0].querySelector('input') : bad[0];
			if (first) first.focus();
			return;
		}
		const buttons = form.querySelectorAll('button[type=submit]');
		buttons.forEach((b) => (b.disabled = true));
		try {
			await action(form, ev.submitter);
		} catch (err) {
			showError(form, err);
		} finally {
			buttons.forEach((b) => (b.disabled = false));
		}
	});
	return form;
}

/**
 * A button outside a form whose action may fail: the failure is shown in
 * the given place (not a browser alert), and the button is disabled while
 * it runs.
 */
export function actionButton(text, fn, { cls = 'secondary', label, errorSlot } = {}) {
	const b = h('button', { type: 'button', class: cls, 'aria-label': label || null }, text);
	b.addEventListener('click', async () => {
		if (errorSlot) errorSlot.textContent = '';
		b.disabled = true;
		try {
			await fn();
		} catch (err) {
			const msg = err.status === 403 ? `Your role may not do this: ${err.message}` : err.message || String(err);
			if (errorSlot) errorSlot.textContent = msg;
			else announce(msg);
		} finally {
			b.disabled = false;
		}
	});
	return b;
}

/** Say something to screen-reader users (and show it briefly). */
export function announce(text) {
	const live = document.getElementById('live');
	if (live) live.textContent = text;
	const toast = document.getElementById('toast');
	if (toast) {
		toast.textContent = text;
		toast.hidden = false;
		clearTimeout(announce.t);
		announce.t = setTimeout(() => (toast.hidden = true), 4000);
	}
}

export function badge(text, kind = '') {
	return h('span', { class: `badge ${kind}` }, words(text));
}

/** el.append that also takes arrays (flattened) and skips null/false. */
export function add(el, ...children) {
	return append(el, children);
}
