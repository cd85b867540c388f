// Typed field lists of user events from ELF metadata, for exporters with typed records
// (CTF). Names follow core/metadata.ts applyMetadata: the field name, else `arg<i>`.
import type { Metadata } from '../core/metadata.js';
import type { FieldTable } from './types.js';

export function fieldTable(meta: Metadata): FieldTable {
  return {
    eventFields(kind, id) {
      if (kind !== 'event') return undefined;
      const d = meta.byId.get(id);
      if (!d || d.kind !== 'event') return undefined;
      return d.types.map((type, i) => ({ name: d.fields[i] || `arg${i}`, type }));
    },
  };
}
