// Streaming k-way merge of per-core record queues into one timeline (SPEC §9 step 8).
//
// An item is released once every other active core has shown data at or beyond its time
// (its watermark), so the output is time-ordered without knowing the future; ties go to the
// lower core id. A core becomes active when activated (the decoder activates every core of
// the stream header) or with its first item. Buffering is bounded: beyond
// `limit` queued items the oldest are released anyway (a core that stays silent must not
// grow memory); that is the only case where output can leave time order across cores, and
// onUnproven is told when it begins (the decoder's `order_unproven` notice).
// It happens when a core keeps a packet with events open while the others send more than
// `limit` events (SPEC §6, open packets): the an521 multicore app's core 1 did, parked after
// its last event until core 0's flush, and its late packet went back in time
// (merge-order.test.ts). The fix belongs to the writer, which must send such a packet soon
// (the firmware's idle close); a non-final status cannot stand in for it, since it proves
// nothing about the events of the open packet.
// The limit is 2^18 events (held as batch columns an event costs about 85 bytes of peak RSS:
// 83 488 held took 7 MB, so 2^18 take about 22 MB). A core that finished early and sleeps with
// nothing open (the an521 multicore app's core 1, once its last packet is closed) holds the
// other core's events until its FINAL: at 2^16 a loaded host let core 0 send 83 488 events in
// that time, and the merge said order_unproven about a capture whose order was fine.
// Within a core, order is always the input order: keys are clamped to be non-decreasing.
//
// Two kinds of item do not move a watermark:
// - a *pending* item of a core (a non-final status) says nothing about the core's future data,
//   so it waits aside until the core's own data reaches its time, then joins the queue there;
// - a *global* item (a stream header) belongs to no core: it is released once every active
//   core has shown data at or beyond its time, ahead of core items of the same time. An item
//   without a time that comes while a global item waits is queued right behind it.
//
// A *run* is many items of one core at once: events [pos, end) of a batch whose times are
// nsBase + nsOff[i], non-decreasing (one packet). It sits in its core's queue as one entry
// and is released in slices, each as long as the other lanes allow, so the merge costs per
// slice, not per event. It is placed exactly as its events pushed one by one would be.
//
// Keys are bigints at the interface (ns exceed 2^53) but two doubles inside, hi * 2^52 + lo
// with 0 <= lo < 2^52: exact for every key a u64 timestamp gives, and compared without a
// BigInt, so a run's key moves with one addition per slice.

/** What a run reads of its source: the times of its events. */
export interface RunTimes {
  nsBase: bigint;
  /** integer offsets from nsBase, non-decreasing, below 2^52 */
  nsOff: Float64Array;
}

const LO = 2 ** 52;
const LO_BIG = 1n << 52n;
const LO_MASK = LO_BIG - 1n;

// split()'s and keyOf()'s answers: typed slots, since a module variable holding a double
// beyond 2^31 is a new heap number at each store
const S = new Float64Array(2);
const K = new Float64Array(2);

function split(key: bigint): void {
  // nearly every key (ns below 52 days): compares are cheap, a BigInt shift and mask are not
  if (key >= 0n && key < LO_BIG) {
    S[0] = 0;
    S[1] = Number(key);
    return;
  }
  S[0] = Number(key >> 52n);
  S[1] = Number(key & LO_MASK);
}

function join(hi: number, lo: number): bigint {
  return BigInt(hi) * LO_BIG + BigInt(lo);
}

/** (bh, bl) - (ah, al) as a double that orders like it against offsets in [-2^52, 2^52]. */
function diff(bh: number, bl: number, ah: number, al: number): number {
  const dh = bh - ah;
  if (dh > 1) return Infinity;
  if (dh < -1) return -Infinity;
  return dh * LO + (bl - al);
}

class Run<R extends RunTimes> {
  constructor(
    readonly src: R,
    public pos: number,
    readonly end: number,
    /** key of event i: base + max(nsOff[i] + keyOff, keyFloor) (the clamp to the watermark) */
    readonly baseHi: number,
    readonly baseLo: number,
    readonly keyOff: number,
    readonly keyFloor: number,
  ) {}

  rel(i: number): number {
    const k = this.src.nsOff[i] + this.keyOff;
    return k < this.keyFloor ? this.keyFloor : k;
  }
}

