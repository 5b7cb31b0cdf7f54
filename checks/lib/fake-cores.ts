// Environment for t.spawn() in which the learner's program sees `cores` cores (see fake-cores.cjs):
// a count written into the code then differs from one read from the machine.
import { preloadEnv } from './preload.ts';

export function fakeCoresEnv(cores: number): Readonly<Record<string, string>> {
  return preloadEnv('fake-cores.cjs', { WORKSHOP_FAKE_CORES: String(cores) });
}

/**
 * The hint for a count of workers made from the cores the program sees (WORKERS ignored, or
 * Math.min(WORKERS, cores)): `live` workers, as many as those cores, where WORKERS asked for more.
 * Otherwise undefined.
 */
export function cappedHint(cores: number, live: number, workers: number): string | undefined {
  return live === cores && workers > cores
    ? `WORKERS is the count, also above the cores (this program sees ${cores}): fork Number(process.env.WORKERS) workers, not one per core when WORKERS is set, and not Math.min(WORKERS, cores).`
    : undefined;
}
