import { expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { eventContext, pageProperties } from './context.ts';

it('describes the page like Segment', () => {
  const testerUrl = location.href;
  history.replaceState(null, '', '/shop/shoes?utm_source=news#top');
  document.title = 'Shoes';
  try {
    expect(pageProperties()).toEqual({
      url: `${location.origin}/shop/shoes?utm_source=news#top`,
      path: '/shop/shoes',
      referrer: document.referrer,
      title: 'Shoes',
      search: '?utm_source=news',
    });
  } finally {
    history.replaceState(null, '', testerUrl);
  }
});

it('describes the device and the library', () => {
  expect(eventContext()).toEqual({
    page: pageProperties(),
    userAgent: navigator.userAgent,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height },
    library: { name: 'kith', version: pkg.version },
  });
});
