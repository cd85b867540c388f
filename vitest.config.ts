import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['host/**/*.test.ts', 'test/**/*.test.ts', 'protocol/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One test file at a time. The end-to-end files start QEMUs on ptys; run side by side, a
    // pty number freed by one file's QEMU can be handed to another file's QEMU while a capture
    // of the first still holds or reopens the path, and the two tests then talk to each
    // other's targets. Serial files also keep timing-sensitive handshakes off a loaded CPU.
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
