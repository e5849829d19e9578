import type { Frequency } from './bgnbd.ts';
import type { Spend } from './gamma-gamma.ts';

/** One order: who, on which day (UTC), for how much. */
export interface Order {
  customer: string;
  /** Whole days since 1970-01-01 (UTC). */
  day: number;
  value: number;
}

/** A customer's calibration-period summary, and what they did after it. */
export interface CustomerHistory extends Frequency, Spend {
  customer: string;
  firstDay: number;
  lastDay: number;
  /** Transactions (days with orders) in the calibration period, the first included. */
  transactions: number;
  /** Value of all their calibration orders. */
  total: number;
  /** Transactions after the calibration end, up to the holdout's end. */
  holdoutTransactions: number;
}

const DAY_MS = 86_400_000;
export const dayOf = (iso: string | Date): number => Math.floor(new Date(iso).getTime() / DAY_MS);
export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * The paper's conventions: the orders of one customer on one day are one transaction (values
 * summed); time is whole days divided by 7; T runs from the first purchase to the calibration end
 * day, and orders on that day belong to the calibration period. `m` is the mean value of the repeat
 * transactions (the first one excluded), as Gamma-Gamma is fitted. Customers whose first order
 * comes after the calibration end are not in the result.
 */
export function summarise(
  orders: Iterable<Order>,
  calibrationEnd: number,
  holdoutEnd = Number.POSITIVE_INFINITY,
): CustomerHistory[] {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const { customer, day, value } of orders) {
    let days = byCustomer.get(customer);
    if (!days) byCustomer.set(customer, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + value);
  }
  const histories: CustomerHistory[] = [];
  for (const [customer, days] of byCustomer) {
    const sorted = [...days.keys()].sort((p, q) => p - q);
    const firstDay = sorted[0]!;
    if (firstDay > calibrationEnd) continue;
    const calibration = sorted.filter((d) => d <= calibrationEnd);
    const lastDay = calibration.at(-1)!;
    const repeatValue = calibration.slice(1).reduce((sum, d) => sum + days.get(d)!, 0);
    const x = calibration.length - 1;
    histories.push({
      customer,
      x,
      tx: (lastDay - firstDay) / 7,
      T: (calibrationEnd - firstDay) / 7,
      m: x > 0 ? repeatValue / x : 0,
      firstDay,
      lastDay,
      transactions: calibration.length,
      total: repeatValue + days.get(firstDay)!,
      holdoutTransactions: sorted.filter((d) => d > calibrationEnd && d <= holdoutEnd).length,
    });
  }
  return histories;
}
