// The live maritime picture: vessels from server-sent events on a Leaflet map (no base layer
// unless the installation configures a tile URL), port geofences, and a panel with the selected
// vessel's track, port calls, risk and alerts. The table under the map carries the same data.
(() => {
  const mapEl = document.getElementById('map');
  const table = document.getElementById('vessels');
  const panel = document.getElementById('vessel-panel');
  if (!mapEl || !table) return;
  const labels = JSON.parse(mapEl.dataset.labels);
  const tbody = table.tBodies[0];
  const count = document.getElementById('vessel-count');
  const vessels = new Map();
  const L = window.L;
  let map = null;
  let trackLine = null;
  let selected = null;

  const localTime = (ms) =>
    new Date(ms).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm', hour12: false }).slice(0, 16);
  const fmt = (x, digits) => (x === null || x === undefined ? '' : Number(x).toFixed(digits));
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };

  if (L) {
    map = L.map(mapEl, { attributionControl: Boolean(mapEl.dataset.tiles) }).setView([59.45, 18.9], 8);
    if (mapEl.dataset.tiles) {
      L.tileLayer(mapEl.dataset.tiles, { attribution: mapEl.dataset.attribution || '', maxZoom: 18 }).addTo(map);
    } else {
      mapEl.classList.add('no-base');
    }
    fetch('/api/v1/ports', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : []))
      .then((ports) => {
        for (const p of ports) {
          const colour = p.high_risk ? '#b42318' : p.ours ? '#1f5fa8' : '#667085';
          // With no base layer, the ports' names are what tells the coast: label them all.
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
      className: `vessel-icon${moving ? ' moving' : ''}`,
      html: `<svg viewBox="-8 -8 16 16" width="16" height="16" aria-hidden="true">${shape}</svg>`,
      iconSize: [16, 16],
      iconAnchor: [8, 8],
    });
  };

  const update = (v) => {
    let entry = vessels.get(v.mmsi);
    if (!entry) {
      const tr = document.createElement('tr');
      tr.dataset.mmsi = v.mmsi;
      tr.tabIndex = 0;
      for (let i = 0; i < 6; i += 1) tr.append(el('td'));
      tr.addEventListener('click', () => select(v.mmsi));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') select(v.mmsi); });
      tbody.append(tr);
      entry = { row: tr, marker: null, data: v };
      vessels.set(v.mmsi, entry);
      count.textContent = `(${vessels.size})`;
    }
    entry.data = { ...entry.data, ...v, name: v.name ?? entry.data.name };
    const d = entry.data;
    const cells = entry.row.cells;
    cells[0].textContent = d.mmsi;
    cells[1].textContent = d.name || '';
    cells[2].textContent = `${fmt(d.lat, 5)}, ${fmt(d.lon, 5)}`;
    cells[2].dataset.lat = d.lat;
    cells[2].dataset.lon = d.lon;
    cells[3].textContent = fmt(d.speed_kn, 1);
    cells[4].textContent = fmt(d.course_deg, 0);
    cells[5].textContent = localTime(d.at_ms);
    if (map) {
      if (!entry.marker) {
        entry.marker = L.marker([d.lat, d.lon], { icon: icon(d), title: d.name || String(d.mmsi), keyboard: false })
          .on('click', () => select(d.mmsi))
          .addTo(map);
      } else {
        entry.marker.setLatLng([d.lat, d.lon]);
        entry.marker.setIcon(icon(d));
      }
      const m = entry.marker.getElement();
      if (m) m.dataset.mmsi = d.mmsi;
    }
    if (selected === d.mmsi && trackLine) trackLine.addLatLng([d.lat, d.lon]);
  };

  const getJson = (url) => fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null));

  async function select(mmsi) {
    selected = mmsi;
    for (const [k, e] of vessels) e.row.classList.toggle('selected', k === mmsi);
    panel.replaceChildren(el('p', '…', 'muted'));
    const alertsUrl = `/api/v1/alerts?subject_kind=vessel&subject_ref=mmsi:${mmsi}&limit=20`;
    const [v, track, calls, risk, alerts] = await Promise.all([
      getJson(`/api/v1/vessels/${mmsi}`),
      getJson(`/api/v1/vessels/${mmsi}/track`),
      getJson(`/api/v1/vessels/${mmsi}/port-calls?limit=20`),
      getJson(`/api/v1/vessels/${mmsi}/risk`),
      labels.alerts_allowed ? getJson(alertsUrl) : Promise.resolve(null),
    ]);
    if (selected !== mmsi) return;
    panel.replaceChildren();
    panel.dataset.mmsi = mmsi;
    panel.append(el('h2', (v && v.name) || `MMSI ${mmsi}`));
    const facts = el('dl');
    const fact = (k, value) => {
      if (value === null || value === undefined || value === '') return;
      facts.append(el('dt', k), el('dd', value));
    };
    fact('MMSI', mmsi);
    if (v) {
      fact('IMO', v.imo ? `${v.imo}${v.imo_valid === false ? ' ⚠' : ''}` : null);
      fact('Call sign', v.callsign);
      fact('Type', v.ship_type);
      fact('Size', v.length_m ? `${v.length_m} × ${v.beam_m} m` : null);
      fact('Destination', v.destination);
      fact('ETA', v.eta);
      fact(labels.speed, fmt(v.speed_kn, 1));
      fact(labels.course, fmt(v.course_deg, 0));
    }
    panel.append(facts);
    if (risk) {
      const r = el('section', null, 'risk');
      r.append(el('h3', `Risk ${risk.score}/100`));
      const ul = el('ul');
      for (const f of risk.factors) ul.append(el('li', `+${f.points} ${f.detail}`));
      r.append(ul);
      panel.append(r);
    }
    if (calls) {
      const s = el('section', null, 'port-calls');
      s.append(el('h3', labels.lang === 'sv' ? 'Hamnanlöp' : 'Port calls'));
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
      s.append(el('h3', labels.lang === 'sv' ? 'Larm' : 'Alerts'));
      const ul = el('ul');
      for (const a of alerts.alerts) {
        const li = el('li');
        const link = el('a', a.title);
        link.href = `/alerts/${a.id}`;
        li.append(link);
        ul.append(li);
      }
      s.append(ul);
      panel.append(s);
    }
    if (map) {
      if (trackLine) trackLine.remove();
      trackLine = null;
      if (track && track.length) {
        trackLine = L.polyline(track.map((p) => [p.lat, p.lon]), { color: '#d97706', weight: 2 }).addTo(map);
      }
      const e = vessels.get(mmsi);
      if (e) map.panTo([e.data.lat, e.data.lon]);
    }
  }

  window.hamnvaktMap = { vessels, select, get map() { return map; } };

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
