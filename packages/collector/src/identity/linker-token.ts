// Linker tokens carry a visitor's anonymous ID to another of the site's domains: HMAC-SHA256
// signed, bound to one target domain, valid for two minutes, usable once (the nonce is claimed).

export const LINKER_LIFETIME_MS = 2 * 60 * 1000;

export interface LinkerClaims {
  /** Site ID, anonymous ID on the domain the visitor left, target host, expiry (ms), nonce. */
  site: string;
  anonymousId: string;
  target: string;
  expires: number;
  nonce: string;
}

const utf8 = new TextEncoder();
const keys = new Map<string, ReturnType<typeof crypto.subtle.importKey>>();
const keyOf = (secret: string) => {
  let key = keys.get(secret);
  if (!key)
    keys.set(
      secret,
      (key = crypto.subtle.importKey('raw', utf8.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ])),
    );
  return key;
};

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const fromBase64url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));

export async function signLinker(claims: LinkerClaims, secret: string): Promise<string> {
  const payload = base64url(
    utf8.encode(JSON.stringify([claims.site, claims.anonymousId, claims.target, claims.expires, claims.nonce])),
  );
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await keyOf(secret), utf8.encode(payload)));
  return `${payload}.${base64url(signature)}`;
}

/** The claims of a token this secret signed; 'malformed' or 'forged' otherwise. Expiry and use are the caller's to check. */
export async function readLinker(token: string, secret: string): Promise<LinkerClaims | 'malformed' | 'forged'> {
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return 'malformed';
  const [, payload = '', signature = ''] = match;
  // verify() compares in constant time.
  const valid = await crypto.subtle
    .verify('HMAC', await keyOf(secret), fromBase64url(signature), utf8.encode(payload))
    .catch(() => false);
  if (!valid) return 'forged';
  try {
    const [site, anonymousId, target, expires, nonce] = JSON.parse(
      new TextDecoder().decode(fromBase64url(payload)),
    ) as unknown[];
    if (
      typeof site !== 'string' ||
      typeof anonymousId !== 'string' ||
      typeof target !== 'string' ||
      typeof expires !== 'number' ||
      typeof nonce !== 'string'
    )
      return 'malformed';
    return { site, anonymousId, target, expires, nonce };
  } catch {
    return 'malformed';
  }
}
