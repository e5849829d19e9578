// The script-tag entry: <script src="/kith.js" data-write-key="..."></script>. Configured by
// data-* attributes, since a strict CSP forbids the inline script a snippet would need.
import { createKith, type Kith } from './index.ts';

/** `[method, ...args]`, pushed onto `window.kith` by page code that ran before this script. */
type Command = [method: string, ...args: unknown[]];

declare global {
  interface Window {
    kith?: Kith | Command[];
  }
}

const preloaded = window.kith;
// A page that includes the tag twice must not count every event twice.
if (!preloaded || Array.isArray(preloaded)) {
  const { dataset } = document.currentScript as HTMLScriptElement;
  const json = (name: 'categories' | 'texts') => {
    try {
      return dataset[name] ? JSON.parse(dataset[name]) : undefined;
    } catch {
      throw new Error(`kith: data-${name} is not valid JSON`);
    }
  };
  const kith = (window.kith = createKith({
    writeKey: dataset.writeKey ?? '',
    host: dataset.host,
    flushAt: Number(dataset.flushAt) || undefined,
    flushInterval: Number(dataset.flushInterval) || undefined,
    trackPages: dataset.trackPages as 'spa' | undefined,
    consent: {
      policyVersion: dataset.policyVersion,
      lifetimeDays: Number(dataset.consentLifetime) || undefined,
      categories: json('categories'),
      texts: json('texts'),
      privacyUrl: dataset.privacyUrl,
      imprintUrl: dataset.imprintUrl,
      googleConsentMode: dataset.consentMode == 'google',
    },
  }));
  for (const [method, ...args] of preloaded ?? []) (kith[method as keyof Kith] as (...args: unknown[]) => void)(...args);
}
