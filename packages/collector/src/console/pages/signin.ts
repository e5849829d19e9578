import { html } from 'hono/html';
import { layout } from '../layout.ts';

/** The sign-in page: one password field for the admin (or the read-only viewer) token. */
export function signinPage(view: { error?: string; next?: string }) {
  return layout(
    { title: 'Sign in' },
    html`<section class="signin">
<h1>Sign in to the Kith console</h1>
${view.error ? html`<p class="error" role="alert" id="signin-error">${view.error}</p>` : ''}
<form method="post" action="/console/signin">
<label for="token">Admin or viewer token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required${view.error ? html` aria-describedby="signin-error" aria-invalid="true"` : ''} autofocus>
<input type="hidden" name="next" value="${view.next ?? '/console'}">
<button type="submit">Sign in</button>
</form>
<p class="hint">The admin token is <code>KITH_ADMIN_TOKEN</code> (<code>pnpm start</code> prints one); <code>KITH_VIEWER_TOKEN</code> signs in read-only.</p>
</section>`,
  );
}
