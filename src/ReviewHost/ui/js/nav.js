import { getSession, send } from './api.js';

/** The page header: links, who is signed in, sign out. */
export async function renderNav(active) {
  const header = document.createElement('header');
  header.className = 'nav';
  const brand = document.createElement('span');
  brand.className = 'brand';
  brand.textContent = 'AcqSeg review';
  const nav = document.createElement('nav');
  for (const [href, label] of [['queue.html', 'Queue'], ['models.html', 'Models'], ['throughput.html', 'Throughput']]) {
    const a = document.createElement('a');
    a.href = '/ui/' + href;
    a.textContent = label;
    if (href === active) a.className = 'active';
    nav.append(a);
  }
  const who = document.createElement('span');
  who.className = 'who';
  const s = await getSession();
  who.textContent = s.curator ? `signed in as ${s.curator}` : 'not signed in';
  header.append(brand, nav, who);
  if (s.curator) {
    const out = document.createElement('button');
    out.textContent = 'Sign out';
    out.addEventListener('click', async () => {
      await send('POST', '/api/auth/logout');
      location.href = '/ui/signin.html';
    });
    header.append(out);
  }
  document.body.prepend(header);
}
