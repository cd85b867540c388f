/** The path (from the repository's root) of the generated module. */
export const TS_OUT: string;
/** The WebAssembly module frame-kernel.c (or source) compiles to. */
export function compileKernel(source?: string): Buffer;
/** frame-kernel-wasm.ts's text for a module. */
export function kernelModuleText(wasm: Buffer): string;
