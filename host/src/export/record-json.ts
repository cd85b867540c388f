// One record as a JSON line. Delegates to the decode core's serializer so
// `export --format jsonl` and `decode --format jsonl` cannot disagree.
import { recordToJson } from '../core/jsonl.js';
import type { TraceRecord } from '../core/types.js';

export function recordJson(rec: TraceRecord): string {
  const j = recordToJson(rec) as unknown;
  return typeof j === 'string' ? j : JSON.stringify(j);
}
