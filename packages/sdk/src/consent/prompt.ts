// The minimal first-layer prompt: two choices of equal weight. The full banner (settings
// layer, focus trap, theming, links) replaces this file later.

const TEXTS: Record<'en' | 'de', [label: string, text: string, accept: string, reject: string]> = {
  en: ['Cookie consent', 'We would like to use cookies for analytics and marketing.', 'Accept all', 'Reject all'],
  de: ['Cookie-Einwilligung', 'Wir möchten Cookies für Statistik und Marketing verwenden.', 'Alle akzeptieren', 'Alle ablehnen'],
};

// One rule for both buttons keeps them equally prominent; focus is moved to the first, so it must show.
const CSS = `div{position:fixed;z-index:2147483647;inset:auto 1em 1em;max-width:30em;margin:auto;padding:1em;background:#fff;color:#222;font:16px/1.5 system-ui,sans-serif;border:1px solid #222;border-radius:8px;box-shadow:0 4px 16px #0004}p{margin:0 0 1em}button{font:inherit;margin-right:.5em;padding:.5em 1em;border:2px solid #222;border-radius:4px;background:#222;color:#fff;cursor:pointer}button:focus-visible{outline:3px solid #36f;outline-offset:2px}`;

/** Shows the prompt; `onChoice(true)` means "Accept all". Returns a function that closes it. */
export function showPrompt(onChoice: (acceptAll: boolean) => void): () => void {
  const [label, text, accept, reject] = TEXTS[/^de\b/i.test(document.documentElement.lang) ? 'de' : 'en'];
  const host = document.createElement('kith-consent');
  const root = host.attachShadow({ mode: 'open' });
  // A constructed sheet, unlike a <style> element, is allowed under a strict style-src CSP.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  const dialog = document.createElement('div');
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-label', label);
  const paragraph = document.createElement('p');
  paragraph.textContent = text;
  const button = (caption: string, acceptAll: boolean) => {
    const element = document.createElement('button');
    element.textContent = caption;
    element.onclick = () => onChoice(acceptAll);
    return element;
  };
  const acceptButton = button(accept, true);
  dialog.append(paragraph, acceptButton, button(reject, false));
  root.append(dialog);

  // A script in <head> runs before <body> exists.
  const show = () => {
    document.body.append(host);
    acceptButton.focus();
  };
  if (document.body) show();
  else addEventListener('DOMContentLoaded', show);

  return () => {
    removeEventListener('DOMContentLoaded', show);
    host.remove();
  };
}
