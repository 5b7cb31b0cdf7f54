// `npm run test:variants`: every lesson's check on its known-wrong and right-but-different programs.
import { defineConfig } from 'vitest/config';
import { shared, variantsFile } from './vitest.config.ts';

export default defineConfig({ test: { ...shared, include: [variantsFile] } });
