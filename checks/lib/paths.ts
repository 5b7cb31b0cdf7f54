import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The workshop's root folder (where package.json is). */
export const root = fileURLToPath(new URL('../../', import.meta.url));

const require = createRequire(import.meta.url);

/** tsx's loader as an absolute URL, so `--import` works whatever the child's working folder is. */
export const tsxLoader = pathToFileURL(require.resolve('tsx')).href;

/** The TypeScript compiler's entry, run with this Node (its package exports no bin path). */
export const tscBin = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
