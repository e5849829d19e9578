// On Workers the SDK bundle and its banner module are part of the Worker: wrangler.toml's Text rule
// imports them as strings.
declare module '@kith/sdk/kith.js' {
  const source: string;
  export default source;
}
declare module '@kith/sdk/kith-banner.js' {
  const source: string;
  export default source;
}
