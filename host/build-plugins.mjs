// esbuild plugins and bundle rewrites shared by host/build.mjs and the tests that bundle the CLI
// themselves or check what the build does.
import { Script } from 'node:vm';

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

/**
 * The CLI bundle's import() calls as calls of __tracepipeImport, which the loader passes it
 * (host/src/launcher.ts says why). esbuild leaves an import() it does not bundle as it is: the
 * external ones the metafile lists, and those of a computed name (DuckDB's), which it does not.
 * So at least the listed ones must be replaced, and the result must still parse. A match of the
 * text alone could sit in a string, comment or regular expression (a message that quotes
 * `import(`): each is tried as `import(,`, which is a syntax error only where it is code.
 */
export function loaderImports(text, metafile) {
  const listed = Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.kind === 'dynamic-import' && i.external));
  const isCode = (at) => {
    try {
      new Script(`${text.slice(0, at)}import(,${text.slice(at + 'import('.length)}`);
      return false;
    } catch (err) {
      if (err instanceof SyntaxError) return true;
      throw err;
    }
  };
  const calls = [...text.matchAll(/(?<![\w$.])import\(/g)].map((m) => m.index).filter(isCode);
  let out = '';
  let from = 0;
  for (const at of calls) {
    out += `${text.slice(from, at)}__tracepipeImport(`;
    from = at + 'import('.length;
  }
  out += text.slice(from);
  if (calls.length < listed.length) throw new Error(`dist/cli.cjs: ${calls.length} import( replaced, but esbuild left ${listed.length}`);
  new Script(`(function (__tracepipeImport) {${out}\n})`, { filename: 'dist/cli.cjs' });
  return out;
}
