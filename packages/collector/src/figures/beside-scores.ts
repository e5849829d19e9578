import type { Storage } from '../storage/storage.ts';
import type { PredictionModel } from './predict.ts';

/** What a person's scores rest on: when and on what the model was fitted, and how its holdout check went. */
export interface ScoresBasis {
  fittedAt: string;
  window: PredictionModel['window'];
  customers: number;
  holdout: PredictionModel['holdout'];
}

/** Shown beside a person's scores (traits p_alive and the rest), so an operator sees how far to trust them. */
export async function scoresBasis(
  storage: Storage,
  site: string,
  traits: Record<string, unknown>,
): Promise<ScoresBasis | null> {
  if (!('p_alive' in traits)) return null;
  const saved = await storage.predictions(site);
  if (!saved) return null;
  const { window, customers, holdout } = saved.model as PredictionModel;
  return { fittedAt: saved.fittedAt, window, customers, holdout };
}
