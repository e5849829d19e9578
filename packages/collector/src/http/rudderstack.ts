import type { Context } from 'hono';
import type { Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import type { Sites } from '../sites.ts';

/**
 * RudderStack's browser SDK (`@rudderstack/analytics-js` v3) loads its source configuration at
 * start from `configUrl` + `/sourceConfig/?writeKey=…` and sends nothing until it has a valid one.
 */
export const RUDDERSTACK_SOURCE_CONFIG_PATHS = ['/sourceConfig', '/sourceConfig/'];

/** The beacon transport (`useBeacon: true`) posts batches as text/plain, its write key in the query. */
export const RUDDERSTACK_BEACON_PATH = '/beacon/v1/batch';

export function rudderstackHandlers(sites: Sites) {
  return {
    /**
     * The source configuration: the source, enabled, with no device-mode destination (so the SDK
     * loads no integration from RudderStack's CDN) and its own error and metrics reporting off (so it
     * posts nothing to RudderStack's hosts). Events then go only to the data plane URL, this collector.
     */
    sourceConfig: (c: Context<Env>) => {
      const writeKey = c.req.query('writeKey') ?? '';
      const site = sites.byWriteKey(writeKey);
      if (!site) {
        throw new KithError(
          'unauthorized',
          401,
          'Unknown write key; load the SDK with the writeKey of your site in kith.config.json.',
        );
      }
      return c.json(
        {
          isHosted: false,
          source: {
            id: site.id,
            name: site.id,
            writeKey,
            workspaceId: 'kith',
            enabled: true,
            config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
            destinations: [],
          },
        },
        200,
        { 'Cache-Control': 'public, max-age=300' },
      );
    },
  };
}
