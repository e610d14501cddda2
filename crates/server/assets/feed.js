// Live gate events: each decision the server records is pushed over server-sent events and
// put at the top of the feed table, with the page's own words for outcomes and reasons.
(() => {
  const table = document.getElementById('decision-feed');
  // A filtered feed shows what matched when it was asked for; it is not extended live.
  if (!table || !window.EventSource || table.dataset.filtered) return;
  const labels = JSON.parse(table.dataset.labels);
  const tbody = table.tBodies[0];
  const localTime = (iso) =>
    new Date(iso).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm', hour12: false }).slice(0, 16);
  const cell = (tr, text, asCode) => {
    const td = document.createElement('td');
    if (asCode) {
      const c = document.createElement('code');
      c.textContent = text || '';
      td.append(c);
    } else {
      td.textContent = text || '';
    }
    tr.append(td);
    return td;
  };
  const source = new EventSource('/api/v1/access/decisions/stream');
  source.addEventListener('decision', (message) => {
    const e = JSON.parse(message.data);
    const tr = document.createElement('tr');
    tr.dataset.outcome = e.outcome;
    tr.className = 'live';
    cell(tr, localTime(e.at));
    cell(tr, e.gate_code, true);
    cell(tr, labels.direction[e.direction]);
    cell(tr, e.person_name);
    cell(tr, e.credential, true);
    cell(tr, e.plate, true);
    const badge = document.createElement('span');
    badge.className = `outcome outcome-${e.outcome}`;
    badge.textContent = labels.outcome[e.outcome];
    cell(tr, '').append(badge);
    const reasons = cell(tr, '');
    for (const r of e.reasons) {
      const small = document.createElement('small');
      small.title = r.text;
      small.textContent = labels.reasons[r.code] || r.code;
      reasons.append(small, document.createElement('br'));
    }
    tbody.prepend(tr);
    document.getElementById('feed-empty')?.remove();
    while (tbody.rows.length > 200) tbody.deleteRow(-1);
  });
})();
