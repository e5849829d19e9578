// Node side of the Worker's webhook tests: workerd hands the Worker's outgoing requests here (the
// Worker may not reach loopback), where they are checked and recorded as a receiver would.
import { verifySignature } from './webhook-signature.ts';

export interface OutboundRequest {
  url: string;
  status: number;
  signed: boolean;
  idempotencyKey: string | null;
  messageIds: string[];
}

/**
 * `outbound` takes the Worker's requests (miniflare's outboundService); `control` is bound into
 * workerd as a service for the tests: `GET /requests` lists what came, `POST /answer?status=&times=`
 * makes the next answers fail.
 */
export function webhookOutbound(secret: string) {
  const requests: OutboundRequest[] = [];
  let failing = { status: 200, times: 0 };
  return {
    async outbound(request: Request): Promise<Response> {
      const body = await request.text();
      const signed = verifySignature(
        secret,
        request.headers.get('x-kith-timestamp'),
        request.headers.get('x-kith-signature'),
        body,
      );
      const status = !signed ? 401 : failing.times-- > 0 ? failing.status : 200;
      const messageIds = signed
        ? (JSON.parse(body) as { batch: { messageId: string }[] }).batch.map((e) => e.messageId)
        : [];
      requests.push({
        url: request.url,
        status,
        signed,
        idempotencyKey: request.headers.get('idempotency-key'),
        messageIds,
      });
      return new Response(null, { status });
    },
    async control(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (url.pathname === '/answer') {
        failing = { status: Number(url.searchParams.get('status')), times: Number(url.searchParams.get('times')) };
        return new Response(null, { status: 204 });
      }
      return Response.json(requests);
    },
  };
}
