import { describe, expect, it } from 'vitest';
import { parseUsbFaults } from './usb-host.js';

describe('parseUsbFaults (TRACEPIPE_RP2040_USB_FAULTS)', () => {
  it('reads each fault, times in ms', () => {
    expect(parseUsbFaults('')).toEqual({});
    expect(parseUsbFaults('nak-in=20:80,reset-at=15,suspend-at=5,bad-requests')).toEqual({
      nakIn: [20, 80],
      resetAt: 15,
      suspendAt: 5,
      badRequests: true,
    });
  });

  it('names what is wrong', () => {
    expect(() => parseUsbFaults('reset-at=soon')).toThrow(/reset-at=soon: needs a number/);
    expect(() => parseUsbFaults('nak-in=5')).toThrow(/nak-in=5: needs a number/);
    expect(() => parseUsbFaults('unplug')).toThrow(/unknown usb fault unplug/);
    expect(() => parseUsbFaults('bad-requests=1')).toThrow(/unknown usb fault/);
  });
});
