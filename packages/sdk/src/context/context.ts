import type { EventContext } from '../contract.ts';

/** What a page view is about; also the default `properties` of `page()`, as in Segment. */
export function pageProperties() {
  return {
    url: location.href,
    path: location.pathname,
    referrer: document.referrer,
    title: document.title,
    search: location.search,
  };
}

/** The device and page an event happened on; `consent` is added when the event is released. */
export function eventContext(): EventContext {
  return {
    page: pageProperties(),
    userAgent: navigator.userAgent,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height },
    library: { name: 'kith', version: __KITH_VERSION__ },
  };
}
