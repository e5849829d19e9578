/**
 * Calls `onPage` after each client-side navigation to another path: `history.pushState` or
 * `replaceState` (which fire no event, hence the wrappers), back/forward, or a new hash (hash routers).
 * A change of the query alone (filters, sorting) is no new page.
 */
export function onNavigation(onPage: () => void): void {
  const where = () => location.pathname + location.hash;
  let last = where();
  // A task later: routers set the new title after changing the URL. Back to a hash fires both popstate and hashchange; one page.
  const check = () =>
    setTimeout(() => {
      if (where() != last) {
        last = where();
        onPage();
      }
    });
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = (...args) => {
      original.apply(history, args);
      check();
    };
  }
  addEventListener('popstate', check);
  addEventListener('hashchange', check);
}
