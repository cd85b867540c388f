// Streaming k-way merge of per-core record queues into one timeline (SPEC §9 step 8).
//
// An item is released once every other active core has shown data at or beyond its time
// (its watermark), so the output is time-ordered without knowing the future; ties go to the
// lower core id. A core becomes active when activated (the decoder activates every core of
// the stream header) or with its first item. Buffering is bounded: beyond
// `limit` queued items the oldest are released anyway (a core that stays silent must not
// grow memory); that is the only case where output can leave time order across cores.
// Within a core, order is always the input order: keys are clamped to be non-decreasing.
//
// Two kinds of item do not move a watermark:
// - a *pending* item of a core (a non-final status) says nothing about the core's future data,
//   so it waits aside until the core's own data reaches its time, then joins the queue there;
// - a *global* item (a stream header) belongs to no core: it is released once every active
//   core has shown data at or beyond its time, ahead of core items of the same time. An item
//   without a time that comes while a global item waits is queued right behind it.

// A *run* is many items of one core at once: events [pos, end) of a batch whose times are
// nsBase + nsOff[i], non-decreasing (one packet). It sits in its core's queue as one entry
// and is released in slices, each as long as the other lanes allow, so the merge costs per
// slice, not per event, and holds no BigInt per event. It is placed exactly as its events
// pushed one by one would be.

/** What a run reads of its source: the times of its events. */
export interface RunTimes {
  nsBase: bigint;
  nsOff: Float64Array;
}

/** Beyond this a key difference is outside every run (offsets stay below 2^52). */
const FAR = 2 ** 53;

class Run<R extends RunTimes> {
  constructor(
    readonly src: R,
    public pos: number,
    readonly end: number,
    /** key of event i: keyBase + max(nsOff[i] + keyOff, keyFloor) (the clamp to the watermark) */
    readonly keyBase: bigint,
    readonly keyOff: number,
    readonly keyFloor: number,
  ) {}

  rel(i: number): number {
    const k = this.src.nsOff[i] + this.keyOff;
    return k < this.keyFloor ? this.keyFloor : k;
  }

  keyAt(i: number): bigint {
    return this.keyBase + BigInt(this.rel(i));
  }
}

/** key - base as a double that orders like it against run offsets. */
function relTo(key: bigint, base: bigint): number {
  const d = key - base;
  return d > FAR ? Infinity : d < -FAR ? -Infinity : Number(d);
}

// A queue's arrays are reused, not truncated: a core's queue empties after nearly every
// packet, and regrowing the arrays from nothing each time cost more than the merge itself.
type Entry<T, R extends RunTimes> = T | Run<R>;

interface Queue<T> {
  keys: bigint[];
  items: (T | undefined)[];
  head: number;
  /** end of the live items; slots from len on are spare */
  len: number;
  /** pending items (keys above the watermark), in arrival order */
  pendKeys: bigint[];
  pendItems: T[];
}

const newQueue = <T>(): Queue<T> => ({ keys: [], items: [], head: 0, len: 0, pendKeys: [], pendItems: [] });

/** Pending items one core may hold aside; beyond it the oldest joins the queue anyway. */
const PENDING_LIMIT = 1024;
/** The global lane's index in the tie order: before every core. */
const GLOBAL = -1;

export class TimelineMerge<T, R extends RunTimes = RunTimes> {
  private queues: (Queue<Entry<T, R>> | undefined)[] = [];
  private wm: (bigint | undefined)[] = [];
  private active: number[] = [];
  private global: Queue<Entry<T, R>> = newQueue();
  private globalKey: bigint | undefined;
  private queued = 0;
  /** runs queued so far (a pushRun may queue its events as several) */
  runsAdded = 0;

  /**
   * emitRun receives each released slice [from, to) of a run's source; `last` says the run
   * is done with it.
   */
  constructor(
    private readonly emit: (item: T) => void,
    private readonly limit = 1 << 16,
    private readonly emitRun: (src: R, from: number, to: number, last: boolean) => void = () => undefined,
  ) {}

  get size(): number {
    return this.queued;
  }

  private queue(core: number): Queue<Entry<T, R>> {
    let q = this.queues[core];
    if (!q) {
      q = newQueue();
      this.queues[core] = q;
      this.active.push(core);
    }
    return q;
  }

  /** Makes the merge wait for this core's data before releasing anything later. */
  activate(core: number): void {
    this.queue(core);
  }

