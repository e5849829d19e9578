import type { Campaign, ConsentChoice, FunnelReach, PersonEvent } from './storage.ts';

/** A row of the adapters' siteEvents queries: PostgreSQL names each field (postgres/figures-queries.ts), SQLite extracts them at once. */
export type PersonEventRow = PersonEventColumns & (ExtractedFields | { extracted: string });

interface PersonEventColumns {
  personId: string;
  identified: number | boolean;
  userId: string | null;
  anonymousId: string | null;
  type: string;
  event: string | null;
  timestamp: string;
}

interface ExtractedFields {
  revenue: unknown;
  total: unknown;
  products: unknown;
  source: unknown;
  medium: unknown;
  name: unknown;
}

/** SQLite's json_extract of several paths: a JSON array in the order of sqlite-dialect/figures-queries.ts. */
const fieldsOf = (row: PersonEventRow): ExtractedFields => {
  if (!('extracted' in row)) return row;
  const [revenue, total, products, source, medium, name] = JSON.parse(row.extracted) as unknown[];
  return { revenue, total, products, source, medium, name };
};

const numberOf = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
};

const productsOf = (value: unknown): Record<string, unknown>[] => {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return [];
    }
  }
  return Array.isArray(parsed)
    ? parsed.filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null && !Array.isArray(p))
    : [];
};

export function personEventFromRow(row: PersonEventRow): PersonEvent {
  const fields = fieldsOf(row);
  const campaign: Campaign = {};
  if (typeof fields.source === 'string' && fields.source) campaign.source = fields.source;
  if (typeof fields.medium === 'string' && fields.medium) campaign.medium = fields.medium;
  if (typeof fields.name === 'string' && fields.name) campaign.name = fields.name;
  return {
    personId: row.personId,
    identified: Boolean(row.identified),
    userId: row.userId,
    anonymousId: row.anonymousId,
    type: row.type,
    event: row.event,
    timestamp: row.timestamp,
    value: numberOf(fields.revenue) ?? numberOf(fields.total),
    products: productsOf(fields.products),
    campaign: Object.keys(campaign).length > 0 ? campaign : null,
  };
}

export function consentChoiceFromRow(row: {
  method: string;
  categories: string | Record<string, boolean>;
}): ConsentChoice {
  return {
    method: row.method,
    categories: typeof row.categories === 'string' ? JSON.parse(row.categories) : row.categories,
  };
}

/** SQLite answers the count as a number or a bigint, PostgreSQL as an int. */
export const funnelReachFromRow = (row: FunnelReach): FunnelReach => ({
  personId: row.personId,
  reached: Number(row.reached),
});
