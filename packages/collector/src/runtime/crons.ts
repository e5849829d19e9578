// The Worker's cron triggers, as wrangler.toml lists them. Kept apart from workers.ts: every named
// export of a Worker's main module must be an entrypoint, and workerd refuses to start otherwise.

/** Each minute: forward what was stored to the webhooks. */
export const FORWARD_CRON = '* * * * *';
/** Each hour: delete what is older than retentionDays; every predictions.refitHours, refit the predictions. */
export const RETENTION_CRON = '0 * * * *';
