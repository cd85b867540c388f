// Issue 4, micro:bit (nRF51822, Cortex-M0, 16 KiB RAM) under QEMU -M microbit: the generic
// e2e apps (full profile) with the assertions of the an385 suite, through the real pty; the
// suites are in e2e-suites.ts (microbit-tiny.test.ts runs them on the tiny profile).
import { e2eCleanSuite, e2eOverloadSuite } from './e2e-suites.js';

e2eCleanSuite('microbit', 'full');
e2eOverloadSuite('microbit', 'full');
