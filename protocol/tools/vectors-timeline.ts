// The record order of SPEC §9 step 8, written for the vectors' oracle from the SPEC text alone,
// without the decoder's merge (host/src/core/merge.ts): a bug there must not also be here.
// It keeps every waiting record in one list and rescans it after each step; vectors are small,
// so clarity wins over speed.

const GLOBAL = -1;

interface Waiting<T> {
  lane: number;
  key: bigint;
  n: number;
  item: T;
}

export class Timeline<T> {
  private waiting: Waiting<T>[] = [];
  private aside = new Map<number, { key: bigint; item: T }[]>();
  private marks = new Map<number, bigint>();
  private cores = new Set<number>();
  private lastGlobal: bigint | null = null;
  private n = 0;

  constructor(private readonly out: (item: T) => void) {}

  activate(core: number): void {
    this.cores.add(core);
  }

  watermark(core: number): bigint | undefined {
    return this.marks.get(core);
  }

  /** A core's record: its key never falls below the core's earlier keys. */
  push(core: number, key: bigint, item: T): void {
    this.join(core, key);
    this.add(core, key, item);
  }

  /** A record that says nothing about the core's later data: it waits until that data reaches it. */
  pending(core: number, key: bigint, item: T): void {
    this.cores.add(core);
    const w = this.marks.get(core);
    if (w !== undefined && key <= w) this.add(core, key, item);
    else this.aside.set(core, [...(this.aside.get(core) ?? []), { key, item }]);
  }

  /** A record of no core (a header), at its time, first among equal times. */
  global(key: bigint, item: T): void {
    if (this.lastGlobal !== null && key < this.lastGlobal) key = this.lastGlobal;
    this.lastGlobal = key;
    this.waiting.push({ lane: GLOBAL, key, n: this.n++, item });
  }

  /** A record of no time: behind a header that still waits, else out at once. */
  untimed(item: T): void {
    if (this.lastGlobal !== null && this.waiting.some((x) => x.lane === GLOBAL)) {
      this.waiting.push({ lane: GLOBAL, key: this.lastGlobal, n: this.n++, item });
    } else {
      this.out(item);
    }
  }

  advance(core: number, key: bigint): void {
    this.cores.add(core);
    this.join(core, key);
    const w = this.marks.get(core);
    if (w === undefined || key > w) this.marks.set(core, key);
  }

  private add(core: number, key: bigint, item: T): void {
    this.cores.add(core);
    const w = this.marks.get(core);
    const k = w !== undefined && w > key ? w : key;
    this.marks.set(core, k);
    this.waiting.push({ lane: core, key: k, n: this.n++, item });
  }

  /** Aside records of the core with keys up to `upTo` (all with null) join at their own keys. */
  private join(core: number, upTo: bigint | null): void {
    const list = this.aside.get(core) ?? [];
    const go = list.filter((x) => upTo === null || x.key <= upTo);
    this.aside.set(core, list.filter((x) => !(upTo === null || x.key <= upTo)));
    for (const x of go) this.add(core, x.key, x.item);
  }

  private first(): Waiting<T> | undefined {
    const sorted = [...this.waiting].sort((a, b) => (a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.lane !== b.lane ? a.lane - b.lane : a.n - b.n));
    return sorted[0];
  }

  /** Releases what no core can still precede. */
  pump(): void {
    for (;;) {
      const f = this.first();
      if (!f) return;
      for (const c of this.cores) {
        if (c === f.lane || this.waiting.some((x) => x.lane === c)) continue;
        const w = this.marks.get(c);
        if (w === undefined || w < f.key || (w === f.key && c < f.lane)) return;
      }
      this.release(f);
    }
  }

  private release(f: Waiting<T>): void {
    this.waiting = this.waiting.filter((x) => x !== f);
    this.out(f.item);
  }

  /** End of a session or of the input: everything, in order; then forget every core. */
  flush(): void {
    for (const c of [...this.aside.keys()]) this.join(c, null);
    for (let f = this.first(); f; f = this.first()) this.release(f);
    this.aside.clear();
    this.marks.clear();
    this.cores.clear();
    this.lastGlobal = null;
  }
}
