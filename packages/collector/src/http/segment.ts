import type { Context } from 'hono';
import type { EventType } from '@kith/sdk/contract';
import type { Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import type { Sites } from '../sites.ts';

/** analytics-next posts each call to the first letter of its type (`/v1/t`), and batches to `/v1/b`. */
export const SEGMENT_SHORT_PATHS = {
  t: 'track',
  p: 'page',
  i: 'identify',
  a: 'alias',
  g: 'group',
  s: 'screen',
} as const satisfies Record<string, EventType>;

/** What analytics-next fetches from its CDN at load, and the library's own metrics. */
export function segmentHandlers(sites: Sites) {
  return {
    /**
     * The settings document (`cdnURL` + `/v1/projects/:writeKey/settings`): only the Segment.io
     * destination, pointed at this collector, with the library's metrics off. No other
     * integration, middleware or remote plugin, so nothing is loaded from anywhere else.
     */
    settings: (c: Context<Env>) => {
      const writeKey = c.req.param('writeKey') ?? '';
      if (!sites.byWriteKey(writeKey)) {
        throw new KithError(
          'unauthorized',
          401,
          'Unknown write key; check the writeKey of your site in kith.config.json.',
        );
      }
      const url = new URL(c.req.url);
      const forwarded = c.req.header('x-forwarded-proto');
      const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : url.protocol.slice(0, -1);
      return c.json(
        {
          integrations: {
            'Segment.io': {
              apiKey: writeKey,
              apiHost: `${c.req.header('host') ?? url.host}/v1`,
              protocol,
              unbundledIntegrations: [],
              addBundledMetadata: false,
            },
          },
          plan: {
            track: { __default: { enabled: true, integrations: {} } },
            identify: { __default: { enabled: true } },
            group: { __default: { enabled: true } },
          },
          metrics: { sampleRate: 0 },
          analyticsNextEnabled: true,
          middlewareSettings: {},
          enabledMiddleware: {},
          legacyVideoPluginsEnabled: false,
          remotePlugins: [],
        },
        200,
        { 'Cache-Control': 'public, max-age=300' },
      );
    },
    /** The library's own counters (`/v1/m`): acknowledged so it does not retry, and not kept. */
    metrics: (c: Context<Env>) => c.body(null, 204),
  };
}
