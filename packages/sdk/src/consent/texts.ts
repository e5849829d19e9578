// Every text the banner can show, in English and German. A site overrides any of them by key;
// the texts actually shown travel with each consent event as proof of what the visitor read.

const EN = {
  title: 'Privacy settings',
  text: 'We would like to use cookies and similar technologies to learn how our website is used (analytics) and for marketing. We do so only with your consent, which you can change or withdraw at any time.',
  gpc: 'Your browser sends a Global Privacy Control signal, so marketing stays off unless you switch it on in the settings.',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  settings: 'Settings',
  save: 'Save choices',
  privacy: 'Privacy policy',
  imprint: 'Imprint',
  necessaryLabel: 'Necessary',
  necessaryDescription: 'Remembers your choice. Always on.',
  analyticsLabel: 'Analytics',
  analyticsDescription: 'Counts visits and page views under a pseudonymous ID, so we can improve the website.',
  marketingLabel: 'Marketing',
  marketingDescription: 'Measures the success of advertising and shows offers that suit you.',
};

export type TextKey = keyof typeof EN;

const DE: Record<TextKey, string> = {
  title: 'Datenschutz-Einstellungen',
  text: 'Wir möchten Cookies und ähnliche Technologien nutzen, um zu erfahren, wie unsere Website genutzt wird (Statistik), und für Marketing. Das tun wir nur mit Ihrer Einwilligung, die Sie jederzeit ändern oder widerrufen können.',
  gpc: 'Ihr Browser sendet das Signal „Global Privacy Control“. Marketing bleibt daher aus, außer Sie schalten es in den Einstellungen ein.',
  acceptAll: 'Alle akzeptieren',
  rejectAll: 'Alle ablehnen',
  settings: 'Einstellungen',
  save: 'Auswahl speichern',
  privacy: 'Datenschutzerklärung',
  imprint: 'Impressum',
  necessaryLabel: 'Notwendig',
  necessaryDescription: 'Speichert Ihre Auswahl. Immer aktiv.',
  analyticsLabel: 'Statistik',
  analyticsDescription:
    'Zählt Besuche und Seitenaufrufe unter einer pseudonymen ID, damit wir die Website verbessern können.',
  marketingLabel: 'Marketing',
  marketingDescription: 'Misst den Erfolg von Werbung und zeigt Ihnen passende Angebote.',
};

export interface SiteCategory {
  label: string;
  description: string;
}

export interface TextOptions {
  texts?: Partial<Record<TextKey, string>>;
  categories?: Record<string, SiteCategory>;
  privacyUrl?: string;
  imprintUrl?: string;
  gpc: boolean;
}

/**
 * The texts the banner shows, by key (`<category>Label` and `<category>Description` for each
 * category): German on a `de*` page, English otherwise, then the site's own.
 */
export function bannerTexts({
  texts = {},
  categories = {},
  privacyUrl,
  imprintUrl,
  gpc,
}: TextOptions): Record<string, string> {
  const shown: Record<string, string> = { ...(/^de\b/i.test(document.documentElement.lang) ? DE : EN) };
  for (const [name, { label, description }] of Object.entries(categories)) {
    shown[name + 'Label'] = label;
    shown[name + 'Description'] = description;
  }
  if (!gpc) delete shown.gpc;
  if (!privacyUrl) delete shown.privacy;
  if (!imprintUrl) delete shown.imprint;
  // Only texts that are shown: the proof must not claim a text the visitor never saw.
  for (const [name, text] of Object.entries(texts)) if (name in shown && text) shown[name] = text;
  return shown;
}
