import type { Context } from 'hono';
import type { BatchResponse, EventType } from '@kith/sdk/contract';
import type { SiteConfig } from '../config.ts';
import type { ClientInfo, Env, ResolvedDeps } from '../deps.ts';
import type { LiveFeed } from '../console/live-feed.ts';
import { KithError } from '../errors.ts';
import { readBody } from './body.ts';
import { isBrowserRequest } from './browser-request.ts';
import { applyDeviceCookie, deviceCookie, deviceStep, type DeviceBindings } from './device.ts';
import type { RequestLimits } from './rate-limit.ts';
import { runPipeline } from '../pipeline/index.ts';
import { MAX_EVENT_BYTES, isPlausibleTime, mayHoldLoneSurrogates } from '../pipeline/validate.ts';
import type { Sites } from '../sites.ts';
import type { IdentityLink, Storage } from '../storage/storage.ts';

export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;

type Body = Record<string, unknown>;

/** POST /v1/batch and the single-event paths, in Segment's wire format. */
export function ingestHandlers(
  deps: ResolvedDeps,
  sites: Sites,
  bindings: DeviceBindings,
  limits: RequestLimits,
  live?: LiveFeed,
) {
  const { clock, newId } = deps;

  // The address limit comes before the body is read: a flood costs as little as possible.
  const admit = async (c: Context<Env>) => {
    const client = deps.clientInfo?.(c) ?? {};
    limits.admitClient(c);
    return { client, ...(await readJson(c)) };
  };

  const ingest = async (
    c: Context<Env>,
    client: ClientInfo,
    items: unknown[],
    { body, bytes: bodyBytes, text }: JsonBody,
  ) => {
    const site = authorize(c, body, sites);
    limits.admitSite(site.id);
    const receivedAt = clock();
    const { set, rejected, browser } = await runPipeline({
      items,
      bodyBytes,
      checkText: mayHoldLoneSurrogates(text),
      site: site.id,
      receivedAt,
      sentAt: parseSentAt(body.sentAt),
      clientAddress: client.address,
      geo: client.geo,
      ipMode: deps.config.ip,
      newId,
      fromBrowser: isBrowserRequest((name) => c.req.header(name)),
      ...(site.consentMapping ? { consentMapping: site.consentMapping } : {}),
    });
    const device = await deviceStep({
      storage: deps.storage,
      bindings,
      site: site.id,
      cookie: deviceCookie(c),
      browser,
      restore: body.restore,
      at: receivedAt.toISOString(),
      source: c.get('requestId'),
    });
    if (device.deviceId) for (const event of set.events) if (event.context?.consent) event.deviceId = device.deviceId;
    // The device edge goes first: a restored ID must join its person before a login in the same batch.
    const links = [...(device.link ? [device.link] : []), ...(await settleAliases(deps.storage, set.links ?? []))];
    if (links.length > 0) set.links = links;
    // Opt-in: a browser new to the collector is scored against recent ones, as candidates only.
    if (deps.config.stitching && device.link && !device.restoredAnonymousId && browser?.anonymousId && browser.ip) {
      set.stitch = [
        {
          site: site.id,
          anonymousId: browser.anonymousId,
          ip: browser.ip,
          userAgent: browser.userAgent ?? '',
          seenAt: Math.floor(receivedAt.getTime() / 1000),
        },
      ];
    }
    await deps.storage.write(set);
    c.set('ingested', {
      accepted: set.events.length + set.consents.length,
      refusedReasons: rejected.map((refusal) => refusal.reason),
    });
    live?.record(
      site.id,
      set.events[0]?.receivedAt ?? receivedAt.toISOString(),
      set.events,
      set.consents,
      rejected,
      items,
    );
    // After the write, off the request path: the answer does not wait for audiences.
    deps.audiences?.touched(set);
    applyDeviceCookie(c, device);
    return {
      accepted: set.events.length + set.consents.length,
      rejected,
      ...(device.restoredAnonymousId ? { anonymousId: device.restoredAnonymousId } : {}),
    };
  };

  return {
    batch: async (c: Context<Env>) => {
      const { client, ...json } = await admit(c);
      const { body } = json;
      if (!Array.isArray(body.batch)) {
        throw new KithError('not_a_batch', 400, 'Send { "batch": [events...], "sentAt": "<ISO time>" }.');
      }
      if (body.batch.length > MAX_BATCH_EVENTS) {
        throw new KithError('payload_too_large', 413, `A batch may hold at most ${MAX_BATCH_EVENTS} events; split it.`);
      }
      const result = await ingest(c, client, body.batch, json);
      return c.json({ ok: true, ...result } satisfies BatchResponse);
    },

    single: (type: EventType) => async (c: Context<Env>) => {
      const { client, ...json } = await admit(c);
      const { body, bytes } = json;
      if (bytes > MAX_EVENT_BYTES) {
        throw new KithError('payload_too_large', 413, `An event may be at most ${MAX_EVENT_BYTES / 1024} KB of JSON.`);
      }
      const { writeKey: _writeKey, sentAt: _sentAt, ...event } = body;
      const result = await ingest(c, client, [{ ...event, type }], json);
      const refused = result.rejected[0];
      if (refused) return c.json({ ok: false, error: refused.reason, message: refused.message }, 400);
      return c.json({ ok: true, ...result } satisfies BatchResponse);
    },
  };
}

/** An alias's previousId is a user ID when the graph knows it as one (a renamed account), else anonymous. */
async function settleAliases(storage: Storage, links: IdentityLink[]): Promise<IdentityLink[]> {
  return Promise.all(
    links.map(async (link) => {
      if (link.how !== 'alias' || !(await storage.person(link.site, { kind: 'user', id: link.from.id }))) return link;
      return { ...link, from: { kind: 'user', id: link.from.id } };
    }),
  );
}

const utf8 = new TextDecoder();

/** A request's JSON body, with its size and text. */
interface JsonBody {
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

function parseSentAt(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  // An unreadable (or absurd) sentAt only means the skew cannot be corrected; the events are still good.
  return isPlausibleTime(time) ? new Date(time) : undefined;
}
