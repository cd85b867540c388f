# boards/host: the core built natively for its unit tests, under ASan and UBSan.
#   make BOARD=host test                    build and run every firmware/test/test_*.c
#   make BOARD=host fuzz FUZZ_SECONDS=20    libFuzzer targets in firmware/fuzz (clang)
# Every test binary prints one summary line; `test` fails if any binary fails.
# test_time runs once per timer width (16, 24, 32 bits); the others use 32 bits. test_tiny
# builds the core in the tiny profile, and once more at -Os (its size-first link and CRC).
# test_wire runs once more with the 16-entry CRC table (TP_CRC_TABLE=16, the tiny profile's)
# and once at -Os on the framer ring (the size-first drain paths); those of HOST_WHOLE_TESTS
# once more at -Os on the whole-message link.

HOST_CC ?= gcc
HOST_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wshadow -Wundef \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	-DTP_TESTPOINTS -I firmware/include -I firmware -I firmware/src -I $(BOARD_DIR)
HOST_SUPPORT := $(BOARD_DIR)/port.c $(filter-out firmware/test/test_%.c,$(wildcard firmware/test/*.c))
HOST_TESTS := $(sort $(notdir $(basename $(wildcard firmware/test/test_*.c))))
HOST_TIME_BITS := 16 24 32
# Built once more at -Os with the whole-message link (TP_LINK_WHOLE=1, the full profile's at -Os):
# the full profile's scheduler, flush and dump on the tiny profile's link.
HOST_WHOLE_TESTS := test_wire test_cmd test_ring test_checked
HOST_BINS := $(foreach t,$(filter-out test_time,$(HOST_TESTS)),$(BUILD)/$(t)) \
	$(if $(filter test_time,$(HOST_TESTS)),$(foreach b,$(HOST_TIME_BITS),$(BUILD)/test_time_$(b))) \
	$(if $(filter test_wire,$(HOST_TESTS)),$(BUILD)/test_wire_crc16 $(BUILD)/test_wire_os) \
	$(if $(filter test_tiny,$(HOST_TESTS)),$(BUILD)/test_tiny_os $(BUILD)/test_tiny_os_polled) \
	$(foreach t,$(filter $(HOST_WHOLE_TESTS),$(HOST_TESTS)),$(BUILD)/$(t)_whole)
HOST_DEPS := $(CORE_SRCS) $(HOST_SUPPORT) $(wildcard firmware/include/*.h firmware/*.h firmware/src/*.h \
	firmware/test/*.h $(BOARD_DIR)/*.h) $(MAKEFILE_LIST)

.PHONY: fuzz

all: $(HOST_BINS)

$(BUILD)/test_time_%: firmware/test/test_time.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -DTP_BOARD_TIMER_BITS=$* -o $@ $< $(CORE_SRCS) $(HOST_SUPPORT)

$(BUILD)/test_wire_crc16: firmware/test/test_wire.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -DTP_CRC_TABLE=16 -o $@ $< $(CORE_SRCS) $(HOST_SUPPORT)

# -Os: the drain's size-first paths (__OPTIMIZE_SIZE__: no framing in the encoder), on the
# framer ring (the -O2 link; -Os takes the whole-message link unless told, make LINK_WHOLE=0).
$(BUILD)/test_wire_os: firmware/test/test_wire.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Os -DTP_LINK_WHOLE=0 -o $@ $< $(CORE_SRCS) $(HOST_SUPPORT)

$(BUILD)/test_%_whole: firmware/test/test_%.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Os -DTP_LINK_WHOLE=1 -o $@ $< $(CORE_SRCS) $(HOST_SUPPORT)

# test_tiny checks the tiny core (Makefile PROFILE=tiny: firmware/src/tiny/ and the shared
# files), on one core, as the profile requires; tp_frame.c only for the tests' command frames.
$(BUILD)/test_tiny: firmware/test/test_tiny.c $(HOST_DEPS) $(TINY_CORE_SRCS) $(wildcard firmware/src/tiny/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -UTP_TESTPOINTS -DTP_PROFILE_TINY=1 -DTP_BOARD_CORES=1 -o $@ $< $(TINY_CORE_SRCS) \
		firmware/src/tp_frame.c $(HOST_SUPPORT)

# ... and once at -Os: the tiny link's size-first framer and bitwise CRC (__OPTIMIZE_SIZE__),
# what the flash figure counts.
$(BUILD)/test_tiny_os: firmware/test/test_tiny.c $(HOST_DEPS) $(TINY_CORE_SRCS) $(wildcard firmware/src/tiny/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Os -UTP_TESTPOINTS -DTP_PROFILE_TINY=1 -DTP_BOARD_CORES=1 -o $@ $< $(TINY_CORE_SRCS) \
		firmware/src/tp_frame.c $(HOST_SUPPORT)

# ... and at -Os on a polled transmitter (HOST_TX_POLLED, port.h): the whole-message pump, what
# the micro:bit's tiny flash figure counts.
$(BUILD)/test_tiny_os_polled: firmware/test/test_tiny.c $(HOST_DEPS) $(TINY_CORE_SRCS) $(wildcard firmware/src/tiny/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Os -UTP_TESTPOINTS -DTP_PROFILE_TINY=1 -DTP_BOARD_CORES=1 -DHOST_TX_POLLED=1 -o $@ $< \
		$(TINY_CORE_SRCS) firmware/src/tp_frame.c $(HOST_SUPPORT)

$(BUILD)/test_%: firmware/test/test_%.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $< $(CORE_SRCS) $(HOST_SUPPORT)

test: $(HOST_BINS)
	@fail=0; for t in $(HOST_BINS); do \
		if ! $$t; then echo "FAIL $$t"; fail=1; fi; \
	done; \
	if [ $$fail -ne 0 ]; then echo "host tests: FAILED"; exit 1; fi; \
	echo "host tests: all passed"

-include $(BOARD_DIR)/fuzz.mk
