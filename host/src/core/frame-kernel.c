/*
 * The frame checks of the accounting path (issue 11) as a WebAssembly kernel: the CRC-32C of a
 * decoded frame (SPEC §2) and the counting walk over a PACKET's events (countEvents of
 * messages.ts, the same bytes accepted and the same -1 for anything the checked parser must
 * decide), and before them the splitter's delimiter search and COBS decode of each frame within
 * a piece of its input (FrameSplitter.whole of frames.ts). scan() does all of it for the whole
 * frames of a piece at once, with the packet head, two frames side by side, and leaves a row per
 * PACKET the decoder can book without reading it (the stats path). Plain C11, no libc:
 * host/build-wasm.mjs compiles it with clang for wasm32 and writes the module into
 * frame-kernel-wasm.ts; frame-kernel.ts is its JavaScript side.
 *
 * One instance serves one FrameSplitter: its decoded frame lives in `frame` here, so the
 * kernel reads it where the splitter wrote it (no copy). The memory never grows, so the views
 * JavaScript keeps of it stay valid.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* MAX_COBS of frames.ts (MAX_MESSAGE + CRC_BYTES + COBS_SLACK); frame-kernel.ts checks it. */
#define FRAME_BYTES 4117
/* countEvents reads the bytes after an event's header in masks of 8 and 16, which may lie past the
 * frame: zeros here, as JavaScript reads undefined (a varint's end) past its buffer. A read past
 * the frame ends within them (each byte there ends a varint; 22 bytes at most are read). */
#define FRAME_PAD 48

static u8 frame[FRAME_BYTES + FRAME_PAD] __attribute__((aligned(16)));

/* A piece of the splitter's input, put here by JavaScript (one native copy per STAGE_BYTES):
 * find_zero and cobs read it here, not in the JIT's loops, and no view is made per frame. */
#define STAGE_BYTES 65536
static u8 stage[STAGE_BYTES + FRAME_PAD] __attribute__((aligned(16)));

/* The tick offsets of the first and the last event counted by count_events (below 2^53). */
static double span[2];

/* Slicing-by-16: in wasm it beats slicing-by-8 by a quarter (the table loads of one step do
 * not depend on each other; fewer steps, shorter chains). crc_table[k][n]: n advanced k more
 * bytes. */
static u32 crc_table[16][256];

/* Events: VAR_ARGS, FIXED_ARG_BYTES, STEP_ROW and STEPS of messages.ts, copied in by
 * frame-kernel.ts before init() (one definition of what a header byte means). */
static u8 var_args[256];
static u8 fixed_arg_bytes[256];
static u16 step_row[256];
static u16 steps[8 * 256];
/* The walk's step: event_step[advance_row[h] | m] is, for an event the table covers, its length
 * after its header byte ((steps >> 8) + FIXED_ARG_BYTES, bits 0-7), where its dt lies in the 8
 * bytes after the header (8 * the id's bytes, bits 8-15) and 0x3f80 where dt has a second byte
 * (bits 16-31); 0: not covered. One load gives the next event's position and this one's dt; one
 * row per distinct (var_args, fixed_arg_bytes) pair of headers (17 of them). */
#define ADVANCE_ROWS 24
static u16 advance_row[256];
static u32 event_step[ADVANCE_ROWS * 256];

u32 frame_at(void) { return (u32)(unsigned long)frame; }
u32 frame_bytes(void) { return FRAME_BYTES; }
u32 span_at(void) { return (u32)(unsigned long)span; }
u32 stage_at(void) { return (u32)(unsigned long)stage; }
u32 stage_bytes(void) { return STAGE_BYTES; }
u32 var_args_at(void) { return (u32)(unsigned long)var_args; }
u32 fixed_arg_bytes_at(void) { return (u32)(unsigned long)fixed_arg_bytes; }
u32 step_row_at(void) { return (u32)(unsigned long)step_row; }
u32 steps_at(void) { return (u32)(unsigned long)steps; }

