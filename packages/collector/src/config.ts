import * as v from 'valibot';

const OriginPattern = v.pipe(
  v.string('must be a string such as "https://shop.example"'),
  v.regex(/^https?:\/\/[^/\s]+$/, 'must be an origin like "https://shop.example" or "http://localhost:*" (scheme and host, no path)'),
);

const SiteSchema = v.object({
  id: v.pipe(v.string('must be a string'), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, "-" or "_"')),
  writeKey: v.pipe(v.string('must be a string'), v.minLength(3, 'must be at least 3 characters')),
  origins: v.array(OriginPattern, 'must be a list of allowed origins'),
  cookieDomain: v.optional(v.string('must be a domain such as "shop.example"')),
  linkerDomains: v.optional(v.array(v.string('must be a domain such as "shop.example"'), 'must be a list of domains'), []),
});

const ConfigSchema = v.pipe(
  v.object({
    sites: v.pipe(v.array(SiteSchema, 'must be a list of sites'), v.minLength(1, 'needs at least one site')),
    ip: v.optional(v.picklist(['truncate', 'drop', 'keep'], 'must be "truncate", "drop" or "keep"'), 'truncate'),
    retentionDays: v.optional(v.pipe(v.number('must be a number of days'), v.integer('must be a whole number'), v.minValue(1, 'must be at least 1'))),
    stitching: v.optional(v.boolean('must be true or false'), false),
    // Requests per second (bursts of twice that) per client address and per site; 0 turns a limit off.
    rateLimit: v.optional(
      v.object({
        perAddress: v.optional(v.pipe(v.number('must be requests per second'), v.minValue(0, 'must be 0 (off) or more')), 50),
        perSite: v.optional(v.pipe(v.number('must be requests per second'), v.minValue(0, 'must be 0 (off) or more')), 5000),
      }),
      { perAddress: 50, perSite: 5000 },
    ),
  }),
  v.check((c) => new Set(c.sites.map((s) => s.writeKey)).size === c.sites.length, 'sites: each site needs its own writeKey'),
  v.check((c) => new Set(c.sites.map((s) => s.id)).size === c.sites.length, 'sites: each site needs its own id'),
);

export type KithConfig = v.InferOutput<typeof ConfigSchema>;
export type SiteConfig = KithConfig['sites'][number];

export class ConfigError extends Error {}

/** Validates a parsed config; the error names the field and what to write there. */
export function parseConfig(raw: unknown, source = 'config'): KithConfig {
  const result = v.safeParse(ConfigSchema, raw);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  throw new ConfigError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`);
}

/** The zero-config development site: write key "dev", any localhost port. */
export function devConfig(): KithConfig {
  return parseConfig({
    sites: [{ id: 'dev', writeKey: 'dev', origins: ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'] }],
  });
}
