// The console's sign-in session: a cookie holding the role, its expiry and a random session ID,
// HMAC-SHA256 signed with KITH_SECRET, so any instance of the collector that shares the secret
// can check it without storage. Each sign-in makes a new session ID (no fixation), and every form
// that changes anything carries a CSRF token derived from it.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

export type Role = 'admin' | 'viewer';

export interface Session {
  role: Role;
  id: string;
  /** Seconds since 1970. */
  expires: number;
  /** The token every changing form must send back (field `csrf`). */
  csrf: string;
}

export const SESSION_COOKIE = 'kith_console';
const LIFETIME_S = 8 * 60 * 60;

const utf8 = new TextEncoder();
const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

export interface Sessions {
  start(c: Context, role: Role): Promise<Session>;
  /** The request's valid, unexpired session; null when there is none. */
  read(c: Context): Promise<Session | null>;
  end(c: Context, session: Session | null): void;
}

export function createSessions(secret: string, now: () => number): Sessions {
  // Its own key, so that no linker token can pass for a session or the other way round.
  const key = crypto.subtle.importKey(
    'raw',
    utf8.encode(`kith-console:${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const sign = async (text: string) => base64url(await crypto.subtle.sign('HMAC', await key, utf8.encode(text)));
  // Signed-out sessions, until they would have expired anyway (per instance: a cookie also leaves the browser on sign-out).
  const ended = new Map<string, number>();
  const seconds = () => Math.floor(now() / 1000);

  const session = async (role: Role, id: string, expires: number): Promise<Session> => ({
    role,
    id,
    expires,
    csrf: await sign(`csrf.${id}`),
  });

  return {
    async start(c, role) {
      const id = base64url(crypto.getRandomValues(new Uint8Array(18)).buffer);
      const expires = seconds() + LIFETIME_S;
      const payload = `${role}.${expires}.${id}`;
      setCookie(c, SESSION_COOKIE, `${payload}.${await sign(payload)}`, {
        path: '/console',
        httpOnly: true,
        sameSite: 'Strict',
        secure: isHttps(c),
        maxAge: LIFETIME_S,
      });
      return session(role, id, expires);
    },

    async read(c) {
      const cookie = getCookie(c, SESSION_COOKIE);
      const match = cookie?.match(/^(admin|viewer)\.(\d{1,12})\.([\w-]{24})\.([\w-]{43})$/);
      if (!match) return null;
      const [, role, expires, id, signature] = match as unknown as [string, Role, string, string, string];
      if (!timingSafeEqual(await sign(`${role}.${expires}.${id}`), signature)) return null;
      if (Number(expires) <= seconds() || ended.has(id)) return null;
      return session(role, id, Number(expires));
    },

    end(c, current) {
      if (current) {
        for (const [id, expires] of ended) if (expires <= seconds()) ended.delete(id);
        ended.set(current.id, current.expires);
      }
      deleteCookie(c, SESSION_COOKIE, { path: '/console', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
    },
  };
}

/** https, directly or behind a proxy that says so. */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** Compares secrets in time that does not depend on where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  let difference = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) difference |= x[i]! ^ (y[i % Math.max(y.length, 1)] ?? 0);
  return difference === 0;
}
