// What in-process benches measure themselves by: this process's CPU, and the machine's load beside it.
import { loadavg } from 'node:os';

/** This process's CPU time so far, user and system, in milliseconds. */
export const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The load averages over 1, 5 and 15 minutes, as `uptime` prints them. */
export const loadAverage = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