// Queues are arrays reused, not truncated: a core's queue empties after nearly every packet,
// and regrowing the arrays from nothing each time cost more than the merge itself.
interface Queue<E> {
  hi: number[];
  lo: number[];
  items: (E | undefined)[];
  head: number;
  /** end of the live items; slots from len on are spare */
  len: number;
  /** pending items (keys above the watermark), in arrival order */
  pendHi: number[];
  pendLo: number[];
  pendItems: E[];
}

const newQueue = <E>(): Queue<E> => ({ hi: [], lo: [], items: [], head: 0, len: 0, pendHi: [], pendLo: [], pendItems: [] });

/** Pending items one core may hold aside; beyond it the oldest joins the queue anyway. */
const PENDING_LIMIT = 1024;
/** The global lane's index in the tie order: before every core. */
const GLOBAL = -1;
/** A watermark not known yet: below every key, and never proof of anything. */
const UNKNOWN = -Infinity;

type Entry<T, R extends RunTimes> = T | Run<R>;

/** Events the merge holds before it releases the oldest without proof of order (SPEC §6, open packets). */
export const MERGE_LIMIT = 1 << 18;

export class TimelineMerge<T, R extends RunTimes = RunTimes> {
  private queues: (Queue<Entry<T, R>> | undefined)[] = [];
  private wmHi: number[] = [];
  private wmLo: number[] = [];
  private active: number[] = [];
  private global: Queue<Entry<T, R>> = newQueue();
  private globalHi = UNKNOWN;
  private globalLo = 0;
  private queued = 0;
  /** runs queued so far (a pushRun may queue its events as several) */
  runsAdded = 0;

  /** the last release was over the limit without proof of order (onUnproven has been told) */
  private unproven = false;

  /**
   * emitRun receives each released slice [from, to) of a run's source; `last` says the run
   * is done with it. onUnproven is called when the limit makes the merge release an item that
   * `waitFor`'s data has not yet proven in order (key: the item's, if it has one), once at the
   * start of each stretch of such releases.
   */
  constructor(
    private readonly emit: (item: T) => void,
    private readonly limit = MERGE_LIMIT,
    private readonly emitRun: (src: R, from: number, to: number, last: boolean) => void = () => undefined,
    private readonly onUnproven: (waitFor: number, key: bigint | null) => void = () => undefined,
  ) {}

  get size(): number {
    return this.queued;
  }

  private queue(core: number): Queue<Entry<T, R>> {
    let q = this.queues[core];
    if (!q) {
      q = newQueue();
      this.queues[core] = q;
      this.wmHi[core] = UNKNOWN;
      this.wmLo[core] = 0;
      this.active.push(core);
    }
    return q;
  }

  /** Makes the merge wait for this core's data before releasing anything later. */
  activate(core: number): void {
    this.queue(core);
  }

  /** Moves the core's pending items with keys up to (hi, lo) (all: hi = Infinity) into its queue. */
  private settle(core: number, q: Queue<Entry<T, R>>, hi: number, lo: number): void {
    let n = 0;
    const ph = q.pendHi;
    const pl = q.pendLo;
    while (n < ph.length && (ph[n] < hi || (ph[n] === hi && pl[n] <= lo))) n++;
    if (n === 0) return;
    const his = ph.splice(0, n);
    const los = pl.splice(0, n);
    const items = q.pendItems.splice(0, n);
    this.queued -= n; // append() counts them again
    for (let i = 0; i < n; i++) this.append(core, q, his[i], los[i], items[i] as T);
  }

  private append(core: number, q: Queue<Entry<T, R>>, hi: number, lo: number, item: T): void {
    const wh = this.wmHi[core];
    const wl = this.wmLo[core];
    if (hi < wh || (hi === wh && lo < wl)) {
      hi = wh;
      lo = wl;
    }
    this.wmHi[core] = hi;
    this.wmLo[core] = lo;
    put(q, hi, lo, item);
    this.queued++;
  }

  /** Queues an item of a core at time key. Call pump() after a batch. */
  push(core: number, key: bigint, item: T): void {
    const q = this.queue(core);
    split(key);
    const hi = S[0];
    const lo = S[1];
    if (q.pendHi.length > 0) this.settle(core, q, hi, lo);
    this.append(core, q, hi, lo, item);
  }

