import type { Context } from 'hono';
import type { LiveFeed } from '../console/live-feed.ts';
import type { Env, ResolvedDeps } from '../deps.ts';
import { KithError } from '../errors.ts';
import { forwardingDestinations } from '../audiences/erasure.ts';
import { erasePerson, exportPerson, personIds, resolvePerson, showPerson } from '../persons.ts';
import type { Sites } from '../sites.ts';
import type { DeviceBindingCache } from '../identity/device-cache.ts';
import type { IdKind, PersonKey } from '../storage/storage.ts';

const KINDS: readonly string[] = ['user', 'anonymous'] satisfies IdKind[];

/** The person API (behind the bearer token, see app.ts): show, events, export (Art. 15), erase (Art. 17). */
export function adminHandlers(deps: ResolvedDeps, sites: Sites, devices: DeviceBindingCache, live?: LiveFeed) {
  const { clock } = deps;
  const notFound = (key: PersonKey): never => {
    throw new KithError('not_found', 404, `Nothing is held on ${key.kind} ID "${key.id.slice(0, 200)}" for this site.`);
  };

  return {
    person: async (c: Context<Env>) => {
      const key = personKey(c);
      const person = (await showPerson(deps.storage, siteOf(c, sites), key)) ?? notFound(key);
      return c.json({ ok: true, person });
    },

    events: async (c: Context<Env>) => {
      const key = personKey(c);
      const site = siteOf(c, sites);
      const limit = parseLimit(c.req.query('limit'));
      const before = c.req.query('before');
      const person = await resolvePerson(deps.storage, site, key);
      const page = await deps.storage.events({ ...personIds(site, person), limit, ...(before ? { before } : {}) });
      return c.json({ ok: true, personId: person.personId, ...page });
    },

    export: async (c: Context<Env>) => {
      const key = personKey(c);
      const held = (await exportPerson(deps.storage, siteOf(c, sites), key, clock())) ?? notFound(key);
      return c.json({ ok: true, ...held });
    },

    erase: async (c: Context<Env>) => {
      const key = personKey(c);
      const site = siteOf(c, sites);
      const person = await resolvePerson(deps.storage, site, key);
      const receipt =
        (await erasePerson(deps.storage, site, key, clock(), forwardingDestinations(deps.config.forward))) ??
        notFound(key);
      devices.clear();
      live?.forget(site, person);
      deps.audiences?.forget(site, person.personId);
      return c.json({ ok: true, receipt });
    },
  };
}

function personKey(c: Context<Env>): PersonKey {
  const { kind, id } = c.req.param() as { kind: string; id: string };
  if (!KINDS.includes(kind))
    throw new KithError('not_found', 404, 'Use /v1/persons/user/<id> or /v1/persons/anonymous/<id>.');
  return { kind: kind as IdKind, id };
}

/** Persons belong to a site: `?site=<id>`, which may be left out when the collector has one site. */
export function siteOf(c: Context<Env>, sites: Sites): string {
  const asked = c.req.query('site');
  const site = asked === undefined ? sites.only() : sites.byId(asked);
  if (!site) {
    throw new KithError(
      'site_required',
      400,
      asked === undefined
        ? 'This collector has several sites: add ?site=<site id> from kith.config.json.'
        : `No site "${asked.slice(0, 100)}" in kith.config.json.`,
    );
  }
  return site.id;
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new KithError('invalid_request', 400, 'limit must be a whole number from 1 to 1000.');
  }
  return limit;
}