/* The tables derived here: the CRC's, and event_step from the event tables JavaScript put in. */
void init(void) {
  for (u32 n = 0; n < 256; n++) {
    u32 c = n;
    for (int i = 0; i < 8; i++) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    crc_table[0][n] = c;
  }
  for (u32 n = 0; n < 256; n++) {
    u32 c = crc_table[0][n];
    for (int k = 1; k < 16; k++) {
      c = crc_table[0][c & 0xff] ^ (c >> 8);
      crc_table[k][n] = c;
    }
  }
  u16 row_key[ADVANCE_ROWS];
  u32 rows = 0;
  for (int h = 0; h < 256; h++) {
    u16 key = (u16)(step_row[h] | fixed_arg_bytes[h]);
    u32 r = 0;
    while (r < rows && row_key[r] != key) r++;
    if (r == rows) {
      /* ADVANCE_ROWS holds every pair SPEC's header byte can make */
      row_key[rows++] = key;
      for (int m = 0; m < 256; m++) {
        u32 step = steps[step_row[h] | m];
        u32 id = step & 15, two = ((step >> 4) & 15) - id == 2;
        event_step[r * 256 + m] = step == 0 ? 0 : ((step >> 8) + fixed_arg_bytes[h]) | (8 * id) << 8 | (two ? 0x3f80u : 0) << 16;
      }
    }
    advance_row[h] = (u16)(r << 8);
  }
}

