import { configDefaults, defineConfig, type ViteUserConfig } from 'vitest/config';

/** The checks of test/variants/' programs: `npm run test:variants` (vitest.variants.config.ts), not `npm test`. */
export const variantsFile = 'test/check-variants.test.ts';

export const shared = {
  // Child processes, not threads: each test file's harness is a process of its own, whose end
  // (however it comes) its reaper's watchdog sees (checks/lib/group.ts, test/setup.ts).
  pool: 'forks',
  setupFiles: ['test/setup.ts'],
  // Checks measure timing and count cores: one test file at a time, or they would disturb each other.
  fileParallelism: false,
  testTimeout: 540_000, // above every check's own bound (lesson 10: 480 s), so the check, not vitest, gives the verdict on a loaded machine
  hookTimeout: 60_000,
  reporters: ['default'],
} satisfies ViteUserConfig['test'];

export default defineConfig({
  test: { ...shared, include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, variantsFile] },
});
