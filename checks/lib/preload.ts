// Environment for t.spawn() that preloads one of checks/lib's CommonJS files into a learner's
// program (NODE_OPTIONS=--require, quoted so that a path with spaces survives), with its settings.
// One preload per spawn: NODE_OPTIONS is replaced, not joined.
import { fileURLToPath } from 'node:url';

export function preloadEnv(file: string, vars: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const path = fileURLToPath(new URL(`./${file}`, import.meta.url));
  return { NODE_OPTIONS: `--require ${JSON.stringify(path)}`, ...vars };
}