  /**
   * Queues events [from, to) of src as push() of each in turn would: pending items of the
   * core whose time an event reaches go in before that event.
   */
  pushRun(core: number, src: R, from: number, to: number): void {
    const q = this.queue(core);
    split(src.nsBase);
    const bh = S[0];
    const bl = S[1];
    let pos = from;
    while (pos < to) {
      let stop = to;
      if (q.pendHi.length > 0) {
        const p = diff(q.pendHi[0], q.pendLo[0], bh, bl);
        stop = pos;
        while (stop < to && src.nsOff[stop] < p) stop++;
      }
      if (stop > pos) this.appendRun(core, q, src, pos, stop, bh, bl);
      if (stop < to) {
        // the pending items up to this event go in before it (at least one moves)
        let lo = bl + src.nsOff[stop];
        let hi = bh;
        if (lo >= LO) {
          lo -= LO;
          hi++;
        }
        this.settle(core, q, hi, lo);
      }
      pos = stop;
    }
  }

  private appendRun(core: number, q: Queue<Entry<T, R>>, src: R, from: number, to: number, bh: number, bl: number): void {
    const wh = this.wmHi[core];
    const wl = this.wmLo[core];
    const d = wh === UNKNOWN ? -Infinity : diff(wh, wl, bh, bl);
    let run: Run<R>;
    if (d <= 0) run = new Run(src, from, to, bh, bl, 0, -Infinity);
    else if (d < LO) run = new Run(src, from, to, bh, bl, 0, d);
    else run = new Run(src, from, to, wh, wl, -Infinity, 0); // every event is before the watermark
    this.keyOf(run, to - 1);
    this.wmHi[core] = K[0];
    this.wmLo[core] = K[1];
    this.keyOf(run, from);
    put(q, K[0], K[1], run);
    this.queued += to - from;
    this.runsAdded++;
  }

  /** Key of event i of run into (K[0], K[1]). */
  private keyOf(run: Run<R>, i: number): void {
    let lo = run.baseLo + run.rel(i);
    let hi = run.baseHi;
    if (lo >= LO) {
      lo -= LO;
      hi++;
    }
    K[0] = hi;
    K[1] = lo;
  }

  /** Queues an item of a core at time key without moving the core's watermark (see above). */
  pushPending(core: number, key: bigint, item: T): void {
    const q = this.queue(core);
    split(key);
    const wh = this.wmHi[core];
    if (S[0] < wh || (S[0] === wh && S[1] <= this.wmLo[core])) {
      this.append(core, q, S[0], S[1], item);
      return;
    }
    q.pendHi.push(S[0]);
    q.pendLo.push(S[1]);
    q.pendItems.push(item);
    this.queued++;
    if (q.pendHi.length > PENDING_LIMIT) this.settle(core, q, q.pendHi[0], q.pendLo[0]);
  }

  /** Queues an item that belongs to no core at time key (see above). */
  pushGlobal(key: bigint, item: T): void {
    split(key);
    let hi = S[0];
    let lo = S[1];
    if (hi < this.globalHi || (hi === this.globalHi && lo < this.globalLo)) {
      hi = this.globalHi;
      lo = this.globalLo;
    }
    this.globalHi = hi;
    this.globalLo = lo;
    put(this.global, hi, lo, item);
    this.queued++;
  }

  /**
   * Queues an item without a time right behind the global items still waiting, so that it
   * follows the header it came after; returns false (nothing queued) when none waits.
   */
  pushAfterGlobal(item: T): boolean {
    const g = this.global;
    if (g.head === g.len || this.globalHi === UNKNOWN) return false;
    put(g, this.globalHi, this.globalLo, item);
    this.queued++;
    return true;
  }

  /** Declares that the core's future items are at or after key. */
  advance(core: number, key: bigint): void {
    const q = this.queue(core);
    split(key);
    if (q.pendHi.length > 0) this.settle(core, q, S[0], S[1]);
    const wh = this.wmHi[core];
    if (S[0] > wh || (S[0] === wh && S[1] > this.wmLo[core])) {
      this.wmHi[core] = S[0];
      this.wmLo[core] = S[1];
    }
  }

  /** Current watermark of a core (undefined before its first item). */
  watermark(core: number): bigint | undefined {
    const wh = this.wmHi[core];
    return wh === undefined || wh === UNKNOWN ? undefined : join(wh, this.wmLo[core]);
  }

  // earliest()'s answer, in fields: it runs once per released slice
  private eLane = 0;
  private eHi = 0;
  private eLo = 0;

