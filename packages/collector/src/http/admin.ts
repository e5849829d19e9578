import type { Context } from 'hono';
import type { AppDeps, Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import type { IdKind, PersonKey, StoredEvent } from '../storage/storage.ts';

const KINDS: readonly string[] = ['user', 'anonymous'] satisfies IdKind[];
const EXPORT_PAGE = 1000;

/** Admin reads of a person (behind the bearer token, see app.ts). */
export function adminHandlers(deps: AppDeps) {
  const clock = deps.clock ?? (() => new Date());

  return {
    events: async (c: Context<Env>) => {
      const person = personKey(c);
      const limit = parseLimit(c.req.query('limit'));
      const before = c.req.query('before');
      const page = await deps.storage.events({ ...person, limit, ...(before ? { before } : {}) });
      return c.json({ ok: true, ...page });
    },

    /** GDPR Art. 15: everything held on the person, with the banner texts their consents refer to. */
    export: async (c: Context<Env>) => {
      const person = personKey(c);
      const events: StoredEvent[] = [];
      let before: string | undefined;
      do {
        const page = await deps.storage.events({ ...person, limit: EXPORT_PAGE, ...(before ? { before } : {}) });
        events.push(...page.events);
        before = page.next ?? undefined;
      } while (before);
      const consents = await deps.storage.consents(person);
      const hashes = consents.flatMap((record) => (record.consent.bannerTextHash ? [record.consent.bannerTextHash] : []));
      const bannerTexts = await deps.storage.bannerTexts(hashes);
      return c.json({ ok: true, exportedAt: clock().toISOString(), person, events, consents, bannerTexts });
    },
  };
}

function personKey(c: Context<Env>): PersonKey {
  const { kind, id } = c.req.param() as { kind: string; id: string };
  if (!KINDS.includes(kind)) throw new KithError('not_found', 404, 'Use /v1/persons/user/<id> or /v1/persons/anonymous/<id>.');
  return { kind: kind as IdKind, id };
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new KithError('invalid_request', 400, 'limit must be a whole number from 1 to 1000.');
  }
  return limit;
}
