import UAParser from 'ua-parser-js';

export interface ParsedUserAgent {
  browser?: { name: string; version?: string };
  os?: { name: string; version?: string };
  device?: { type?: string; manufacturer?: string; model?: string };
}

// A site sees few distinct user agents, and parsing is the costliest enrichment step.
const CACHE_SIZE = 1000;
const cache = new Map<string, ParsedUserAgent>();

/** Browser, OS and device in Segment's context field names; cached per user-agent string. */
export function parseUserAgent(userAgent: string): ParsedUserAgent {
  const cached = cache.get(userAgent);
  if (cached) return cached;
  const { browser, os, device } = new UAParser(userAgent.slice(0, 512)).getResult();
  const parsed: ParsedUserAgent = {};
  if (browser.name) parsed.browser = compact({ name: browser.name, version: browser.version });
  if (os.name) parsed.os = compact({ name: os.name, version: os.version });
  if (device.type || device.vendor || device.model) {
    parsed.device = compact({ type: device.type, manufacturer: device.vendor, model: device.model });
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(userAgent, parsed);
  return parsed;
}

function compact<T extends Record<string, string | undefined>>(
  value: T,
): { [K in keyof T]: string } & { name: string } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
