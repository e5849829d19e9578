// The consent banner: a first layer with three equal choices, a settings layer with one switch
// per category. Built from DOM nodes and text nodes only (no innerHTML, no inline style or
// script), styled by a constructed sheet, so it runs under a strict CSP and Trusted Types.
import type { ConsentCategories, ConsentMethod } from '../contract.ts';
import { afterFrame } from '../later.ts';
import { optionalCategories } from './consent.ts';
import { bannerProof, type BannerProof } from './proof.ts';
import { CSS } from './styles.ts';
import { bannerTexts, type TextOptions } from './texts.ts';

export interface BannerOptions extends TextOptions {
  /** Values for the --kith-* custom properties, by name without the prefix: `{ accent: '#063' }`. */
  theme?: Record<string, string>;
  /** The choice in force, shown in the switches; none before the first choice. */
  current?: ConsentCategories | null;
  /** `proof`: the texts shown, which the visitor chose in, and their hash. */
  onChoice(categories: Partial<ConsentCategories>, method: ConsentMethod, proof: BannerProof): void;
  /** Given when the visitor already chose: Escape may then close the banner and keep that choice. */
  onDismiss?(): void;
  /** The page has rendered a frame since the banner was asked for (its module came later): show it at once. */
  framed?: boolean;
}

function create<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** Shows the banner; returns a function that closes it and gives focus back. */
export function openBanner(options: BannerOptions): () => void {
  const { privacyUrl, imprintUrl, theme = {}, current, gpc, onDismiss } = options;
  const texts = bannerTexts(options);
  const categories = optionalCategories(Object.keys(options.categories ?? {}));
  const onChoice = (chosen: Partial<ConsentCategories>, method: ConsentMethod) => {
    // Global Privacy Control denies marketing unless the visitor switches it on in the settings.
    if (gpc && method == 'accept-all') {
      chosen.marketing = false;
      method = 'gpc';
    }
    // Taking back what was granted while granting nothing new is a withdrawal, whichever button did it.
    const revokes = (from: Partial<ConsentCategories>, to: Partial<ConsentCategories>) =>
      categories.some((name) => from[name] && !to[name]);
    if (current && revokes(current, chosen) && !revokes(chosen, current)) method = 'withdraw';
    options.onChoice(chosen, method, bannerProof(texts));
  };
  const host = document.createElement('kith-consent');
  // Set through the CSSOM, which a CSP without 'unsafe-inline' allows, unlike a style attribute.
  for (const [name, value] of Object.entries(theme)) host.style.setProperty('--kith-' + name, value);
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  const switches = ['necessary', ...categories].map((name, index) => {
    const input = create('input', { type: 'checkbox', role: 'switch', 'aria-describedby': 'k' + index });
    input.name = name;
    input.disabled = name == 'necessary';
    input.checked = input.disabled || !!current?.[name];
    const label = create('label', {}, input, texts[name + 'Label'] ?? name);
    return create('li', {}, label, create('p', { id: 'k' + index }, texts[name + 'Description'] ?? ''));
  });
  const list = create('ul', { hidden: '' }, ...switches);
  const inputs = [...list.querySelectorAll('input')];
  const every = (granted: boolean) => Object.fromEntries(categories.map((name) => [name, granted]));

  const button = (text: string, onclick: () => void) => {
    // No form around it: a button submits nothing, so it needs no type.
    const element = create('button', {}, text);
    element.onclick = onclick;
    return element;
  };
  const settings = button(texts.settings!, () => {
    showSettings(true);
    // The button pressed is hidden now; focus goes on to the first switch that can change.
    inputs[1]?.focus();
  });
  const save = button(texts.save!, () =>
    onChoice(Object.fromEntries(inputs.map(({ name, checked }) => [name, checked])), 'custom'),
  );
  const links = [
    [privacyUrl, texts.privacy],
    [imprintUrl, texts.imprint],
  ].flatMap(([href, text]) => (href && text ? [create('a', { href }, text)] : []));

  const dialog = create(
    'div',
    { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'kt', 'aria-describedby': 'kd', tabindex: '-1' },
    // The text scrolls when the screen is small; a tab stop lets keyboard users scroll it too.
    create(
      'div',
      { class: 's', tabindex: '0' },
      create('h2', { id: 'kt' }, texts.title!),
      create('div', { id: 'kd' }, create('p', {}, texts.text!), texts.gpc ? create('p', {}, texts.gpc) : ''),
      list,
    ),
    create(
      'div',
      { class: 'f' },
      create(
        'div',
        { class: 'b' },
        button(texts.acceptAll!, () => onChoice(every(true), 'accept-all')),
        button(texts.rejectAll!, () => onChoice(every(false), 'reject-all')),
        settings,
        save,
      ),
      // Nothing to link: an empty text node.
      links.length ? create('p', {}, ...links) : '',
    ),
  );
  root.append(dialog);

  function showSettings(on: boolean) {
    list.hidden = save.hidden = !on;
    settings.hidden = on;
  }

  dialog.onkeydown = (event) => {
    if (event.key == 'Tab') {
      // Focus stays inside while the banner is open: Tab and Shift+Tab wrap around.
      const focusable = [...dialog.querySelectorAll<HTMLElement>('[tabindex="0"],a,button,input:not(:disabled)')];
      const shown = focusable.filter((element) => !element.closest('[hidden]'));
      const index = shown.indexOf(root.activeElement as HTMLElement);
      shown[event.shiftKey ? (index > 0 ? index : shown.length) - 1 : (index + 1) % shown.length]?.focus();
      event.preventDefault();
    } else if (event.key == 'Escape') {
      // A first choice is required: Escape only steps back from the settings, or closes a reopened banner.
      if (!list.hidden) {
        showSettings(false);
        settings.focus();
      } else onDismiss?.();
    }
  };

  // A returning visitor reopens the banner to change the choice, so it opens on the switches.
  showSettings(!!current);
  // HTML, SVG and MathML elements all take focus.
  let previous: HTMLElement | null = null;
  let closed = false;
  const show = () => {
    if (closed) return;
    previous = document.activeElement as HTMLElement | null;
    document.body.append(host);
    // Focused once the browser has laid it out in its own time: focus() would force that layout here.
    afterFrame(() => dialog.focus());
  };
  // Shown once the page has rendered a frame of its own. A script in <head> runs before <body> exists.
  (options.framed ? (step: () => void) => step() : afterFrame)(() =>
    document.body ? show() : addEventListener('DOMContentLoaded', show),
  );

  return () => {
    closed = true;
    host.remove();
    previous?.focus();
  };
}
