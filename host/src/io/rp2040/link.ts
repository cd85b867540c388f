// How the trace link's bytes leave and enter the emulated chip. The runner bridges a LinkPort
// to the host's pty; UART0 is one kind, and a USB-CDC port (rp2040js's USB controller with a
// host that turns CDC packets into bytes) plugs in the same way.
import type { RP2040 } from 'rp2040js';

export interface LinkPort {
  /** called with each byte (or packet) the firmware transmits */
  onData: (bytes: Uint8Array) => void;
  /** queues bytes for the firmware; they enter as fast as the device accepts them */
  send(bytes: Uint8Array): void;
  /** moves queued bytes into the device; called by the runner between slices */
  pump(): void;
}

interface UartInternals {
  onByte?: (b: number) => void;
  feedByte(b: number): void;
  rxFIFO: { full: boolean };
  ctrlRegister: number;
}

const UART_CR_UARTEN = 1 << 0;
const UART_CR_RXE = 1 << 9;

/**
 * UART0 (or UART1): TX bytes as they are written to DR. RX bytes wait until the firmware has
 * enabled the receiver and then enter while the 32-entry FIFO has room, as QEMU's UARTs hold
 * pty input back; a CMD_START sent while the chip still boots would otherwise be lost.
 */
export function uartLink(mcu: RP2040, index: 0 | 1): LinkPort {
  const uart = mcu.uart[index] as unknown as UartInternals;
  const rx: number[] = [];
  const link: LinkPort = {
    onData: () => {},
    send(bytes) {
      for (const b of bytes) rx.push(b);
      link.pump();
    },
    pump() {
      let i = 0;
      const on = (uart.ctrlRegister & (UART_CR_UARTEN | UART_CR_RXE)) === (UART_CR_UARTEN | UART_CR_RXE);
      while (on && i < rx.length && !uart.rxFIFO.full) uart.feedByte(rx[i++]);
      if (i > 0) rx.splice(0, i);
    },
  };
  uart.onByte = (b) => link.onData(Uint8Array.of(b));
  return link;
}
