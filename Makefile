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
BOARD_DIR := boards/$(BOARD)
# The full core: firmware/src/*.c. The tiny core: firmware/src/tiny/ (its own ring and drain),
# with the files both share (the record state, commands, wire tables, build id, metadata);
# the full profile's ring, drain and framer are not built. Tiny is one channel: a board with
# more cores (board.json "cores") fails here, in one line (PORTING.md 1.5).
TINY_FULL_ONLY_SRCS := firmware/src/tp_ring.c firmware/src/tp_drain.c firmware/src/tp_frame.c
TINY_CORE_SRCS := $(sort $(wildcard firmware/src/tiny/*.c)) \
	$(filter-out $(TINY_FULL_ONLY_SRCS),$(sort $(wildcard firmware/src/*.c)))
ifeq ($(PROFILE),tiny)
CORE_SRCS := $(TINY_CORE_SRCS)
BOARD_CORES := $(shell sed -n 's/.*"cores": *\([0-9]*\).*/\1/p' $(BOARD_DIR)/board.json 2>/dev/null)
ifneq ($(filter-out 1,$(BOARD_CORES)),)
$(error PROFILE=tiny is for one-core boards: $(BOARD) has $(BOARD_CORES) cores; build it with PROFILE=full (PORTING.md 1.5))
endif
else
CORE_SRCS := $(sort $(wildcard firmware/src/*.c))
endif

.DEFAULT_GOAL := all
.PHONY: all boards clean test

boards:
	@echo $(BOARDS)

clean:
	rm -rf build

include $(BOARD_DIR)/board.mk
