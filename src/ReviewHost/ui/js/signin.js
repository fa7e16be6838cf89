import { getSession, showError } from './api.js';

const form = document.getElementById('signin');
const error = document.getElementById('error');

/** Only pages of this UI are valid targets after sign-in (no open redirect). */
function nextPage() {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/ui/') && !next.startsWith('//') ? next : '/ui/queue.html';
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  error.textContent = '';
  try {
    const r = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ name: document.getElementById('name').value, password: document.getElementById('password').value }),
    });
    if (!r.ok) {
      const problem = await r.json().catch(() => ({}));
      throw new Error(problem.detail || `sign-in failed (${r.status})`);
    }
    await getSession(true);
    location.href = nextPage();
  } catch (e) {
    showError(error, e);
  }
});
