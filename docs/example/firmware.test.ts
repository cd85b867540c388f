// Runs the firmware under QEMU, captures its trace, and asserts on what it recorded.
// APP_ELF: the firmware ELF (default: apps/meta_demo built with `make BOARD=qemu-mps2-an385`).
import { expect, test } from 'vitest';
import { expectIdentity, expectNoLosses, expectSequence, expectSpanBelow, runOnEmulator, type TraceEvent } from 'tracepipe';

const elf = process.env.APP_ELF ?? 'build/qemu-mps2-an385/meta_demo.elf';

test('meta_demo records its steps in order, loses nothing, and filters fast', async () => {
  // Runs until the firmware exits (give durationS for firmware that runs forever).
  const capture = await runOnEmulator({ board: 'qemu-mps2-an385', elf });
  expect(capture.reason).toBe('target-exit');

  // The books close: generated = decoded + dropped + overwritten + link_lost + rejected, with no losses.
  expectIdentity(capture.stats);
  expectNoLosses(capture.stats);

  // Names come from the ELF's metadata; logs are named by their format string.
  const { records } = await capture.read({ elf });
  expectSequence(records, 0, ['boot', 'meta_demo start', 'adc ch%u = %d mV', 'sensor', 'motor_step', 'done']);
  expectSpanBelow(records, 'filter', 1000);

  const steps = records.filter((r): r is TraceEvent => r.type === 'event' && r.name === 'motor_step');
  expect(steps.map((s) => s.fields?.position)).toEqual([1100n, 1300n, 1600n]);
});
