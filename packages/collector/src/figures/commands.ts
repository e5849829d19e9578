import { ConfigError } from '../config.ts';
import type { Storage } from '../storage/storage.ts';
import { dayStart, parsePeriod } from './period.ts';
import { refitSite } from './scores.ts';
import { siteFigures } from './service.ts';

export const FIGURES_USAGE = `  kith predict fit --site <id> [--calibration-end YYYY-MM-DD] [--storage ...]   (fits BG/NBD + Gamma-Gamma, writes the scores as traits, prints the model)
  kith figures --site <id> --from YYYY-MM-DD --to YYYY-MM-DD [--funnel "Product Viewed,Order Completed"] [--storage ...]`;

export interface FiguresFlags {
  site?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  funnel?: string | undefined;
  'calibration-end'?: string | undefined;
}

/** `kith predict fit` and `kith figures`; null when the command is neither. Operator mistakes throw ConfigError (exit 2). */
export async function runFiguresCommand(
  words: string[],
  flags: FiguresFlags,
  open: () => Promise<Storage>,
): Promise<number | null> {
  const [command, action] = words;
  const predictFit = command === 'predict' && action === 'fit';
  if (!predictFit && command !== 'figures') return null;
  if (!flags.site) throw new ConfigError(`${predictFit ? 'predict fit' : 'figures'}: give --site <site id>`);
  const calibrationEnd = flags['calibration-end'];
  if (predictFit && calibrationEnd !== undefined && dayStart(calibrationEnd) === null) {
    throw new ConfigError(
      `--calibration-end: "${calibrationEnd}" is not a day; write it as YYYY-MM-DD, e.g. 1997-09-30`,
    );
  }
  const period = predictFit ? null : parsePeriod(flags.from, flags.to);
  if (period && 'problem' in period)
    throw new ConfigError(`figures: ${period.problem.replace('from=', '--from ').replace('to=', '--to ')}`);

  const storage = await open();
  try {
    if (predictFit) {
      const refit = await refitSite(storage, flags.site, {
        now: new Date(),
        ...(calibrationEnd ? { calibrationEnd } : {}),
      });
      if (!refit.model) {
        console.error(`kith: cannot fit site "${flags.site}" yet: ${refit.unfitted}`);
        return 1;
      }
      console.log(JSON.stringify({ ...refit.model, scored: refit.scored }, null, 2));
      return 0;
    }
    const funnel = (flags.funnel ?? '')
      .split(',')
      .map((step) => step.trim())
      .filter((step) => step !== '');
    console.log(JSON.stringify(await siteFigures(storage, flags.site, period!, funnel), null, 2));
    return 0;
  } finally {
    await storage.close();
  }
}
