import { describe, expect, it } from 'vitest';
import { commandFrame } from './commands.js';

describe('command frames', () => {
  it('CMD_START is the SPEC §10.1 frame, preceded by a resync delimiter', () => {
    expect(commandFrame('CMD_START').toString('hex')).toBe('00' + '06103e942342' + '00');
  });
  it('every command is 8 bytes with the type after the COBS code byte', () => {
    const types = { CMD_START: 0x10, CMD_STOP: 0x11, CMD_HEADER: 0x12, CMD_FLUSH: 0x13, CMD_DUMP: 0x14 } as const;
    for (const [name, type] of Object.entries(types)) {
      const f = commandFrame(name as keyof typeof types);
      expect(f.length).toBe(8);
      expect(f[2]).toBe(type);
      expect(f.subarray(1, 7).includes(0)).toBe(false);
    }
  });
});
