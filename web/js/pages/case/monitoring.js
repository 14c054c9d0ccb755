// Monitoring: the case's zones on a map (a base map when the server has a
// tile server), placed by address or postcode (the force's geocoder, asked
// by Vigil), by coordinates typed or pasted, or by clicking the map; the
// devices watching the case and their live state; assigning and ending.
import { api, qs } from '../../api.js';
import { actionButton, add, badge, clear, field, formError, h, input, onSubmit, select, timeEl } from '../../dom.js';
import { drawPosition, drawZones, legend, makeMap, zoneEditor } from '../../map.js';
import { label, lower, options } from '../../vocab.js';
import { enc, none, saved } from './common.js';

/** "51.5712, -0.1093", "51.5712 -0.1093", "51°34'16"N..." no: decimal degrees only. */
export function parseCoordinates(text) {
	const m = String(text).trim().match(/^(-?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)$/);
	if (!m) return null;
	const lat = Number(m[1]);
	const lon = Number(m[2]);
	if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) return null;
	return { lat, lon };
}

export async function render(panel, env) {
	const { c, can, ctx } = env;
	const { zones } = await api.get(`/api/v1/cases/${enc(c.ref)}/zones`);
	const writable = can('monitoring:write') && c.status !== 'closed';
	const mapEl = h('div', { class: 'map' });
	const zoneErr = h('p', { class: 'form-error', role: 'alert' });
	const zoneList = h('ul', {}, zones.length ? zones.map((z) => h('li', { 'data-zone': z.id }, h('strong', {}, z.name), ` — ${lower('zone_kinds', z.kind).replace(/:.*/, '')}`, z.radius_m ? `, ${Math.round(z.radius_m)} m` : '', z.geometry && z.geometry.type === 'Polygon' ? ', polygon' : '', `, warning ring ${Math.round(z.warning_m)} m `,
		z.geometry_withheld || (!z.geometry && z.kind === 'exclusion') ? h('span', { class: 'muted' }, '(where it is is withheld from your role) ') : null,
		writable && z.geometry ? h('button', { type: 'button', class: 'secondary', onclick: () => editZone(z) }, `Edit ${z.name}`) : null, ' ',
		writable ? actionButton(`Remove ${z.name}`, () => removeZone(z), { errorSlot: zoneErr }) : null)) : h('li', { class: 'muted' }, 'No zones yet.'));
	add(panel, h('h2', {}, 'Monitoring'), h('h3', {}, 'Zones'), zoneList, zoneErr, mapEl,
		legend([['sw-zone', 'exclusion zone'], ['sw-warning', 'warning ring'], ['sw-proximity', 'proximity zone (around her phone)']]));
	const m = makeMap(mapEl, { label: `Map of the zones of ${c.ref}` });
	let devices = [];
	let watching = [];
	if (can('devices:read')) {
		/* only free devices are offered: a device watches one person at a time */
		[devices, watching] = await Promise.all([
			api.get('/api/v1/devices?free=1').then((r) => r.devices, () => []),
			api.get(`/api/v1/cases/${enc(c.ref)}/monitoring`).then((r) => r.devices, () => []),
		]);
		panel.insertBefore(h('div', {}, h('h3', {}, 'Devices watching the case'), watching.length ? h('ul', {}, watching.map((d) => h('li', { 'data-device': d.uid },
			h('strong', {}, d.uid), ` (${label('device_kinds', d.kind)}, worn by the ${d.assignment.role}${d.agency && d.agency !== c.agency ? `, of ${d.agency}` : ''}) `,
			d.state ? [d.state.signal_lost ? badge('signal lost', 'sev-high') : badge('reporting', 'sev-low'), ' last fix ', timeEl(d.state.last_fix_at),
				d.state.battery !== null && d.state.battery !== undefined ? ` · battery ${Math.round(d.state.battery)}%` : ''] : none('no fix yet'),
			writable ? [' ', endAssignmentForm(c, d, env)] : null))) : none('no device assigned')), mapEl);
	}
	const victimDev = watching.find((d) => d.assignment.role === 'victim' && d.state && d.state.last_position);
	const victimPos = victimDev ? victimDev.state.last_position : null;
	const tag = watching.find((d) => d.assignment.role === 'suspect' && d.state && d.state.last_position);
	if (tag) drawPosition(m, tag.state.last_position, { label: `${tag.uid} (last fix)`, kind: 'offender' });
	if (victimPos) drawPosition(m, victimPos, { label: 'Her (last known)', kind: 'victim' });
	drawZones(m, zones, victimPos);
	m.fit();

	async function removeZone(z) {
		if (!confirm(`Remove the zone "${z.name}"? Alerts for it stop at once.`)) return;
		await api.del(`/api/v1/cases/${enc(c.ref)}/zones/${z.id}`);
		saved(env, 'Zone removed');
	}

	let editor = null;
	let editing = null;
	const el = {
		name: input('name'),
		kind: select('kind', options('zone_kinds'), { value: 'exclusion' }),
		shape: select('shape', [['circle', 'Circle'], ['polygon', 'Polygon']], { value: 'circle' }),
		radius: h('input', { type: 'number', name: 'radius_m', min: 10, max: 50000, step: 10, value: 200 }),
		warning: h('input', { type: 'number', name: 'warning_m', min: 0, max: 10000, step: 10, value: 300 }),
		search: input('q', { autocomplete: 'off', placeholder: 'e.g. 14 Lime Grove, N4 2AB' }),
		coords: input('coordinates', { autocomplete: 'off', inputmode: 'decimal', placeholder: 'e.g. 51.5712, -0.1093' }),
	};
	const drawn = h('p', { role: 'status', class: 'hint' }, 'Find the place, type its coordinates, or click the map.');
	let geometry = null;
	const formTitle = h('h3', {}, 'Draw a zone');
	function editZone(z) {
		editing = z;
		el.name.value = z.name;
		el.kind.value = z.kind;
		el.warning.value = z.warning_m;
		if (z.radius_m) el.radius.value = z.radius_m;
		el.shape.value = editor.load(z);
		formTitle.textContent = `Edit zone "${z.name}"`;
		el.name.focus();
	}
	if (!writable) return () => m.destroy();
	editor = zoneEditor(m, {
		onChange(g) {
			geometry = g;
			if (el.kind.value === 'proximity') drawn.textContent = 'A proximity zone follows her phone: no place needed, only its radius.';
			else if (!g) drawn.textContent = el.shape.value === 'circle' ? 'Find the place, type its coordinates, or click the map to place the centre.' : 'Place each corner (three or more): by coordinates, or by clicking the map.';
			else drawn.textContent = el.shape.value === 'circle' ? `Circle placed: ${el.radius.value} m around ${g.geometry.coordinates[1].toFixed(5)}, ${g.geometry.coordinates[0].toFixed(5)}.` : `Polygon placed with ${g.geometry.coordinates[0].length - 1} corners.`;
		},
	});
	el.shape.addEventListener('change', () => editor.setMode(el.shape.value));
	el.radius.addEventListener('input', () => editor.setRadius(Number(el.radius.value)));

	/* the place: by address or postcode (the force's geocoder), or coordinates */
	const found = h('ul', { class: 'found', 'aria-label': 'Places found' });
	const geocoder = ctx.session.me.ui && ctx.session.me.ui.geocoder;
	const searchErr = h('p', { class: 'field-error', role: 'alert' });
	const find = async () => {
		clear(found);
		searchErr.textContent = '';
		const q = el.search.value.trim();
		if (!q) {
			searchErr.textContent = 'Enter an address or postcode to find.';
			el.search.focus();
			return;
		}
		const res = await api.get('/api/v1/geocode' + qs({ q }));
		if (!res.places.length) {
			searchErr.textContent = `Nothing found for “${q}”: check it, or type the coordinates.`;
			return;
		}
		clear(found, res.places.map((p, i) => h('li', {}, h('button', { type: 'button', class: 'secondary', onclick: () => {
			editor.place(p.lat, p.lon);
			el.coords.value = `${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}`;
			drawn.focus?.();
		} }, i === 0 ? `Use: ${p.label}` : p.label))));
	};
	const coordsErr = () => el.coords.closest('.field').querySelector('.field-error');
	const placeCoords = () => {
		const p = parseCoordinates(el.coords.value);
		if (!p) {
			coordsErr().textContent = 'Type latitude then longitude in decimal degrees, e.g. 51.5712, -0.1093.';
			el.coords.setAttribute('aria-invalid', 'true');
			return;
		}
		coordsErr().textContent = '';
		el.coords.removeAttribute('aria-invalid');
		editor.place(p.lat, p.lon);
	};
	el.search.addEventListener('keydown', (ev) => {
		if (ev.key === 'Enter') {
			ev.preventDefault();
			find().catch((err) => (searchErr.textContent = err.message));
		}
	});
	el.coords.addEventListener('keydown', (ev) => {
		if (ev.key === 'Enter') {
			ev.preventDefault();
			placeCoords();
		}
	});
	const placeBox = h('fieldset', { class: 'place' }, h('legend', {}, 'Where it is'),
		geocoder ? h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'zone-search' }, 'Address or postcode'), Object.assign(el.search, { id: 'zone-search' }), searchErr,
			h('p', {}, actionButton('Find the place', find, { errorSlot: searchErr }))), found) : h('p', { class: 'hint' }, 'No geocoder is set up on this server: place the zone by its coordinates or on the map.'),
		h('div', { class: 'row' }, field('Coordinates (latitude, longitude)', el.coords, { name: 'coordinates', hint: 'Typed or pasted, in decimal degrees',
			check: (v) => (parseCoordinates(v) ? null : 'Type latitude then longitude in decimal degrees, e.g. 51.5712, -0.1093.') })),
		h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: placeCoords }, 'Place at these coordinates'), ' ',
			h('button', { type: 'button', class: 'secondary', onclick: () => editor.addAtCentre() }, 'Place at the map centre'), ' ',
			h('button', { type: 'button', class: 'secondary', onclick: () => editor.undo() }, 'Undo last corner'), ' ',
			h('button', { type: 'button', class: 'secondary', onclick: () => { editing = null; formTitle.textContent = 'Draw a zone'; editor.reset(); } }, 'Start again')));
	const radiusField = field('Radius (metres)', el.radius, { name: 'radius_m', required: 'Enter the radius in metres.', check: (v) => (Number(v) >= 10 && Number(v) <= 50000 ? null : 'The radius is 10 to 50,000 metres.') });
	const shapeField = field('Shape', el.shape, { name: 'shape', errorFor: 'geometry' });
	const syncKind = () => {
		const prox = el.kind.value === 'proximity';
		placeBox.hidden = prox;
		shapeField.hidden = prox;
		radiusField.hidden = !prox && el.shape.value !== 'circle';
		editor.setMode(el.shape.value);
	};
	el.kind.addEventListener('change', syncKind);
	el.shape.addEventListener('change', syncKind);
	const form = onSubmit(h('form', { class: 'card', 'aria-label': 'Zone' }, formTitle,
		h('div', { class: 'row' }, field('Name', el.name, { name: 'name', required: 'Name the zone (e.g. her home, the school).' }), field('Kind', el.kind, { name: 'kind' })),
		h('div', { class: 'row' }, shapeField, radiusField,
			field('Warning ring (metres beyond the edge)', el.warning, { name: 'warning_m', check: (v) => (Number(v) >= 0 && Number(v) <= 10000 ? null : 'The warning ring is 0 to 10,000 metres.') })),
		placeBox, drawn,
		h('p', { class: 'field-error', role: 'alert', 'data-error-for': 'geometry' }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Save zone')), async () => {
		const body = { name: el.name.value.trim(), kind: el.kind.value, warning_m: Number(el.warning.value) };
		if (el.kind.value === 'proximity') body.radius_m = Number(el.radius.value);
		else {
			if (!geometry) throw Object.assign(new Error(el.shape.value === 'circle' ? 'Place the zone first: find its address, type its coordinates, or click the map.' : 'Place at least three corners first.'), { field: 'geometry' });
			body.geometry = geometry.geometry;
			if (geometry.radius_m !== undefined) body.radius_m = Number(el.radius.value);
		}
		await api.post(`/api/v1/cases/${enc(c.ref)}/zones`, body);
		/* an edit replaces the zone: the new one first, so that she is never unprotected */
		if (editing) await api.del(`/api/v1/cases/${enc(c.ref)}/zones/${editing.id}`);
		saved(env, editing ? 'Zone changed' : 'Zone saved');
	});
	/* the coordinates box is checked only when used */
	delete el.coords.dataset.required;
	el.coords._check = (v) => (v && !parseCoordinates(v) ? 'Type latitude then longitude in decimal degrees, e.g. 51.5712, -0.1093.' : null);
	syncKind();
	add(panel, form);
	if (can('monitoring:write')) add(panel, assignForm(c, devices, env));
	if (can('alerts')) {
		const { alerts } = await api.get('/api/v1/alerts' + qs({ case: c.ref, limit: 50 }));
		add(panel, h('h3', {}, 'Alerts'), alerts.length ? h('ul', {}, alerts.map((a) => h('li', {}, h('a', { href: `#/desk/${a.id}` }, `${label('alert_kinds', a.kind)} (${a.severity})`), ' ', badge(a.state), ' ', timeEl(a.opened_at)))) : none('no alerts'));
	}
	return () => {
		editor.destroy();
		m.destroy();
	};
}

