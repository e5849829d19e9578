import type { Context } from 'hono';
import type { LinkerRedeemResponse, LinkerResponse } from '@kith/sdk/contract';
import type { Env, ResolvedDeps } from '../deps.ts';
import { KithError } from '../errors.ts';
import type { Sites } from '../sites.ts';
import { authorize, readJson } from './request.ts';
import { LINKER_LIFETIME_MS, readLinker, signLinker } from '../identity/linker-token.ts';
import type { RequestLimits } from './rate-limit.ts';

/** POST /v1/linker (a token for a link to another of the site's domains) and /v1/linker/redeem (on arrival there). */
export function linkerHandlers(deps: ResolvedDeps, sites: Sites, limits: RequestLimits) {
  const { clock } = deps;
  // Without a configured secret, tokens only hold on this instance (see AppDeps.secret).
  const secret = deps.secret ?? crypto.randomUUID();

  return {
    issue: async (c: Context<Env>) => {
      limits.admitClient(c);
      const { body } = await readJson(c);
      const site = authorize(c, body, sites);
      limits.admitSite(site.id);
      const anonymousId = requiredId(body.anonymousId, 'anonymousId');
      const target = typeof body.target === 'string' ? body.target.toLowerCase() : '';
      const allowed = site.linkerDomains.some((domain) => target === domain || target.endsWith(`.${domain}`));
      if (!allowed) {
        throw new KithError(
          'linker_target_not_allowed',
          400,
          `"target" must be a host name under one of the site's "linkerDomains" (${site.linkerDomains.join(', ') || 'none configured'}).`,
        );
      }
      const expires = clock().getTime() + LINKER_LIFETIME_MS;
      const token = await signLinker(
        { site: site.id, anonymousId, target, expires, nonce: crypto.randomUUID() },
        secret,
      );
      return c.json({ ok: true, token, expiresAt: new Date(expires).toISOString() } satisfies LinkerResponse);
    },

    redeem: async (c: Context<Env>) => {
      limits.admitClient(c);
      const { body } = await readJson(c);
      const site = authorize(c, body, sites);
      limits.admitSite(site.id);
      const anonymousId = requiredId(body.anonymousId, 'anonymousId');
      const claims = typeof body.token === 'string' ? await readLinker(body.token, secret) : 'malformed';
      if (claims === 'malformed')
        throw new KithError(
          'linker_invalid',
          400,
          'Send the "_kith" parameter of the address exactly as it arrived, as "token".',
        );
      if (claims === 'forged' || claims.site !== site.id) {
        throw new KithError(
          'linker_forged',
          400,
          'The token was not signed by this collector for this site; links must get their token from POST /v1/linker.',
        );
      }
      const now = clock();
      if (claims.expires < now.getTime())
        throw new KithError(
          'linker_expired',
          400,
          'The token is older than two minutes; it is only valid right after the click.',
        );
      const host = arrivalHost(c);
      if (host !== claims.target)
        throw new KithError(
          'linker_wrong_domain',
          400,
          `The token was made for ${claims.target}, not for ${host.slice(0, 200)}.`,
        );
      // Claimed last, so a refused attempt does not use the token up.
      if (!(await deps.storage.claimNonce(claims.nonce, new Date(claims.expires).toISOString(), now.toISOString()))) {
        throw new KithError('linker_replayed', 409, 'This token was already used; each token links one arrival.');
      }
      if (claims.anonymousId !== anonymousId) {
        await deps.storage.write({
          events: [],
          consents: [],
          rejected: [],
          links: [
            {
              site: site.id,
              from: { kind: 'anonymous', id: claims.anonymousId },
              to: { kind: 'anonymous', id: anonymousId },
              how: 'linker',
              source: claims.nonce,
              at: now.toISOString(),
            },
          ],
        });
      }
      return c.json({ ok: true, linkedTo: claims.anonymousId } satisfies LinkerRedeemResponse);
    },
  };
}

function requiredId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 200)
    throw new KithError('invalid_request', 400, `"${name}" must be a string of 1 to 200 characters.`);
  return value;
}

/** The host the visitor arrived on: the page's origin as the browser reports it, else the address asked for. */
function arrivalHost(c: Context<Env>): string {
  const origin = c.req.header('origin');
  try {
    return new URL(origin && origin !== 'null' ? origin : c.req.url).hostname.toLowerCase();
  } catch {
    return '';
  }
}
