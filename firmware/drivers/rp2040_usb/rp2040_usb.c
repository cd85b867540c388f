/* SPDX-License-Identifier: MIT */
/*
 * rp2040_usb.c - a CDC-ACM device on the RP2040 USB controller, as the tracepipe trace link:
 * the port's transmit functions (a byte queue that bulk IN packets drain), its kick, the
 * interrupt handler with the control endpoint's requests (USB 2.0 9.4, CDC PSTN 1.2 6.3), and
 * board_link_busy. See rp2040_usb.h for what the host sees.
 *
 * DPRAM (datasheet 4.1.2.5): the SETUP packet at 0x000, endpoint control registers from 0x008,
 * buffer control registers from 0x080, EP0's one buffer (shared by IN and OUT) at 0x100, then
 * one 64-byte buffer per endpoint: EP1 IN at 0x180, EP2 OUT at 0x1C0, EP3 IN at 0x200. All
 * endpoints are single-buffered. Every DPRAM access is a 32-bit word.
 *
 * The queue has one producer, the drain (only one runs at a time, on either core), and one
 * consumer, this interrupt on core 0. A full queue refuses bytes, so the drain stops and the
 * ring fills: a host that does not read costs `dropped` or `overwritten` events, counted by
 * the core, exactly as on the UART.
 */
#include <stddef.h>
#include <stdint.h>

#include "app_board.h"
#include "board_idle.h"
#include "port.h"
#include "rp2040_sio.h"
#include "rp2040_usb.h"
#include "tp_nvic.h"
#include "tracepipe.h"

/* USBCTRL_DPRAM and USBCTRL_REGS (datasheet 4.1.4) */
#define USB_DPRAM_BASE 0x50100000u
#define USB_REGS_BASE 0x50110000u
#define DPRAM(off) (*(volatile uint32_t *)(USB_DPRAM_BASE + (off)))
#define USBREG(off) RP2040_REG(USB_REGS_BASE, off)

#define ADDR_ENDP 0x00u
#define MAIN_CTRL 0x40u
#define SIE_CTRL 0x4Cu
#define SIE_STATUS 0x50u
#define BUFF_STATUS 0x58u
#define EP_STALL_ARM 0x68u
#define USB_MUXING 0x74u
#define USB_PWR 0x78u
#define INTE 0x90u
#define INTS 0x98u

#define MAIN_CTRL_CONTROLLER_EN (1u << 0)
#define SIE_CTRL_PULLUP_EN (1u << 16)
#define SIE_CTRL_EP0_INT_1BUF (1u << 29)
#define SIE_STATUS_SUSPENDED (1u << 4)
#define SIE_STATUS_RESUME (1u << 11)
#define SIE_STATUS_SETUP_REC (1u << 17)
#define SIE_STATUS_BUS_RESET (1u << 19)
#define USB_MUXING_TO_PHY (1u << 0)
#define USB_MUXING_SOFTCON (1u << 3)
/* No VBUS sense pin is wired to the controller on a Pico: tell it VBUS is there. */
#define USB_PWR_VBUS_DETECT (1u << 2)
#define USB_PWR_VBUS_DETECT_OVERRIDE_EN (1u << 3)
#define INT_BUFF_STATUS (1u << 4)
#define INT_BUS_RESET (1u << 12)
#define INT_DEV_SUSPEND (1u << 14)
#define INT_DEV_RESUME_FROM_HOST (1u << 15)
#define INT_SETUP_REQ (1u << 16)
#define EP_STALL_ARM_EP0 3u /* EP0_IN | EP0_OUT */

/* Endpoint control (one per direction of EP1..15) and buffer control (datasheet 4.1.2.5.2-3) */
#define EPCTRL_ENABLE (1u << 31)
#define EPCTRL_INT_PER_BUFF (1u << 29)
#define EPCTRL_TYPE_BULK (2u << 26)
#define EPCTRL_TYPE_INTERRUPT (3u << 26)
#define BUF_LEN_MASK 0x3FFu
#define BUF_AVAILABLE (1u << 10)
#define BUF_STALL (1u << 11)
#define BUF_PID_DATA1 (1u << 13)
#define BUF_FULL (1u << 15)

#define EP0_IN_BUFCTRL 0x080u
#define EP0_OUT_BUFCTRL 0x084u
#define EP0_BUF 0x100u
#define EPCTRL_IN(n) (0x008u + 8u * ((n) - 1u))
#define EPCTRL_OUT(n) (0x00Cu + 8u * ((n) - 1u))
#define BUFCTRL_IN(n) (0x080u + 8u * (n))
#define BUFCTRL_OUT(n) (0x084u + 8u * (n))
#define BS_IN(n) (1u << (2u * (n)))
#define BS_OUT(n) (1u << (2u * (n) + 1u))

