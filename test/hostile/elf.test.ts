// Issue 10 §8 (ELF) and issue 14 §6: an --elf that names nothing says so in one line instead
// of silently giving raw ids (no .tp_meta, a section-name index of 0 or out of range), and a
// big-endian ELF is reported as big-endian, not as "32-bit machine 10240". Real ELFs from the
// firmware build, patched where the case needs it, and a real big-endian object from
// arm-none-eabi-gcc -mbig-endian.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BOARD, cli, elf, requireBuilt } from '../e2e/helpers.js';
import { StreamWriter } from '../../host/src/core/encode.js';
import { loadMetadata } from '../../host/src/core/metadata.js';
import { hostileDir, lines } from './helpers.js';

const dir = hostileDir('elf');
let stream: string;
let metaElf: Uint8Array;

/** A short stream with the build id of `buildId`: a log event of id 0 and a FINAL status. */
function streamFor(buildId: string): Uint8Array {
  const w = new StreamWriter();
  w.raw(Uint8Array.of(0));
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 512, packets: 4, ts: 0, session: 1, buildId });
  w.beginPacket(0, 0, 10, 0, 0, 0);
  w.event('mark', 0, 11);
  w.endPacket(12);
  w.status({ core: 0, final: true, ts: 13, nextSeq: 1, committed: 1, dropped: 0, overwritten: 0 });
  return w.bytes();
}

/** The ELF with its e_shstrndx (offset 50, u16 LE) set to `index`. */
function withShstrndx(bytes: Uint8Array, index: number): string {
  const copy = Buffer.from(bytes);
  copy.writeUInt16LE(index, 50);
  const path = join(dir, `shstrndx-${index}.elf`);
  writeFileSync(path, copy);
  return path;
}

beforeAll(() => {
  requireBuilt('meta_demo', 'demo');
  metaElf = readFileSync(elf('meta_demo'));
  stream = join(dir, 'meta.bin');
  writeFileSync(stream, streamFor(loadMetadata(metaElf).buildId));
});

function warnings(stderr: string): string[] {
  return lines(stderr).filter((l) => l.startsWith('tracepipe: warning:'));
}

describe('--elf that names nothing: one warning line, raw ids', () => {
  it('an ELF without .tp_meta (apps/e2e_clean)', async () => {
    const demoStream = join(dir, 'e2e_clean.bin');
    writeFileSync(demoStream, streamFor(loadMetadata(readFileSync(elf('e2e_clean'))).buildId));
    const r = await cli(['decode', '--events-only', '--elf', elf('e2e_clean'), demoStream]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual([`tracepipe: warning: ${elf('e2e_clean')}: no tracepipe metadata (no .tp_meta section); events keep their raw ids`]);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(r.stdout).toMatch(/ mark {7}id=0/);
  });

  it('a section-name index of 0', async () => {
    const patched = withShstrndx(metaElf, 0);
    const r = await cli(['decode', '--events-only', '--elf', patched, stream]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual([
      `tracepipe: warning: ${patched}: the ELF has no section-name table (e_shstrndx is 0), so no .tp_meta section can be found; events keep their raw ids`,
    ]);
  });

  it('a section-name index out of range', async () => {
    const patched = withShstrndx(metaElf, 999);
    for (const cmd of ['decode', 'stats', 'export']) {
      const r = await cli([cmd, '--elf', patched, stream]);
      expect(r.code, cmd).toBe(0);
      expect(warnings(r.stderr), cmd).toHaveLength(1);
      expect(warnings(r.stderr)[0]).toMatch(/section-name table index 999 is out of range \(\d+ sections\), so no \.tp_meta section can be found/);
    }
  });

  it('a section-name index naming a section that is not a string table', async () => {
    const patched = withShstrndx(metaElf, 1);
    const r = await cli(['decode', '--elf', patched, stream]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)[0]).toMatch(/section-name table index 1 is not a string table/);
  });

  it('the unpatched ELF names the event and warns about nothing', async () => {
    const r = await cli(['decode', '--events-only', '--elf', elf('meta_demo'), stream]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/id=0/);
  });
});

describe('a big-endian ELF is called big-endian', () => {
  it('EI_DATA flipped to big-endian in a real little-endian ARM ELF', async () => {
    const copy = Buffer.from(metaElf);
    copy[5] = 2;
    const path = join(dir, 'flipped.elf');
    writeFileSync(path, copy);
    const r = await cli(['decode', '--elf', path, stream]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`tracepipe: ${path}: a big-endian 32-bit ELF; Cortex-M firmware is little-endian (build without -mbig-endian)`]);
    expect(r.stderr).not.toContain('10240');
  });

  it('a big-endian ARM object from arm-none-eabi-gcc -mbig-endian', async () => {
    const src = join(dir, 'be.c');
    const obj = join(dir, 'be.o');
    writeFileSync(src, 'int f(void) { return 1; }\n');
    execFileSync('arm-none-eabi-gcc', ['-mbig-endian', '-c', src, '-o', obj]);
    const r = await cli(['decode', '--elf', obj, stream]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`tracepipe: ${obj}: a big-endian 32-bit ARM ELF; Cortex-M firmware is little-endian (build without -mbig-endian)`]);
  });

  it(`the same ELF checks are made for every decoding command (${BOARD} build)`, async () => {
    const copy = Buffer.from(metaElf);
    copy[5] = 2;
    const path = join(dir, 'flipped2.elf');
    writeFileSync(path, copy);
    for (const cmd of ['stats', 'export', 'view']) {
      const r = await cli([cmd, '--elf', path, stream, ...(cmd === 'view' ? ['-o', join(dir, 'v.html')] : [])]);
      expect(r.code, cmd).toBe(1);
      expect(lines(r.stderr), cmd).toHaveLength(1);
      expect(r.stderr).toMatch(/a big-endian 32-bit ELF/);
    }
  });
});
