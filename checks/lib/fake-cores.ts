// Environment for t.spawn() in which the learner's program sees `cores` cores (see fake-cores.cjs):
// a count written into the code then differs from one read from the machine.
import { preloadEnv } from './preload.ts';

export function fakeCoresEnv(cores: number): Readonly<Record<string, string>> {
  return preloadEnv('fake-cores.cjs', { WORKSHOP_FAKE_CORES: String(cores) });
}