#define EP_DATA_IN 1u   /* 0x81, bulk */
#define EP_DATA_OUT 2u  /* 0x02, bulk */
#define EP_NOTIFY 3u    /* 0x83, interrupt */
#define EP_DATA_IN_BUF 0x180u
#define EP_DATA_OUT_BUF 0x1C0u
#define EP_NOTIFY_BUF 0x200u
#define MAX_PACKET 64u
#define NOTIFY_PACKET 16u

/* USB 2.0 table 9-4, 9-5, 9-6; CDC PSTN 1.2 table 13 */
enum {
	REQ_GET_STATUS = 0, REQ_CLEAR_FEATURE = 1, REQ_SET_FEATURE = 3, REQ_SET_ADDRESS = 5,
	REQ_GET_DESCRIPTOR = 6, REQ_GET_CONFIGURATION = 8, REQ_SET_CONFIGURATION = 9,
	REQ_GET_INTERFACE = 10, REQ_SET_INTERFACE = 11,
};
enum { DESC_DEVICE = 1, DESC_CONFIGURATION = 2, DESC_STRING = 3, DESC_INTERFACE = 4, DESC_ENDPOINT = 5,
       DESC_IAD = 11, DESC_CS_INTERFACE = 0x24 };
enum { FEATURE_ENDPOINT_HALT = 0 };
enum { CDC_SET_LINE_CODING = 0x20, CDC_GET_LINE_CODING = 0x21, CDC_SET_CONTROL_LINE_STATE = 0x22,
       CDC_SEND_BREAK = 0x23 };
enum { RCPT_DEVICE = 0, RCPT_INTERFACE = 1, RCPT_ENDPOINT = 2 };
enum { TYPE_STANDARD = 0, TYPE_CLASS = 1 };
enum { STATE_DEFAULT, STATE_ADDRESS, STATE_CONFIGURED };
enum { EP0_IDLE, EP0_DATA_IN, EP0_STATUS_OUT, EP0_DATA_OUT, EP0_STATUS_IN };

/* Test builds only (test/boards/rp2040-usb.test.ts): break one rule on purpose, so the tests
 * show that the model host catches it. 0 in every real build. */
#ifndef RP2040_USB_BREAK
#define RP2040_USB_BREAK 0
#endif
#define BREAK_EP0_ZLP 1
#define BREAK_IN_TOGGLE 2
#define BREAK_ADDRESS_EARLY 3

#define LE16(v) (uint8_t)((v) & 0xFFu), (uint8_t)((v) >> 8)

static const uint8_t device_desc[18] = {
	18, DESC_DEVICE, LE16(0x0200),
	0xEF, 0x02, 0x01, /* miscellaneous / common class / interface association: the IAD groups the CDC pair */
	MAX_PACKET, LE16(RP2040_USB_VID), LE16(RP2040_USB_PID), LE16(0x0100),
	1, 2, 3, /* iManufacturer, iProduct, iSerialNumber */
	1,
};

#define CONFIG_TOTAL (9u + 8u + 9u + 5u + 5u + 4u + 5u + 7u + 9u + 7u + 7u)
static const uint8_t config_desc[CONFIG_TOTAL] = {
	9, DESC_CONFIGURATION, LE16(CONFIG_TOTAL), 2, 1, 0, 0x80 /* bus powered */, 50 /* 100 mA */,
	/* interface association: interfaces 0-1, CDC ACM */
	8, DESC_IAD, 0, 2, 0x02, 0x02, 0x00, 0,
	/* interface 0: communication class, ACM, one (notification) endpoint */
	9, DESC_INTERFACE, 0, 0, 1, 0x02, 0x02, 0x00, 0,
	5, DESC_CS_INTERFACE, 0x00, LE16(0x0120),       /* header, CDC 1.20 */
	5, DESC_CS_INTERFACE, 0x01, 0x00, 1,            /* call management: none, data interface 1 */
	4, DESC_CS_INTERFACE, 0x02, 0x06,               /* ACM: line coding/state, SEND_BREAK */
	5, DESC_CS_INTERFACE, 0x06, 0, 1,               /* union: control 0, subordinate 1 */
	7, DESC_ENDPOINT, 0x80 | EP_NOTIFY, 0x03, LE16(NOTIFY_PACKET), 16,
	/* interface 1: data class, bulk OUT and IN */
	9, DESC_INTERFACE, 1, 0, 2, 0x0A, 0x00, 0x00, 0,
	7, DESC_ENDPOINT, EP_DATA_OUT, 0x02, LE16(MAX_PACKET), 0,
	7, DESC_ENDPOINT, 0x80 | EP_DATA_IN, 0x02, LE16(MAX_PACKET), 0,
};

