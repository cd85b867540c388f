// Streaming k-way merge of per-core record queues into one timeline (SPEC §9 step 8).
//
// An item is released once every other active core has shown data at or beyond its time
// (its watermark), so the output is time-ordered without knowing the future; ties go to the
// lower core id. A core becomes active when activated (the decoder activates every core of
// the stream header) or with its first item. Buffering is bounded: beyond
// `limit` queued items the oldest are released anyway (a core that stays silent must not
// grow memory); that is the only case where output can leave time order across cores.
// Within a core, order is always the input order: keys are clamped to be non-decreasing.

// A queue's arrays are reused, not truncated: a core's queue empties after nearly every
// packet, and regrowing the arrays from nothing each time cost more than the merge itself.
interface Queue<T> {
  keys: bigint[];
  items: (T | undefined)[];
  head: number;
  /** end of the live items; slots from len on are spare */
  len: number;
}

export class TimelineMerge<T> {
  private queues: (Queue<T> | undefined)[] = [];
  private wm: (bigint | undefined)[] = [];
  private active: number[] = [];
  private queued = 0;

  constructor(
    private readonly emit: (item: T) => void,
    private readonly limit = 1 << 16,
  ) {}

  get size(): number {
    return this.queued;
  }

  private queue(core: number): Queue<T> {
    let q = this.queues[core];
    if (!q) {
      q = { keys: [], items: [], head: 0, len: 0 };
      this.queues[core] = q;
      this.active.push(core);
    }
    return q;
  }

  /** Makes the merge wait for this core's data before releasing anything later. */
  activate(core: number): void {
    this.queue(core);
  }

  /** Queues an item of a core at time key. Call pump() after a batch. */
  push(core: number, key: bigint, item: T): void {
    const q = this.queue(core);
    const w = this.wm[core];
    if (w !== undefined && key < w) key = w;
    this.wm[core] = key;
    const i = q.len;
    if (i < q.items.length) {
      q.keys[i] = key;
      q.items[i] = item;
    } else {
      q.keys.push(key);
      q.items.push(item);
    }
    q.len = i + 1;
    this.queued++;
  }

  /** Declares that the core's future items are at or after key. */
  advance(core: number, key: bigint): void {
    this.queue(core);
    const w = this.wm[core];
    if (w === undefined || key > w) this.wm[core] = key;
  }

  /** Current watermark of a core (undefined before its first item). */
  watermark(core: number): bigint | undefined {
    return this.wm[core];
  }

  /** Releases every item that can be placed in order now (and more when over the limit). */
  pump(): void {
    const act = this.active;
    for (;;) {
      if (this.queued === 0) return;
      let m = -1;
      let mk = 0n;
      for (let i = 0; i < act.length; i++) {
        const c = act[i];
        const q = this.queues[c]!;
        if (q.head < q.len) {
          const k = q.keys[q.head];
          if (m < 0 || k < mk || (k === mk && c < m)) {
            m = c;
            mk = k;
          }
        }
      }
      if (this.queued <= this.limit) {
        let safe = true;
        for (let i = 0; i < act.length; i++) {
          const c = act[i];
          if (c === m) continue;
          const q = this.queues[c]!;
          if (q.head < q.len) continue;
          const w = this.wm[c];
          if (w === undefined) {
            safe = false;
            break;
          }
          if (w > mk || (w === mk && c > m)) continue;
          safe = false;
          break;
        }
        if (!safe) return;
      }
      this.take(m);
    }
  }

  private take(core: number): void {
    const q = this.queues[core]!;
    const item = q.items[q.head] as T;
    q.items[q.head] = undefined; // released records must not stay reachable from here
    q.head++;
    this.queued--;
    if (q.head === q.len) {
      q.head = 0;
      q.len = 0;
      if (q.items.length > 4096) {
        // a burst grew it: give the memory back
        q.items.length = 0;
        q.keys.length = 0;
      }
    } else if (q.head >= 4096 && q.head * 2 >= q.len) {
      q.items.copyWithin(0, q.head, q.len);
      q.keys.copyWithin(0, q.head, q.len);
      q.len -= q.head;
      q.items.fill(undefined, q.len);
      q.head = 0;
    }
    this.emit(item);
  }

  /** Releases everything in time order and forgets all cores (end of input or of a session). */
  flush(): void {
    for (;;) {
      let m = -1;
      let mk = 0n;
      for (const c of this.active) {
        const q = this.queues[c]!;
        if (q.head < q.len) {
          const k = q.keys[q.head];
          if (m < 0 || k < mk || (k === mk && c < m)) {
            m = c;
            mk = k;
          }
        }
      }
      if (m < 0) break;
      this.take(m);
    }
    this.queues = [];
    this.wm = [];
    this.active = [];
    this.queued = 0;
  }
}
