import { ORDER_COMPLETED, campaignOf, numberOf } from './figure-facts.ts';
import type { ConsentChoice, FigureEvent, FunnelReach, PersonEvent } from './storage.ts';

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
    campaign: campaignOf(fields.source, fields.medium, fields.name),
  };
}

/** An order or campaign touch of siteEvents as the figures count it (the adapters that keep no figure_facts). */
export const figureEventOf = (e: PersonEvent): FigureEvent => ({
  personId: e.personId,
  timestamp: e.timestamp,
  order: e.type === 'track' && e.event === ORDER_COMPLETED,
  value: e.value,
  campaign: e.campaign,
});

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
