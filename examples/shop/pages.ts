// The demo shop's pages: one layout, each page its title and main content.
// The Kith tag is configured by data-* attributes, so the pages need no inline script.

/** What the pages' Kith tag and footer need to know of the site. */
export interface ShopSite {
  writeKey: string;
  /** The shop's other domains: the tag decorates links to them, and the footer links to the first other one. */
  linkerDomains: string[];
  /** Where the operator console is, when the collector serves one: the panel links to it. */
  consoleUrl?: string;
}

/** The page at `path` as served on `url` (its host picks the footer's link to a sister shop), or undefined. */
export function renderPage(path: string, site: ShopSite, url: URL): string | undefined {
  const page = PAGES[path];
  if (!page) return undefined;
  const sister = site.linkerDomains.find((domain) => domain !== url.hostname);
  const linker = site.linkerDomains.length > 0 ? ` data-linker-domains="${site.linkerDomains.join(',')}"` : '';
  return page
    .replace('data-write-key="dev"', `data-write-key="${site.writeKey}"${linker}`)
    .replace(
      '<!--console-->',
      site.consoleUrl ? ` <a href="${site.consoleUrl}">See it as the shop does, in the console</a>.` : '',
    )
    .replace(
      '<!--sister-->',
      sister
        ? ` · <a id="sister-shop" href="${url.protocol}//${sister}${url.port ? `:${url.port}` : ''}/">Our sister shop</a>`
        : '',
    );
}

const layout = (title: string, main: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title} · Kith Demo Shop</title>
  <link rel="stylesheet" href="/assets/shop.css">
  <script src="/kith.js" data-write-key="dev" data-privacy-url="/privacy" data-imprint-url="/imprint" defer></script>
  <script src="/assets/shop.js" defer></script>
</head>
<body>
  <header>
    <a class="brand" href="/">Kith Demo Shop</a>
    <nav aria-label="Main">
      <a href="/">Home</a>
      <a href="/cart">Cart</a>
      <a href="/login">Log in</a>
      <button type="button" class="link" id="logout">Log out</button>
    </nav>
  </header>
  <main>
${main.replace(/^/gm, '    ')}
  </main>
  <aside class="known" aria-labelledby="known-title">
    <h2 id="known-title">What this shop knows about you</h2>
    <dl>
      <dt>This browser's anonymous ID</dt><dd id="known-anonymous-id">none: nothing is kept before you choose</dd>
      <dt>Your customer number</dt><dd id="known-user-id">not logged in</dd>
      <dt>Your consent</dt><dd id="known-consent">not chosen yet</dd>
    </dl>
    <h3>Events this visit</h3>
    <ol id="known-events"><li>none sent</li></ol>
    <p>Kith sends these to this shop's own server, only with your consent to analytics; your IDs are first-party cookies of this shop.<!--console--></p>
  </aside>
  <footer>
    <p>A demo of Kith: first-party, consent-gated analytics served from this shop's own origin.</p>
    <p><a href="/privacy">Privacy policy</a> · <a href="/imprint">Imprint</a> · <button type="button" class="link" id="cookie-settings">Cookie settings</button><!--sister--></p>
  </footer>
</body>
</html>
`;

/** Route → page HTML. */
export const PAGES: Record<string, string> = {
  '/': layout(
    'Home',
    `<h1>Goods for people who like their data at home</h1>
<ul class="products">
  <li><img src="/assets/products/kith-mug.svg" alt="" width="80" height="60"><a href="/product/kith-mug">Kith Mug</a> <span>€12.00</span></li>
  <li><img src="/assets/products/kith-tote.svg" alt="" width="80" height="60"><a href="/product/kith-tote">Kith Tote Bag</a> <span>€18.00</span></li>
  <li><img src="/assets/products/kith-socks.svg" alt="" width="80" height="60"><a href="/product/kith-socks">Kith Socks</a> <span>€9.00</span></li>
</ul>`,
  ),
  '/product/:sku': layout(
    'Product',
    `<article class="product">
  <img id="product-image" src="/assets/products/kith-mug.svg" alt="" width="320" height="240">
  <h1 id="product-name">Product</h1>
  <p id="product-price"></p>
  <button type="button" id="add-to-cart">Add to cart</button>
  <p id="status" role="status"></p>
</article>`,
  ),
  '/cart': layout(
    'Cart',
    `<h1>Your cart</h1>
<ul id="cart-items" class="cart"><li>Your cart is empty.</li></ul>
<p id="cart-total"></p>
<p>Items you add are tracked as <code>Product Added</code> events.</p>
<button type="button" id="checkout">Checkout</button>
<p id="status" role="status"></p>`,
  ),
  '/login': layout(
    'Log in',
    `<h1>Log in</h1>
<p>The shop looks your account up by e-mail and tells Kith only your customer number: an e-mail address never becomes an ID in an analytics cookie.</p>
<form id="login">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required>
  <button type="submit">Log in</button>
</form>
<p id="status" role="status"></p>`,
  ),
  '/privacy': layout(
    'Privacy policy',
    `<h1>Privacy policy</h1>
<p>This demo shop stores analytics data only with your consent, on its own servers, and never shares it with third parties.
Your choice is kept in a strictly necessary cookie; change it at any time with "Cookie settings" below.</p>`,
  ),
  '/imprint': layout(
    'Imprint',
    `<h1>Imprint</h1>
<p>Kith Demo Shop · Example Street 1 · 10115 Berlin · demo@shop.example</p>`,
  ),
};
