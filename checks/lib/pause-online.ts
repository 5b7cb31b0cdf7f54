// Environment for t.spawn() that pauses every worker of a learner's primary for `ms` once it is
// 'online' (see pause-online.cjs): a start that takes long, made certain instead of hoped for.
import type { ClusterLog } from './cluster-log.ts';
import { preloadEnv } from './preload.ts';

/**
 * `log`: also record the primary's cluster events there (cluster-log.cjs).
 * `hold`: the workers to keep paused until the check sends them SIGCONT, by the order they come
 * online (from 1; `from` holds that one and every later one); `log.held()` names them. With
 * `endAtExit`, the first of them still held is killed in the turn the primary takes in its
 * `endAtExit`-th worker exit. `pauseFrom`: pause only the workers from that one on (by the order
 * they come online, from 1), not the first ones.
 */
export function pauseOnlineEnv(
  ms: number,
  { log, hold, pauseFrom }: { readonly log?: ClusterLog; readonly hold?: { readonly online: readonly number[]; readonly from?: number; readonly endAtExit?: number }; readonly pauseFrom?: number } = {},
): Readonly<Record<string, string>> {
  if (hold && !log) throw new Error('pauseOnlineEnv: held workers are named in a cluster log; pass one');
  const spec = hold ? [...hold.online.map(String), ...(hold.from !== undefined ? [`${hold.from}-`] : [])].join(',') : '';
  return preloadEnv('pause-online.cjs', {
    WORKSHOP_PAUSE_ONLINE_MS: String(ms),
    ...(hold ? { WORKSHOP_PAUSE_HOLD_ONLINE: spec } : {}),
    ...(hold?.endAtExit !== undefined ? { WORKSHOP_PAUSE_END_HELD_AT: String(hold.endAtExit) } : {}),
    ...(log ? { WORKSHOP_CLUSTER_LOG: log.file } : {}),
    ...(pauseFrom !== undefined ? { WORKSHOP_PAUSE_ONLINE_FROM: String(pauseFrom) } : {}),
  });
}
