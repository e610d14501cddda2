// Light or dark: the person's choice (kept in this browser) or else the system's setting, set
// on the page before it is drawn so a night shift never sees a white flash; the header's
// switch cycles system → dark → light.
(() => {
  const root = document.documentElement;
  const media = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const chosen = () => { try { return localStorage.getItem('hamnvakt-theme'); } catch (_) { return null; } };
  const apply = () => {
    const c = chosen();
    root.dataset.theme = c === 'dark' || c === 'light' ? c : (media && media.matches ? 'dark' : 'light');
    root.dataset.themeChoice = c || 'system';
  };
  apply();
  if (media && media.addEventListener) media.addEventListener('change', apply);
  document.addEventListener('DOMContentLoaded', () => {
    const button = document.getElementById('theme-switch');
    if (!button) return;
    button.addEventListener('click', () => {
      const next = { system: 'dark', dark: 'light', light: 'system' }[root.dataset.themeChoice] || 'system';
      try {
        if (next === 'system') localStorage.removeItem('hamnvakt-theme');
        else localStorage.setItem('hamnvakt-theme', next);
      } catch (_) { /* storage refused: the choice lasts this page */ }
      apply();
    });
  });
})();
