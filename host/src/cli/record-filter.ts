// The record selection and text lines shared by `decode` and the live `--follow` of run,
// capture and dump: one implementation, so a followed capture prints exactly what an offline
// decode of the same file with the same options prints.
import type { Command } from 'commander';
import { LOG_LEVELS, type LogLevel } from '../core/metadata.js';
import { escapeText, recordToText } from '../core/text.js';
import { EVENT_KINDS, type TraceRecord } from '../core/types.js';
import type { MetadataApplier } from '../core/metadata.js';
import { UsageError } from './errors.js';
import type { FollowSink } from './live-decoder.js';
import type { CliIo } from './output.js';

/** What --kind accepts: the event kinds, the other record types, and two shorthands. */
const RECORD_TYPES = ['loss', 'status', 'header'] as const;
const SHORTHANDS: Record<string, string[]> = { span: ['span_begin', 'span_end'], isr: ['isr_enter', 'isr_exit'] };
const KIND_WORDS = [...EVENT_KINDS, ...RECORD_TYPES, ...Object.keys(SHORTHANDS)];
const LEVEL_NAMES = LOG_LEVELS.filter((l): l is LogLevel => l !== '');

export interface FilterOptions {
  kind?: string[];
  name?: string[];
  core?: string[];
  level?: string;
  site?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** --kind, --name, --core, --level and --site, with the same help on every command. */
export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--kind <kinds>', `only these records (comma list, repeatable): ${KIND_WORDS.join(', ')}`, collect)
    .option('--name <globs>', "only events whose name (with --elf) or id matches a glob (* and ?; comma list, repeatable); losses, statuses and headers stay unless --kind leaves them out", collect)
    .option('--core <n>', 'only records of these cores (comma list, repeatable); headers stay', collect)
    .option('--level <level>', `only logs at this level or more severe (${LEVEL_NAMES.join(', ')}; logs without --elf count as info); other records stay`)
    .option('--site', 'append the call site (file:line from --elf) to named events');
}

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function globRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

export type RecordFilter = (rec: TraceRecord) => boolean;

/** The predicate the options describe; throws a UsageError on an unknown kind, core or level. */
export function recordFilter(o: FilterOptions): RecordFilter {
  const kinds = list(o.kind);
  for (const k of kinds) {
    if (!KIND_WORDS.includes(k)) throw new UsageError(`unknown kind '${k}' for --kind; use ${KIND_WORDS.join(', ')}`);
  }
  const kindSet = new Set(kinds.flatMap((k) => SHORTHANDS[k] ?? [k]));
  const names = list(o.name).map(globRegex);
  const cores = new Set(
    list(o.core).map((c) => {
      if (!/^\d+$/.test(c)) throw new UsageError(`--core takes core numbers (0, 1, ...), not '${c}'`);
      return Number(c);
    }),
  );
  let maxLevel = Infinity;
  if (o.level !== undefined) {
    const i = LOG_LEVELS.indexOf(o.level.toLowerCase() as LogLevel);
    if (i < 1) throw new UsageError(`unknown level '${o.level}' for --level; use ${LEVEL_NAMES.join(', ')}`);
    maxLevel = i;
  }
  const info = LOG_LEVELS.indexOf('info');
  return (rec) => {
    if (rec.type === 'notice') return false;
    const what = rec.type === 'event' ? rec.kind : rec.type;
    if (kindSet.size > 0 && !kindSet.has(what)) return false;
    if (cores.size > 0 && rec.type !== 'header' && !cores.has(rec.core)) return false;
    if (rec.type !== 'event') return true;
    if (names.length > 0) {
      const id = String(rec.id);
      if (!names.some((re) => re.test(id) || (rec.name !== undefined && re.test(rec.name)))) return false;
    }
    if (rec.kind === 'log' && maxLevel !== Infinity) {
      const level = (rec as { level?: LogLevel }).level;
      if ((level ? LOG_LEVELS.indexOf(level) : info) > maxLevel) return false;
    }
    return true;
  };
}

/** `decode`'s text line for a record, with its call site when asked (`--site`). */
export function recordLine(rec: TraceRecord, o: { site?: boolean } = {}): string {
  const line = recordToText(rec);
  const site = o.site && rec.type === 'event' ? (rec as { site?: string }).site : undefined;
  return site ? `${line}  @ ${escapeText(site)}` : line;
}

/** `--follow` of run, capture and dump: records to stdout, the status line kept apart. */
export function followSink(o: FilterOptions, names: MetadataApplier | undefined, io: CliIo, status: NodeJS.WriteStream = process.stderr): FollowSink {
  return {
    names,
    wanted: recordFilter(o),
    site: o.site,
    write(text) {
      // Both on one terminal: clear the status line, so the records do not start behind it
      // (it is drawn again at its next tick).
      if (status.isTTY) status.write('\r\x1b[K');
      io.stdout.write(text);
    },
    failed(err) {
      io.status(`${err.message}; --follow stops printing (the capture goes on)`);
    },
  };
}

/** The options that only make sense with --follow, when it is missing. */
export function checkFollowOptions(o: FilterOptions & { follow?: boolean }): void {
  if (o.follow) return;
  const given = (['kind', 'name', 'core', 'level', 'site'] as const).filter((k) => o[k] !== undefined);
  if (given.length > 0) throw new UsageError(`--${given[0]} goes with --follow`);
}
