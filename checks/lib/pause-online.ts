// Environment for t.spawn() that pauses every worker of a learner's primary for `ms` once it is
// 'online' (see pause-online.cjs): a start that takes long, made certain instead of hoped for.
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('./pause-online.cjs', import.meta.url));

export function pauseOnlineEnv(ms: number): Readonly<Record<string, string>> {
  // NODE_OPTIONS quoted, so a path with spaces survives.
  return { NODE_OPTIONS: `--require ${JSON.stringify(preload)}`, WORKSHOP_PAUSE_ONLINE_MS: String(ms) };
}
