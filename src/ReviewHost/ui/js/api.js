// Talks to the review API: session, anti-forgery header on every write, problem details turned into messages.
let session = null;

export class ApiError extends Error {
  /** problem: the RFC 7807 body when there was one (a refused claim carries claimedBy and claimExpiresAt). */
  constructor(status, detail, problem = null) {
    super(detail);
    this.status = status;
    this.problem = problem;
  }
}

export async function getSession(refresh = false) {
  if (!session || refresh) {
    const r = await fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    session = await r.json();
  }
  return session;
}

/** The signed-in curator, or a redirect to the sign-in page. */
export async function requireCurator() {
  const s = await getSession();
  if (!s.curator) {
    location.href = '/ui/signin.html?next=' + encodeURIComponent(location.pathname + location.search);
    throw new ApiError(401, 'not signed in');
  }
  return s;
}

async function check(response) {
  if (response.ok) return response;
  let detail = `${response.status} ${response.statusText}`, problem = null;
  try {
    problem = await response.json();
    detail = problem.detail || problem.title || detail;
  } catch { /* not JSON: keep the status line */ }
  throw new ApiError(response.status, detail, problem);
}

export async function getJson(url) {
  return (await check(await fetch(url, { credentials: 'same-origin' }))).json();
}

/** A binary read (an image the page draws) as a Blob; refusals become ApiErrors with the server's reason. */
export async function getBlob(url) {
  return (await check(await fetch(url, { credentials: 'same-origin' }))).blob();
}

const sampleArrays = { uint8: Uint8Array, uint16: Uint16Array, int32: Int32Array, float32: Float32Array };

/**
 * Pixels or labels in their compact form (the smallest exact type, named in X-Sample-Type; gzip-compressed on the way,
 * which the browser undoes) with their shape from X-Channels / X-Height / X-Width (labels: X-Labels, their source).
 */
export async function getPixels(url) {
  const r = await check(await fetch(url + (url.includes('?') ? '&' : '?') + 'compact=true', { credentials: 'same-origin' }));
  const shape = ['X-Channels', 'X-Height', 'X-Width'].map(h => parseInt(r.headers.get(h), 10));
  const type = r.headers.get('X-Sample-Type');
  const Samples = sampleArrays[type];
  if (!Samples) throw new ApiError(r.status, `${url}: unknown sample type '${type}'`);
  const data = new Samples(await r.arrayBuffer());
  const expected = shape[0] * shape[1] * shape[2];
  if (data.length !== expected) throw new ApiError(r.status, `${url}: ${data.length} samples arrived, the shape ${shape.join('x')} needs ${expected}`);
  return { data, type, channels: shape[0], height: shape[1], width: shape[2], source: r.headers.get('X-Labels') };
}

/** A write: JSON by default, or a Blob with its own type; carries the anti-forgery header. */
export async function send(method, url, body, { keepalive = false } = {}) {
  const s = await getSession();
  const headers = { [s.csrfHeader]: s.csrfToken };
  let payload;
  if (body instanceof Blob) {
    headers['Content-Type'] = body.type;
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await check(await fetch(url, { method, headers, body: payload, credentials: 'same-origin', keepalive }));
  return r.status === 204 ? null : r.json();
}

export function showError(element, error) {
  element.textContent = error instanceof Error ? error.message : String(error);
}