/* Assign a free device: the list holds only devices free now, of the case's
 * agency or its monitoring contractor; who wears it follows from its kind. */
function assignForm(c, devices, env) {
	const device = select('device', devices.map((d) => [d.uid, `${d.uid} (${label('device_kinds', d.kind)}${d.agency && d.agency !== c.agency ? `, ${d.agency}` : ''})`]), { blank: devices.length ? 'Choose…' : 'No free device' });
	const role = select('role', [['suspect', 'The suspect (offender tag)'], ['victim', 'Her (her phone or alarm)']]);
	device.addEventListener('change', () => {
		const d = devices.find((x) => x.uid === device.value);
		if (d) role.value = d.kind === 'offender_tag' ? 'suspect' : 'victim';
	});
	return onSubmit(h('form', { class: 'card', 'aria-label': 'Assign a device' }, h('h3', {}, 'Assign a device'),
		devices.length ? null : h('p', { class: 'hint' }, 'Every device is in use: a device watches one person at a time. End an assignment first, or register another on the Devices page.'),
		h('div', { class: 'row' }, field('Device', device, { name: 'device', hint: 'free devices only', required: 'Choose a device.' }), field('Worn or carried by', role, { name: 'role' })), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Assign device')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/monitoring`, { device: device.value, role: role.value });
		saved(env, 'Device assigned');
	});
}

/* Stop a device watching the case (it may then watch someone else); its
 * history stays with this case. */
function endAssignmentForm(c, d, env) {
	const reason = input('reason', { placeholder: 'why (e.g. order discharged)' });
	return onSubmit(h('form', { class: 'inline', 'aria-label': `Stop ${d.uid} watching` },
		field(`Why ${d.uid} stops watching`, reason, { name: 'reason', required: `Say why ${d.uid} stops watching: it is kept with the case.` }), ' ',
		h('button', { type: 'submit', class: 'secondary' }, `Stop ${d.uid} watching`), formError()), async () => {
		if (!confirm(`Stop ${d.uid} watching the ${d.assignment.role}? Alerts from it for this case stop at once.`)) return;
		await api.patch(`/api/v1/cases/${enc(c.ref)}/monitoring/${d.assignment.id}`, { reason: reason.value.trim() });
		saved(env, 'Assignment ended');
	});
}
