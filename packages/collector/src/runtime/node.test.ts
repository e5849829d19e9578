import { describe, expect, it } from 'vitest';
import { listen } from './node.ts';

describe('listen', () => {
  it('closes only after the handlers still running have finished, even when their clients hung up', async () => {
    const events: string[] = [];
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = await listen(
      async () => {
        started();
        await gate; // a write still settling
        events.push('handler finished');
        return new Response('late');
      },
      { port: 0, host: '127.0.0.1' },
    );

    const hungUp = new AbortController();
    const request = fetch(`${server.url}/v1/batch`, { method: 'POST', body: '{}', signal: hungUp.signal }).catch(
      () => 'aborted',
    );
    await handlerStarted;
    hungUp.abort();
    expect(await request).toBe('aborted');

    const closed = server.close().then(() => events.push('closed'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual([]);
    release();
    await closed;
    expect(events).toEqual(['handler finished', 'closed']);
  });

  it('passes the Node request through, so the client address can be read', async () => {
    const server = await listen(
      (_request, env) =>
        new Response(
          String((env as { incoming?: { socket?: { remoteAddress?: string } } })?.incoming?.socket?.remoteAddress),
        ),
      { port: 0, host: '127.0.0.1' },
    );
    try {
      expect(await (await fetch(server.url)).text()).toMatch(/127\.0\.0\.1/);
    } finally {
      await server.close();
    }
  });
});
