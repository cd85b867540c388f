import type { Plugin } from 'esbuild';
export const tuiViewPlugin: Plugin;
