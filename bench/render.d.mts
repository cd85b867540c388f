// Types for bench/render.mjs, so TypeScript tests can import it.
export interface Target { id: string; issue: number; metric: string | null; op: '<=' | '>=' | 'is'; limit: number | boolean; unit: string; what: string }
export interface TargetsData { about: string; issues: Record<string, string>; targets: Target[] }
export interface PeersData { tracers: { name: string; record: string; wire: string; code: string }[]; babeltrace2: { name: string; eventsPerS: number; mbPerS: number }; [k: string]: unknown }
export interface BenchData { targets: TargetsData; peers: PeersData }
export interface Verdict { id: string; issue: number; metric: string | null; target: string; value: string; ok: boolean | null }
export const BOARDS: string[];
export const OPTS: string[];
export const METRICS: Record<string, (r: any) => { value: number | boolean | null; text: string }>;
export const QUOTED_TARGETS: string[];
export function loadData(dir?: string): BenchData;
export function verdictOf(op: string, limit: number | boolean, value: number | boolean | null | undefined): boolean | null;
export function evaluate(r: any, targets: TargetsData): Verdict[];
export function render(r: any, data?: BenchData): string;
