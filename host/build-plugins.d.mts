import type { Plugin } from 'esbuild';
export const tuiViewPlugin: Plugin;
/** The bundle's import() calls (code only, never a string's text) as __tracepipeImport(); throws when fewer than the metafile's external dynamic imports. */
export function loaderImports(text: string, metafile: { inputs: Record<string, { imports: { kind: string; external?: boolean }[] }> }): string;