static u32 load32(const u8 *p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

#define SLICE4(w, k) \
  (crc_table[(k) + 3][(w) & 0xff] ^ crc_table[(k) + 2][((w) >> 8) & 0xff] ^ crc_table[(k) + 1][((w) >> 16) & 0xff] ^ \
   crc_table[(k)][(w) >> 24])

/* The CRC-32C register c after p[0, len). */
static u32 crc_run(u32 c, const u8 *p, u32 len) {
  for (; len >= 16; p += 16, len -= 16) {
    u32 a = load32(p) ^ c, b = load32(p + 4), d = load32(p + 8), e = load32(p + 12);
    c = SLICE4(a, 12) ^ SLICE4(b, 8) ^ SLICE4(d, 4) ^ SLICE4(e, 0);
  }
  for (; len > 0; len--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

/* CRC-32C of p[0, len). */
static u32 crc_of(const u8 *p, u32 len) { return ~crc_run(0xffffffffu, p, len); }

/* The CRC-32C of p[0, lp) and of q[0, lq), their common blocks in one loop: two chains of table
 * loads side by side run a fifth faster than one after the other. */
static void crc_pair(const u8 *p, u32 lp, const u8 *q, u32 lq, u32 *cp, u32 *cq) {
  u32 c = 0xffffffffu, g = 0xffffffffu;
  u32 n = (lp < lq ? lp : lq) & ~15u;
  for (u32 i = 0; i < n; i += 16) {
    u32 a = load32(p + i) ^ c, b = load32(p + i + 4), d = load32(p + i + 8), e = load32(p + i + 12);
    u32 a2 = load32(q + i) ^ g, b2 = load32(q + i + 4), d2 = load32(q + i + 8), e2 = load32(q + i + 12);
    c = SLICE4(a, 12) ^ SLICE4(b, 8) ^ SLICE4(d, 4) ^ SLICE4(e, 0);
    g = SLICE4(a2, 12) ^ SLICE4(b2, 8) ^ SLICE4(d2, 4) ^ SLICE4(e2, 0);
  }
  *cp = ~crc_run(c, p + n, lp - n);
  *cq = ~crc_run(g, q + n, lq - n);
}

u32 crc(u32 len) { return crc_of(frame, len); }

/* Copies the group of len bytes at src to frame + dst in whole words: up to 7 bytes past it are
 * written too, which the next group overwrites or which lie past the frame's end. */
static void copy_group(u8 *out, u32 dst, const u8 *src, u32 len) {
  u32 k = 0;
  do {
    u64 w;
    __builtin_memcpy(&w, src + k, 8);
    __builtin_memcpy(out + dst + k, &w, 8);
    k += 8;
  } while (k < len);
}

/* The first 0x00 of stage[i, len), or len: sixteen bytes a step in SIMD (a memchr's pace; a
 * word loop took twice as long). */
typedef signed char i8x16 __attribute__((vector_size(16)));
__attribute__((target("simd128"))) u32 find_zero(u32 i, u32 len) {
  if (len > STAGE_BYTES) return len;
  const i8x16 zeros = {0};
  for (; i + 16 <= len; i += 16) {
    i8x16 v;
    __builtin_memcpy(&v, stage + i, 16);
    u32 hits = (u32)__builtin_wasm_bitmask_i8x16(v == zeros);
    if (hits != 0) return i + (u32)__builtin_ctz(hits);
  }
  for (; i < len; i++)
    if (stage[i] == 0) return i;
  return len;
}

/*
 * FrameSplitter.whole of frames.ts: undoes COBS on stage[at, at + n) (no 0x00 among them, n <=
 * FRAME_BYTES) into out (frame or a slot). The decoded length, or minus the bytes the last code
 * points past n. Most groups are a few bytes of random length: whole-word copies and an
 * unconditional 0x00 spare the branches a byte loop would mispredict.
 */
static int cobs_to(u8 *out, u32 at, u32 n) {
  if (n == 0 || n > FRAME_BYTES || at > STAGE_BYTES - n) return -1;
  const u8 *in = stage + at;
  u32 p = 0, dst = 0, end;
  for (;;) {
    u32 code = in[p];
    end = p + code;
    if (end >= n) break;
    copy_group(out, dst, in + p + 1, code - 1);
    dst += code - 1;
    /* a code below 0xFF stands for the 0x00 that ended its group (else the next group overwrites it) */
    out[dst] = 0;
    dst += code != 0xff;
    p = end;
  }
  copy_group(out, dst, in + p + 1, n - p - 1);
  dst += n - p - 1;
  /* the words past the frame's end: back to the zeros count_events relies on */
  u64 zero = 0;
  for (u32 k = 0; k < FRAME_PAD; k += 8) __builtin_memcpy(out + FRAME_BYTES + k, &zero, 8);
  return end == n ? (int)dst : -(int)(end - n);
}

int cobs(u32 at, u32 n) { return cobs_to(frame, at, n); }

/* The dt of the event step_event stepped over. */
static u64 step_dt;

/* Bit i: byte i of the 8 in w is below 0x80 (ends a varint); the multiply gathers the eight high
 * bits into the top byte, each at its own place, with no carries between them. */
static inline u32 ends_of(u64 w) { return (u32)((((~w) & 0x8080808080808080ull) * 0x0002040810204081ull) >> 56); }

/* ends_of the 8 bytes at p. */
static inline u32 ends8(const u8 *p) {
  u64 w;
  __builtin_memcpy(&w, p, 8);
  return ends_of(w);
}

/*
 * stepEvent of messages.ts: one event of f the table does not cover; the position after it, or
 * -1. Its varints are found in the masks of the 16 bytes after the header and after dt (their
 * ends as bits), not a byte at a time: these events come in no order a branch could predict.
 * Bytes past the frame may be read (FRAME_PAD): where they decide anything the event ends past
 * the frame, which fails either way.
 */
static int step_event(const u8 *f, int p, u32 h) {
  u32 m = ends8(f + p + 1) | ends8(f + p + 9) << 8 | 0x10000;
  /* id: at most 4 bytes; dt: at most 7 */
  u32 id_last = (u32)__builtin_ctz(m);
  if (id_last > 3) return -1;
  u32 dt_bytes = (u32)__builtin_ctz(m >> (id_last + 1)) + 1;
  if (dt_bytes > 7) return -1;
  int q = p + 2 + (int)id_last;
  u64 dt = 0;
  for (u32 i = 0; i < dt_bytes; i++) dt |= (u64)(f[q + (int)i] & 0x7f) << (7 * i);
  q += (int)dt_bytes;
  step_dt = dt;
  int nv = var_args[h];
  if (nv == 255) {
    if ((h & 3) != 0) return -1;
    u32 len = f[q];
    if (len >= 0x80) return -1;
    return q + 1 + (int)len;
  }
  if (nv != 0) {
    /* nv varints of at most 7 bytes each, their ends found in a mask of 16 bytes; one that goes
     * on past the mask is looked for again in the mask of the 16 bytes from its start */
    for (;;) {
      u32 a = ends8(f + q) | ends8(f + q + 8) << 8;
      u32 left = 16;
      for (;;) {
        if (a == 0) {
          if (left >= 7) return -1;
          break;
        }
        u32 last = (u32)__builtin_ctz(a);
        if (last > 6) return -1;
        q += (int)last + 1;
        left -= last + 1;
        a >>= last + 1;
        if (--nv == 0) return q + fixed_arg_bytes[h];
      }
    }
  }
  return q + fixed_arg_bytes[h];
}

/* A position no frame reaches: where a walk that failed stands (its next check fails). */
#define WALK_FAILED 0x40000000

/*
 * One event of countEvents of messages.ts at f[p], p < end: p moves past it and off by its dt
 * (p to WALK_FAILED where it must be decided by the checked parser). m: which of the 8 bytes
 * after the header end a varint (ends_of); w_ stays for the dt it holds.
 */
#define WALK_STEP(f, p, off)                                                                         \
  do {                                                                                               \
    u32 h_ = (f)[p];                                                                                 \
    u64 w_;                                                                                          \
    __builtin_memcpy(&w_, (f) + (p) + 1, 8);                                                         \
    u32 m_ = ends_of(w_);                                                                            \
    u32 e_ = event_step[advance_row[h_] | m_];                                                       \
    if (e_ != 0) {                                                                                   \
      u32 x_ = (u32)(w_ >> ((e_ >> 8) & 0xff));                                                      \
      (off) += (x_ & 0x7f) | ((x_ >> 1) & (e_ >> 16));                                               \
      (p) += 1 + (int)(e_ & 0xff);                                                                   \
    } else {                                                                                         \
      int q_ = step_event((f), (p), h_);                                                             \
      (off) += step_dt;                                                                              \
      (p) = q_ < 0 ? WALK_FAILED : q_;                                                               \
    }                                                                                                \
  } while (0)

/* A walk over f[p, end) of n events: k of them stepped over so far; off the tick offset of the
 * last, first of the first. */
struct walk {
  const u8 *f;
  int p, end;
  u32 k, n;
  u64 off, first;
};

/* w to its end: the position after its n events, or -1 (as countEvents: an event that does not
 * start before end, or ends past it, or an offset past 2^53; n < 2^12 events of dt < 2^49
 * cannot wrap off). */
static int walk_end(struct walk *w) {
  const u8 *f = w->f;
  int p = w->p, end = w->end;
  u64 off = w->off, first = w->first;
  for (u32 k = w->k; k < w->n; k++) {
    if (p >= end) return -1;
    WALK_STEP(f, p, off);
    if (k == 0) first = off;
  }
  w->off = off;
  w->first = first;
  return p <= end && off <= 9007199254740991ull ? p : -1;
}

/* The walks a and b to their ends (walk_end of each), their common events in one loop: each
 * walk is one chain of dependent loads, and two chains fill the time one waits. */
static void walk_pair(struct walk *a, struct walk *b, int *qa, int *qb) {
  u32 common = a->n < b->n ? a->n : b->n;
  if (common > 0 && a->p < a->end && b->p < b->end) {
    const u8 *fa = a->f, *fb = b->f;
    int pa = a->p, pb = b->p, ea = a->end, eb = b->end;
    u64 oa = 0, ob = 0;
    WALK_STEP(fa, pa, oa);
    WALK_STEP(fb, pb, ob);
    a->first = oa;
    b->first = ob;
    u32 k = 1;
    for (; k < common && pa < ea && pb < eb; k++) {
      WALK_STEP(fa, pa, oa);
      WALK_STEP(fb, pb, ob);
    }
    a->p = pa;
    b->p = pb;
    a->off = oa;
    b->off = ob;
    a->k = b->k = k;
  }
  *qa = walk_end(a);
  *qb = walk_end(b);
}

/*
 * countEvents of messages.ts over frame[p, end): n events stepped over; the position after
 * them (span set), or -1.
 */
int count_events(int p, int end, u32 n) {
  if (end > FRAME_BYTES || p < 0) return -1;
  struct walk w = {frame, p, end, 0, n, 0, 0};
  int q = walk_end(&w);
  if (q >= 0) {
    span[0] = (double)w.first;
    span[1] = (double)w.off;
  }
  return q;
}

/* ---- scan: the checks of many PACKET frames in one call ---- */

/* MAX_MESSAGE and MSG_PACKET of wire-gen.ts; frame-kernel.ts checks them. */
#define MAX_MESSAGE 4096
#define MSG_PACKET 0x02

/* A row of frame-scan.ts (ROW_START .. ROW_LAST), positions in the stage. */
#define SCAN_ROW 14
#define SCAN_ROWS 1024
static double scan_rows[SCAN_ROWS * SCAN_ROW];
/* Where scan stopped: the start of the first frame it left to JavaScript, or the stage's end. */
static u32 scan_stop;
/* Two frames decoded at once, so that their walks run side by side. */
static u8 slot[2][FRAME_BYTES + FRAME_PAD] __attribute__((aligned(16)));

u32 scan_rows_at(void) { return (u32)(unsigned long)scan_rows; }
u32 scan_rows_max(void) { return SCAN_ROWS; }
u32 scan_limits(void) { return MAX_MESSAGE << 16 | MSG_PACKET << 8 | SCAN_ROW; }
u32 scan_stop_at(void) { return scan_stop; }

/* varU32 of varint.ts: at most 5 bytes, the 5th at most 0x0F; 0 where it throws. */
static int var_u32(const u8 *f, int *p, int end, u32 *out) {
  u32 v = 0;
  for (int i = 0; i < 5; i++) {
    if (*p >= end) return 0;
    u32 b = f[(*p)++];
    if (i == 4 && b > 0x0f) return 0;
    v |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      *out = v;
      return 1;
    }
  }
  return 0;
}

/* A frame of the scan: where it lies in the stage, its decoded message, and once its head is
 * checked, its walk and its row but for first and last. */
struct checked {
  u32 from, resume;
  u8 *out;
  int end;
  struct walk w;
  double row[SCAN_ROW];
};

/*
 * The frame at stage[*at, ...) after any empty frames (which it steps over; *at is then that
 * frame's start), decoded into out and checked as frames.ts checkFrame does up to its CRC: 1, or
 * 0 where the decoder could decide anything else (no delimiter in the stage, COBS, length).
 */
static int decode_frame(u32 *at, u32 len, u8 *out, struct checked *c) {
  u32 i = *at;
  u32 z = find_zero(i, len);
  while (z == i && z < len) {
    i = z + 1;
    z = find_zero(i, len);
  }
  *at = i;
  if (z >= len || z - i > FRAME_BYTES) return 0;
  int got = cobs_to(out, i, z - i);
  if (got < 5 || got > MAX_MESSAGE + 4) return 0;
  c->from = i;
  c->resume = z + 1;
  c->out = out;
  c->end = got - 4;
  return 1;
}

/*
 * A decoded frame whose CRC register came out as crc, checked as the decoder checks a PACKET
 * before booking it (the CRC, then parsePacketHead of messages.ts for this wire version): 1, or
 * 0 where it could decide anything else (the CRC, the type, a head it would refuse, a duration
 * of 2^49 ticks or more).
 */
static int check_packet(u32 crc, u32 version, struct checked *c) {
  const u8 *out = c->out;
  int end = c->end;
  if (crc != load32(out + end) || out[0] != MSG_PACKET) return 0;
  int p = 1;
  u32 seq, eb, dr, ow, rj = 0, n;
  if (p >= end) return 0;
  u32 core = out[p++];
  if (!var_u32(out, &p, end, &seq) || end - p < 8) return 0;
  u32 ts_lo = load32(out + p), ts_hi = load32(out + p + 4);
  p += 8;
  /* duration: up to 7 bytes (49 bits), beyond which the decoder reads it itself */
  u64 dur = 0;
  for (int k = 0;; k++) {
    if (k == 7 || p >= end) return 0;
    u64 b = out[p++];
    dur |= (b & 0x7f) << (7 * k);
    if (b < 0x80) break;
  }
  if (!var_u32(out, &p, end, &eb) || !var_u32(out, &p, end, &dr) || !var_u32(out, &p, end, &ow)) return 0;
  if (version >= 2 && !var_u32(out, &p, end, &rj)) return 0;
  if (!var_u32(out, &p, end, &n) || (u64)n * 3 > (u64)(end - p)) return 0;
  struct walk w = {out, p, end, 0, n, 0, 0};
  c->w = w;
  double *r = c->row;
  r[0] = c->from;
  r[1] = c->resume;
  r[2] = core;
  r[3] = seq;
  r[4] = ts_lo;
  r[5] = ts_hi;
  r[6] = (double)dur;
  r[7] = eb;
  r[8] = dr;
  r[9] = ow;
  r[10] = rj;
  r[11] = n;
  return 1;
}

/* c's row once its walk passed, as FrameScanner writes it: 1, or 0 (the decoder reads the frame). */
static int put_row(struct checked *c, int q, u32 row) {
  if (q != c->w.end) return 0;
  double *r = scan_rows + row * SCAN_ROW;
  for (int k = 0; k < 12; k++) r[k] = c->row[k];
  r[12] = (double)c->w.first;
  r[13] = (double)c->w.off;
  return 1;
}

/*
 * The frames of stage[at, len), at a frame's start, for a decoder of that wire version: a row
 * for each PACKET the decoder would book without reading more than its head (frame-scan.ts),
 * up to the first frame it must read itself (scan_stop). The walks over two frames' events run
 * in one loop: each is one chain of dependent loads, and two chains fill the time one waits.
 */
u32 scan(u32 at, u32 len, u32 version) {
  u32 rows = 0;
  struct checked a, b;
  if (len > STAGE_BYTES) len = 0;
  while (rows + 2 <= SCAN_ROWS) {
    if (!decode_frame(&at, len, slot[0], &a)) break;
    u32 next = a.resume;
    if (!decode_frame(&next, len, slot[1], &b)) {
      if (!check_packet(crc_of(a.out, (u32)a.end), version, &a) || !put_row(&a, walk_end(&a.w), rows)) break;
      rows++;
      at = next;
      break;
    }
    u32 ca, cb;
    crc_pair(a.out, (u32)a.end, b.out, (u32)b.end, &ca, &cb);
    if (!check_packet(ca, version, &a)) break;
    if (!check_packet(cb, version, &b)) {
      if (!put_row(&a, walk_end(&a.w), rows)) break;
      rows++;
      at = b.from;
      break;
    }
    int qa, qb;
    walk_pair(&a.w, &b.w, &qa, &qb);
    if (!put_row(&a, qa, rows)) break;
    rows++;
    at = b.from;
    if (!put_row(&b, qb, rows)) break;
    rows++;
    at = b.resume;
  }
  scan_stop = at;
  return rows;
}