  /** Finds the lane whose head is earliest (ties: global first, then the lower core) into eLane/eHi/eLo. */
  private earliest(): boolean {
    let m = 0;
    let found = false;
    let mh = 0;
    let ml = 0;
    const g = this.global;
    if (g.head < g.len) {
      m = GLOBAL;
      found = true;
      mh = g.hi[g.head];
      ml = g.lo[g.head];
    }
    const act = this.active;
    for (let i = 0; i < act.length; i++) {
      const c = act[i];
      const q = this.queues[c]!;
      if (q.head < q.len) {
        const h = q.hi[q.head];
        const l = q.lo[q.head];
        if (!found || h < mh || (h === mh && (l < ml || (l === ml && c < m)))) {
          m = c;
          mh = h;
          ml = l;
          found = true;
        }
      }
    }
    if (!found) return false;
    this.eLane = m;
    this.eHi = mh;
    this.eLo = ml;
    return true;
  }

  /** Releases every item that can be placed in order now (and more when over the limit). */
  pump(): void {
    const act = this.active;
    const g = this.global;
    for (;;) {
      if (this.queued === 0) return;
      if (act.length === 2 && g.head === g.len && this.queued <= this.limit && this.alternate()) continue;
      if (!this.earliest()) return;
      const m = this.eLane;
      const mh = this.eHi;
      const ml = this.eLo;
      const over = this.queued > this.limit;
      // the first core (if any) whose data does not yet prove that nothing comes before m's head
      let waitFor = -1;
      for (let i = 0; i < act.length; i++) {
        const c = act[i];
        if (c === m) continue;
        const q = this.queues[c]!;
        if (q.head < q.len) continue;
        const wh = this.wmHi[c];
        const wl = this.wmLo[c];
        if (wh !== UNKNOWN && (wh > mh || (wh === mh && (wl > ml || (wl === ml && c > m))))) continue;
        waitFor = c;
        break;
      }
      if (waitFor >= 0) {
        if (!over) return;
        // over the limit: released unproven. Said once per stretch of such releases, not per item.
        if (!this.unproven) {
          this.unproven = true;
          this.onUnproven(waitFor, mh === UNKNOWN ? null : join(mh, ml));
        }
      } else {
        this.unproven = false;
      }
      this.take(m, over ? 1 : 2);
    }
  }

  /**
   * The common case of two cores, in one loop: while both lanes' heads are runs (and nothing
   * global waits), the lane whose head is earlier releases its events up to the other's
   * head, and the other takes over. This is the order pump() and take(·, 2) give, without
   * their search over every lane per slice: on cores whose clocks run together the slices
   * are one or two events long. False when the heads are not two runs (nothing released).
   */
  private alternate(): boolean {
    const c0 = this.active[0];
    const c1 = this.active[1];
    // a is the lower core: it goes first on a tie
    const ca = c0 < c1 ? c0 : c1;
    const cb = c0 < c1 ? c1 : c0;
    const qa = this.queues[ca]!;
    const qb = this.queues[cb]!;
    if (qa.head === qa.len || qb.head === qb.len) return false;
    let a = qa.items[qa.head];
    let b = qb.items[qb.head];
    if (!(a instanceof Run) || !(b instanceof Run)) return false;
    let moved = false;
    try {
      for (;;) {
        // keys relative to a's base: exact while both parts stay below 2^52
        const d = diff(b.baseHi, b.baseLo, a.baseHi, a.baseLo);
        if (!(d > -LO && d < LO)) return moved;
        const ea = a.end;
        const eb = b.end;
        let ia = a.pos;
        let ib = b.pos;
        let ka = a.rel(ia);
        let kb = d + b.rel(ib);
        for (;;) {
          if (ka <= kb) {
            let s = ia + 1;
            while (s < ea && a.rel(s) <= kb) s++;
            moved = true;
            if (this.slice(qa, a, ia, s)) {
              const next = qa.head < qa.len ? qa.items[qa.head] : undefined;
              if (!(next instanceof Run)) return true;
              a = next;
              break;
            }
            ia = s;
            ka = a.rel(s);
          } else {
            let s = ib + 1;
            while (s < eb && d + b.rel(s) < ka) s++;
            moved = true;
            if (this.slice(qb, b, ib, s)) {
              const next = qb.head < qb.len ? qb.items[qb.head] : undefined;
              if (!(next instanceof Run)) return true;
              b = next;
              break;
            }
            ib = s;
            kb = d + b.rel(s);
          }
        }
      }
    } finally {
      // the queues' head keys follow the runs' positions
      this.syncHead(qa);
      this.syncHead(qb);
    }
  }

