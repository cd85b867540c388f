/*
 * The frame checks of the accounting path (issue 11) as a WebAssembly kernel: the CRC-32C of a
 * decoded frame (SPEC §2) and the counting walk over a PACKET's events (countEvents of
 * messages.ts, the same bytes accepted and the same -1 for anything the checked parser must
 * decide), and before them the splitter's delimiter search and COBS decode of each frame within
 * a piece of its input (FrameSplitter.whole of frames.ts). Plain C11, no libc: host/build-wasm.mjs compiles it with clang for wasm32 and
 * writes the module into frame-kernel-wasm.ts; frame-kernel.ts is its JavaScript side.
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
/* countEvents reads 8 bytes past an event's header, which may lie past the frame: zeros here,
 * as JavaScript reads undefined (a varint's end) past its buffer. */
#define FRAME_PAD 16

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
/* The walk's critical path: advance[advance_row[h] | m] is the event's length after its header
 * byte, (steps >> 8) + FIXED_ARG_BYTES in one byte-table load (0: not covered), one row per
 * distinct (var_args, fixed_arg_bytes) pair of headers (17 of them). The next event's loads wait
 * on it alone; steps only feeds the time sum, off that path. */
#define ADVANCE_ROWS 24
static u16 advance_row[256];
static u8 advance[ADVANCE_ROWS * 256];

u32 frame_at(void) { return (u32)(unsigned long)frame; }
u32 frame_bytes(void) { return FRAME_BYTES; }
u32 span_at(void) { return (u32)(unsigned long)span; }
u32 stage_at(void) { return (u32)(unsigned long)stage; }
u32 stage_bytes(void) { return STAGE_BYTES; }
u32 var_args_at(void) { return (u32)(unsigned long)var_args; }
u32 fixed_arg_bytes_at(void) { return (u32)(unsigned long)fixed_arg_bytes; }
u32 step_row_at(void) { return (u32)(unsigned long)step_row; }
u32 steps_at(void) { return (u32)(unsigned long)steps; }

/* The tables derived here: the CRC's, and advance from the event tables JavaScript put in. */
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
        advance[r * 256 + m] = step == 0 ? 0 : (u8)((step >> 8) + fixed_arg_bytes[h]);
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

/* CRC-32C of frame[0, len). */
u32 crc(u32 len) {
  const u8 *p = frame;
  u32 c = 0xffffffffu;
  for (; len >= 16; p += 16, len -= 16) {
    u32 a = load32(p) ^ c, b = load32(p + 4), d = load32(p + 8), e = load32(p + 12);
    c = SLICE4(a, 12) ^ SLICE4(b, 8) ^ SLICE4(d, 4) ^ SLICE4(e, 0);
  }
  for (; len > 0; len--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

/* Copies the group of len bytes at src to frame + dst in whole words: up to 7 bytes past it are
 * written too, which the next group overwrites or which lie past the frame's end. */
static void copy_group(u32 dst, const u8 *src, u32 len) {
  u32 k = 0;
  do {
    u64 w;
    __builtin_memcpy(&w, src + k, 8);
    __builtin_memcpy(frame + dst + k, &w, 8);
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
 * FRAME_BYTES) into frame. The decoded length, or minus the bytes the last code points past n.
 * Most groups are a few bytes of random length: whole-word copies and an unconditional 0x00
 * spare the branches a byte loop would mispredict.
 */
int cobs(u32 at, u32 n) {
  if (n == 0 || n > FRAME_BYTES || at > STAGE_BYTES - n) return -1;
  const u8 *in = stage + at;
  u32 p = 0, dst = 0, end;
  for (;;) {
    u32 code = in[p];
    end = p + code;
    if (end >= n) break;
    copy_group(dst, in + p + 1, code - 1);
    dst += code - 1;
    /* a code below 0xFF stands for the 0x00 that ended its group (else the next group overwrites it) */
    frame[dst] = 0;
    dst += code != 0xff;
    p = end;
  }
  copy_group(dst, in + p + 1, n - p - 1);
  dst += n - p - 1;
  /* the words past the frame's end: back to the zeros count_events relies on */
  u64 zero = 0;
  __builtin_memcpy(frame + FRAME_BYTES, &zero, 8);
  __builtin_memcpy(frame + FRAME_BYTES + 8, &zero, 8);
  return end == n ? (int)dst : -(int)(end - n);
}

/* The dt of the event step_event stepped over. */
static u64 step_dt;

/* stepEvent of messages.ts: one event the table does not cover; the position after it, or -1. */
static int step_event(int p, u32 h) {
  int q = p + 1;
  while (frame[q] >= 0x80) {
    q++;
    if (q - p > 4) return -1;
  }
  q++;
  u64 dt = frame[q++];
  if (dt >= 0x80) {
    dt &= 0x7f;
    for (int i = 1, shift = 7;; i++, shift += 7) {
      if (i > 6) return -1;
      u64 b = frame[q++];
      dt |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  step_dt = dt;
  int nv = var_args[h];
  if (nv == 255) {
    if ((h & 3) != 0) return -1;
    u32 len = frame[q];
    if (len >= 0x80) return -1;
    q += 1 + (int)len;
  } else if (nv != 0) {
    int run = 0;
    do {
      if (frame[q++] < 0x80) {
        nv--;
        run = 0;
      } else if (++run == 7) {
        return -1;
      }
    } while (nv != 0);
  }
  return q + fixed_arg_bytes[h];
}

/*
 * countEvents of messages.ts over frame[p, end): n events stepped over; the position after
 * them (span set), or -1.
 */
int count_events(int p, int end, u32 n) {
  u64 off = 0, first = 0;
  if (end > FRAME_BYTES || p < 0) return -1;
  for (u32 k = 0; k < n; k++) {
    if (p >= end) return -1;
    u32 h = frame[p];
    u64 w;
    __builtin_memcpy(&w, frame + p + 1, 8);
    /* bit i: byte i after the header is below 0x80 (ends a varint); the multiply gathers the
     * eight high bits into the top byte, each at its own place, with no carries between them */
    u32 m = (u32)((((~w) & 0x8080808080808080ull) * 0x0002040810204081ull) >> 56);
    u32 adv = advance[advance_row[h] | m];
    int q;
    if (adv != 0) {
      u32 step = steps[step_row[h] | m];
      u32 id = step & 15;
      u32 two = (u32)-(int)(((step >> 4) & 15) - id - 1);
      off += (u32)(frame[p + 1 + id] & 0x7f) | ((frame[p + 2 + id] & two) << 7);
      q = p + 1 + (int)adv;
    } else {
      q = step_event(p, h);
      if (q < 0) return -1;
      off += step_dt;
    }
    if (k == 0) first = off;
    if (q > end) return -1;
    p = q;
  }
  /* n < 2^12 events of dt < 2^49: off cannot wrap */
  if (off > 9007199254740991ull) return -1;
  span[0] = (double)first;
  span[1] = (double)off;
  return p;
}
