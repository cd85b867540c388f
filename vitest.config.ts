import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['host/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // QEMU end-to-end tests each take a core; keep the 2-core machine responsive.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
