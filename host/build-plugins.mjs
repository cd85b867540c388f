// esbuild plugins shared by host/build.mjs and the tests that bundle the CLI themselves.

/**
 * The live view (host/src/cli/tui/view.ts) is its own ESM file, dist/tui.mjs, that `top` and
 * `run --tui` import lazily: ink is ESM only, with a top-level await (yoga-layout's WebAssembly),
 * which a CJS bundle cannot hold, and no other command should load React. A bundle keeps that
 * import() as it is, pointing at tui.mjs beside it; ink and react come from node_modules, as
 * runtime dependencies.
 */
export const tuiViewPlugin = {
  name: 'tui-view',
  setup(b) {
    b.onResolve({ filter: /^\.\/view\.js$/ }, (args) =>
      /[\\/]cli[\\/]tui$/.test(args.resolveDir) ? { path: './tui.mjs', external: true } : undefined,
    );
  },
};