static const uint8_t lang_desc[4] = { 4, DESC_STRING, LE16(0x0409) };
/* The product string is 31 characters, a 64-byte descriptor: Linux asks for 255 bytes, so its
 * data stage ends on a full packet and needs the ZLP (the model host checks it every time). */
static const char *const strings[] = { "tracepipe", "tracepipe rp2040-pico (CDC-ACM)" };
#define SERIAL_BYTES 8u

#define TXQ_SIZE 512u /* a power of two */
static uint8_t txq[TXQ_SIZE];
static volatile uint32_t txq_head, txq_tail;
/* The controller holds a bulk IN packet: its completion interrupt will look at the queue
 * again. Read by the producer on either core (tp_port_tx_write). */
static volatile uint8_t in_armed;

volatile struct rp2040_usb_counts rp2040_usb_counts;

static struct {
	uint8_t state, config, suspended;
	uint8_t addr, addr_pending;
	/* EP0 */
	uint8_t ep0_stage, ep0_pid, ep0_zlp, ep0_last_full;
	const uint8_t *ep0_src;
	uint16_t ep0_left;
	uint8_t setup[8];
	uint16_t out_want, out_got;
	uint8_t out_data[8];
	uint8_t reply[2 + 2 * 40]; /* GET_STATUS, GET_CONFIGURATION, a string descriptor */
	/* data interface */
	uint8_t in_pid, out_pid, in_zlp_owed, in_halted, out_halted;
	uint16_t in_len, requeue_len;
	uint8_t line_coding[7];
	uint16_t line_state;
} u;

static const uint8_t line_coding_default[7] = { 0x00, 0xC2, 0x01, 0x00, 0, 0, 8 }; /* 115200 8N1 */

static void dpram_write(uint32_t off, const uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i += 4u) {
		uint32_t w = 0;
		for (unsigned k = 0; k < 4u && i + k < n; k++)
			w |= (uint32_t)p[i + k] << (8u * k);
		DPRAM(off + i) = w;
	}
}

static void dpram_read(uint32_t off, uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i += 4u) {
		uint32_t w = DPRAM(off + i);
		for (unsigned k = 0; k < 4u && i + k < n; k++)
			p[i + k] = (uint8_t)(w >> (8u * k));
	}
}

/* Hands a buffer to the controller. AVAILABLE goes in a second write: with clk_usb slower than
 * clk_sys the controller could otherwise see it before the length and PID (datasheet 4.1.2.5.3,
 * "the available and stall bits should be set after the other data"); 12 cycles at 125 MHz
 * cover 3 cycles of clk_usb at 48 MHz. */
static void buf_arm(uint32_t bufctrl, unsigned len, unsigned data1, unsigned in)
{
	uint32_t v = (uint32_t)len | (data1 ? BUF_PID_DATA1 : 0u) | (in ? BUF_FULL : 0u);
	DPRAM(bufctrl) = v;
	__asm__ volatile("nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop");
	DPRAM(bufctrl) = v | BUF_AVAILABLE;
}

/* ---- the transmit queue and the bulk endpoints ---- */

/* The packet the controller holds but the host never took (a bus reset, a halt, a
 * de-configuration came first) is sent again, from the same DPRAM buffer, when the endpoint
 * runs again: the byte stream stays whole across them. */
static void in_withdraw(void)
{
	if (in_armed && (DPRAM(BUFCTRL_IN(EP_DATA_IN)) & BUF_AVAILABLE)) {
		u.requeue_len = u.in_len;
		rp2040_usb_counts.requeued++;
	}
	in_armed = 0;
}

static void in_start(void)
{
	if (u.state != STATE_CONFIGURED || u.in_halted || in_armed)
		return;
	unsigned k;
	if (u.requeue_len != 0u) {
		k = u.requeue_len;
		u.requeue_len = 0;
	} else {
		uint32_t tail = txq_tail;
		uint32_t n = txq_head - tail;
		if (n == 0u) {
			/* The data ran out on a full packet: a zero-length packet ends the transfer
			 * (USB 2.0 5.8.3), so the host hands the bytes on now. */
			if (!u.in_zlp_owed)
				return;
			k = 0;
		} else {
			k = n < MAX_PACKET ? (unsigned)n : MAX_PACKET;
			uint8_t pkt[MAX_PACKET];
			for (unsigned i = 0; i < k; i++)
				pkt[i] = txq[(tail + i) & (TXQ_SIZE - 1u)];
			dpram_write(EP_DATA_IN_BUF, pkt, k);
			tp_port_dmb();
			txq_tail = tail + k;
		}
	}
	u.in_zlp_owed = k == MAX_PACKET;
	u.in_len = (uint16_t)k;
	in_armed = 1;
	buf_arm(BUFCTRL_IN(EP_DATA_IN), k, u.in_pid, 1);
	if (RP2040_USB_BREAK != BREAK_IN_TOGGLE)
		u.in_pid ^= 1u;
}

