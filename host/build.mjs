// Bundles the host CLI into one file. The native modules (the serial binding, DuckDB) stay
// external: they are loaded from node_modules at run time, DuckDB only by export --format
// parquet and query.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

await build({
  entryPoints: ['host/src/bin.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: 'dist/tracepipe.cjs',
  banner: { js: '#!/usr/bin/env node' },
  external: ['@serialport/bindings-cpp', '@duckdb/node-api'],
  logLevel: 'warning',
});
chmodSync('dist/tracepipe.cjs', 0o755);

// The emulator command line as a library for the bench scripts (plain .mjs, no TypeScript):
// they build QEMU's argv through the same function as the CLI and the tests.
await build({
  entryPoints: ['host/src/io/emulator.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: 'dist/emulator.cjs',
  logLevel: 'warning',
});

// The rp2040js runner runs as its own process (host/src/io/rp2040/rp2040.ts starts it), so the
// emulated cores never hold up the reader of the pty. rp2040js is bundled into it.
await build({
  entryPoints: ['host/src/io/rp2040/runner-main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: 'dist/rp2040-runner.cjs',
  logLevel: 'warning',
});
