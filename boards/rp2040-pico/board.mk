# rp2040-pico: Raspberry Pi Pico (RP2040, two Cortex-M0+ cores). No QEMU machine exists:
# the build is checked here and the image runs on a real board (tracepipe flash).
ARCH := armv6m
ARCH_FLAGS := -mcpu=cortex-m0plus -mthumb -mfloat-abi=soft
# Two cores without LDREX/STREX: port.c has a spinlock compare-and-swap instead of the
# arch's masked one.
ARCH_CAS :=
LDSCRIPT := $(BOARD_DIR)/link.ld
BOARD_SRCS := $(BOARD_DIR)/startup.c $(BOARD_DIR)/port.c $(BOARD_DIR)/app_board.c

include boards/cross.mk
