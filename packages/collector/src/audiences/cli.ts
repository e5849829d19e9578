// `kith audiences list|members|rebuild`: the same reads and the same rebuild as the collector, on its storage.
import { ConfigError, type KithConfig } from '../config.ts';
import type { Storage } from '../storage/storage.ts';
import { compileDefinitions } from './definitions.ts';
import { createAudienceEngine } from './engine.ts';
import { audienceCounts, audienceMembers } from './members.ts';

export async function audiencesCommand(
  action: string | undefined,
  key: string | undefined,
  site: string | undefined,
  config: KithConfig,
  storage: Storage,
): Promise<unknown> {
  const sites = site ? config.sites.filter((s) => s.id === site) : config.sites;
  if (site && sites.length === 0) throw new ConfigError(`--site: no site "${site}" in the config.`);
  const definitions = compileDefinitions(sites);
  if (action === 'list') {
    return Promise.all(
      sites.map(async (s) => {
        const d = definitions.get(s.id)!;
        return {
          site: s.id,
          ...(await audienceCounts(storage, s.id, {
            audiences: d.audiences.map((a) => a.key),
            stages: d.stages.map((a) => a.key),
          })),
        };
      }),
    );
  }
  if (action === 'members') {
    if (!key) throw new ConfigError('audiences members: give the audience key (a stage as stage:<key>).');
    const only = sites[0]!;
    if (sites.length > 1) throw new ConfigError('audiences members: give --site <id>, the config has several sites.');
    return audienceMembers(storage, only.id, key, { limit: 1_000_000 });
  }
  if (action === 'rebuild') {
    const engine = createAudienceEngine({ storage, config });
    const results = [];
    for (const s of sites) results.push({ site: s.id, ...(await engine.rebuild(s.id)) });
    return results;
  }
  throw new ConfigError('audiences: use "kith audiences list|members <key>|rebuild [--site <id>]".');
}
