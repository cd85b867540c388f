# tracepipe firmware build. BOARD=<name> is the only knob:
#   make BOARD=qemu-mps2-an385      every app of the board -> build/<board>/<app>.elf
#   make BOARD=host test            the core's unit tests, natively, under ASan/UBSan
#   make boards                     list the boards
# OPT (default -O2) and BUILD (default build/<board>) exist for the benchmark suite.

BOARD ?= qemu-mps2-an385
BOARDS := $(sort $(notdir $(patsubst %/board.mk,%,$(wildcard boards/*/board.mk))))

ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error BOARD '$(BOARD)' not found. Valid boards: $(BOARDS))
endif

OPT ?= -O2
# A board.mk may set BUILD_SUFFIX for a build variant (rp2040-pico: TRANSPORT=usb -> -usb).
BUILD ?= build/$(BOARD)$(BUILD_SUFFIX)
CORE_SRCS := $(sort $(wildcard firmware/src/*.c))
BOARD_DIR := boards/$(BOARD)

.DEFAULT_GOAL := all
.PHONY: all boards clean test

boards:
	@echo $(BOARDS)

clean:
	rm -rf build

include $(BOARD_DIR)/board.mk
