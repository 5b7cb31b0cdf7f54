// Environment for t.spawn() that preloads checks/lib's CommonJS files into a learner's program
// (NODE_OPTIONS=--require, quoted so that a path with spaces survives), with their settings.
import { fileURLToPath } from 'node:url';

type Env = Readonly<Record<string, string>>;

export function preloadEnv(file: string, vars: Env): Env {
  const path = fileURLToPath(new URL(`./${file}`, import.meta.url));
  return { NODE_OPTIONS: `--require ${JSON.stringify(path)}`, ...vars };
}

/** Several preloads in one spawn: their settings, and every --require (a spread of two would keep only the last NODE_OPTIONS). */
export function withPreloads(...envs: Env[]): Env {
  const options = envs.map((e) => e.NODE_OPTIONS).filter((o) => o !== undefined);
  return Object.assign({}, ...envs, options.length > 0 ? { NODE_OPTIONS: options.join(' ') } : {}) as Env;
}
