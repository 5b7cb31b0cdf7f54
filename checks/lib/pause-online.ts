// Environment for t.spawn() that pauses every worker of a learner's primary for `ms` once it is
// 'online' (see pause-online.cjs): a start that takes long, made certain instead of hoped for.
import { preloadEnv } from './preload.ts';

/** `holdFirst`: a file; the first worker stays paused, its pid written there, until the check sends it SIGCONT. */
export function pauseOnlineEnv(ms: number, { holdFirst }: { readonly holdFirst?: string } = {}): Readonly<Record<string, string>> {
  return preloadEnv('pause-online.cjs', { WORKSHOP_PAUSE_ONLINE_MS: String(ms), ...(holdFirst ? { WORKSHOP_PAUSE_HOLD_FIRST: holdFirst } : {}) });
}
