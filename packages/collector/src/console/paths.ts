import type { NodeKind } from '../storage/storage.ts';

/** A person's page, by any of their IDs. */
export const personPath = (site: string, kind: NodeKind, id: string, action = '') =>
  `/console/person/${kind}/${encodeURIComponent(id)}${action}?site=${encodeURIComponent(site)}`;