  /** Moves the core's pending items with keys up to `upTo` into its queue, at their own keys. */
  private settle(core: number, q: Queue<Entry<T, R>>, upTo: bigint | null): void {
    let n = 0;
    while (n < q.pendKeys.length && (upTo === null || q.pendKeys[n] <= upTo)) n++;
    if (n === 0) return;
    const keys = q.pendKeys.splice(0, n);
    const items = q.pendItems.splice(0, n);
    this.queued -= n; // append() counts them again
    for (let i = 0; i < n; i++) this.append(core, q, keys[i], items[i] as T);
  }

  private append(core: number, q: Queue<Entry<T, R>>, key: bigint, item: T): void {
    const w = this.wm[core];
    if (w !== undefined && key < w) key = w;
    this.wm[core] = key;
    put(q, key, item);
    this.queued++;
  }

  /** Queues an item of a core at time key. Call pump() after a batch. */
  push(core: number, key: bigint, item: T): void {
    const q = this.queue(core);
    if (q.pendKeys.length > 0) this.settle(core, q, key);
    this.append(core, q, key, item);
  }

  /**
   * Queues events [from, to) of src, times non-decreasing, as push() of each in turn would:
   * pending items of the core whose time an event reaches go in before that event.
   */
  pushRun(core: number, src: R, from: number, to: number): void {
    const q = this.queue(core);
    let pos = from;
    while (pos < to) {
      let stop = to;
      if (q.pendKeys.length > 0) {
        const p = relTo(q.pendKeys[0], src.nsBase);
        stop = pos;
        while (stop < to && src.nsOff[stop] < p) stop++;
      }
      if (stop > pos) this.appendRun(core, q, src, pos, stop);
      // the pending items up to this event go in before it (at least one moves)
      if (stop < to) this.settle(core, q, src.nsBase + BigInt(src.nsOff[stop]));
      pos = stop;
    }
  }

  private appendRun(core: number, q: Queue<Entry<T, R>>, src: R, from: number, to: number): void {
    const w = this.wm[core];
    let run: Run<R>;
    const base = src.nsBase;
    if (w === undefined || w <= base) run = new Run(src, from, to, base, 0, -Infinity);
    else if (w - base < BigInt(FAR / 2)) run = new Run(src, from, to, base, 0, Number(w - base));
    else run = new Run(src, from, to, w, -Infinity, 0); // every event is before the watermark
    this.wm[core] = run.keyAt(to - 1);
    put(q, run.keyAt(from), run);
    this.runsAdded++;
    this.queued += to - from;
  }

  /** Queues an item of a core at time key without moving the core's watermark (see above). */
  pushPending(core: number, key: bigint, item: T): void {
    const q = this.queue(core);
    const w = this.wm[core];
    if (w !== undefined && key <= w) {
      this.append(core, q, key, item);
      return;
    }
    q.pendKeys.push(key);
    q.pendItems.push(item);
    this.queued++;
    if (q.pendKeys.length > PENDING_LIMIT) this.settle(core, q, q.pendKeys[0]);
  }

  /** Queues an item that belongs to no core at time key (see above). */
  pushGlobal(key: bigint, item: T): void {
    if (this.globalKey !== undefined && key < this.globalKey) key = this.globalKey;
    this.globalKey = key;
    put(this.global, key, item);
    this.queued++;
  }

  /**
   * Queues an item without a time right behind the global items still waiting, so that it
   * follows the header it came after; returns false (nothing queued) when none waits.
   */
  pushAfterGlobal(item: T): boolean {
    const g = this.global;
    if (g.head === g.len || this.globalKey === undefined) return false;
    put(g, this.globalKey, item);
    this.queued++;
    return true;
  }

  /** Declares that the core's future items are at or after key. */
  advance(core: number, key: bigint): void {
    const q = this.queue(core);
    if (q.pendKeys.length > 0) this.settle(core, q, key);
    const w = this.wm[core];
    if (w === undefined || key > w) this.wm[core] = key;
  }

  /** Current watermark of a core (undefined before its first item). */
  watermark(core: number): bigint | undefined {
    return this.wm[core];
  }

  // earliest()'s answer, in fields: it runs once per released record
  private eLane = 0;
  private eKey = 0n;

