# tracepipe firmware build. BOARD=<name> is the only knob:
#   make BOARD=qemu-mps2-an385      every app of the board -> build/<board>/<app>.elf
#   make BOARD=host test            the core's unit tests, natively, under ASan/UBSan
#   make boards                     list the boards
#   make BOARD=microbit PROFILE=tiny  the tiny profile (PORTING.md) -> build/<board>-tiny/<app>.elf
# OPT (default -O2) and BUILD (default build/<board>, build/<board>-tiny) exist for the benchmark suite.
#   CRC_TABLE=16|256  the CRC-32C table; default 256, but 16 for OPT=-Os on ARMv6-M boards
#                     (boards/cross.mk, PORTING.md 1.5)
#   LINK_WHOLE=0|1    the full profile's link: 1 without the framer ring (less flash and RAM),
#                     the default at OPT=-Os; 0 the framer ring, the default otherwise

BOARD ?= qemu-mps2-an385
BOARDS := $(sort $(notdir $(patsubst %/board.mk,%,$(wildcard boards/*/board.mk))))

ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error BOARD '$(BOARD)' not found. Valid boards: $(BOARDS))
endif

# PROFILE: full (everything) or tiny (discard mode, CMD_START/STOP/HEADER, the flush that closes
# the books only from tp_flush(); see PORTING.md). tiny compiles the core with TP_PROFILE_TINY=1
# and builds only the apps that need nothing more (TINY_SKIP_APPS: overwrite mode or dump).
PROFILES := full tiny
PROFILE ?= full
ifeq ($(filter $(PROFILE),$(PROFILES)),)
$(error PROFILE '$(PROFILE)' not found. Valid profiles: $(PROFILES))
endif
TINY_SKIP_APPS := flight_recorder stress_overwrite multicore_overwrite bench_wire_kinds

OPT ?= -O2
# A board.mk may set BUILD_SUFFIX for a build variant (rp2040-pico: TRANSPORT=usb -> -usb).
ifeq ($(PROFILE),tiny)
BUILD ?= build/$(BOARD)$(BUILD_SUFFIX)-tiny
PROFILE_CFLAGS := -DTP_PROFILE_TINY=1
else
BUILD ?= build/$(BOARD)$(BUILD_SUFFIX)
PROFILE_CFLAGS :=
endif
CORE_SRCS := $(sort $(wildcard firmware/src/*.c))
BOARD_DIR := boards/$(BOARD)

.DEFAULT_GOAL := all
.PHONY: all boards clean test

boards:
	@echo $(BOARDS)

clean:
	rm -rf build

include $(BOARD_DIR)/board.mk