static void out_arm(void)
{
	if (u.state == STATE_CONFIGURED && !u.out_halted)
		buf_arm(BUFCTRL_OUT(EP_DATA_OUT), MAX_PACKET, u.out_pid, 0);
}

static void out_done(void)
{
	uint32_t c = DPRAM(BUFCTRL_OUT(EP_DATA_OUT));
	unsigned len = c & BUF_LEN_MASK;
	if (len > MAX_PACKET)
		len = MAX_PACKET;
	uint8_t pkt[MAX_PACKET];
	dpram_read(EP_DATA_OUT_BUF, pkt, len);
	rp2040_usb_counts.out_packets++;
	u.out_pid ^= 1u;
	for (unsigned i = 0; i < len; i++)
		tp_rx_byte(pkt[i]);
	out_arm();
}

/* The drain hands whole runs of framed bytes (TP_PORT_HAS_TX_WRITE, rp2040_usb.h): a packet
 * then carries as many bytes as were ready, not one byte per kick. */
size_t tp_port_tx_write(const uint8_t *p, size_t n)
{
	uint32_t head = txq_head;
	uint32_t tail = txq_tail;
	uint32_t room = TXQ_SIZE - (head - tail);
	size_t k = n < room ? n : room;
	for (size_t i = 0; i < k; i++)
		txq[(head + i) & (TXQ_SIZE - 1u)] = p[i];
	tp_port_dmb();
	txq_head = head + (uint32_t)k;
	/* With no packet in flight nothing would look at the queue again: wake the interrupt (the
	 * drain calls the kick only while it still holds bytes the port refused). A packet in
	 * flight completes with an interrupt that sees these bytes: the head is published before
	 * in_armed is read here, and the interrupt clears in_armed before it reads the head. The
	 * test is not "the queue was empty": with the drain on core 1 the interrupt may have
	 * emptied it meanwhile, and found nothing yet. */
	tp_port_dmb();
	if (k != 0u && !in_armed)
		tp_port_tx_kick();
	return k;
}

int tp_port_tx_put(uint8_t b)
{
	return (int)tp_port_tx_write(&b, 1);
}

/* The USB interrupt is enabled on core 0 only; core 1 rings the SIO doorbell, whose handler
 * on core 0 pends it there. */
void tp_port_tx_kick(void)
{
	if (tp_port_core_id() == 0u)
		tp_nvic_set_pending(RP2040_LINK_IRQ);
	else
		rp2040_sio_doorbell_ring();
}

void tp_port_packet_ready(void) __attribute__((alias("tp_port_tx_kick")));

void rp2040_sio_doorbell_rang(void)
{
	tp_nvic_set_pending(RP2040_LINK_IRQ);
}

int board_link_busy(void)
{
	return txq_head != txq_tail || in_armed || u.requeue_len != 0u;
}

/* ---- configuration ---- */

static void endpoints_off(void)
{
	in_withdraw();
	DPRAM(EPCTRL_IN(EP_DATA_IN)) = 0;
	DPRAM(EPCTRL_OUT(EP_DATA_OUT)) = 0;
	DPRAM(EPCTRL_IN(EP_NOTIFY)) = 0;
	DPRAM(BUFCTRL_IN(EP_DATA_IN)) = 0;
	DPRAM(BUFCTRL_OUT(EP_DATA_OUT)) = 0;
	DPRAM(BUFCTRL_IN(EP_NOTIFY)) = 0;
}

/* SET_CONFIGURATION(1), and SET_INTERFACE on the data interface: every data toggle starts at
 * DATA0 and no endpoint is halted (USB 2.0 9.1.1.5, 9.4.5). */
