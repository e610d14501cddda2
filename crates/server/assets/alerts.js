// The live alert queue: the server pushes every change to an alert the reader may see (raised,
// seen again, acknowledged, closed …) over server-sent events; the page then reads itself
// again and swaps in the queue the server renders — in the reader's language, filter and
// order (severity, then time) — marking the rows that changed. A later page of the queue is
// not moved under the reader's eyes.
(() => {
  const live = document.getElementById('alert-queue-live');
  if (!live || !window.EventSource || live.dataset.live !== 'true') return;
  const changed = new Set();
  let timer = null;
  const refresh = async () => {
    timer = null;
    const ids = new Set(changed);
    changed.clear();
    let response;
    try {
      response = await fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    } catch {
      return;
    }
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    const next = doc.getElementById('alert-queue-live');
    if (!next) return;
    live.replaceChildren(...next.childNodes);
    const count = doc.getElementById('alert-count');
    const here = document.getElementById('alert-count');
    if (count && here) here.textContent = count.textContent;
    for (const tr of live.querySelectorAll('tr[data-alert-id]')) {
      if (ids.has(tr.dataset.alertId)) tr.classList.add('live');
    }
    live.dataset.updates = String(Number(live.dataset.updates || '0') + 1);
  };
  // From the chain head the page was read at: nothing between the page and the stream is
  // missed (a reconnect resumes from the last event received, by Last-Event-ID).
  const after = Number(live.dataset.after);
  const source = new EventSource(Number.isInteger(after) && after >= 0
    ? `/api/v1/alerts/stream?after=${after}` : '/api/v1/alerts/stream');
  source.addEventListener('alert', (message) => {
    const e = JSON.parse(message.data);
    changed.add(e.alert.id);
    if (!timer) timer = setTimeout(refresh, 300);
  });
  // Once open, every change after the page was read reaches it.
  source.addEventListener('open', () => { live.dataset.listening = 'true'; });
})();
