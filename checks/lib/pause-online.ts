// Environment for t.spawn() that pauses every worker of a learner's primary for `ms` once it is
// 'online' (see pause-online.cjs): a start that takes long, made certain instead of hoped for.
import type { ClusterLog } from './cluster-log.ts';
import { preloadEnv } from './preload.ts';

/**
 * `log`: also record the primary's cluster events there (cluster-log.cjs).
 * `hold`: the workers to keep paused until the check sends them SIGCONT, by the order they come
 * online (from 1; `from` holds that one and every later one), and the file their pids are added to.
 */
export function pauseOnlineEnv(
  ms: number,
  hold?: { readonly file: string; readonly online: readonly number[]; readonly from?: number },
  log?: ClusterLog,
): Readonly<Record<string, string>> {
  const spec = hold ? [...hold.online.map(String), ...(hold.from !== undefined ? [`${hold.from}-`] : [])].join(',') : '';
  return preloadEnv('pause-online.cjs', {
    WORKSHOP_PAUSE_ONLINE_MS: String(ms),
    ...(hold ? { WORKSHOP_PAUSE_HOLD: hold.file, WORKSHOP_PAUSE_HOLD_ONLINE: spec } : {}),
    ...(log ? { WORKSHOP_CLUSTER_LOG: log.file } : {}),
  });
}