static void endpoints_on(void)
{
	endpoints_off();
	DPRAM(EPCTRL_IN(EP_DATA_IN)) = EPCTRL_ENABLE | EPCTRL_INT_PER_BUFF | EPCTRL_TYPE_BULK | EP_DATA_IN_BUF;
	DPRAM(EPCTRL_OUT(EP_DATA_OUT)) = EPCTRL_ENABLE | EPCTRL_INT_PER_BUFF | EPCTRL_TYPE_BULK | EP_DATA_OUT_BUF;
	DPRAM(EPCTRL_IN(EP_NOTIFY)) = EPCTRL_ENABLE | EPCTRL_INT_PER_BUFF | EPCTRL_TYPE_INTERRUPT | EP_NOTIFY_BUF;
	u.in_pid = u.out_pid = 0;
	u.in_halted = u.out_halted = 0;
	u.in_zlp_owed = 0;
	out_arm();
	in_start();
}

static void bus_reset(void)
{
	USBREG(SIE_STATUS) = SIE_STATUS_BUS_RESET;
	rp2040_usb_counts.bus_resets++;
	endpoints_off();
	USBREG(ADDR_ENDP) = 0;
	USBREG(EP_STALL_ARM) = 0;
	DPRAM(EP0_IN_BUFCTRL) = 0;
	DPRAM(EP0_OUT_BUFCTRL) = 0;
	u.state = STATE_DEFAULT;
	u.config = 0;
	u.addr_pending = 0;
	u.suspended = 0;
	u.ep0_stage = EP0_IDLE;
}

/* ---- EP0 ---- */

static void ep0_stall(void)
{
	/* Both halves: the host may be in the data or the status stage. The controller drops
	 * EP_STALL_ARM when the next SETUP arrives (datasheet, EP_STALL_ARM). */
	USBREG(EP_STALL_ARM) = EP_STALL_ARM_EP0;
	DPRAM(EP0_IN_BUFCTRL) = BUF_STALL;
	DPRAM(EP0_OUT_BUFCTRL) = BUF_STALL;
	u.ep0_stage = EP0_IDLE;
	rp2040_usb_counts.stalls++;
}

static void ep0_in_next(void)
{
	unsigned k = u.ep0_left < MAX_PACKET ? u.ep0_left : MAX_PACKET;
	dpram_write(EP0_BUF, u.ep0_src, k);
	buf_arm(EP0_IN_BUFCTRL, k, u.ep0_pid, 1);
	u.ep0_pid ^= 1u;
	u.ep0_src += k;
	u.ep0_left = (uint16_t)(u.ep0_left - k);
	u.ep0_last_full = k == MAX_PACKET;
}

static void ep0_status_in(void)
{
	u.ep0_stage = EP0_STATUS_IN;
	buf_arm(EP0_IN_BUFCTRL, 0, 1, 1);
}

/* A control read: at most wLength bytes, DATA1 first; when fewer than wLength bytes go and
 * they end on a full packet, a zero-length packet tells the host the data stage is over
 * (USB 2.0 8.5.3.2). */
static void ep0_reply(const uint8_t *p, unsigned len)
{
	uint16_t want = (uint16_t)(u.setup[6] | u.setup[7] << 8);
	if (want == 0u) {
		ep0_status_in(); /* no data stage */
		return;
	}
	unsigned n = len < want ? len : want;
	u.ep0_src = p;
	u.ep0_left = (uint16_t)n;
	u.ep0_zlp = n < want && n % MAX_PACKET == 0u && RP2040_USB_BREAK != BREAK_EP0_ZLP;
	u.ep0_pid = 1;
	u.ep0_stage = EP0_DATA_IN;
	ep0_in_next();
}

static void ep0_in_done(void)
{
	if (u.ep0_stage == EP0_DATA_IN) {
		if (u.ep0_left != 0u || (u.ep0_last_full && u.ep0_zlp)) {
			if (u.ep0_left == 0u)
				u.ep0_zlp = 0;
			ep0_in_next();
			return;
		}
		/* The status stage: the host's zero-length DATA1 OUT. */
		u.ep0_stage = EP0_STATUS_OUT;
		buf_arm(EP0_OUT_BUFCTRL, MAX_PACKET, 1, 0);
	} else if (u.ep0_stage == EP0_STATUS_IN) {
		u.ep0_stage = EP0_IDLE;
		/* SET_ADDRESS takes effect only once its status stage is done (USB 2.0 9.4.6). */
		if (u.addr_pending) {
			u.addr_pending = 0;
			USBREG(ADDR_ENDP) = u.addr;
			u.state = u.addr != 0u ? STATE_ADDRESS : STATE_DEFAULT;
		}
	}
}

static int line_coding_valid(const uint8_t *lc)
{
	uint8_t bits = lc[6];
	return lc[4] <= 2u && lc[5] <= 4u && ((bits >= 5u && bits <= 8u) || bits == 16u);
}

