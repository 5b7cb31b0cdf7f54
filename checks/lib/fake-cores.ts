// Environment for t.spawn() in which the learner's program sees `cores` cores (see fake-cores.cjs):
// a count written into the code then differs from one read from the machine.
import { fileURLToPath } from 'node:url';

const preload = fileURLToPath(new URL('./fake-cores.cjs', import.meta.url));

export function fakeCoresEnv(cores: number): Readonly<Record<string, string>> {
  return { NODE_OPTIONS: `--require ${JSON.stringify(preload)}`, WORKSHOP_FAKE_CORES: String(cores) };
}
