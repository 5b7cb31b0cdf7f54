// Environment for t.spawn() in which the learner's program sees `cores` cores (see fake-cores.cjs):
// a count written into the code then differs from one read from the machine.
import { preloadEnv } from './preload.ts';

export function fakeCoresEnv(cores: number): Readonly<Record<string, string>> {
  return preloadEnv('fake-cores.cjs', { WORKSHOP_FAKE_CORES: String(cores) });
}

/**
 * The hint for a count of workers made from the cores the program sees where WORKERS is set
 * (WORKERS ignored, Math.min(WORKERS, cores), Math.max(WORKERS, cores)): `live` workers, as many as
 * those cores, where WORKERS asked for another number. Otherwise undefined.
 */
export function coresCountHint(cores: number, live: number, workers: number): string | undefined {
  if (live !== cores || workers === cores) return undefined;
  const capped = workers > cores ? 'not Math.min(WORKERS, cores)' : 'not Math.max(WORKERS, cores)';
  return `WORKERS is the count, whatever the cores (this program sees ${cores}): fork Number(process.env.WORKERS) workers, not one per core when WORKERS is set, and ${capped}.`;
}
