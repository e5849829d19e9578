import type { Campaign, ConsentChoice, PersonEvent } from './storage.ts';

/** A row of the adapters' siteEvents queries (sqlite/figures-queries.ts, postgres/figures-queries.ts). */
export interface PersonEventRow {
  personId: string;
  identified: number | boolean;
  userId: string | null;
  anonymousId: string | null;
  type: string;
  event: string | null;
  timestamp: string;
  revenue: unknown;
  total: unknown;
  products: string | null;
  source: string | null;
  medium: string | null;
  name: string | null;
}

const numberOf = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
};

const productsOf = (json: string | null): Record<string, unknown>[] => {
  if (!json) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null) : [];
  } catch {
    return [];
  }
};

export function personEventFromRow(row: PersonEventRow): PersonEvent {
  const campaign: Campaign = {};
  if (typeof row.source === 'string' && row.source) campaign.source = row.source;
  if (typeof row.medium === 'string' && row.medium) campaign.medium = row.medium;
  if (typeof row.name === 'string' && row.name) campaign.name = row.name;
  return {
    personId: row.personId,
    identified: Boolean(row.identified),
    userId: row.userId,
    anonymousId: row.anonymousId,
    type: row.type,
    event: row.event,
    timestamp: row.timestamp,
    value: numberOf(row.revenue) ?? numberOf(row.total),
    products: productsOf(row.products),
    campaign: Object.keys(campaign).length > 0 ? campaign : null,
  };
}

export function consentChoiceFromRow(row: { method: string; categories: string | Record<string, boolean> }): ConsentChoice {
  return { method: row.method, categories: typeof row.categories === 'string' ? JSON.parse(row.categories) : row.categories };
}
