// vocab.js — the API's vocabularies, taken from GET /api/v1/vocabulary (the
// very tables its validators check against, with the words to show), once
// per sign-in.  Nothing here is a copy: a value the API adds is offered at
// once, and one it drops is never offered again.
import { api } from './api.js';

let lists = null;
let loading = null;

/** Load the vocabularies (once; again after forget()). */
export async function loadVocabulary() {
	if (lists) return lists;
	if (!loading)
		loading = api.get('/api/v1/vocabulary').then((r) => (lists = r.vocabularies), (err) => {
			loading = null;
			throw err;
		});
	return loading;
}

/** Forget them (on signing out). */
export function forgetVocabulary() {
	lists = null;
	loading = null;
}

function list(name) {
	if (!lists) throw new Error('the vocabularies are not loaded');
	const l = lists[name];
	if (!l) throw new Error(`no vocabulary ${name}`);
	return l;
}

/** [value, label] pairs for a <select>, optionally leaving some values out. */
export function options(name, { except = [] } = {}) {
	return list(name).filter((v) => !except.includes(v.value)).map((v) => [v.value, v.label]);
}

/** The values of a vocabulary, in its order. */
export function values(name) {
	return list(name).map((v) => v.value);
}

/** The words for a value ("spo_interim" -> "Stalking Protection Order (interim)"); the value's own words if unknown. */
export function label(name, value) {
	if (value === null || value === undefined || value === '') return '';
	const v = lists && lists[name] && lists[name].find((x) => x.value === value);
	if (v) return v.label;
	const s = String(value).replace(/_/g, ' ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The same words starting in lower case, for the middle of a sentence. */
export function lower(name, value) {
	const s = label(name, value);
	/* keep initialisms and proper names ("Stalking Protection Order", "MARAC") */
	return /^[A-Z][a-z]/.test(s) && !/^(Stalking|Police|MARAC|NHS)/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;
}

/* The FOUR screening: the API's field names, with the questions asked. */
export const FOUR = [
	['fixated', 'Fixated', 'Is the behaviour fixated on her (or on a grievance)?'],
	['obsessive', 'Obsessive', 'Is it obsessive: will he not let it go?'],
	['unwanted', 'Unwanted', 'Is it unwanted: has she made that clear, or would anyone see it so?'],
	['repeated', 'Repeated', 'Is it repeated: two or more occasions?'],
];
