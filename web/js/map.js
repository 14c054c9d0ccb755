// map.js — Leaflet maps of zones, trails and positions.  Tiles come from the
// server's configured tile URL; without one (offline, in tests) the map still
// draws everything over a plain background, with a scale bar.
import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import { session } from './app.js';
import { fmtTime, h } from './dom.js';

const LONDON = [51.5074, -0.1278];

export function makeMap(el, { label = 'Map' } = {}) {
	el.classList.add('map');
	el.setAttribute('role', 'region');
	el.setAttribute('aria-label', label);
	/* no zoom animation: a page that moves on while a map animates must not leave
	 * Leaflet a transition on a removed map */
	const map = L.map(el, { zoomControl: true, attributionControl: true, zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false }).setView(LONDON, 12);
	const tiles = session.me && session.me.ui && session.me.ui.map_tiles;
	/* Leaflet shows the attribution as HTML: give it text only */
	const credit = document.createElement('span');
	credit.textContent = session.me && session.me.ui ? session.me.ui.map_attribution || '' : '';
	if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: credit.innerHTML }).addTo(map);
	else el.classList.add('no-tiles');
	L.control.scale({ metric: true, imperial: false }).addTo(map);
	const layer = L.featureGroup().addTo(map);
	return {
		map,
		layer,
		clear() {
			layer.clearLayers();
		},
		fit() {
			const b = layer.getBounds();
			if (b.isValid()) map.fitBounds(b, { paddingTopLeft: [150, 24], paddingBottomRight: [150, 24], maxZoom: 17 }); /* room for the positions' labels */
		},
		destroy() {
			map.remove();
		},
	};
}

/** [lon, lat] GeoJSON ring -> Leaflet [lat, lon] */
const ll = (c) => [c[1], c[0]];

/** Draw a case's zones: exclusion zones with their warning rings, proximity zones around victimPos. */
export function drawZones(m, zones, victimPos) {
	for (const z of zones) {
		const tip = `${z.name} (${z.kind}${z.radius_m ? `, ${Math.round(z.radius_m)} m` : ''}; warning ${Math.round(z.warning_m)} m)`;
		if (z.kind === 'proximity') {
			if (!victimPos) continue;
			L.circle([victimPos.lat, victimPos.lon], { radius: z.radius_m, color: '#8a2be2', weight: 2, fillOpacity: 0.08, className: 'zone zone-proximity' })
				.bindTooltip(tip).addTo(m.layer);
			continue;
		}
		const g = z.geometry;
		if (!g) continue;
		if (g.type === 'Point') {
			const c = ll(g.coordinates);
			if (z.warning_m > 0)
				L.circle(c, { radius: z.radius_m + z.warning_m, color: '#b35900', weight: 1.5, dashArray: '6 6', fill: false, className: 'zone-warning' }).addTo(m.layer);
			L.circle(c, { radius: z.radius_m, color: '#c00000', weight: 2, fillOpacity: 0.12, className: 'zone zone-exclusion' }).bindTooltip(tip).addTo(m.layer);
		} else if (g.type === 'Polygon') {
			L.polygon(g.coordinates[0].map(ll), { color: '#c00000', weight: 2, fillOpacity: 0.12, className: 'zone zone-exclusion' }).bindTooltip(tip).addTo(m.layer);
		}
	}
}

/** The offender's recent trail, oldest to newest, the newest fix marked. */
export function drawTrail(m, trail) {
	if (!trail || !trail.length) return;
	L.polyline(trail.map((p) => [p.lat, p.lon]), { color: '#0b3d91', weight: 3, className: 'trail' }).addTo(m.layer);
	for (const p of trail)
		L.circleMarker([p.lat, p.lon], { radius: 3, color: '#0b3d91', weight: 1, fillOpacity: 0.8 }).bindTooltip(`${fmtTime(p.at)}${p.accuracy_m ? ` ±${Math.round(p.accuracy_m)} m` : ''}`).addTo(m.layer);
}

/**
 * A person's position: kind 'victim' or 'offender'; when 'then' (at the
 * moment of an alert: a hollow, dashed marker) or 'now' (solid), so the two
 * are never taken for each other.
 */
