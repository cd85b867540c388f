# rp2040-pico: Raspberry Pi Pico (RP2040, two Cortex-M0+ cores). No QEMU machine exists:
# the build is checked here and the image runs on a real board (tracepipe flash) or rp2040js.
ARCH := armv6m
ARCH_FLAGS := -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft
# Two cores without LDREX/STREX: rp2040_sio has a spinlock compare-and-swap instead of the
# arch's masked one.
ARCH_CAS :=
# The trace link's driver, firmware/drivers/rp2040_$(TRANSPORT)/: its header (rp2040_uart.h)
# states the transport contract the board's startup.c and port.c use. uart (UART0 on GP0/GP1)
# is the default; usb is rp2040_usb, a CDC-ACM device on the chip's USB port (its own build
# folder: make BOARD=rp2040-pico TRANSPORT=usb puts the images in build/rp2040-pico-usb/).
TRANSPORT ?= uart
ifeq ($(wildcard firmware/drivers/rp2040_$(TRANSPORT)/rp2040_$(TRANSPORT).h),)
$(error rp2040-pico: TRANSPORT=$(TRANSPORT) has no driver firmware/drivers/rp2040_$(TRANSPORT)/)
endif
ifneq ($(TRANSPORT),uart)
BUILD_SUFFIX := -$(TRANSPORT)
endif
DRIVERS := rp2040_sio rp2040_timer rp2040_$(TRANSPORT)
# override: tests add their own BOARD_CFLAGS on the command line.
override BOARD_CFLAGS += -DRP2040_TRANSPORT_H='"rp2040_$(TRANSPORT).h"'
LDSCRIPT := $(BOARD_DIR)/link.ld
BOARD_SRCS := $(BOARD_DIR)/startup.c $(BOARD_DIR)/port.c $(BOARD_DIR)/app_board.c boards/common/rp2040_periodic.c

include boards/cross.mk
