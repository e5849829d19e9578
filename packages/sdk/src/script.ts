// The script-tag entry: <script src="/kith.js" data-write-key="..."></script>. Configured by
// data-* attributes, since a strict CSP forbids the inline script a snippet would need.
import { createKith, type Kith, type KithOptions } from './index.ts';

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
  // Attributes named like an option are that option (data-write-key is writeKey); the rest are converted.
  const data: Record<string, string | undefined> = { ...(document.currentScript as HTMLScriptElement).dataset };
  const number = (name: string) => Number(data[name]) || undefined;
  const json = (name: string) => {
    try {
      return data[name] && JSON.parse(data[name]);
    } catch {
      throw Error(`kith: data-${name} is not valid JSON`);
    }
  };
  const kith = (window.kith = createKith({
    ...data,
    flushAt: number('flushAt'),
    flushInterval: number('flushInterval'),
    linkerDomains: data.linkerDomains?.split(/[\s,]+/),
    consent: {
      ...data,
      lifetimeDays: number('consentLifetime'),
      categories: json('categories'),
      texts: json('texts'),
      googleConsentMode: data.consentMode == 'google',
    },
  } as KithOptions));
  for (const [method, ...args] of preloaded ?? [])
    (kith[method as keyof Kith] as (...args: unknown[]) => void)(...args);
}
