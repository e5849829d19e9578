// Debian's Chromium, started the way this kind of machine allows: no test tool's own browser
// download, no background traffic to the outside (the network is closed and refuses it).
export const CHROMIUM_PATH = process.env.KITH_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
