// Types of gen.mjs for the TypeScript that imports it (protocol/tools/wire.test.ts).

export interface Named {
  name: string;
}
export interface Wire {
  version: number;
  supported_versions: number[];
  magic: string;
  limits: Record<string, { value: number; doc: string }>;
  messages: { name: string; type: number; direction: string; section: string; command?: string }[];
  header_flags: (Named & { bit: number })[];
  status_flags: (Named & { bit: number })[];
  modes: (Named & { value: number })[];
  kinds: (Named & { value: number })[];
  encodings: (Named & { value: number })[];
  meta: { version: number; flags: (Named & { bit: number })[]; arg_types: (Named & { code: number })[]; level_shift: number; log_levels: (Named & { value: number })[] };
  notices: { code: string; level: string; doc: string }[];
}

export const ROOT: string;
export const WIRE_JSON: string;
export const C_OUT: string;
export const TS_OUT: string;
export function loadWire(root?: string): Wire;
export function validate(w: Wire): Wire;
export function renderC(w: Wire): string;
export function renderTs(w: Wire): string;
export function outputs(w: Wire): Record<string, string>;
