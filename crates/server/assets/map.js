// The live maritime picture: vessels from server-sent events on a Leaflet map over the offline
// base layer bundled at build time (land of the Baltic and, in detail, the Stockholm
// archipelago; or a tile server if the installation configures one), port geofences, open
// alerts, and a panel with the selected vessel's facts, track (its gaps and meetings marked),
// port calls, risk and alerts. Several tracks can be shown at once (both vessels of a meeting,
// or shift-click). The table under the map carries the same data and follows the search.
(() => {
  const mapEl = document.getElementById('map');
  const table = document.getElementById('vessels');
  const panel = document.getElementById('vessel-panel');
  if (!mapEl || !table) return;
  const labels = JSON.parse(mapEl.dataset.labels);
  const tbody = table.tBodies[0];
  const count = document.getElementById('vessel-count');
  const search = document.getElementById('map-search');
  const searchResult = document.getElementById('map-search-result');
  const names = document.getElementById('vessel-names');
  const zoomButton = document.getElementById('zoom-track');
  const clearButton = document.getElementById('clear-tracks');
  const showAlerts = document.getElementById('show-alerts');
  const showNames = document.getElementById('show-names');
  const vessels = new Map();
  const L = window.L;
  let map = null;
  let selected = null;
  // Tracks on the map, by MMSI: { line, marks, colour, points }.
  const tracks = new Map();
  const palette = ['#d97706', '#7c3aed', '#0891b2', '#be185d', '#15803d'];
  let alertLayer = null;
  const GAP_MS = 20 * 60 * 1000; // a pause in a stored track longer than this is drawn as a gap

  const localTime = (ms) =>
    new Date(ms).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm', hour12: false }).slice(0, 16);
  const fmt = (x, digits) => (x === null || x === undefined ? '' : Number(x).toFixed(digits));
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const nameOf = (mmsi) => vessels.get(Number(mmsi))?.data?.name || `MMSI ${mmsi}`;

  // AIS ETA "MM-DDTHH:MMZ" (UTC, no year) or "MM-DD" (time not available), in local time.
  const eta = (s) => {
    const m = /^(\d\d)-(\d\d)(?:T(\d\d):(\d\d)Z)?$/.exec(s || '');
    if (!m) return null;
    const year = new Date().getUTCFullYear();
    const at = new Date(Date.UTC(year, Number(m[1]) - 1, Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)));
    if (Number.isNaN(at.getTime())) return null;
    const opts = { timeZone: 'Europe/Stockholm', day: 'numeric', month: 'short' };
    if (m[3] !== undefined) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hour12: false });
    return at.toLocaleString(labels.lang === 'sv' ? 'sv-SE' : 'en-GB', opts);
  };

  if (L) {
    const canvas = L.canvas({ padding: 0.3 });
    map = L.map(mapEl, { attributionControl: true, minZoom: 4, maxZoom: 16 }).setView([59.45, 18.9], 8);
    map.attributionControl.setPrefix(false);
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, { attribution: mapEl.dataset.attribution || '', maxZoom: 18 }).addTo(map);
    } else {
      mapEl.classList.add('no-base');
      // The offline base layer: the Baltic simplified for the overview, the archipelago in
      // full when the view is inside it.
      fetch('/static/coast.json')
        .then((r) => (r.ok ? r.json() : null))
        .then((coast) => {
          const layers = coast && coast.layers ? coast.layers : {};
          if (!layers.baltic) {
            mapEl.parentElement.before(el('p', labels.no_land, 'notice'));
            return;
          }
          mapEl.classList.add('has-land');
          // Land in the console's theme: light by day, dark for night shifts.
          const dark = () => document.documentElement.dataset.theme === 'dark';
          const style = () => ({ renderer: canvas, interactive: false, className: 'land', weight: 0.7, fillOpacity: 1,
            color: dark() ? '#5b6673' : '#8d8570', fillColor: dark() ? '#2a3542' : '#ece6d4' });
          const baltic = L.geoJSON(layers.baltic, { style });
          const detail = layers.archipelago ? L.geoJSON(layers.archipelago, { style }) : null;
          new MutationObserver(() => { baltic.setStyle(style); detail?.setStyle(style); })
            .observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
          const box = layers.archipelago ? layers.archipelago.bbox : null;
          const detailBounds = box ? L.latLngBounds([box[1], box[0]], [box[3], box[2]]) : null;
          map.attributionControl.addAttribution(coast.attribution);
          const pick = () => {
            const inside = detail && map.getZoom() >= 9 && detailBounds.contains(map.getBounds());
            const want = inside ? detail : baltic;
            const other = inside ? baltic : detail;
            if (other && map.hasLayer(other)) other.remove();
            if (!map.hasLayer(want)) { want.addTo(map); want.bringToBack(); }
            mapEl.dataset.land = inside ? 'archipelago' : 'baltic';
          };
          map.on('moveend zoomend', pick);
          pick();
        })
        .catch(() => {});
    }
    fetch('/api/v1/ports', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .then((ports) => {
        for (const p of ports) {
          const colour = p.high_risk ? '#b42318' : p.ours ? '#1f5fa8' : '#667085';
          L.circle([p.lat, p.lon], { radius: p.entry_km * 1000, color: colour, weight: 1, fillOpacity: 0.08 })
            .bindTooltip(`${p.name} (${p.code})`, { permanent: true, direction: 'right', className: 'port-label', offset: [6, 0] })
            .addTo(map);
          if (p.ours) {
            L.circle([p.lat, p.lon], { radius: p.exit_km * 1000, color: colour, weight: 1, dashArray: '4 4', fill: false })
              .addTo(map);
          }
        }
      })
      .catch(() => {});
    const namesByZoom = () => mapEl.classList.toggle('hide-names', !showNames?.checked || map.getZoom() < 7);
    map.on('zoomend', namesByZoom);
    showNames?.addEventListener('change', namesByZoom);
    namesByZoom();
  } else {
    mapEl.append(el('p', labels.no_library, 'empty'));
  }

  const icon = (v) => {
    const angle = v.heading_deg ?? (v.course_deg === null || v.course_deg === undefined ? null : v.course_deg);
    const moving = (v.speed_kn ?? 0) >= 0.5;
    const shape = angle === null || !moving
      ? '<circle r="4"/>'
      : `<path d="M0,-7 L5,6 L0,3 L-5,6 Z" transform="rotate(${Math.round(angle)})"/>`;
    return L.divIcon({
      className: `vessel-icon${moving ? ' moving' : ''}${selected === v.mmsi ? ' selected' : ''}`,
      html: `<svg viewBox="-8 -8 16 16" width="16" height="16" aria-hidden="true">${shape}</svg>`,
      iconSize: [16, 16],
      iconAnchor: [8, 8],
    });
  };

  const matches = (d, q) => !q || String(d.mmsi).includes(q) || (d.name || '').toLowerCase().includes(q);

  const applySearch = () => {
    const q = (search?.value || '').trim().toLowerCase();
    let shown = 0;
    for (const e of vessels.values()) {
      const ok = matches(e.data, q);
      e.row.hidden = !ok;
      if (ok) shown += 1;
    }
    if (searchResult) searchResult.textContent = q ? (shown ? `${shown} / ${vessels.size}` : labels.no_match) : '';
    return q;
  };

  const update = (v) => {
    let entry = vessels.get(v.mmsi);
    if (!entry) {
      const tr = document.createElement('tr');
      tr.dataset.mmsi = v.mmsi;
      tr.tabIndex = 0;
      for (let i = 0; i < 6; i += 1) tr.append(el('td'));
      tr.addEventListener('click', (e) => (e.shiftKey ? addTrack(v.mmsi, true) : select(v.mmsi)));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') select(v.mmsi); });
      tbody.append(tr);
      entry = { row: tr, marker: null, data: v, option: null };
      vessels.set(v.mmsi, entry);
      count.textContent = `(${vessels.size})`;
    }
    const hadName = entry.data.name;
    entry.data = { ...entry.data, ...v, name: v.name ?? entry.data.name };
    const d = entry.data;
    const cells = entry.row.cells;
    cells[0].textContent = d.mmsi;
    cells[1].textContent = d.name || '';
    cells[2].textContent = `${fmt(d.lat, 4)}, ${fmt(d.lon, 4)}`;
    cells[2].dataset.lat = d.lat;
    cells[2].dataset.lon = d.lon;
    cells[3].textContent = fmt(d.speed_kn, 1);
    cells[4].textContent = fmt(d.course_deg, 0);
    cells[5].textContent = localTime(d.at_ms);
    if (names && (!entry.option || hadName !== d.name)) {
      entry.option?.remove();
      entry.option = el('option');
      entry.option.value = d.name ? `${d.name} (${d.mmsi})` : String(d.mmsi);
      names.append(entry.option);
    }
    if (search?.value) entry.row.hidden = !matches(d, search.value.trim().toLowerCase());
    if (map) {
      const label = d.name || String(d.mmsi);
      if (!entry.marker) {
        entry.marker = L.marker([d.lat, d.lon], { icon: icon(d), title: label, keyboard: false })
          .on('click', (e) => (e.originalEvent?.shiftKey ? addTrack(d.mmsi, true) : select(d.mmsi)))
          .bindTooltip(label, { permanent: true, direction: 'right', offset: [8, 0], className: 'vessel-label' })
          .addTo(map);
      } else {
        entry.marker.setLatLng([d.lat, d.lon]);
        entry.marker.setIcon(icon(d));
        if (hadName !== d.name) entry.marker.setTooltipContent(label);
      }
      const m = entry.marker.getElement();
      if (m) m.dataset.mmsi = d.mmsi;
      const t = tracks.get(d.mmsi);
      if (t && t.line) t.line.addLatLng([d.lat, d.lon]);
    }
  };

  const getJson = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null));

  // Where on the map an alert happened, from its evidence.
  const alertPoint = (a) => {
    const e = a.evidence || {};
    for (const k of ['at', 'seen_again', 'since', 'fast', 'from', 'last_seen']) {
      if (e[k] && typeof e[k].lat === 'number' && typeof e[k].lon === 'number') return [e[k].lat, e[k].lon];
    }
    return null;
  };
  const alertMmsi = (a) => {
    const s = (a.subjects || []).find((x) => x.kind === 'vessel' && /^mmsi:\d+$/.test(x.ref));
    return s ? Number(s.ref.slice(5)) : null;
  };

  // Draws a vessel's stored track with its gaps (dashed) and meetings (rings).
  async function addTrack(mmsi, fit) {
    if (!map) return null;
    mmsi = Number(mmsi);
    let t = tracks.get(mmsi);
    if (!t) {
      const colour = palette[tracks.size % palette.length];
      t = { colour, line: null, marks: L.layerGroup().addTo(map), points: [] };
      tracks.set(mmsi, t);
      const points = (await getJson(`/api/v1/vessels/${mmsi}/track`)) || [];
      if (tracks.get(mmsi) !== t) return null; // cleared meanwhile
      t.points = points;
      // The line is split at each gap, so a silence is not drawn as sailing.
      const runs = [[]];
      for (let i = 0; i < points.length; i += 1) {
        const p = points[i];
        if (i > 0 && p.at_ms - points[i - 1].at_ms > GAP_MS) {
          const q = points[i - 1];
          const minutes = Math.round((p.at_ms - q.at_ms) / 60000);
          L.polyline([[q.lat, q.lon], [p.lat, p.lon]], { color: colour, weight: 2, dashArray: '3 6', className: 'track-gap' })
            .bindTooltip(`${nameOf(mmsi)}: ${labels.gap} ${minutes} ${labels.min} (${localTime(q.at_ms)} – ${localTime(p.at_ms)})`)
            .addTo(t.marks);
          runs.push([]);
        }
        runs[runs.length - 1].push([p.lat, p.lon]);
      }
      t.gaps = runs.length - 1;
      t.line = L.polyline(runs.filter((r) => r.length), { color: colour, weight: 2.5, className: 'track' }).addTo(map);
      t.line.bindTooltip(nameOf(mmsi), { sticky: true });
      zoomButton.disabled = false;
      clearButton.disabled = false;
    }
    if (fit) zoomToTracks();
    return t;
  }

  function markMeetings(mmsi, alerts) {
    const t = tracks.get(Number(mmsi));
    if (!t || !map) return;
    for (const a of alerts) {
      const e = a.evidence || {};
      if (a.kind === 'ais.encounter' && e.at) {
        const other = (e.vessels || []).find((x) => Number(x) !== Number(mmsi));
        L.circleMarker([e.at.lat, e.at.lon], { radius: 9, color: t.colour, weight: 3, fill: false, className: 'track-meeting' })
          .bindTooltip(`${labels.met} ${nameOf(other)} ${e.minutes ?? ''} ${labels.min}`)
          .on('click', () => other && addTrack(other, true))
          .addTo(t.marks);
      }
      if (a.kind === 'ais.gap' && e.last_seen && e.seen_again) {
        L.polyline([[e.last_seen.lat, e.last_seen.lon], [e.seen_again.lat, e.seen_again.lon]],
          { color: '#b42318', weight: 2, dashArray: '2 6', className: 'track-gap' })
          .bindTooltip(a.display_title || a.title)
          .addTo(t.marks);
      }
    }
  }

  function zoomToTracks() {
    if (!map) return;
    let bounds = null;
    for (const [mmsi, t] of tracks) {
      const b = t.line && t.line.getLatLngs().flat().length ? t.line.getBounds() : null;
      const here = vessels.get(mmsi)?.data;
      const vb = here ? L.latLngBounds([[here.lat, here.lon], [here.lat, here.lon]]) : null;
      for (const x of [b, vb]) if (x) bounds = bounds ? bounds.extend(x) : L.latLngBounds(x.getSouthWest(), x.getNorthEast());
    }
    // Not animated: a jump lands at once, also while an earlier zoom is still animating.
    if (bounds) map.fitBounds(bounds.pad(0.15), { maxZoom: 13, animate: false });
  }

  // Fits the map to where two vessels met: the pieces of both tracks the alert carries.
  function zoomToMeeting(e) {
    if (!map) return;
    const pts = [];
    if (e.at) pts.push([e.at.lat, e.at.lon]);
    for (const piece of Object.values(e.tracks || {})) {
      for (const p of piece || []) if (typeof p.lat === 'number') pts.push([p.lat, p.lon]);
    }
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.4), { maxZoom: 14, animate: false });
  }

  function clearTracks() {
    for (const t of tracks.values()) {
      t.line?.remove();
      t.marks.remove();
    }
    tracks.clear();
    zoomButton.disabled = true;
    clearButton.disabled = true;
  }

  async function select(mmsi) {
    mmsi = Number(mmsi);
    selected = mmsi;
    for (const [k, e] of vessels) {
      e.row.classList.toggle('selected', k === mmsi);
      if (e.marker) e.marker.setIcon(icon(e.data));
    }
    panel.replaceChildren(el('p', labels.loading, 'muted'));
    const alertsUrl = `/api/v1/alerts?subject_kind=vessel&subject_ref=mmsi:${mmsi}&limit=20`;
    clearTracks();
    const [v, calls, risk, alerts] = await Promise.all([
      getJson(`/api/v1/vessels/${mmsi}`),
      getJson(`/api/v1/vessels/${mmsi}/port-calls?limit=20`),
      getJson(`/api/v1/vessels/${mmsi}/risk`),
      labels.alerts_allowed ? getJson(alertsUrl) : Promise.resolve(null),
      addTrack(mmsi, true),
    ]);
    if (selected !== mmsi) return;
    panel.replaceChildren();
    panel.dataset.mmsi = mmsi;
    panel.append(el('h2', (v && v.name) || `MMSI ${mmsi}`));
    const facts = el('dl');
    const fact = (k, value, na) => {
      if (value === null || value === undefined || value === '') {
        if (!na) return;
        facts.append(el('dt', k), el('dd', labels.na, 'na'));
        return;
      }
      facts.append(el('dt', k), el('dd', value));
    };
    fact('MMSI', mmsi);
    if (v) {
      fact('IMO', v.imo ? `${v.imo}${v.imo_valid === false ? ` ⚠ ${labels.imo_warning}` : ''}` : null, true);
      fact(labels.call_sign, v.callsign, true);
      const type = v.ship_type === null || v.ship_type === undefined ? null : labels.ship_types[String(v.ship_type)] || String(v.ship_type);
      fact(labels.ship_type, v.ship_type === 0 ? null : type, true);
      fact(labels.size, v.length_m ? `${v.length_m} × ${v.beam_m} m` : null, true);
      fact(labels.draught, v.draught_m ? `${fmt(v.draught_m, 1)} m` : null, false);
      fact(labels.destination, v.destination, true);
      fact(labels.eta, eta(v.eta), true);
      fact(labels.status, v.nav_status === null || v.nav_status === undefined || v.nav_status === 15 ? null : labels.nav_status[String(v.nav_status)], false);
      fact(labels.speed, v.speed_kn === null ? null : fmt(v.speed_kn, 1), true);
      fact(labels.course, v.course_deg === null ? null : `${fmt(v.course_deg, 0)}°`, true);
      fact(labels.last_heard, v.last_heard ? localTime(Date.parse(v.last_heard)) : null, false);
    }
    panel.append(facts);
    const t = tracks.get(mmsi);
    if (t) {
      const s = el('section', null, 'track-facts');
      const sw = el('span', null, 'swatch');
      sw.style.background = t.colour;
      s.append(el('h3', labels.track));
      const p = el('p');
      p.append(sw, ` ${t.points.length} ${labels.track_points}`);
      if (t.gaps) p.append(`; ${labels.gaps}: ${t.gaps}`);
      s.append(p);
      panel.append(s);
    }
    if (risk) {
      const r = el('section', null, 'risk');
      r.append(el('h3', `${labels.risk} ${risk.score}/100`));
      const ul = el('ul');
      for (const f of risk.factors) {
        const template = labels.risk_factors[f.code];
        const text = template
          ? template.replace(/\{(\w+)\}/g, (m, k) => (f.params && f.params[k] !== undefined ? String(f.params[k]) : m))
          : f.detail;
        ul.append(el('li', `+${f.points} ${text}`));
      }
      r.append(ul);
      panel.append(r);
    }
    if (calls) {
      const s = el('section', null, 'port-calls');
      s.append(el('h3', labels.port_calls));
      if (!calls.length) s.append(el('p', labels.no_port_calls, 'muted'));
      const ul = el('ul');
      for (const c of calls) {
        const end = c.end ? localTime(Date.parse(c.end)) : '…';
        const li = el('li', `${c.port_name} ${localTime(Date.parse(c.start))} – ${end} (${c.confidence}/4)`);
        if (c.high_risk) li.className = 'high-risk';
        ul.append(li);
      }
      s.append(ul);
      panel.append(s);
    }
    if (alerts && alerts.alerts) {
      const s = el('section', null, 'vessel-alerts');
      s.append(el('h3', labels.alerts));
      if (!alerts.alerts.length) s.append(el('p', labels.no_alerts, 'muted'));
      const ul = el('ul');
      for (const a of alerts.alerts) {
        const li = el('li');
        const link = el('a', a.display_title || a.title);
        link.href = `/alerts/${a.id}`;
        li.append(link);
        const e = a.evidence || {};
        if (a.kind === 'ais.encounter' && Array.isArray(e.vessels)) {
          const other = e.vessels.find((x) => Number(x) !== mmsi);
          const b = el('button', labels.show_both, 'show-both');
          b.type = 'button';
          b.dataset.other = other;
          b.title = labels.zoom_meeting;
          b.addEventListener('click', async () => {
            await addTrack(mmsi, false);
            await addTrack(other, false);
            zoomToMeeting(e);
          });
          li.append(' ', b);
        }
        ul.append(li);
      }
      s.append(ul);
      panel.append(s);
      markMeetings(mmsi, alerts.alerts);
    }
  }

  // Open alerts about vessels, where they happened.
  async function drawAlerts() {
    if (!map || !labels.alerts_allowed) return;
    const page = await getJson('/api/v1/alerts?kind=ais&state=open,acknowledged,assigned&limit=200');
    if (alertLayer) alertLayer.remove();
    alertLayer = L.layerGroup();
    for (const a of (page && page.alerts) || []) {
      const at = alertPoint(a);
      if (!at) continue;
      const mmsi = alertMmsi(a);
      const marker = L.marker(at, {
        icon: L.divIcon({
          className: `alert-icon sev-${a.severity}`,
          html: '<svg viewBox="-8 -8 16 16" width="16" height="16" aria-hidden="true"><path d="M0,-7 L7,6 L-7,6 Z"/></svg>',
          iconSize: [16, 16],
          iconAnchor: [8, 8],
        }),
        title: a.display_title || a.title,
        keyboard: false,
      });
      const popup = el('div');
      const link = el('a', a.display_title || a.title);
      link.href = `/alerts/${a.id}`;
      popup.append(link);
      marker.bindPopup(popup);
      marker.on('click', () => { if (mmsi) select(mmsi); });
      marker.addTo(alertLayer);
      const m = marker.getElement();
      if (m) m.dataset.alert = a.id;
    }
    if (!showAlerts || showAlerts.checked) alertLayer.addTo(map);
    for (const m of alertLayer.getLayers()) {
      const e = m.getElement();
      if (e) e.dataset.kind = 'alert';
    }
  }
  showAlerts?.addEventListener('change', () => {
    if (!alertLayer) return;
    if (showAlerts.checked) alertLayer.addTo(map); else alertLayer.remove();
  });
  drawAlerts();
  setInterval(drawAlerts, 60_000);

  search?.addEventListener('input', applySearch);
  search?.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const raw = search.value.trim();
    const exact = /\((\d{1,9})\)$/.exec(raw);
    const q = exact ? exact[1] : raw.toLowerCase();
    if (exact) { search.value = exact[1]; applySearch(); }
    const hit = [...vessels.values()].find((x) => matches(x.data, q));
    if (hit) select(hit.data.mmsi);
  });
  search?.addEventListener('change', () => {
    const exact = /\((\d{1,9})\)$/.exec(search.value.trim());
    if (exact) { search.value = exact[1]; applySearch(); select(Number(exact[1])); }
  });
  zoomButton?.addEventListener('click', zoomToTracks);
  clearButton?.addEventListener('click', clearTracks);

  window.hamnvaktMap = { vessels, select, tracks, addTrack, get map() { return map; } };

  // `/map?track=265123456,230987650`: the alert page's link to its vessels' tracks (both of
  // an encounter). The first is selected; the others' tracks are drawn beside its own.
  const wanted = (new URLSearchParams(window.location.search).get('track') || '')
    .split(',').map((s) => Number.parseInt(s, 10)).filter((n) => Number.isInteger(n) && n > 0);
  const extraTracks = [];
  if (wanted.length) {
    select(wanted[0]);
    for (const mmsi of wanted.slice(1)) {
      getJson(`/api/v1/vessels/${mmsi}/track`).then((track) => {
        if (!map || !track || !track.length) return;
        extraTracks.push(L.polyline(track.map((p) => [p.lat, p.lon]), { color: '#7c3aed', weight: 2 }).addTo(map));
      });
    }
    document.getElementById('map')?.setAttribute('data-tracks', wanted.join(','));
  }

  if (!window.EventSource) return;
  const source = new EventSource('/api/v1/vessels/stream');
  const apply = (message) => {
    for (const v of JSON.parse(message.data)) update(v);
  };
  source.addEventListener('snapshot', apply);
  source.addEventListener('positions', apply);
})();
