// The operator console at /console: sign-in, persons, live events, overview, destinations.
// Server-rendered pages (one file each under pages/, one layout) and small client modules.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ResolvedDeps } from '../deps.ts';
import { KithError } from '../errors.ts';
import type { DeviceBindingCache } from '../identity/device-cache.ts';
import { replayDeadLetters } from '../forward/replay.ts';
import { webhookDestination } from '../forward/webhook.ts';
import { erasePerson, exportPerson } from '../persons.ts';
import { forwardingDestinations } from '../audiences/erasure.ts';
import type { Sites } from '../sites.ts';
import type { NodeKind, NodeRef } from '../storage/storage.ts';
import { assetHandler } from './assets.ts';
import type { Frame } from './layout.ts';
import type { LiveFeed } from './live-feed.ts';
import { homePage, loadHome } from './pages/home.ts';
import { destinationsPage, loadDestinations } from './pages/destinations.ts';
import { livePage } from './pages/live.ts';
import { figuresPage, loadFigures } from './pages/figures.ts';
import { loadOverview, overviewPage, periodOf } from './pages/overview.ts';
import { erasedPage, loadPerson, personKeyOf, personPage } from './pages/person.ts';
import { signinPage } from './pages/signin.ts';
import { createSessions, timingSafeEqual, type Session } from './session.ts';
import { createSigninLimit } from './signin-limit.ts';

type ConsoleEnv = { Variables: { requestId: string; session: Session; site: string } };
type C = Context<ConsoleEnv>;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const KINDS: readonly string[] = ['user', 'anonymous', 'device'] satisfies NodeKind[];
// A live stream ends after this long; the browser's EventSource reconnects, and the session is checked again.
const STREAM_MS = 5 * 60 * 1000;

