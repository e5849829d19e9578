import { expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { campaignOf, eventContext, pageProperties } from './context.ts';

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

it('reads the campaign from utm_* parameters under Segment names', () => {
  expect(
    campaignOf('?utm_source=news&utm_medium=email&utm_campaign=spring%20sale&utm_term=shoes&utm_content=top&ref=x'),
  ).toEqual({
    source: 'news',
    medium: 'email',
    name: 'spring sale',
    term: 'shoes',
    content: 'top',
  });
  expect(campaignOf('?utm_source=news&utm_medium=')).toEqual({ source: 'news' });
  expect(campaignOf('?ref=x')).toBeUndefined();
});
