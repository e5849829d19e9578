import * as v from 'valibot';
import { closest } from './closest.ts';

/**
 * An object that refuses keys it does not know, naming the closest known one: a misspelt key
 * ("retentionDay") would otherwise be ignored, and the setting silently left at its default.
 */
function strict<const Entries extends v.ObjectEntries>(entries: Entries, what = 'must be an object') {
  const known = Object.keys(entries);
  return v.strictObject(entries, (issue) => {
    if (issue.expected !== 'never') return what;
    const key = String(issue.path?.at(-1)?.key ?? '');
    const near = closest(key, known);
    return `is not a known key${near ? `; did you mean "${near}"?` : ''} (known here: ${known.join(', ')})`;
  });
}
import { DefinitionConfigError, SiteDefinitionsSchema, compileDefinitions } from './audiences/definitions.ts';

const OriginPattern = v.pipe(
  v.string('must be a string such as "https://shop.example"'),
  v.regex(
    /^https?:\/\/[^/\s]+$/,
    'must be an origin like "https://shop.example" or "http://localhost:*" (scheme and host, no path)',
  ),
);

const SiteSchema = strict({
  id: v.pipe(
    v.string('must be a string'),
    v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, "-" or "_"'),
  ),
  // Sent as the HTTP Basic user name: no ":" (it ends the name) and nothing a header cannot carry.
  writeKey: v.pipe(
    v.string('must be a string'),
    v.minLength(3, 'must be at least 3 characters'),
    v.maxLength(200, 'must be at most 200 characters'),
    v.regex(
      /^[\x21-\x39\x3b-\x7e]+$/,
      'must be printable ASCII without spaces or ":" (it is sent as the HTTP Basic user name)',
    ),
  ),
  origins: v.array(OriginPattern, 'must be a list of allowed origins'),
  cookieDomain: v.optional(v.string('must be a domain such as "shop.example"')),
  linkerDomains: v.optional(
    v.array(v.string('must be a domain such as "shop.example"'), 'must be a list of domains'),
    [],
  ),
  // Another consent manager's category IDs (Segment's categoryPreferences, OneTrust's "C0002", RudderStack's
  // allowedConsentIds) to Kith's categories, for pages that send that manager's consent instead of Kith's.
  consentMapping: v.optional(
    v.record(
      v.pipe(v.string(), v.minLength(1, 'must map a category ID such as "C0002"')),
      v.pipe(
        v.string('must be a Kith category such as "analytics"'),
        v.regex(/^[a-z][a-z0-9_-]{0,63}$/i, 'must be a Kith category such as "analytics"'),
      ),
      'must be an object such as { "C0002": "analytics", "Analytics": "analytics" }',
    ),
  ),
  // Computed traits, audiences and journey stages (audiences/), checked at start.
  ...SiteDefinitionsSchema,
});

// Every number has a ceiling: beyond it a value is a typo, and past 2^31 ms a timer fires at once.
const wholeNumber = (what: string, min: number, max: number) =>
  v.pipe(
    v.number(`must be ${what}`),
    v.integer('must be a whole number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// Forwarders (forward/): stored events go on to NATS JetStream and HTTP webhooks, at least once.
const NatsSchema = strict({
  servers: v.pipe(
    v.union([v.string(), v.array(v.string())], 'must be a server such as "nats://127.0.0.1:4222", or a list of them'),
    v.transform((servers) =>
      (typeof servers === 'string' ? servers.split(',') : servers).map((s) => s.trim()).filter((s) => s !== ''),
    ),
    v.minLength(1, 'needs at least one server such as "nats://127.0.0.1:4222"'),
  ),
  stream: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a stream name: 1-64 letters, digits, "-" or "_"'),
    ),
    'KITH',
  ),
  subjectPrefix: v.optional(
    v.pipe(
      v.string('must be a string'),
      v.regex(
        /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
        'must be subject tokens such as "kith" or "shop.events": letters, digits, "-" or "_", joined by "."',
      ),
    ),
    'kith',
  ),
  /** How long JetStream remembers a Nats-Msg-Id to drop a resend; set when the forwarder creates the stream. */
  duplicateWindowSeconds: v.optional(wholeNumber('a number of seconds', 1, 86_400), 120),
  /** How long to wait for the server's acknowledgement of a publish. */
  ackTimeoutMs: v.optional(wholeNumber('milliseconds', 1, HOUR_MS), 5000),
  token: v.optional(v.string('must be a string')),
  user: v.optional(v.string('must be a string')),
  password: v.optional(v.string('must be a string')),
});

const WebhookSchema = strict({
  id: v.pipe(
    v.string('must be a string'),
    v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'must be 1-64 letters, digits, "-" or "_"'),
  ),
  url: v.pipe(
    v.string('must be a URL such as "https://hooks.example/kith"'),
    v.url('must be a URL such as "https://hooks.example/kith"'),
    v.regex(/^https?:\/\//i, 'must be an http:// or https:// URL such as "https://hooks.example/kith"'),
  ),
  secret: v.pipe(
    v.string('must be a string'),
    v.minLength(16, 'must be at least 16 characters; make one with "openssl rand -hex 32"'),
  ),
  /** Tries of one batch before it is kept as a dead letter (about 70 minutes of retries at the default retry). */
  maxAttempts: v.optional(wholeNumber('a number of tries', 1, 1_000_000), 100),
  timeoutMs: v.optional(wholeNumber('milliseconds', 1, HOUR_MS), 10_000),
});

