import type { Context } from 'hono';
import type { AppDeps, Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import { audienceCounts, audienceMembers } from '../audiences/members.ts';
import { compileDefinitions } from '../audiences/definitions.ts';
import type { Sites } from '../sites.ts';
import { parseLimit, siteOf } from './admin.ts';

/** GET /v1/audiences (each audience and stage with its count) and GET /v1/audiences/:key/members (paged). */
export function audienceHandlers(deps: AppDeps, sites: Sites) {
  const definitions = compileDefinitions(deps.config.sites);
  const keysOf = (site: string) => {
    const compiled = definitions.get(site);
    return { audiences: compiled?.audiences.map((a) => a.key) ?? [], stages: compiled?.stages.map((s) => s.key) ?? [] };
  };
  return {
    list: async (c: Context<Env>) => {
      const site = siteOf(c, sites);
      return c.json({ ok: true, site, ...(await audienceCounts(deps.storage, site, keysOf(site))) });
    },
    members: async (c: Context<Env>) => {
      const site = siteOf(c, sites);
      const key = c.req.param('key') ?? '';
      const keys = keysOf(site);
      const known = key.startsWith('stage:')
        ? keys.stages.includes(key.slice('stage:'.length))
        : keys.audiences.includes(key);
      if (!known) {
        throw new KithError(
          'not_found',
          404,
          `No audience "${key.slice(0, 100)}" on site "${site}"; GET /v1/audiences lists them (stages as stage:<key>).`,
        );
      }
      const after = c.req.query('after');
      const page = await audienceMembers(deps.storage, site, key, {
        limit: parseLimit(c.req.query('limit')),
        ...(after ? { after } : {}),
      });
      return c.json({ ok: true, ...page });
    },
  };
}
