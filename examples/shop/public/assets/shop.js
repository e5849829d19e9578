// The demo shop's own behaviour. It runs after /kith.js (both deferred, in order) and only
// calls the SDK; what reaches the collector is decided by the visitor's consent.
const PRODUCTS = {
  'kith-mug': { name: 'Kith Mug', price: 12 },
  'kith-tote': { name: 'Kith Tote Bag', price: 18 },
  'kith-socks': { name: 'Kith Socks', price: 9 },
};

const status = (text) => {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
};

kith.page();

const sku = location.pathname.startsWith('/product/') ? decodeURIComponent(location.pathname.slice('/product/'.length)) : null;
const product = sku ? PRODUCTS[sku] : null;
if (product) {
  document.getElementById('product-name').textContent = product.name;
  document.getElementById('product-price').textContent = `€${product.price.toFixed(2)}`;
  document.title = `${product.name} · Kith Demo Shop`;
}

document.getElementById('add-to-cart')?.addEventListener('click', () => {
  if (!product) return;
  kith.track('Product Added', { sku, name: product.name, price: product.price, currency: 'EUR', quantity: 1 });
  status(`${product.name} added to your cart.`);
});

document.getElementById('checkout')?.addEventListener('click', () => {
  kith.track('Checkout Started', { currency: 'EUR' });
  status('Checkout started.');
});

document.getElementById('login')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const email = new FormData(event.target).get('email').trim().toLowerCase();
  kith.identify(email, { email });
  kith.track('Signed In');
  status(`Welcome back, ${email}.`);
});

// Logging out starts a new anonymous ID: whoever uses this browser next is not joined to this customer.
document.getElementById('logout')?.addEventListener('click', () => {
  kith.reset();
  status('Logged out.');
});

// Withdrawing must be as easy as granting: the footer reopens the banner on every page.
document.getElementById('cookie-settings')?.addEventListener('click', () => kith.consent.open());
