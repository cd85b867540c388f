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