  /** Releases events [from, to) of run, q's head; true when that was its last slice (popped). */
  private slice(q: Queue<Entry<T, R>>, run: Run<R>, from: number, to: number): boolean {
    this.queued -= to - from;
    run.pos = to;
    const last = to === run.end;
    if (last) this.pop(q);
    this.emitRun(run.src, from, to, last);
    return last;
  }

  /** Sets the head key of q to its run's next event (when the head is a run). */
  private syncHead(q: Queue<Entry<T, R>>): void {
    if (q.head === q.len) return;
    const run = q.items[q.head];
    if (!(run instanceof Run)) return;
    this.keyOf(run, run.pos);
    q.hi[q.head] = K[0];
    q.lo[q.head] = K[1];
  }

  // bound()'s answer: a run in lane m may release events with key < (bHi, bLo), <= when !bStrict
  private bHi = 0;
  private bLo = 0;
  private bStrict = false;

  /**
   * What bounds the release of lane m's run: the other lanes' heads, and with watermarks
   * (useWm) the watermarks of those that are empty. False: nothing does.
   */
  private bound(m: number, useWm: boolean): boolean {
    let found = false;
    let bh = 0;
    let bl = 0;
    let strict = false;
    const g = this.global;
    if (g.head < g.len) {
      bh = g.hi[g.head];
      bl = g.lo[g.head];
      strict = true; // a global item goes before core items of its time
      found = true;
    }
    const act = this.active;
    for (let i = 0; i < act.length; i++) {
      const c = act[i];
      if (c === m) continue;
      const q = this.queues[c]!;
      let h: number;
      let l: number;
      if (q.head < q.len) {
        h = q.hi[q.head];
        l = q.lo[q.head];
      } else if (useWm) {
        h = this.wmHi[c];
        l = this.wmLo[c];
      } else continue;
      // ties go to the lower lane
      if (!found || h < bh || (h === bh && l < bl)) {
        bh = h;
        bl = l;
        strict = c < m;
        found = true;
      } else if (h === bh && l === bl && c < m) strict = true;
    }
    this.bHi = bh;
    this.bLo = bl;
    this.bStrict = strict;
    return found;
  }

  /** Releases lane's head; of a run, one event (mode 1), as many as the other lanes allow
   * by heads and watermarks (2) or by heads alone (3, flush). */
  private take(lane: number, mode: 1 | 2 | 3): void {
    const q = lane === GLOBAL ? this.global : this.queues[lane]!;
    const entry = q.items[q.head]!;
    if (entry instanceof Run) {
      const run = entry;
      const from = run.pos;
      const end = run.end;
      let stop = from + 1;
      if (mode !== 1) {
        if (!this.bound(lane, mode === 2)) stop = end;
        else {
          const br = this.bHi === UNKNOWN ? -Infinity : diff(this.bHi, this.bLo, run.baseHi, run.baseLo);
          if (this.bStrict) while (stop < end && run.rel(stop) < br) stop++;
          else while (stop < end && run.rel(stop) <= br) stop++;
        }
      }
      this.queued -= stop - from;
      if (stop < end) {
        run.pos = stop;
        this.keyOf(run, stop);
        q.hi[q.head] = K[0];
        q.lo[q.head] = K[1];
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
        q.hi.length = 0;
        q.lo.length = 0;
      }
    } else if (q.head >= 4096 && q.head * 2 >= q.len) {
      q.items.copyWithin(0, q.head, q.len);
      q.hi.copyWithin(0, q.head, q.len);
      q.lo.copyWithin(0, q.head, q.len);
      q.len -= q.head;
      q.items.fill(undefined, q.len);
      q.head = 0;
    }
  }

  /** Releases everything in time order and forgets all cores (end of input or of a session). */
  flush(): void {
    for (const c of this.active) this.settle(c, this.queues[c]!, Infinity, 0);
    while (this.earliest()) this.take(this.eLane, 3);
    this.queues = [];
    this.wmHi = [];
    this.wmLo = [];
    this.active = [];
    this.global = newQueue();
    this.globalHi = UNKNOWN;
    this.globalLo = 0;
    this.queued = 0;
  }
}

function put<E>(q: Queue<E>, hi: number, lo: number, item: E): void {
  const i = q.len;
  if (i < q.items.length) {
    q.hi[i] = hi;
    q.lo[i] = lo;
    q.items[i] = item;
  } else {
    q.hi.push(hi);
    q.lo.push(lo);
    q.items.push(item);
  }
  q.len = i + 1;
}
