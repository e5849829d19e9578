import { ConfigError } from '../config.ts';

// What `kith serve` takes from the operator beyond the config file, checked before anything starts:
// a mistake here must end the start with one line that says what to change, not a stack trace.

const TOKEN_MIN_LENGTH = 16;
// RFC 6750's token68, which is what Hono's bearer auth accepts: anything else makes every admin call a 400.
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/;

export function checkAdminToken(token: string, name = 'KITH_ADMIN_TOKEN'): string {
  if (!BEARER_TOKEN.test(token)) {
    throw new ConfigError(
      `${name}: use only letters, digits and - . _ ~ + / (no spaces or quotes), e.g. from "openssl rand -hex 32".`,
    );
  }
  if (token.length < TOKEN_MIN_LENGTH)
    throw new ConfigError(
      `${name}: must be at least ${TOKEN_MIN_LENGTH} characters; make one with "openssl rand -hex 32".`,
    );
  return token;
}

export function checkSecret(secret: string): string {
  if (secret.length < TOKEN_MIN_LENGTH)
    throw new ConfigError(
      `KITH_SECRET: must be at least ${TOKEN_MIN_LENGTH} characters; make one with "openssl rand -hex 32".`,
    );
  return secret;
}

/** A listen failure (port taken, host unknown, privileged port) as the operator's mistake it is. */
export function listenFailure(error: unknown, port: number, host: string): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return new ConfigError(
      `--port: ${port} is already in use on ${host}; stop what listens there or choose another --port (0 picks a free one).`,
    );
  if (code === 'EACCES')
    return new ConfigError(
      `--port: ${port} needs privileges this process lacks; use a port above 1023 behind a reverse proxy.`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL' || code === 'EAI_NONAME') {
    return new ConfigError(
      `--host: cannot listen on "${host}" (${String(code)}); use an address of this machine such as 0.0.0.0, 127.0.0.1 or ::.`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