export function drawPosition(m, pos, { label, kind, when = 'now' }) {
	if (!pos) return;
	const colour = kind === 'victim' ? '#006b3c' : '#0b3d91';
	if (pos.accuracy_m) L.circle([pos.lat, pos.lon], { radius: pos.accuracy_m, color: colour, weight: 1, fillOpacity: 0.1, dashArray: when === 'then' ? '3 4' : null }).addTo(m.layer);
	const marker = when === 'then'
		? L.circleMarker([pos.lat, pos.lon], { radius: 9, color: colour, weight: 3, dashArray: '4 3', fillColor: '#fff', fillOpacity: 1, className: `pos pos-${kind} pos-then` })
		: L.circleMarker([pos.lat, pos.lon], { radius: 8, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 1, className: `pos pos-${kind} pos-now` });
	marker.bindTooltip(label, { permanent: true, direction: when === 'then' ? 'left' : 'right' }).addTo(m.layer);
}

/**
 * A zone editor on a map: "circle" (click the centre, set the radius) or
 * "polygon" (click the corners, at least three).  onChange(geometry|null)
 * hears each change; geometry is the API's GeoJSON, with radius_m apart.
 */
export function zoneEditor(m, { onChange }) {
	let mode = 'circle';
	let centre = null;
	let radius = 200;
	let corners = [];
	const sketch = L.featureGroup().addTo(m.map);

	function redraw() {
		sketch.clearLayers();
		if (mode === 'circle' && centre) {
			L.circle(centre, { radius, color: '#c00000', dashArray: '4 4', className: 'sketch' }).addTo(sketch);
			L.circleMarker(centre, { radius: 4, color: '#c00000' }).addTo(sketch);
		}
		if (mode === 'polygon' && corners.length) {
			(corners.length > 2 ? L.polygon(corners, { color: '#c00000', dashArray: '4 4', className: 'sketch' }) : L.polyline(corners, { color: '#c00000', className: 'sketch' })).addTo(sketch);
			for (const c of corners) L.circleMarker(c, { radius: 4, color: '#c00000' }).addTo(sketch);
		}
		onChange(geometry());
	}

	function geometry() {
		if (mode === 'circle') return centre ? { geometry: { type: 'Point', coordinates: [centre.lng, centre.lat] }, radius_m: radius } : null;
		if (corners.length < 3) return null;
		const ring = corners.map((c) => [c.lng, c.lat]);
		ring.push(ring[0]);
		return { geometry: { type: 'Polygon', coordinates: [ring] } };
	}

	function click(ev) {
		if (mode === 'circle') centre = ev.latlng;
		else corners.push(ev.latlng);
		redraw();
	}
	m.map.on('click', click);
	m.map.getContainer().style.cursor = 'crosshair';

	return {
		setMode(v) {
			mode = v;
			centre = null;
			corners = [];
			redraw();
		},
		setRadius(r) {
			radius = r > 0 ? r : radius;
			redraw();
		},
		undo() {
			corners.pop();
			redraw();
		},
		/** Start from an existing zone's geometry (to edit it). */
		load(z) {
			if (z.geometry.type === 'Point') {
				mode = 'circle';
				centre = L.latLng(z.geometry.coordinates[1], z.geometry.coordinates[0]);
				radius = z.radius_m;
			} else {
				mode = 'polygon';
				corners = z.geometry.coordinates[0].slice(0, -1).map((c) => L.latLng(c[1], c[0]));
			}
			redraw();
			return mode;
		},
		/** Place the centre/corner at the map's centre (for keyboard users). */
		addAtCentre() {
			click({ latlng: m.map.getCenter() });
		},
		/** Place the centre (or a corner) at a position found or typed, and show it. */
		place(lat, lon) {
			const at = L.latLng(lat, lon);
			m.map.setView(at, Math.max(m.map.getZoom(), 16), { animate: false });
			click({ latlng: at });
		},
		reset() {
			centre = null;
			corners = [];
			redraw();
		},
		destroy() {
			m.map.off('click', click);
			sketch.remove();
			m.map.getContainer().style.cursor = '';
		},
	};
}

export function legend(items) {
	return h('ul', { class: 'legend' }, items.map(([cls, text]) => h('li', {}, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text)));
}
