import type { Context } from 'hono';
import type { BatchResponse, EventType } from '@kith/sdk/contract';
import type { ClientInfo, Env, ResolvedDeps } from '../deps.ts';
import type { LiveFeed } from '../console/live-feed.ts';
import { KithError } from '../errors.ts';
import { isBrowserRequest } from './browser-request.ts';
import type { DeviceBindingCache } from '../identity/device-cache.ts';
import { applyDeviceCookie, deviceCookie } from './device-cookie.ts';
import type { RequestLimits } from './rate-limit.ts';
import { authorize, readJson, type JsonBody } from './request.ts';
import { runPipeline } from '../pipeline/index.ts';
import { MAX_EVENT_BYTES, isPlausibleTime, mayHoldLoneSurrogates } from '../pipeline/validate.ts';
import type { Sites } from '../sites.ts';

export const MAX_BATCH_EVENTS = 2500;

/** POST /v1/batch and the single-event paths, in Segment's wire format. */
export function ingestHandlers(
  deps: ResolvedDeps,
  sites: Sites,
  devices: DeviceBindingCache,
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
    const { set, rejected, device } = await runPipeline({
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
      identity: {
        storage: deps.storage,
        devices,
        cookie: deviceCookie(c),
        restore: body.restore,
        source: c.get('requestId'),
        stitching: deps.config.stitching,
      },
    });
    const stored = await deps.storage.write(set);
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
    deps.audiences?.touched(set, stored);
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

function parseSentAt(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  // An unreadable (or absurd) sentAt only means the skew cannot be corrected; the events are still good.
  return isPlausibleTime(time) ? new Date(time) : undefined;
}
