/* SPDX-License-Identifier: MIT */
/*
 * semihost.h - Arm semihosting for the boards whose console and exit go through the debugger
 * (QEMU's -semihosting-config): board_puts (SYS_WRITE0) lives in semihost.c, and a board's
 * board_exit ends in semihost_exit. Boards list semihost.c in their board.mk.
 */
#ifndef TP_BOARDS_SEMIHOST_H
#define TP_BOARDS_SEMIHOST_H

/* SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit: QEMU exits with code & 0xFF. */
void semihost_exit(int code) __attribute__((noreturn));

/*
 * QEMU's exit hangs up the UART's pty, and Linux then discards what the host has not read
 * yet: leaving right after a flush loses the last packets and FINAL statuses whenever the
 * host lags. So a board_exit calls this first: it waits until the transmitter is idle and
 * the host has said it has everything (CMD_STOP clears tp_started()), at most one second of
 * timestamp ticks. Returns at once when the host never started the trace.
 */
void semihost_linger_for_host(void);

/*
 * A board that may run without a debugger (board.h defines SEMIHOST_BKPT_MAY_FAULT: the
 * micro:bit on battery) steps over a BKPT 0xAB that escalated to HardFault and calls this
 * from its HardFault handler: every later semihosting call is then skipped, and none is ever
 * made from the HardFault handler itself (IPSR 3), where a BKPT locks the core up.
 */
void semihost_note_escalation(void);

#endif /* TP_BOARDS_SEMIHOST_H */
