// The WebAssembly frame kernel (frame-kernel.c) on its own: the committed module is what the C
// compiles to, its CRC-32C is the protocol's (SPEC §2 check value, §10.1, every frame of every
// vector) and the JavaScript one's at every length, and kernels can be turned off. Its event
// count is checked against the general parser in fast-paths.test.ts; the decoder and the scan
// with and without kernels in decoder.property.test.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileKernel, kernelModuleText, TS_OUT } from '../../build-wasm.mjs';
import { crc32c } from './crc32c.js';
import { newFrameKernel, useFrameKernels } from './frame-kernel.js';
import { checkFrame, FRAME_CRC, FRAME_OK, FrameSplitter, MAX_COBS } from './frames.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

function kernel() {
  const k = newFrameKernel(MAX_COBS);
  if (!k) throw new Error('no frame kernel: WebAssembly missing?');
  return k;
}

describe('frame kernel (WebAssembly)', () => {
  it('the committed module is what frame-kernel.c compiles to (node host/build-wasm.mjs rewrites it)', () => {
    const committed = readFileSync(join(ROOT, TS_OUT), 'utf8');
    const fresh = kernelModuleText(compileKernel(join(ROOT, 'host/src/core/frame-kernel.c')));
    expect(committed).toBe(fresh);
  });

  it('gives the CRC-32C check value and the SPEC §10.1 frame CRC', () => {
    const k = kernel();
    k.frame.set(new TextEncoder().encode('123456789'));
    expect(k.crc(9)).toBe(0xe3069283);
    k.frame[0] = 0x10;
    expect(k.crc(1)).toBe(0x4223943e);
  });

  it('checks every frame of every protocol vector as the JavaScript CRC does', () => {
    let ok = 0;
    let bad = 0;
    for (const dir of ['valid', 'invalid']) {
      for (const f of readdirSync(join(ROOT, 'protocol/vectors', dir)).filter((n) => n.endsWith('.bin'))) {
        const s: FrameSplitter = new FrameSplitter({
          frame: (buf, len) => {
            expect(buf).toBe(s.kernel!.frame);
            const got = checkFrame(buf, len, s.words, s.kernel);
            expect(got).toBe(checkFrame(buf.slice(0, len), len, null));
            if (len >= 5) expect(s.kernel!.crc(len - 4)).toBe(crc32c(buf, 0, len - 4));
            if (got === FRAME_OK) ok++;
            if (got === FRAME_CRC) bad++;
          },
          bad: () => undefined,
        });
        s.push(readFileSync(join(ROOT, 'protocol/vectors', dir, f)));
      }
    }
    // the vectors hold good frames and at least one that fails its CRC (invalid/bad_crc)
    expect(ok).toBeGreaterThan(50);
    expect(bad).toBeGreaterThan(0);
  });

  it('equals the JavaScript CRC at every length a frame can have, whatever lies after it', () => {
    const k = kernel();
    for (let i = 0; i < MAX_COBS; i++) k.frame[i] = (i * 131 + 7) & 0xff;
    for (let len = 0; len <= MAX_COBS; len++) {
      expect(k.crc(len)).toBe(crc32c(k.frame, 0, len));
    }
  });

  it('each kernel has its own frame memory; off, splitters take the JavaScript paths', () => {
    const a = kernel();
    const b = kernel();
    a.frame[0] = 1;
    b.frame[0] = 2;
    expect(a.frame[0]).toBe(1);
    const was = useFrameKernels(false);
    try {
      expect(newFrameKernel(MAX_COBS)).toBeNull();
      expect(new FrameSplitter({ frame: () => undefined, bad: () => undefined }).kernel).toBeNull();
    } finally {
      useFrameKernels(was);
    }
    expect(new FrameSplitter({ frame: () => undefined, bad: () => undefined }).kernel).not.toBeNull();
    expect(() => newFrameKernel(MAX_COBS + 1)).toThrow(/4117-byte frames/);
  });
});
