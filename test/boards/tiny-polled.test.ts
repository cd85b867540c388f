// The tiny profile's polled transmitters (PORTING.md 1.5: tiny/nrf51_uart.c, tiny/cmsdk_uart.c)
// under emulation, through the real pty, with the e2e suites' assertions (every event decoded
// in order and exact, identity and ground truth equal to the host, drops counted exactly):
//  - micro:bit built for size (OPT=-Os), the build whose flash the benchmark reports;
//  - AN385 (CMSDK UART, polled on STATE.TXFULL), at make's default level and for size.
// At -Os the tiny link sends a whole message a call on a polled port (tp_tiny_link.c).
// microbit-tiny.test.ts runs the micro:bit's tiny build at the default level.
import { e2eCleanSuite, e2eOverloadSuite } from './e2e-suites.js';

e2eCleanSuite('microbit', 'tiny-Os');
e2eOverloadSuite('microbit', 'tiny-Os');
e2eCleanSuite('qemu-mps2-an385', 'tiny');
e2eOverloadSuite('qemu-mps2-an385', 'tiny');
e2eCleanSuite('qemu-mps2-an385', 'tiny-Os');
e2eOverloadSuite('qemu-mps2-an385', 'tiny-Os');