static void ep0_out_done(void)
{
	uint32_t c = DPRAM(EP0_OUT_BUFCTRL);
	unsigned len = c & BUF_LEN_MASK;
	if (u.ep0_stage == EP0_STATUS_OUT) {
		u.ep0_stage = EP0_IDLE;
		return;
	}
	if (u.ep0_stage != EP0_DATA_OUT)
		return;
	if (len > MAX_PACKET || u.out_got + len > u.out_want) {
		ep0_stall();
		return;
	}
	uint8_t pkt[MAX_PACKET];
	dpram_read(EP0_BUF, pkt, len);
	for (unsigned i = 0; i < len && u.out_got < sizeof u.out_data; i++)
		u.out_data[u.out_got++] = pkt[i];
	u.ep0_pid ^= 1u;
	if (u.out_got < u.out_want && len == MAX_PACKET) {
		buf_arm(EP0_OUT_BUFCTRL, MAX_PACKET, u.ep0_pid, 0);
		return;
	}
	/* The only control write with data is SET_LINE_CODING (7 bytes). */
	if (u.out_got != sizeof u.line_coding || !line_coding_valid(u.out_data)) {
		ep0_stall();
		return;
	}
	for (unsigned i = 0; i < sizeof u.line_coding; i++)
		u.line_coding[i] = u.out_data[i];
	ep0_status_in();
}

static unsigned string_desc(unsigned index)
{
	char hex[2 * SERIAL_BYTES + 1];
	const char *s;
	if (index == 3u) {
		unsigned len = 0;
		const uint8_t *id = tp_port_build_id(&len);
		unsigned n = len < SERIAL_BYTES ? len : SERIAL_BYTES;
		static const char digits[] = "0123456789ABCDEF";
		for (unsigned i = 0; i < n; i++) {
			hex[2 * i] = digits[id[i] >> 4];
			hex[2 * i + 1] = digits[id[i] & 15u];
		}
		if (n == 0u)
			hex[n++] = '0';
		else
			n *= 2u;
		hex[n] = '\0';
		s = hex;
	} else {
		s = strings[index - 1u];
	}
	unsigned n = 0;
	while (s[n] != '\0' && n < (sizeof u.reply - 2u) / 2u) {
		u.reply[2 + 2 * n] = (uint8_t)s[n];
		u.reply[3 + 2 * n] = 0;
		n++;
	}
	u.reply[0] = (uint8_t)(2u + 2u * n);
	u.reply[1] = DESC_STRING;
	return u.reply[0];
}

/* An endpoint address of this configuration (USB 2.0 9.4.5: in the Address state only EP0). */
static int endpoint_valid(unsigned ep)
{
	if ((ep & 0x7Fu) == 0u)
		return 1;
	return u.state == STATE_CONFIGURED &&
	       (ep == (0x80u | EP_DATA_IN) || ep == EP_DATA_OUT || ep == (0x80u | EP_NOTIFY));
}

static void set_halt(unsigned ep, unsigned on)
{
	if (ep == (0x80u | EP_DATA_IN)) {
		in_withdraw();
		u.in_halted = (uint8_t)on;
		u.in_pid = 0;
		DPRAM(BUFCTRL_IN(EP_DATA_IN)) = on ? BUF_STALL : 0u;
		in_start();
	} else if (ep == EP_DATA_OUT) {
		u.out_halted = (uint8_t)on;
		u.out_pid = 0;
		DPRAM(BUFCTRL_OUT(EP_DATA_OUT)) = on ? BUF_STALL : 0u;
		out_arm();
	} else if (ep == (0x80u | EP_NOTIFY)) {
		DPRAM(BUFCTRL_IN(EP_NOTIFY)) = on ? BUF_STALL : 0u;
	}
}