  /** Finds the lane whose head is earliest (ties: global first, then the lower core) into eLane/eKey. */
  private earliest(): boolean {
    let m: number | null = null;
    let mk = 0n;
    const g = this.global;
    if (g.head < g.len) {
      m = GLOBAL;
      mk = g.keys[g.head];
    }
    const act = this.active;
    for (let i = 0; i < act.length; i++) {
      const c = act[i];
      const q = this.queues[c]!;
      if (q.head < q.len) {
        const k = q.keys[q.head];
        if (m === null || k < mk || (k === mk && c < m)) {
          m = c;
          mk = k;
        }
      }
    }
    if (m === null) return false;
    this.eLane = m;
    this.eKey = mk;
    return true;
  }

  /** Releases every item that can be placed in order now (and more when over the limit). */
  pump(): void {
    const act = this.active;
    for (;;) {
      if (this.queued === 0) return;
      if (!this.earliest()) return;
      const m = this.eLane;
      const mk = this.eKey;
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
      this.take(m, this.queued > this.limit ? 1 : 2);
    }
  }

  // bound()'s answer: a run in lane m may release events with key < bKey (<= when !bStrict)
  private bKey: bigint | undefined;
  private bStrict = false;

  /**
   * What bounds the release of lane m's run: the other lanes' heads, and with watermarks
   * (useWm) the watermarks of those that are empty. bKey undefined: no bound.
   */
  private bound(m: number, useWm: boolean, headKey: bigint): void {
    let b: bigint | undefined;
    let strict = false;
    const g = this.global;
    if (g.head < g.len) {
      b = g.keys[g.head];
      strict = true; // a global item goes before core items of its time
    }
    const act = this.active;
    for (let i = 0; i < act.length; i++) {
      const c = act[i];
      if (c === m) continue;
      const q = this.queues[c]!;
      let k: bigint | undefined;
      if (q.head < q.len) k = q.keys[q.head];
      else if (useWm) {
        k = this.wm[c];
        if (k === undefined) {
          // nothing is known of that core: only the head (already proven safe) goes
          this.bKey = headKey;
          this.bStrict = true;
          return;
        }
      } else continue;
      // ties go to the lower lane
      if (b === undefined || k < b) {
        b = k;
        strict = c < m;
      } else if (k === b && c < m) strict = true;
    }
    this.bKey = b;
    this.bStrict = strict;
  }

  /** Releases lane's head; of a run, one event (mode 1), as many as the other lanes allow
   * by heads and watermarks (2) or by heads alone (3, flush). */
  private take(lane: number, mode: 1 | 2 | 3): void {
    const q = lane === GLOBAL ? this.global : this.queues[lane]!;
    const entry = q.items[q.head]!;
    if (entry instanceof Run) {
      const run = entry;
      const from = run.pos;
      let stop = from + 1;
      if (mode !== 1) {
        this.bound(lane, mode === 2, q.keys[q.head]);
        const bk = this.bKey;
        if (bk === undefined) stop = run.end;
        else {
          const br = relTo(bk, run.keyBase);
          const end = run.end;
          if (this.bStrict) while (stop < end && run.rel(stop) < br) stop++;
          else while (stop < end && run.rel(stop) <= br) stop++;
        }
      }
      this.queued -= stop - from;
      if (stop < run.end) {
        run.pos = stop;
        q.keys[q.head] = run.keyAt(stop);
        this.emitRun(run.src, from, stop, false);
        return;
      }
      this.pop(q);
      this.emitRun(run.src, from, stop, true);
      return;
    }
    this.queued--;
    this.pop(q);
    this.emit(entry);
  }

  private pop(q: Queue<Entry<T, R>>): void {
    q.items[q.head] = undefined; // released records must not stay reachable from here
    q.head++;
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
  }

  /** Releases everything in time order and forgets all cores (end of input or of a session). */
  flush(): void {
    for (const c of this.active) this.settle(c, this.queues[c]!, null);
    while (this.earliest()) this.take(this.eLane, 3);
    this.queues = [];
    this.wm = [];
    this.active = [];
    this.global = newQueue();
    this.globalKey = undefined;
    this.queued = 0;
  }
}

function put<E>(q: Queue<E>, key: bigint, item: E): void {
  const i = q.len;
  if (i < q.items.length) {
    q.keys[i] = key;
    q.items[i] = item;
  } else {
    q.keys.push(key);
    q.items.push(item);
  }
  q.len = i + 1;
}
