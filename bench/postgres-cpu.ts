// CPU that a throwaway PostgreSQL server has used, from /proc (Linux): the postmaster, its live
// children (backends, WAL writer, checkpointer) and the children it has already reaped.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ThrowawayPostgres } from '../packages/collector/test/support/throwaway-postgres.ts';
import { cpuMs } from './collector.ts';

/** CPU milliseconds of a process and the children it has reaped, from /proc (Linux). */
function cpuWithReapedMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  // utime, stime, cutime, cstime: fields 14 to 17, in clock ticks (USER_HZ, 100 on Linux).
  return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

/** All CPU PostgreSQL has used so far: the postmaster, its backends and helpers, live or exited. */
export function postgresCpuMs(postmaster: number): number {
  let total = cpuWithReapedMs(postmaster);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8')
        .replace(/^.*\) /s, '')
        .split(' ');
      if (Number(fields[1]) === postmaster) total += cpuMs(Number(entry)) ?? 0;
    } catch {
      // The process ended between the listing and the read: its time is now in the postmaster's.
    }
  }
  return total;
}

export function postmasterPid(server: ThrowawayPostgres): number {
  const data = server.psql('show data_directory').trim();
  return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
}
