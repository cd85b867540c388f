import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIVES, candidateDirs, findDrives, isDrive, parseProcMounts, searchRoots } from './drives.js';

describe('parseProcMounts', () => {
  it('takes the second field and decodes octal escapes', () => {
    const text = [
      'sysfs /sys sysfs rw,nosuid 0 0',
      '/dev/sdb1 /media/ann/RPI-RP2 vfat rw,nosuid,nodev 0 0',
      '/dev/sdc /media/ann/MY\\040DRIVE vfat rw 0 0',
      '',
    ].join('\n');
    expect(parseProcMounts(text)).toEqual(['/sys', '/media/ann/RPI-RP2', '/media/ann/MY DRIVE']);
  });
});

describe('isDrive', () => {
  const rp = DRIVES['rpi-rp2'];
  const dap = DRIVES.daplink;
  it('needs the marker file', () => {
    expect(isDrive(rp, 'RPI-RP2', undefined)).toBe(false);
    expect(isDrive(dap, 'MICROBIT', undefined)).toBe(false);
  });
  it('accepts the label, or a marker that names the board', () => {
    expect(isDrive(rp, 'RPI-RP2', '')).toBe(true);
    expect(isDrive(rp, 'sdb1', 'UF2 Bootloader v1.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n')).toBe(true);
    expect(isDrive(rp, 'sdb1', 'UF2 Bootloader v3\nBoard-ID: SAMD21-Feather\n')).toBe(false);
    expect(isDrive(dap, 'MICROBIT', 'anything')).toBe(true);
    expect(isDrive(dap, 'disk', '# DAPLink Firmware\nUnique ID: 9904360251974e45\n')).toBe(true);
    expect(isDrive(dap, 'disk', '# DAPLink Firmware\nUnique ID: 0240000032044e45\n')).toBe(false);
  });
});

describe('searchRoots / candidateDirs / findDrives', () => {
  it('TRACEPIPE_MOUNT_ROOTS replaces /proc/mounts and the system folders', () => {
    expect(searchRoots({ TRACEPIPE_MOUNT_ROOTS: '/a:/b' })).toEqual({ roots: ['/a', '/b'], useProcMounts: false });
    expect(searchRoots({})).toMatchObject({ roots: expect.arrayContaining(['/media', '/run/media']), useProcMounts: true });
  });

  it('looks at mount points, the roots, and two levels below them', () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-drives-'));
    mkdirSync(join(root, 'ann', 'RPI-RP2'), { recursive: true });
    mkdirSync(join(root, 'direct'), { recursive: true });
    const dirs = candidateDirs([root], '/dev/x /mnt/pico vfat rw 0 0\n');
    expect(dirs).toEqual(expect.arrayContaining(['/mnt/pico', root, join(root, 'ann'), join(root, 'ann', 'RPI-RP2'), join(root, 'direct')]));
    expect(new Set(dirs).size).toBe(dirs.length);
  });

  it('finds the drives of one kind only', () => {
    const root = mkdtempSync(join(tmpdir(), 'tp-drives-'));
    for (const [label, marker] of [['RPI-RP2', 'INFO_UF2.TXT'], ['MICROBIT', 'DETAILS.TXT'], ['EMPTY', 'x']]) {
      mkdirSync(join(root, 'u', label), { recursive: true });
      writeFileSync(join(root, 'u', label, marker), 'x');
    }
    const env = { TRACEPIPE_MOUNT_ROOTS: root };
    expect(findDrives('rpi-rp2', env)).toEqual([join(root, 'u', 'RPI-RP2')]);
    expect(findDrives('daplink', env)).toEqual([join(root, 'u', 'MICROBIT')]);
    expect(findDrives('daplink', { TRACEPIPE_MOUNT_ROOTS: join(root, 'nothing') })).toEqual([]);
  });
});