const ForwardSchema = strict({
  nats: v.optional(NatsSchema),
  webhooks: v.optional(v.array(WebhookSchema, 'must be a list of webhooks'), []),
  batchSize: v.optional(wholeNumber('a number of events', 1, 1000), 100),
  /** How often an idle forwarder looks for new events. */
  pollMs: v.optional(wholeNumber('milliseconds', 1, HOUR_MS), 1000),
  /** Waits between tries: doubling from initialMs up to maxMs, each between half and all of that. */
  retry: v.optional(
    strict({
      initialMs: v.optional(wholeNumber('milliseconds', 1, DAY_MS), 1000),
      maxMs: v.optional(wholeNumber('milliseconds', 1, DAY_MS), 60_000),
    }),
    { initialMs: 1000, maxMs: 60_000 },
  ),
});

const ConfigSchema = v.pipe(
  strict({
    sites: v.pipe(v.array(SiteSchema, 'must be a list of sites'), v.minLength(1, 'needs at least one site')),
    ip: v.optional(v.picklist(['truncate', 'drop', 'keep'], 'must be "truncate", "drop" or "keep"'), 'truncate'),
    // A hundred years at most: further back than that, a cutoff date is no longer a date.
    retentionDays: v.optional(wholeNumber('a number of days', 1, 36_500)),
    stitching: v.optional(v.boolean('must be true or false'), false),
    // Requests per second (bursts of twice that) per client address and per site; 0 turns a limit off.
    rateLimit: v.optional(
      strict({
        perAddress: v.optional(
          v.pipe(
            v.number('must be requests per second'),
            v.minValue(0, 'must be 0 (off) or more'),
            v.maxValue(1_000_000, 'must be at most 1000000'),
          ),
          50,
        ),
        perSite: v.optional(
          v.pipe(
            v.number('must be requests per second'),
            v.minValue(0, 'must be 0 (off) or more'),
            v.maxValue(1_000_000, 'must be at most 1000000'),
          ),
          5000,
        ),
      }),
      { perAddress: 50, perSite: 5000 },
    ),
    forward: v.optional(ForwardSchema),
    // figures/: BG/NBD and Gamma-Gamma refitted, and every customer's scores rewritten, this often; 0 turns it off.
    predictions: v.optional(strict({ refitHours: v.optional(wholeNumber('a number of hours', 0, 24 * 7), 24) }), {
      refitHours: 24,
    }),
  }),
  v.check(
    (c) => new Set(c.sites.map((s) => s.writeKey)).size === c.sites.length,
    'sites: each site needs its own writeKey',
  ),
  v.check(
    (c) => new Set(c.forward?.webhooks.map((w) => w.id)).size === (c.forward?.webhooks.length ?? 0),
    'forward.webhooks: each webhook needs its own id',
  ),
  v.check((c) => new Set(c.sites.map((s) => s.id)).size === c.sites.length, 'sites: each site needs its own id'),
);

export type KithConfig = v.InferOutput<typeof ConfigSchema>;
export type SiteConfig = KithConfig['sites'][number];
export type ForwardConfig = NonNullable<KithConfig['forward']>;
export type NatsConfig = NonNullable<ForwardConfig['nats']>;
export type WebhookConfig = ForwardConfig['webhooks'][number];

export class ConfigError extends Error {}

/** Validates a parsed config; the error names the field and what to write there (and the line and column of a definition, given the file's text). */
export function parseConfig(raw: unknown, source = 'config', text?: string): KithConfig {
  const result = v.safeParse(ConfigSchema, raw);
  if (result.success) {
    try {
      compileDefinitions(result.output.sites, source, text);
    } catch (error) {
      if (error instanceof DefinitionConfigError) throw new ConfigError(error.message);
      throw error;
    }
    return result.output;
  }
  const problems = result.issues.map((issue) => {
    const path = v.getDotPath(issue);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  // One line: what an operator reads first must say what to change.
  throw new ConfigError(`${source} is invalid: ${problems.join('; ')}`);
}

/** The zero-config development site: write key "dev", any localhost port. */
export function devConfig(): KithConfig {
  return parseConfig({
    sites: [{ id: 'dev', writeKey: 'dev', origins: ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'] }],
  });
}

/**
 * The environment's forwarders over the config's: KITH_NATS_URL (servers, comma-separated) and
 * KITH_NATS_TOKEN; KITH_WEBHOOK_URL and KITH_WEBHOOK_SECRET, a webhook with the id "webhook".
 */
export function withForwardEnv(config: KithConfig, env: Record<string, string | undefined>): KithConfig {
  const {
    KITH_NATS_URL: natsUrl,
    KITH_NATS_TOKEN: natsToken,
    KITH_WEBHOOK_URL: webhookUrl,
    KITH_WEBHOOK_SECRET: webhookSecret,
  } = env;
  if (!natsUrl && !natsToken && !webhookUrl && !webhookSecret) return config;
  const forward: Record<string, unknown> = { ...config.forward };
  if (natsUrl || natsToken) {
    forward.nats = {
      ...config.forward?.nats,
      ...(natsUrl ? { servers: natsUrl } : {}),
      ...(natsToken ? { token: natsToken } : {}),
    };
  }
  if (webhookUrl || webhookSecret) {
    const webhooks = config.forward?.webhooks ?? [];
    const given = webhooks.find((w) => w.id === 'webhook');
    const fromEnv = {
      ...given,
      id: 'webhook',
      ...(webhookUrl ? { url: webhookUrl } : {}),
      ...(webhookSecret ? { secret: webhookSecret } : {}),
    };
    forward.webhooks = [...webhooks.filter((w) => w !== given), fromEnv];
  }
  return parseConfig({ ...config, forward }, 'the config with KITH_NATS_* / KITH_WEBHOOK_* from the environment');
}
