import type { Context } from 'hono';
import type { AppDeps, Env } from '../deps.ts';
import { KithError } from '../errors.ts';
import { dayStart, parsePeriod } from '../figures/period.ts';
import { refitSite } from '../figures/scores.ts';
import { siteFigures } from '../figures/service.ts';
import type { Sites } from '../sites.ts';
import { siteOf } from './admin.ts';

const MAX_FUNNEL_STEPS = 20;

/** Shop figures and predictions (behind the admin token, see app.ts). */
export function figuresHandlers(deps: AppDeps, sites: Sites) {
  const clock = deps.clock ?? (() => new Date());
  return {
    /** GET /v1/figures?site=&from=YYYY-MM-DD&to=YYYY-MM-DD[&funnel=Product Viewed,Product Added,Order Completed] */
    figures: async (c: Context<Env>) => {
      const site = siteOf(c, sites);
      const period = parsePeriod(c.req.query('from'), c.req.query('to'));
      if ('problem' in period) throw new KithError('invalid_request', 400, `${period.problem}.`);
      const funnel = (c.req.query('funnel') ?? '')
        .split(',')
        .map((step) => step.trim())
        .filter((step) => step !== '');
      if (funnel.length > MAX_FUNNEL_STEPS)
        throw new KithError(
          'invalid_request',
          400,
          `funnel may have at most ${MAX_FUNNEL_STEPS} steps, comma-separated event names.`,
        );
      return c.json({ ok: true, site, figures: await siteFigures(deps.storage, site, period, funnel) });
    },

    /** GET /v1/predictions?site=: the fitted model, its data window, customer count and holdout check. */
    predictions: async (c: Context<Env>) => {
      const site = siteOf(c, sites);
      const saved = await deps.storage.predictions(site);
      if (!saved)
        throw new KithError(
          'not_found',
          404,
          `No predictions for site "${site}" yet: POST /v1/predictions/fit?site=${site} or run "kith predict fit --site ${site}".`,
        );
      return c.json({ ok: true, site, fittedAt: saved.fittedAt, model: saved.model });
    },

    /** POST /v1/predictions/fit?site=[&calibrationEnd=YYYY-MM-DD]: refits now and writes every customer's scores. */
    fit: async (c: Context<Env>) => {
      const site = siteOf(c, sites);
      const calibrationEnd = c.req.query('calibrationEnd');
      if (calibrationEnd !== undefined && dayStart(calibrationEnd) === null) {
        throw new KithError(
          'invalid_request',
          400,
          `calibrationEnd "${calibrationEnd.slice(0, 40)}" is not a day; write it as YYYY-MM-DD.`,
        );
      }
      const refit = await refitSite(deps.storage, site, {
        now: clock(),
        audiences: deps.audiences,
        ...(calibrationEnd ? { calibrationEnd } : {}),
      });
      return c.json({ ok: true, site, ...refit });
    },
  };
}
