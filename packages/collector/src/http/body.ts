import type { Context } from 'hono';
import type { Env } from '../deps.ts';
import { KithError } from '../errors.ts';

/**
 * A request's body as bytes, inflated when it came gzipped (RudderStack's Node SDK gzips every batch).
 * The inflated bytes are counted as they come out of the web `DecompressionStream` (the same on Node
 * and in workerd), and reading stops at `maxBytes`: a few KB that would inflate to a gigabyte are
 * refused after the first `maxBytes`, never held.
 */
export async function readBody(c: Context<Env>, maxBytes: number): Promise<Uint8Array> {
  const encoding = (c.req.header('content-encoding') ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return new Uint8Array(await c.req.arrayBuffer());
  // x-gzip is gzip's old name, which HTTP/1.1 asks servers to accept as gzip.
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new KithError(
      'unsupported_encoding',
      415,
      `Content-Encoding ${encoding.slice(0, 40)} is not supported; send the body uncompressed or gzipped.`,
    );
  }
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const reader = body.pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new KithError('invalid_gzip', 400, 'The body is not valid gzip; gzip the whole JSON body once.');
    });
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new KithError(
        'payload_too_large',
        413,
        `A request body may be at most ${maxBytes / 1024} KB once inflated; send smaller batches.`,
      );
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