/* Returns 0 for a request error (STALL). */
static int standard_request(unsigned rtype, unsigned req, unsigned value, unsigned index, unsigned length)
{
	unsigned rcpt = rtype & 0x1Fu;
	unsigned in = rtype & 0x80u;
	switch (req) {
	case REQ_GET_STATUS:
		if (!in || value != 0u || length != 2u)
			return 0;
		u.reply[0] = u.reply[1] = 0; /* bus powered, no remote wake-up; not halted */
		if (rcpt == RCPT_DEVICE) {
			if (index != 0u)
				return 0;
		} else if (rcpt == RCPT_INTERFACE) {
			if (u.state != STATE_CONFIGURED || index > 1u)
				return 0;
		} else if (rcpt == RCPT_ENDPOINT) {
			if (!endpoint_valid(index))
				return 0;
			u.reply[0] = (index == (0x80u | EP_DATA_IN) && u.in_halted) || (index == EP_DATA_OUT && u.out_halted);
		} else {
			return 0;
		}
		ep0_reply(u.reply, 2);
		return 1;
	case REQ_CLEAR_FEATURE:
	case REQ_SET_FEATURE:
		/* No remote wake-up (bmAttributes) and no test modes at full speed: only ENDPOINT_HALT
		 * on the interface's endpoints. */
		if (in || length != 0u || rcpt != RCPT_ENDPOINT || value != FEATURE_ENDPOINT_HALT ||
		    (index & 0x7Fu) == 0u || !endpoint_valid(index))
			return 0;
		set_halt(index, req == REQ_SET_FEATURE);
		ep0_status_in();
		return 1;
	case REQ_SET_ADDRESS:
		if (in || rcpt != RCPT_DEVICE || index != 0u || length != 0u || value > 127u ||
		    u.state == STATE_CONFIGURED)
			return 0;
		u.addr = (uint8_t)value;
		u.addr_pending = 1;
		if (RP2040_USB_BREAK == BREAK_ADDRESS_EARLY)
			USBREG(ADDR_ENDP) = u.addr;
		ep0_status_in();
		return 1;
	case REQ_GET_DESCRIPTOR: {
		if (!in || rcpt != RCPT_DEVICE)
			return 0;
		unsigned type = value >> 8, di = value & 0xFFu;
		if (type == DESC_DEVICE && di == 0u) {
			ep0_reply(device_desc, sizeof device_desc);
		} else if (type == DESC_CONFIGURATION && di == 0u) {
			ep0_reply(config_desc, sizeof config_desc);
		} else if (type == DESC_STRING && di == 0u) {
			ep0_reply(lang_desc, sizeof lang_desc);
		} else if (type == DESC_STRING && di >= 1u && di <= 3u) {
			unsigned n = string_desc(di);
			ep0_reply(u.reply, n);
		} else {
			/* DEVICE_QUALIFIER and OTHER_SPEED_CONFIGURATION included: a full-speed-only
			 * device answers them with a request error (USB 2.0 9.6.2). */
			return 0;
		}
		return 1;
	}
	case REQ_GET_CONFIGURATION:
		if (!in || rcpt != RCPT_DEVICE || value != 0u || index != 0u || length != 1u ||
		    u.state == STATE_DEFAULT)
			return 0;
		u.reply[0] = u.config;
		ep0_reply(u.reply, 1);
		return 1;
	case REQ_SET_CONFIGURATION:
		if (in || rcpt != RCPT_DEVICE || index != 0u || length != 0u || value > 1u ||
		    u.state == STATE_DEFAULT)
			return 0;
		u.config = (uint8_t)value;
		if (value == 1u) {
			u.state = STATE_CONFIGURED;
			endpoints_on();
		} else {
			endpoints_off();
			u.state = STATE_ADDRESS;
		}
		ep0_status_in();
		return 1;
	case REQ_GET_INTERFACE:
		if (!in || rcpt != RCPT_INTERFACE || value != 0u || index > 1u || length != 1u ||
		    u.state != STATE_CONFIGURED)
			return 0;
		u.reply[0] = 0;
		ep0_reply(u.reply, 1);
		return 1;
	case REQ_SET_INTERFACE:
		if (in || rcpt != RCPT_INTERFACE || value != 0u || index > 1u || length != 0u ||
		    u.state != STATE_CONFIGURED)
			return 0;
		if (index == 1u)
			endpoints_on();
		ep0_status_in();
		return 1;
	default:
		return 0; /* SET_DESCRIPTOR, SYNCH_FRAME, and anything unknown */
	}
}

/* CDC PSTN 1.2 6.3: to the communication interface (0), in the Configured state. */
static int class_request(unsigned rtype, unsigned req, unsigned value, unsigned index, unsigned length)
{
	unsigned in = rtype & 0x80u;
	if ((rtype & 0x1Fu) != RCPT_INTERFACE || index != 0u || u.state != STATE_CONFIGURED)
		return 0;
	switch (req) {
	case CDC_SET_LINE_CODING:
		if (in || value != 0u || length != sizeof u.line_coding)
			return 0;
		u.out_want = (uint16_t)length;
		u.out_got = 0;
		u.ep0_pid = 1;
		u.ep0_stage = EP0_DATA_OUT;
		buf_arm(EP0_OUT_BUFCTRL, MAX_PACKET, 1, 0);
		return 1;
	case CDC_GET_LINE_CODING:
		if (!in || value != 0u || length == 0u)
			return 0;
		ep0_reply(u.line_coding, sizeof u.line_coding);
		return 1;
	case CDC_SET_CONTROL_LINE_STATE:
		if (in || length != 0u || value > 3u)
			return 0;
		/* DTR and RTS are kept, not obeyed: the drain's start and stop come from the host's
		 * commands, and a host that does not read is a host that sends no IN tokens. */
		u.line_state = (uint16_t)value;
		ep0_status_in();
		return 1;
	case CDC_SEND_BREAK:
		if (in || length != 0u)
			return 0;
		ep0_status_in();
		return 1;
	default:
		return 0;
	}
}

