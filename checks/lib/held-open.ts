// Environment for t.spawn() that keeps a learner's program alive as pm2 does (see held-open.cjs).
import { preloadEnv } from './preload.ts';

export function heldOpenEnv(): Readonly<Record<string, string>> {
  return preloadEnv('held-open.cjs', {});
}
