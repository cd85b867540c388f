// Bundles the host CLI into one file. The native serial binding stays external:
// it is loaded from node_modules at run time.
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
  external: ['@serialport/bindings-cpp'],
  logLevel: 'warning',
});
chmodSync('dist/tracepipe.cjs', 0o755);