static void setup_received(void)
{
	dpram_read(0, u.setup, sizeof u.setup);
	USBREG(SIE_STATUS) = SIE_STATUS_SETUP_REC;
	rp2040_usb_counts.setups++;
	/* A SETUP ends whatever the last control transfer left armed (USB 2.0 8.5.3). */
	DPRAM(EP0_IN_BUFCTRL) = 0;
	DPRAM(EP0_OUT_BUFCTRL) = 0;
	u.ep0_stage = EP0_IDLE;
	u.addr_pending = 0;
	unsigned rtype = u.setup[0], req = u.setup[1];
	unsigned value = (unsigned)u.setup[2] | (unsigned)u.setup[3] << 8;
	unsigned index = (unsigned)u.setup[4] | (unsigned)u.setup[5] << 8;
	unsigned length = (unsigned)u.setup[6] | (unsigned)u.setup[7] << 8;
	unsigned type = (rtype >> 5) & 3u;
	int ok = 0;
	if (type == TYPE_STANDARD)
		ok = standard_request(rtype, req, value, index, length);
	else if (type == TYPE_CLASS)
		ok = class_request(rtype, req, value, index, length);
	if (!ok)
		ep0_stall();
}

void rp2040_link_irq(void)
{
	board_irq_seen = 1;
	uint32_t ints = USBREG(INTS);
	/* Completions first: an IN packet the host took before a bus reset is not sent again. */
	if (ints & INT_BUFF_STATUS) {
		uint32_t bs = USBREG(BUFF_STATUS);
		USBREG(BUFF_STATUS) = bs;
		if (bs & BS_IN(0))
			ep0_in_done();
		if (bs & BS_OUT(0))
			ep0_out_done();
		if (bs & BS_IN(EP_DATA_IN)) {
			in_armed = 0;
			tp_port_dmb(); /* before in_start reads txq_head: see tp_port_tx_write */
			rp2040_usb_counts.in_packets++;
			if (u.in_len == 0u)
				rp2040_usb_counts.in_zlps++;
		}
		if (bs & BS_OUT(EP_DATA_OUT))
			out_done();
	}
	if (ints & INT_BUS_RESET)
		bus_reset();
	if (ints & INT_SETUP_REQ)
		setup_received();
	if (ints & INT_DEV_SUSPEND) {
		USBREG(SIE_STATUS) = SIE_STATUS_SUSPENDED;
		u.suspended = 1;
		rp2040_usb_counts.suspends++;
	}
	if (ints & INT_DEV_RESUME_FROM_HOST) {
		USBREG(SIE_STATUS) = SIE_STATUS_RESUME;
		u.suspended = 0;
	}
	tp_tx_isr();
	in_start();
}

void rp2040_link_init(void)
{
	for (uint32_t off = 0; off < 0x1000u; off += 4u)
		DPRAM(off) = 0;
	for (unsigned i = 0; i < sizeof u.line_coding; i++)
		u.line_coding[i] = line_coding_default[i];
	u.state = STATE_DEFAULT;
	USBREG(USB_MUXING) = USB_MUXING_TO_PHY | USB_MUXING_SOFTCON;
	USBREG(USB_PWR) = USB_PWR_VBUS_DETECT | USB_PWR_VBUS_DETECT_OVERRIDE_EN;
	USBREG(MAIN_CTRL) = MAIN_CTRL_CONTROLLER_EN;
	USBREG(SIE_CTRL) = SIE_CTRL_EP0_INT_1BUF;
	USBREG(INTE) = INT_BUFF_STATUS | INT_BUS_RESET | INT_SETUP_REQ | INT_DEV_SUSPEND | INT_DEV_RESUME_FROM_HOST;
	tp_nvic_set_priority(RP2040_LINK_IRQ, BOARD_PRIO_LINK);
	tp_nvic_clear_pending(RP2040_LINK_IRQ);
	tp_nvic_enable(RP2040_LINK_IRQ);
	/* Connect: the pull-up on D+ tells the host a full-speed device is there. */
	RP2040_SET(USB_REGS_BASE, SIE_CTRL) = SIE_CTRL_PULLUP_EN;
}
