import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorResponse } from '@kith/sdk/contract';
import { consoleLogger, type Logger } from './observe/log.ts';

export type ErrorCode =
  | 'invalid_json'
  | 'not_a_batch'
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden_origin'
  | 'payload_too_large'
  | 'unsupported_encoding'
  | 'invalid_gzip'
  | 'rate_limited'
  | 'not_found'
  | 'site_required'
  | 'linker_invalid'
  | 'linker_forged'
  | 'linker_expired'
  | 'linker_replayed'
  | 'linker_wrong_domain'
  | 'linker_target_not_allowed'
  | 'storage_unavailable';

/** The one error type of the collector: a stable code, an HTTP status, and what to do about it. */
export class KithError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, status: ContentfulStatusCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

export const storageUnavailable = (cause: unknown): KithError => {
  const error = new KithError(
    'storage_unavailable',
    503,
    'Storage is unavailable; nothing from this request was stored. Retry after the given delay.',
    { 'Retry-After': '5' },
  );
  error.cause = cause;
  return error;
};

export function errorBody(code: string, message: string): ErrorResponse {
  return { ok: false, error: code, message };
}

/** `app.onError`: client mistakes become the design's JSON error; anything else is logged, never leaked. */
export function handleError(err: Error, c: Context): Response {
  if (isHangUp(err, c)) {
    // Nobody reads this answer; the access log says it in one line (observe/observe.ts).
    c.set('hungUp' as never, true as never);
    return c.json(
      errorBody('client_closed', 'The connection closed before the request body arrived; send it again.'),
      400,
    );
  }
  if (err instanceof KithError) {
    if (err.code === 'storage_unavailable') logUnexpected(c, err.cause ?? err);
    return c.json(errorBody(err.code, err.message), err.status, err.headers);
  }
  if (err instanceof HTTPException) return err.getResponse();
  logUnexpected(c, err);
  return c.json(
    errorBody(
      'internal',
      `Something went wrong on our side (request ${requestIdOf(c)}); nothing from this request was stored. Retry later.`,
    ),
    500,
  );
}

function requestIdOf(c: Context): string {
  return (c.get('requestId' as never) as string | undefined) ?? 'unknown';
}

function logUnexpected(c: Context, err: unknown): void {
  const log = (c.get('log' as never) as Logger | undefined) ?? consoleLogger;
  const error =
    err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : { message: String(err) };
  log.error(
    { requestId: requestIdOf(c), method: c.req.method, path: c.req.path, error },
    'request failed unexpectedly',
  );
}

/** The client closed the connection while its body was read (Node: "aborted", ECONNRESET): its doing, not the collector's. */
function isHangUp(err: Error, c: Context): boolean {
  const code = (err as { code?: unknown }).code;
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNABORTED' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    err.name === 'AbortError' ||
    c.req.raw.signal?.aborted === true
  );
}
