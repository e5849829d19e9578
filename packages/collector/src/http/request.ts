// What every public POST does first: read its JSON body, and name the site by its write key.
import type { Context } from 'hono';
import type { SiteConfig } from '../config.ts';
import type { Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import { readBody } from './body.ts';
import type { Sites } from '../sites.ts';

/** The largest body a public POST may send (after gzip inflation). */
export const MAX_BATCH_BYTES = 500 * 1024;

type Body = Record<string, unknown>;

const utf8 = new TextDecoder();

/** A request's JSON body, with its size and text. */
export interface JsonBody {
  body: Body;
  bytes: number;
  text: string;
}

export async function readJson(c: Context<Env>): Promise<JsonBody> {
  const buffer = await readBody(c, MAX_BATCH_BYTES);
  const text = utf8.decode(buffer);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KithError(
      'invalid_json',
      400,
      'The body is not valid JSON; send UTF-8 JSON as application/json or text/plain.',
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new KithError('not_a_batch', 400, 'The body must be a JSON object: { "batch": [...] } or a single event.');
  }
  return { body: body as Body, bytes: buffer.byteLength, text };
}

/**
 * The write key names the site: HTTP Basic username (as Segment sends it), `writeKey` in the body,
 * or `?writeKey=` (RudderStack's beacons, which can set no header).
 */
export function authorize(c: Context<Env>, body: Body, sites: Sites): SiteConfig {
  const writeKey = basicUsername(c.req.header('authorization')) ?? body.writeKey ?? c.req.query('writeKey');
  if (typeof writeKey !== 'string' || writeKey === '') {
    throw new KithError(
      'unauthorized',
      401,
      'Send your write key as the HTTP Basic username or as "writeKey" in the body.',
    );
  }
  c.set('writeKey', writeKey);
  const site = sites.byWriteKey(writeKey);
  if (!site)
    throw new KithError('unauthorized', 401, 'Unknown write key; check the writeKey of your site in kith.config.json.');
  c.set('site', site.id);
  const origin = c.req.header('origin');
  if (origin !== undefined && !sites.allowsOrigin(site, origin)) {
    throw new KithError(
      'forbidden_origin',
      403,
      `Origin ${origin.slice(0, 200)} is not allowed for this site; add it to the site's "origins".`,
    );
  }
  return site;
}

function basicUsername(header: string | undefined): string | undefined {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!match?.[1]) return undefined;
  try {
    const decoded = atob(match[1]);
    return decoded.slice(0, decoded.indexOf(':') === -1 ? undefined : decoded.indexOf(':'));
  } catch {
    return undefined;
  }
}
