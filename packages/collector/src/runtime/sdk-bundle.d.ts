// On Workers the SDK bundle is part of the Worker: wrangler.toml's Text rule imports it as a string.
declare module '@kith/sdk/kith.js' {
  const source: string;
  export default source;
}
