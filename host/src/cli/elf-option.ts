// `--elf <app.elf>` and `--force`, shared by every command that decodes (SPEC §11): the
// firmware ELF names events and formats logs; its GNU build id must match the stream's.
// Without --elf nothing changes: raw ids and arguments.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ElfError, findSection, parseElf32, type Elf32 } from '../core/elf.js';
import {
  BuildIdMismatchError,
  MetadataApplier,
  MetadataError,
  nameOf,
  nameTable,
  readMetadata,
  type Metadata,
} from '../core/metadata.js';
import { escapeText } from '../core/text.js';
import type { CoreStats, StreamHeader, TraceEvent, TraceRecord } from '../core/types.js';
import type { ExportInfo, Exporter } from '../export/types.js';
import { CliError } from './errors.js';

export interface ElfOptions {
  elf?: string;
  force?: boolean;
}

/** The commands whose --force also lets them replace an existing capture file at -o. */
const CAPTURE_COMMANDS = ['run', 'capture', 'dump'];

export function addElfOptions(cmd: Command): Command {
  const force = 'use the --elf file even when its build id differs from the stream (with a warning)';
  return cmd
    .option('--elf <app.elf>', 'firmware ELF: event names and log text from its .tp_meta section (checked by build id)')
    .option('--force', CAPTURE_COMMANDS.includes(cmd.name()) ? `${force}; replace the capture file at -o if it exists (refused otherwise)` : force);
}

/** The commands that decode a stream take --elf/--force (called once by createProgram). */
export const ELF_COMMANDS = ['decode', 'stats', 'export', 'view', 'run', 'capture', 'dump', 'top'];
export function addElfOptionsTo(program: Command): void {
  for (const c of program.commands) if (ELF_COMMANDS.includes(c.name())) addElfOptions(c);
}

/** Reads the --elf file; undefined without --elf. Bad files become one-line CliErrors. */
export async function openElf(options: object, warn: (line: string) => void): Promise<MetadataApplier | undefined> {
  const opts = options as ElfOptions;
  if (!opts.elf) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(opts.elf);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new CliError(`${opts.elf}: no such file (--elf)`);
    if (e.code === 'EISDIR') throw new CliError(`${opts.elf} is a folder, not a firmware ELF (--elf)`);
    throw new CliError(`cannot read ${opts.elf}: ${e.message}`);
  }
  let elf: Elf32;
  let meta: Metadata;
  try {
    elf = parseElf32(bytes);
    meta = readMetadata(elf);
  } catch (err) {
    if (err instanceof MetadataError || err instanceof ElfError) throw new CliError(`${opts.elf}: ${err.message}`);
    throw err;
  }
  // The ELF still checks the build id, but names nothing: say so rather than print raw ids silently.
  const none = missingMetadata(elf, meta);
  if (none) warn(`warning: ${opts.elf}: ${none}; events keep their raw ids`);
  return new MetadataApplier(meta, opts.force === true, (m) => warn(`warning: ${m}`));
}

/** Why an ELF names no event, or undefined when it has descriptors. */
export function missingMetadata(elf: Elf32, meta: Metadata): string | undefined {
  if (meta.descriptors.length > 0) return undefined;
  if (elf.sectionNamesProblem) return `${elf.sectionNamesProblem}, so no .tp_meta section can be found`;
  if (findSection(elf, '.tp_meta')) return 'its .tp_meta section is empty (no TP_LOG, TP_EVENT or named call site)';
  return 'no tracepipe metadata (no .tp_meta section)';
}

/** Live commands: check the header the capture saw, after the capture (which is kept). */
export function checkCapturedBuildId(applier: MetadataApplier | undefined, header: StreamHeader | null, output: string): void {
  if (!applier || !header) return;
  try {
    applier.checkHeader(header.buildId);
  } catch (err) {
    if (err instanceof BuildIdMismatchError) throw new CliError(`${err.message} (capture ${output} is kept)`);
    throw err;
  }
}

/** Counts events per kind and name, for `stats --elf`. */
export class NameCounter {
  private readonly counts = new Map<string, { kind: string; name: string; count: number }>();

  add(ev: TraceEvent): void {
    const name = nameOf(ev);
    const key = `${ev.kind}\u0000${name}`;
    const c = this.counts.get(key);
    if (c) c.count++;
    else this.counts.set(key, { kind: ev.kind, name, count: 1 });
  }

  /** most frequent first, then by kind and name */
  rows(): { kind: string; name: string; count: number }[] {
    return [...this.counts.values()].sort(
      (a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
    );
  }

  table(): string[] {
    const rows = this.rows();
    const w = Math.max(5, ...rows.map((r) => r.count.toString().length));
    // Names come from the ELF: escaped, one line each.
    return ['events by name:', ...rows.map((r) => `  ${r.count.toString().padStart(w)}  ${r.kind.padEnd(10)} ${escapeText(r.name)}`)];
  }
}

/** An exporter that sees named events and gets the name table in its ExportInfo. */
export function withNames(exporter: Exporter, names: MetadataApplier | undefined): Exporter {
  if (!names) return exporter;
  return {
    perCore: exporter.perCore,
    notice: exporter.notice?.bind(exporter),
    begin(info: ExportInfo): void {
      exporter.begin({ ...info, names: nameTable(names.meta) });
    },
    record(rec: TraceRecord): void {
      exporter.record(names.apply(rec));
    },
    end(stats: CoreStats[]): void {
      exporter.end(stats);
    },
  };
}
