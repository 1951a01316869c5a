// The public API of this server, called with the key the user typed. The key lives in sessionStorage (this tab only):
// never in localStorage or a cookie.
const KEY = 'facerec.console.key';
const COLLECTION = 'facerec.console.collection';

/** The API's base, relative to the console's own address (/console/ → /api/v1), so a path prefix of a proxy is kept. */
const BASE = new URL('../api/v1/', document.baseURI);

export const session = {
  key: () => sessionStorage.getItem(KEY),
  collection: () => sessionStorage.getItem(COLLECTION) || 'default',
  save(key, collection) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(COLLECTION, collection);
  },
  setCollection(collection) {
    sessionStorage.setItem(COLLECTION, collection);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(COLLECTION);
  },
};

/** A failure of the API: its stable code, message and request id, and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  describe() {
    return `${this.code}: ${this.message}` + (this.requestId ? ` (request ${this.requestId})` : '');
  }
}

/** Calls the API with the key of this session (or {@code key} when given); resolves to the JSON answer or null. */
export async function call(method, path, { json, file, key } = {}) {
  const headers = { 'X-API-Key': key ?? session.key() ?? '' };
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (file !== undefined) {
    body = new FormData();
    body.append('file', file, file.name || 'image');
  }
  let res;
  try {
    res = await fetch(new URL(path.replace(/^\//, ''), BASE), { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `the server could not be reached (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data?.error ?? {};
    throw new ApiError(res.status, err.code ?? `HTTP_${res.status}`, err.message ?? (text || res.statusText),
      err.requestId ?? res.headers.get('X-Request-Id'));
  }
  return data;
}

/** The address of the detection WebSocket, and the subprotocols that carry the key (browsers cannot set headers). */
export function detectSocket() {
  const url = new URL('../ws/detect', document.baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const bytes = new TextEncoder().encode(session.key() ?? '');
  let binary = '';
  bytes.forEach(b => { binary += String.fromCharCode(b); });
  const b64url = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return new WebSocket(url, ['facerec.detect', 'facerec.key.' + b64url]);
}
