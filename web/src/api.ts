// The REST side of the API: logging in (OAuth2 password form at /api/v1/token), keeping the
// token for the tab's life, and authenticated GETs.

export const PREFIX = "/api/v1";
const STORE_KEY = "borderwatch.session";

/** Who is signed in, with the bearer token and when it expires (ms since the epoch). */
export interface Session {
  token: string;
  user: string;
  agency: string;
  role: string;
  expiresAt: number;
}

/** The API said no: its HTTP status, its `detail`, and the `field` it named, if any. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly field: string | null = null,
  ) {
    super(`${status}: ${detail}`);
    this.name = "ApiError";
  }
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: string;
  agency: string;
  role: string;
}

/** Log in with the OAuth2 password flow; the session is kept for this tab. */
export async function login(user: string, password: string): Promise<Session> {
  const form = new URLSearchParams({ grant_type: "password", username: user, password });
  const response = await fetch(`${PREFIX}/token`, { method: "POST", body: form });
  const body = (await readJson(response)) as TokenResponse;
  const session: Session = {
    token: body.access_token,
    user: body.user,
    agency: body.agency,
    role: body.role,
    expiresAt: Date.now() + body.expires_in * 1000,
  };
  // sessionStorage, not localStorage: a shared ops-room screen forgets the token with the tab.
  sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
  return session;
}

/** The session kept from earlier in this tab, if it has not expired. */
export function savedSession(): Session | null {
  const text = sessionStorage.getItem(STORE_KEY);
  if (text === null) return null;
  try {
    const session = JSON.parse(text) as Session;
    return session.expiresAt > Date.now() ? session : null;
  } catch {
    return null;
  }
}

/** Log out at the API (best effort) and forget the session. */
export async function logout(session: Session): Promise<void> {
  sessionStorage.removeItem(STORE_KEY);
  try {
    await fetch(`${PREFIX}/logout`, { method: "POST", headers: auth(session) });
  } catch {
    // Offline: the token still ends with the shift.
  }
}

/** GET `path` (under the API prefix) as `session`, parsed as JSON. */
export async function getJson<T>(session: Session, path: string): Promise<T> {
  const response = await fetch(`${PREFIX}${path}`, { headers: auth(session) });
  return (await readJson(response)) as T;
}

/** POST `body` as JSON to `path` (under the API prefix) as `session`; the reply parsed. An
 * `ApiError` carries the API's own reason when it refuses (403, 404, 409, 422). */
export async function postJson<T>(session: Session, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${PREFIX}${path}`, {
    method: "POST",
    headers: { ...auth(session), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await readJson(response)) as T;
}

function auth(session: Session): Record<string, string> {
  return { Authorization: `Bearer ${session.token}` };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, text.slice(0, 200));
  }
  if (!response.ok) {
    const detail =
      typeof body === "object" && body !== null && "detail" in body
        ? String((body as { detail: unknown }).detail)
        : response.statusText;
    const field =
      typeof body === "object" && body !== null && "field" in body
        ? ((body as { field: unknown }).field as string | null)
        : null;
    throw new ApiError(response.status, detail, field);
  }
  return body;
}
