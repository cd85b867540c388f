// FileSink on a real file system (issue 10 §1): what abort() may remove. A file this run
// created (its temporary file, or the file it renamed into place when that is still the same
// inode) goes; an earlier file, a symlink and a device never do.
import { existsSync, lstatSync, readFileSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSink, OutputWriteError } from '../../host/src/export/sinks.js';
import { hostileDir } from './helpers.js';

const dir = hostileDir('sinks');
const MiB = 'x'.repeat(1 << 20);

describe('FileSink', () => {
  it('writes to a temporary file next to the target, renamed into place on close', () => {
    const path = join(dir, 'new.txt');
    const sink = new FileSink(path);
    sink.write(MiB); // more than one flush: the temporary file exists now
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.new.txt.'))).toHaveLength(1);
    sink.write('end\n');
    sink.close();
    expect(readFileSync(path, 'utf8')).toBe(`${MiB}end\n`);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('abort() before close removes only the temporary file; an earlier file stays whole', () => {
    const path = join(dir, 'earlier.txt');
    writeFileSync(path, 'precious');
    const sink = new FileSink(path);
    sink.write(MiB);
    sink.abort();
    expect(readFileSync(path, 'utf8')).toBe('precious');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('abort() after close removes the file it created, but not one that replaced it since', () => {
    const mine = join(dir, 'mine.txt');
    const a = new FileSink(mine);
    a.write('a');
    a.close();
    a.abort();
    expect(existsSync(mine)).toBe(false);

    const theirs = join(dir, 'theirs.txt');
    const b = new FileSink(theirs);
    b.write('b');
    b.close();
    writeFileSync(join(dir, 'other'), 'someone else');
    renameSync(join(dir, 'other'), theirs);
    b.abort();
    expect(readFileSync(theirs, 'utf8')).toBe('someone else');
  });

  it('abort() after replacing an earlier file does not remove it', () => {
    const path = join(dir, 'replaced.txt');
    writeFileSync(path, 'old');
    const sink = new FileSink(path);
    sink.write('new');
    sink.close();
    sink.abort();
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('a symlink is written through, never replaced or removed', () => {
    const target = join(dir, 'link-target.txt');
    writeFileSync(target, 'old');
    const link = join(dir, 'link.txt');
    symlinkSync(target, link);
    const sink = new FileSink(link);
    sink.write('via link');
    sink.close();
    sink.abort();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('via link');
  });

  it('a write error is an OutputWriteError naming the path; the device survives abort()', () => {
    const link = join(dir, 'full');
    symlinkSync('/dev/full', link);
    const sink = new FileSink(link);
    let err: unknown;
    try {
      sink.write(MiB);
      sink.close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputWriteError);
    expect((err as Error).message).toBe(`cannot write ${link}: no space left on device (ENOSPC)`);
    sink.abort();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });
});
