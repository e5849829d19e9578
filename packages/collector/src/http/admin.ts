import type { Context } from 'hono';
import type { AppDeps, Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import type { IdKind } from '../storage/storage.ts';

const KINDS: readonly string[] = ['user', 'anonymous'] satisfies IdKind[];

/** Admin reads of a person (behind the bearer token, see app.ts). */
export function adminHandlers(deps: AppDeps) {
  return {
    events: async (c: Context<Env>) => {
      const { kind, id } = c.req.param() as { kind: string; id: string };
      if (!KINDS.includes(kind)) throw new KithError('not_found', 404, 'Use /v1/persons/user/<id> or /v1/persons/anonymous/<id>.');
      const limit = parseLimit(c.req.query('limit'));
      const before = c.req.query('before');
      const page = await deps.storage.events({ kind: kind as IdKind, id, limit, ...(before ? { before } : {}) });
      return c.json({ ok: true, ...page });
    },
  };
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new KithError('invalid_request', 400, 'limit must be a whole number from 1 to 1000.');
  }
  return limit;
}
