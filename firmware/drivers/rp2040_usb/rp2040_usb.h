/* SPDX-License-Identifier: MIT */
/*
 * rp2040_usb.h - the RP2040's USB controller (datasheet 4.1 "USB") in device mode as the trace
 * link of the tracepipe port: a full-speed CDC-ACM device (USB 2.0 chapter 9, CDC 1.2 with the
 * PSTN subclass's ACM model), written from those documents. One of the board's transports
 * (board.mk TRANSPORT = usb).
 *
 * The transport contract (the same as rp2040_uart.h's): RP2040_LINK_IRQ, the interrupt to
 * route to rp2040_link_irq; rp2040_link_init(), core 0, once the clocks run. RP2040_LINK_PINS
 * 0: USB has dedicated pins. RP2040_LINK_CLK_USB 1: the board starts PLL_USB and clk_usb at
 * 48 MHz before rp2040_link_init. RP2040_LINK_RESETS: the RESETS bits the board cycles with
 * its own peripherals.
 *
 * What the host sees (see boards/rp2040-pico/README.md "USB-CDC"): VID:PID 1209:000C (a
 * pid.codes test PID), interface 0 = CDC communication (notification endpoint 0x83,
 * interrupt, 16 bytes), interface 1 = CDC data (bulk 0x02 OUT, 0x81 IN, 64 bytes), tied by an
 * interface association. The serial number string is the firmware's GNU build-id (first 8
 * bytes, 16 hex digits): unique per build, the same on two boards with the same image.
 *
 * board.h names: RP2040_IRQ_USBCTRL, BOARD_PRIO_LINK, RESETS_USBCTRL.
 */
#ifndef RP2040_USB_H
#define RP2040_USB_H

#include <stddef.h>
#include <stdint.h>

#include "board.h"

/* The drain's bulk form of tp_port_tx_put (port.h): included through tp_port_impl.h. */
#define TP_PORT_HAS_TX_WRITE 1
size_t tp_port_tx_write(const uint8_t *p, size_t n);

#define RP2040_LINK_IRQ RP2040_IRQ_USBCTRL
#define RP2040_LINK_PINS 0
#define RP2040_LINK_CLK_USB 1
#define RP2040_LINK_RESETS RESETS_USBCTRL

#define RP2040_USB_VID 0x1209u
#define RP2040_USB_PID 0x000Cu

void rp2040_link_init(void);
void rp2040_link_irq(void);

/* What the device counted (a debugger or a test app may read them). */
struct rp2040_usb_counts {
	uint32_t bus_resets;
	uint32_t setups;
	uint32_t stalls;     /* control requests answered with STALL */
	uint32_t suspends;
	uint32_t in_packets; /* bulk IN packets the host took (ZLPs included) */
	uint32_t in_zlps;
	uint32_t out_packets;
	uint32_t requeued; /* a bulk IN packet a bus reset cut off, sent again after SET_CONFIGURATION */
};
extern volatile struct rp2040_usb_counts rp2040_usb_counts;

#endif /* RP2040_USB_H */
