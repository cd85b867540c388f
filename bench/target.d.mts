// Types for the part of bench/target.mjs that TypeScript tests import (test/bench/footprint.test.ts).
export interface Footprint {
  flash: number; ram: number; text: number; rodata: number; data: number; bss: number;
  flashByObject: Record<string, number>;
  method: 'map' | 'lto';
}
export const ROOT: string;
export function footprint(board: string, opt: string, app?: string, dirOrProfile?: string): Footprint;
export function symbolFootprint(elf: string): { flash: number; flashByFile: Record<string, number> };