export function consoleRoutes(deps: ResolvedDeps, sites: Sites, live: LiveFeed, devices: DeviceBindingCache) {
  const { clock } = deps;
  const now = () => clock().getTime();
  // Without KITH_SECRET, sessions hold on this instance only (as linker tokens do).
  const sessions = createSessions(deps.secret ?? crypto.randomUUID(), now);
  const signinLimit = createSigninLimit(now);
  const siteIds = deps.config.sites.map((site) => site.id);
  const liveMode = deps.liveEvents ?? 'poll';
  const app = new Hono<ConsoleEnv>();

  const frame = (c: C): Frame => ({ title: '', session: c.get('session'), site: c.get('site'), sites: siteIds });
  const page = (c: C, markup: Parameters<C['html']>[0], status: 200 | 400 | 401 | 403 | 404 | 429 = 200) =>
    c.html(markup, status);

  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.req.path.startsWith('/console/assets/')) c.header('Cache-Control', 'no-store');
  });
  app.use(
    bodyLimit({
      maxSize: 16 * 1024,
      onError: () => {
        throw new KithError('payload_too_large', 413, 'A console form is at most 16 KB.');
      },
    }),
  );
  // A browser names the page a form was sent from: only the console's own origin may change anything.
  app.on('POST', '*', async (c, next) => {
    if (!sameOrigin(c))
      return page(
        c,
        signinPage({ error: 'This form came from another site, so it was refused. Use the console itself.' }),
        403,
      );
    await next();
  });

  app.get('/assets/:name', assetHandler);

  app.post('/signin', async (c) => {
    const address = deps.clientInfo?.(c)?.address ?? 'unknown';
    const wait = signinLimit.retryAfter(address);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return page(
        c,
        signinPage({ error: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minutes.` }),
        429,
      );
    }
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token : '';
    const role =
      token !== '' && timingSafeEqual(token, deps.adminToken)
        ? 'admin'
        : token !== '' && deps.viewerToken && timingSafeEqual(token, deps.viewerToken)
          ? 'viewer'
          : null;
    const next = typeof form.next === 'string' && /^\/console(?:[/?#]|$)/.test(form.next) ? form.next : '/console';
    if (!role) {
      signinLimit.failed(address);
      return page(
        c,
        signinPage({ error: 'That token is not right. Use KITH_ADMIN_TOKEN or KITH_VIEWER_TOKEN.', next }),
        401,
      );
    }
    // A new session ID on every sign-in: a cookie planted before it is never the one signed in.
    await sessions.start(c, role);
    return c.redirect(next, 303);
  });

  // Every other console path needs a session.
  const signedIn: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    const session = await sessions.read(c);
    if (!session) {
      if (c.req.method === 'GET' && !c.req.path.startsWith('/console/live/')) {
        const url = new URL(c.req.url);
        return page(c, signinPage({ next: url.pathname + url.search }), 401);
      }
      throw new KithError('unauthorized', 401, 'Sign in to the console first, at /console.');
    }
    c.set('session', session);
    const asked = c.req.query('site');
    const site = asked === undefined ? siteIds[0] : sites.byId(asked)?.id;
    if (!site)
      throw new KithError(
        'site_required',
        404,
        `No site "${asked?.slice(0, 100)}" in kith.config.json; pick one of the console's sites.`,
      );
    c.set('site', site);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody();
      if (typeof form.csrf !== 'string' || !timingSafeEqual(form.csrf, session.csrf)) {
        return page(
          c,
          signinPage({
            error:
              'The form had expired or did not come from this console; nothing was changed. Go back, reload and try again.',
          }),
          403,
        );
      }
    }
    await next();
  };
  app.use('*', signedIn);

  const adminOnly: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    if (c.get('session').role !== 'admin')
      throw new KithError(
        'unauthorized',
        403,
        'Signed in read-only (KITH_VIEWER_TOKEN): export and erase need the admin token.',
      );
    await next();
  };

  app.post('/signout', (c) => {
    sessions.end(c, c.get('session'));
    return c.redirect('/console', 303);
  });

  app.get('/', async (c) =>
    page(c, homePage(frame(c), await loadHome(deps.storage, c.get('site'), c.req.query('q') ?? ''))),
  );

  const nodeOf = (c: C): NodeRef => {
    const { kind, id } = c.req.param() as { kind: string; id: string };
    if (!KINDS.includes(kind))
      throw new KithError('not_found', 404, 'A person is found at /console/person/<user|anonymous|device>/<id>.');
    return { kind: kind as NodeKind, id };
  };
  const nothingHeld = (c: C, node: NodeRef) =>
    page(c, homePage({ ...frame(c), title: 'Not found' }, { query: node.id, found: [], recent: [] }), 404);

  app.get('/person/:kind/:id', async (c) => {
    const node = nodeOf(c);
    const data = await loadPerson(deps.storage, c.get('site'), node, c.req.query('before'));
    return data ? page(c, personPage(frame(c), data)) : nothingHeld(c, node);
  });

  app.post('/person/:kind/:id/export', adminOnly, async (c) => {
    const node = nodeOf(c);
    const key = await personKeyOf(deps.storage, c.get('site'), node);
    const held = key && (await exportPerson(deps.storage, c.get('site'), key, clock()));
    if (!held) return nothingHeld(c, node);
    c.header('Content-Disposition', `attachment; filename="kith-export-${clock().toISOString().slice(0, 10)}.json"`);
    return c.json({ ok: true, ...held });
  });

  app.post('/person/:kind/:id/erase', adminOnly, async (c) => {
    const node = nodeOf(c);
    const site = c.get('site');
    const data = await loadPerson(deps.storage, site, node);
    if (!data) return nothingHeld(c, node);
    const form = await c.req.parseBody();
    if (form.confirm !== data.key.id) {
      return page(c, personPage(frame(c), data, 'Nothing was erased: type the ID exactly as shown to confirm.'), 400);
    }
    const receipt = await erasePerson(
      deps.storage,
      site,
      data.key,
      clock(),
      forwardingDestinations(deps.config.forward),
    );
    if (!receipt) return nothingHeld(c, node);
    devices.clear();
    live.forget(site, data.person);
    deps.audiences?.forget(site, data.person.personId);
    return page(c, erasedPage(frame(c), receipt));
  });

  app.get('/overview', async (c) => {
    const period = periodOf(c.req.query('from'), c.req.query('to'), clock());
    return page(c, overviewPage(frame(c), period, await loadOverview(deps.storage, c.get('site'), period)));
  });

  app.get('/figures', async (c) => {
    const period = periodOf(c.req.query('from'), c.req.query('to'), clock());
    return page(c, figuresPage(frame(c), period, await loadFigures(deps.storage, c.get('site'), period)));
  });

  app.get('/destinations', async (c) =>
    page(c, destinationsPage(frame(c), await loadDestinations(deps.storage, deps.config.forward))),
  );
  app.post('/destinations/replay', adminOnly, async (c) => {
    const form = await c.req.parseBody();
    const webhook = deps.config.forward?.webhooks.find((w) => `webhook:${w.id}` === form.destination);
    if (!webhook)
      throw new KithError(
        'not_found',
        404,
        'No such webhook in the config; the console replays webhooks (NATS: kith forward replay nats).',
      );
    const destination = webhookDestination(webhook);
    const result = await replayDeadLetters(deps.storage, destination).finally(() => destination.close());
    const notice = result.failed
      ? `Replayed ${result.replayed}; dead letter ${result.failed.id} failed again (${result.failed.error.slice(0, 200)}), so it and the later ones are kept.`
      : `Replayed ${result.replayed} dead letters to ${destination.id}.`;
    return page(c, destinationsPage(frame(c), await loadDestinations(deps.storage, deps.config.forward), notice));
  });

  app.get('/live', (c) => page(c, livePage(frame(c), liveMode)));
  app.get('/live/events', (c) => c.json({ ok: true, entries: live.since(c.get('site'), afterOf(c)) }));
  app.get('/live/stream', (c) => {
    const site = c.get('site');
    let after = afterOf(c);
    const until = now() + STREAM_MS;
    return streamSSE(c, async (stream) => {
      while (!stream.aborted && !stream.closed && now() < until) {
        const entries = live.since(site, after);
        if (entries.length > 0) {
          after = entries.at(-1)!.seq;
          await stream.writeSSE({ event: 'entries', id: String(after), data: JSON.stringify(entries) });
        }
        await live.next(15_000);
        // Requests that arrive together go out as one message.
        await stream.sleep(200);
      }
    });
  });

  return app;
}

/** Entries after this sequence: the query's, or the stream's Last-Event-ID when the browser reconnects. */
function afterOf(c: C): number {
  const values = [c.req.query('after'), c.req.header('last-event-id')].map((value) => Number(value ?? 0));
  return Math.max(0, ...values.filter((value) => Number.isSafeInteger(value)));
}

/** Sec-Fetch-Site where the browser sends it (all current ones), else the Origin's host against ours. */
function sameOrigin(c: C): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}
