import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A purchase of the CDNOW sample (test/data/cdnow): the paper's reference data for BG/NBD and Gamma-Gamma. */
export interface CdnowPurchase {
  customer: string;
  /** YYYY-MM-DD */
  date: string;
  value: number;
}

const FILE = fileURLToPath(new URL('../data/cdnow/CDNOW_sample.txt', import.meta.url));

/** The sample's rows: master ID, sample ID, date YYYYMMDD, number of CDs, dollar value; whitespace-separated. */
export function cdnowPurchases(): CdnowPurchase[] {
  return readFileSync(FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, customer, date, , value] = line.trim().split(/\s+/) as [string, string, string, string, string];
      return { customer, date: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, value: Number(value) };
    });
}
