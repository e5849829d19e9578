// The demo shop's own behaviour. It runs after /kith.js (both deferred, in order) and only
// calls the SDK; what reaches the collector is decided by the visitor's consent.
const PRODUCTS = {
  'kith-mug': { name: 'Kith Mug', price: 12, picture: 'A blue mug' },
  'kith-tote': { name: 'Kith Tote Bag', price: 18, picture: 'A canvas tote bag' },
  'kith-socks': { name: 'Kith Socks', price: 9, picture: 'A pair of striped socks' },
};

const status = (text) => {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
};
const euros = (amount) => `€${amount.toFixed(2)}`;
const analyticsGranted = () => kith.consent.get()?.categories.analytics === true;

// The shop's own cart: what the visitor added, in this tab. Strictly necessary for a shop, so it
// needs no consent; it is the shop's, not Kith's.
const cart = {
  items: () => JSON.parse(sessionStorage.getItem('shop-cart') ?? '[]'),
  add(item) {
    sessionStorage.setItem('shop-cart', JSON.stringify([...cart.items(), item]));
  },
  clear: () => sessionStorage.removeItem('shop-cart'),
};

// "What this shop knows about you": the IDs and consent the SDK holds, and the events this visit sent.
// Events are listed only with analytics consent: without it none are sent, and none are kept here.
const visit = {
  events: () => (analyticsGranted() ? JSON.parse(sessionStorage.getItem('shop-visit-events') ?? '[]') : []),
  record(description) {
    if (analyticsGranted())
      sessionStorage.setItem('shop-visit-events', JSON.stringify([...visit.events(), description]));
  },
  forget: () => sessionStorage.removeItem('shop-visit-events'),
};

function listInto(id, lines, empty) {
  const list = document.getElementById(id);
  if (!list) return;
  list.replaceChildren(
    ...(lines.length ? lines : [empty]).map((line) =>
      Object.assign(document.createElement('li'), { textContent: line }),
    ),
  );
}

function showWhatIsKnown() {
  const { anonymousId, userId } = kith.user();
  const consent = kith.consent.get();
  document.getElementById('known-anonymous-id').textContent = anonymousId ?? 'none: nothing is kept before you choose';
  document.getElementById('known-user-id').textContent = userId ?? 'not logged in';
  const granted = consent
    ? Object.entries(consent.categories)
        .filter(([, on]) => on)
        .map(([name]) => name)
    : [];
  document.getElementById('known-consent').textContent = consent
    ? `${granted.join(', ')} (privacy policy version ${consent.policyVersion})`
    : 'not chosen yet';
  listInto('known-events', visit.events(), 'none sent');
}

const track = (event, properties) => {
  kith.track(event, properties);
  visit.record(`${event} ${properties.name ?? ''}`.trim());
  showWhatIsKnown();
};

// This page's view is sent once analytics is granted: at once with a stored choice, or on the choice.
let pageViewListed = false;
const listPageView = () => {
  if (pageViewListed || !analyticsGranted()) return;
  pageViewListed = true;
  visit.record(`Page viewed: ${location.pathname}`);
};
kith.page();
kith.ready().then(() => {
  listPageView();
  showWhatIsKnown();
});
kith.consent.onChange((state) => {
  if (!state.categories.analytics) visit.forget();
  listPageView();
  // The IDs are made as the choice is applied, just after this call.
  setTimeout(showWhatIsKnown, 0);
});

const sku = location.pathname.startsWith('/product/')
  ? decodeURIComponent(location.pathname.slice('/product/'.length))
  : null;
const product = sku ? PRODUCTS[sku] : null;
if (product) {
  document.getElementById('product-name').textContent = product.name;
  document.getElementById('product-price').textContent = euros(product.price);
  Object.assign(document.getElementById('product-image'), { src: `/assets/products/${sku}.svg`, alt: product.picture });
  document.title = `${product.name} · Kith Demo Shop`;
}

document.getElementById('add-to-cart')?.addEventListener('click', () => {
  if (!product) return;
  cart.add({ sku, name: product.name, price: product.price });
  track('Product Added', { sku, name: product.name, price: product.price, currency: 'EUR', quantity: 1 });
  status(`${product.name} added to your cart.`);
});

if (document.getElementById('cart-items')) {
  const items = cart.items();
  listInto(
    'cart-items',
    items.map((item) => `${item.name}, ${euros(item.price)}`),
    'Your cart is empty.',
  );
  document.getElementById('cart-total').textContent = items.length
    ? `Total: ${euros(items.reduce((sum, item) => sum + item.price, 0))}`
    : '';
}

document.getElementById('checkout')?.addEventListener('click', () => {
  track('Checkout Started', { currency: 'EUR', value: cart.items().reduce((sum, item) => sum + item.price, 0) });
  status('Checkout started.');
});

// The shop's server looks the account up and answers its customer number: that, never the
// e-mail address, is the user ID (it sits in a cookie scripts can read, for months). The e-mail
// goes as a trait, kept by the collector only, where the console finds the customer by it.
document.getElementById('login')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const email = new FormData(event.target).get('email').trim().toLowerCase();
  const res = await fetch('/account/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const answer = await res.json();
  if (!answer.ok) {
    status(answer.message);
    return;
  }
  kith.identify(answer.customerId, { email });
  track('Signed In', {});
  status(`Welcome back, ${email} (customer ${answer.customerId}).`);
});

// Logging out starts a new anonymous ID: whoever uses this browser next is not joined to this customer.
document.getElementById('logout')?.addEventListener('click', () => {
  kith.reset();
  cart.clear();
  visit.forget();
  showWhatIsKnown();
  status('Logged out.');
});

// Withdrawing must be as easy as granting: the footer reopens the banner on every page.
document.getElementById('cookie-settings')?.addEventListener('click', () => kith.consent.open());
