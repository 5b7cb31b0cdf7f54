// Environment for t.spawn() that makes a learner's primary take in its workers' messages late
// (see slow-ipc.cjs): the race of a session's second request against the worker's report of it,
// made certain instead of hoped for.
import { preloadEnv } from './preload.ts';

export function slowIpcEnv(ms: number): Readonly<Record<string, string>> {
  return preloadEnv('slow-ipc.cjs', { WORKSHOP_SLOW_IPC_MS: String(ms) });
}
