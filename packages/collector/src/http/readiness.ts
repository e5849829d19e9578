import type { Context } from 'hono';
import type { AppDeps, Env } from '../deps.ts';
import { errorBody } from '../errors.ts';

/**
 * GET /readyz: whether storage can take writes now (the file still there, the database reachable
 * and writable). /healthz only says the process runs; a balancer should send events only where
 * this answers 200. A change of state is logged once, so an operator hears of it without polling.
 */
export function readinessHandler(deps: AppDeps) {
  let lastProblem: string | null = null;
  return async (c: Context<Env>) => {
    const problem = await deps.storage
      .writable()
      .catch((error: unknown) => `storage could not be checked (${String(error)})`);
    if (problem !== lastProblem) {
      if (problem) console.error(`[kith] not ready: ${problem}`);
      else console.error('[kith] ready again: storage takes writes');
      lastProblem = problem;
    }
    if (!problem) return c.json({ ok: true });
    return c.json(errorBody('storage_unavailable', problem), 503, { 'Retry-After': '5' });
  };
}
