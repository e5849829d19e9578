// The banner's styles. Colours, corner radius and font come from --kith-* custom properties,
// which inherit into the shadow root, so a site themes the banner from its own stylesheet.
// Defaults meet WCAG 2.2 AA: text 16:1, buttons 6.7:1, switch and focus outlines at least 3:1.
// All buttons share one rule: "Accept all", "Reject all" and "Settings" must look alike. The dialog
// itself takes focus only to start from; the controls in it show where keyboard focus is.
export const CSS = `:host{all:initial}
[role=dialog]{position:fixed;z-index:2147483647;inset:auto 0 0;box-sizing:border-box;display:flex;flex-direction:column;max-width:40em;max-height:100%;margin:auto;border:1px solid;border-bottom:0;border-radius:var(--kith-radius,.5em) var(--kith-radius,.5em) 0 0;background:var(--kith-bg,#fff);color:var(--kith-fg,#1f1f1f);font:medium/1.5 var(--kith-font,system-ui,sans-serif);overflow-wrap:anywhere;box-shadow:0 0 1em #0006}
.s{overflow:auto;padding:1em 1.25em 0}
.f{padding:1em 1.25em}
h2{margin:0 0 .5em;font-size:1.25em;line-height:1.3}
p{margin:0 0 .5em}
ul{margin:1em 0 0;padding:0;list-style:none}
label{display:flex;gap:.75em;align-items:center;font-weight:600}
li p{margin:.25em 0 .75em 3.5em;font-size:.875em}
input{appearance:none;flex:none;width:2.75em;height:1.5em;margin:0;border-radius:.75em;background:#6b6b6b radial-gradient(circle,#fff .5em,#0000 calc(.5em + 1px)) 0/1.5em no-repeat;cursor:pointer}
input:checked{background-color:var(--kith-accent,#1d4ed8);background-position:100%}
input:disabled{opacity:.7;cursor:auto}
.b{display:grid;grid-template-columns:repeat(auto-fit,minmax(10em,1fr));gap:.5em}
button{min-height:2.75em;padding:.5em 1em;border:2px solid var(--kith-accent,#1d4ed8);border-radius:var(--kith-radius,.5em);background:var(--kith-accent,#1d4ed8);color:var(--kith-accent-fg,#fff);font:inherit;font-weight:600;cursor:pointer}
.f p{display:flex;flex-wrap:wrap;gap:0 1.5em;margin:.75em 0 0}
a{color:inherit}
:focus-visible{outline:3px solid var(--kith-accent,#1d4ed8);outline-offset:2px}
[role=dialog]{outline:0}
.s:focus-visible{outline-offset:-3px}
@media (forced-colors:active){input{appearance:auto}}`;
