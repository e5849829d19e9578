import type { EventContext } from '../contract.ts';

/** What a page view is about; also the default `properties` of `page()`, as in Segment. */
export const pageProperties = () => ({
  url: location.href,
  path: location.pathname,
  referrer: document.referrer,
  title: document.title,
  search: location.search,
});

type Campaign = NonNullable<EventContext['campaign']>;

/** The `utm_*` parameters of `search` under Segment's names (`utm_campaign` is `name`); undefined without any. */
export function campaignOf(search: string): Campaign | undefined {
  const params = new URLSearchParams(search);
  let campaign: Campaign | undefined;
  for (const key of ['source', 'medium', 'campaign', 'term', 'content']) {
    const value = params.get('utm_' + key);
    if (value) (campaign ??= {})[key == 'campaign' ? 'name' : (key as keyof Campaign)] = value;
  }
  return campaign;
}

// Looked up once: the first Intl call of a page loads the time-zone data, which costs a slow
// phone tens of milliseconds.
let timezone: string | undefined;

/** The device and page an event happened on, and the campaign the visit came from; `consent` is added when the event is released. */
export const eventContext = (campaign?: Campaign): EventContext => ({
  page: pageProperties(),
  campaign,
  userAgent: navigator.userAgent,
  locale: navigator.language,
  timezone: (timezone ??= Intl.DateTimeFormat().resolvedOptions().timeZone),
  screen: { width: screen.width, height: screen.height },
  library: { name: 'kith', version: __KITH_VERSION__ },
});
