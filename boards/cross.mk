# Shared rules for the arm-none-eabi boards. A board's board.mk sets
#   ARCH        (armv6m or armv7m: firmware/arch/<ARCH>, the IRQ mask, barrier and CAS;
#                ARMv8-M mainline uses armv7m. ARCH_CAS := (empty) when the board has its own)
#   ARCH_FLAGS  (-mcpu=... -mthumb ...)
#   DRIVERS     (the peripheral drivers it uses: folders of firmware/drivers/, each built
#                whole and on the include path)
#   LDSCRIPT    (its linker script)
#   BOARD_SRCS  (startup, port and app_board sources; cross.mk adds boards/common/mem.c and
#                console.c, a semihosting board adds boards/common/semihost.c)
#   BOARD_APPS  (optional: the apps it builds; default every folder in apps/)
#   BOARD_INC   (optional: more folders for board.h and tp_port_impl.h, after its own: a
#                board that reuses another board's files names that folder)
# then includes this file.

CROSS ?= arm-none-eabi-
CC := $(CROSS)gcc
SIZE := $(CROSS)size

# Code every cross board shares: freestanding memset/memcpy/memmove/memcmp, and
# board_put_u32 on top of the board's board_puts. Boards with a semihosting console add
# boards/common/semihost.c themselves.
BOARD_SRCS += boards/common/mem.c boards/common/console.c
ARCH_CAS ?= firmware/arch/$(ARCH)/cas.c
# A driver's tiny/X.c is the tiny profile's replacement for its X.c (PORTING.md 1.5: the polled
# transmitters): PROFILE=tiny builds it instead of X.c; the full profile never builds tiny/.
DRIVER_SRCS := $(foreach d,$(DRIVERS),$(wildcard firmware/drivers/$(d)/*.c))
ifeq ($(PROFILE),tiny)
DRIVER_TINY_SRCS := $(foreach d,$(DRIVERS),$(wildcard firmware/drivers/$(d)/tiny/*.c))
DRIVER_SRCS := $(filter-out $(subst /tiny/,/,$(DRIVER_TINY_SRCS)),$(DRIVER_SRCS)) $(DRIVER_TINY_SRCS)
endif
BOARD_SRCS += $(ARCH_CAS) boards/common/vectors.c $(DRIVER_SRCS)

BOARD_APPS ?= $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard apps/*/main.c)))))
ifeq ($(PROFILE),tiny)
BOARD_APPS := $(filter-out $(TINY_SKIP_APPS),$(BOARD_APPS))
endif

# The CRC-32C table (TP_CRC_TABLE, tp_internal.h): 256 entries (1 KiB of flash, one lookup a
# byte) or 16 (64 B, two lookups a byte). A build for size (OPT=-Os) of an ARMv6-M board takes
# the 16-entry table in both profiles: on a Cortex-M0 part the 960 bytes are a sixth of the
# tracer, and -Os says flash comes first (PORTING.md 1.5). CRC_TABLE=16 or 256 overrides it.
ifeq ($(ARCH)$(OPT),armv6m-Os)
CRC_TABLE ?= 16
endif
CRC_CFLAGS := $(if $(CRC_TABLE),-DTP_CRC_TABLE=$(CRC_TABLE))
# LINK_WHOLE=0|1: the full profile's link (TP_LINK_WHOLE, PORTING 1.5); unset, -Os takes the
# whole-message link and other levels the framer ring (tp_drain.c).
CRC_CFLAGS += $(if $(LINK_WHOLE),-DTP_LINK_WHOLE=$(LINK_WHOLE))

CFLAGS := -std=c11 $(OPT) -g3 -Wall -Wextra -Werror -Wshadow -Wundef \
	-ffreestanding -ffunction-sections -fdata-sections -fno-common \
	-fno-tree-loop-distribute-patterns \
	$(ARCH_FLAGS) -I firmware/include -I firmware -I $(BOARD_DIR) $(foreach d,$(BOARD_INC),-I $(d)) -I firmware/arch/$(ARCH) $(foreach d,$(DRIVERS),-I firmware/drivers/$(d)) -I $(BUILD)/gen -I boards/common -I apps $(PROFILE_CFLAGS) $(CRC_CFLAGS) $(BOARD_CFLAGS)
LDFLAGS := $(ARCH_FLAGS) -nostdlib -nostartfiles -Wl,--gc-sections -Wl,--build-id=sha1 \
	-Wl,-T,$(LDSCRIPT)

# TP_BOARD_* constants from board.json (firmware/tools/board_header.mjs), never committed.
BOARD_GEN_H := $(BUILD)/gen/tp_board_gen.h
$(BOARD_GEN_H): $(BOARD_DIR)/board.json firmware/tools/board_header.mjs
	@mkdir -p $(dir $@)
	node firmware/tools/board_header.mjs $< > $@.tmp && mv $@.tmp $@

# LTO=1: link-time optimisation of the tracer's own objects (the core, the board's arch and
# drivers, its port.c), the default for the tiny profile at -Os (PORTING.md 1.5): functions
# called once are inlined across files and their calls and literal pools go. The apps and the
# rest of the board code stay plain objects, so nothing of the tracer is inlined into them and
# the linker's LTO output (the map's *.ltrans.o) holds the tracer alone (bench/target.mjs
# footprint). LTO=0 turns it off.
ifeq ($(PROFILE)$(OPT),tiny-Os)
LTO ?= 1
endif
ifeq ($(LTO),1)
LTO_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRCS) $(ARCH_CAS) $(DRIVER_SRCS) $(filter %/port.c,$(BOARD_SRCS)))
$(LTO_OBJS): CFLAGS += -flto
LDFLAGS += -flto $(OPT)
endif

# The flags the folder's objects were made with, as a file they depend on: a folder built again
# with other flags (OPT, LTO, CRC_TABLE, LINK_WHOLE, BOARD_CFLAGS, ...) is rebuilt, not linked from
# objects of the last flags. The file is rewritten only when they differ, so an unchanged build
# stays up to date; a rule (not a parse-time write) so that `make -n` changes nothing.
BUILD_FLAGS := $(BUILD)/flags.txt
BUILD_FLAGS_NOW := $(subst ','\'',$(CC) $(CFLAGS) LTO=$(LTO) $(LDFLAGS))
$(BUILD_FLAGS): FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(BUILD_FLAGS_NOW)' | cmp -s - $@ || printf '%s\n' '$(BUILD_FLAGS_NOW)' > $@
.PHONY: FORCE
FORCE:

CORE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
BOARD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(BOARD_SRCS))
ELFS := $(patsubst %,$(BUILD)/%.elf,$(BOARD_APPS))

all: $(ELFS)

$(BUILD)/obj/%.o: %.c $(BOARD_GEN_H) $(BUILD_FLAGS) $(MAKEFILE_LIST) $(wildcard firmware/include/*.h firmware/*.h firmware/arch/*.h firmware/arch/$(ARCH)/*.h firmware/drivers/*/*.h $(BOARD_DIR)/*.h $(foreach d,$(BOARD_INC),$(d)/*.h) boards/common/*.h apps/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# An app's objects. Kept out of the rule text: make would put the stem into the first '%' of
# each prerequisite word (the patsubst pattern) before the second expansion runs.
app_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard apps/$(1)/*.c))

# Keep objects make would otherwise delete as intermediates of the pattern rules.
.SECONDARY:

.SECONDEXPANSION:
$(BUILD)/%.elf: $$(call app_objs,$$*) $(CORE_OBJS) $(BOARD_OBJS) $(LDSCRIPT) $(BUILD_FLAGS)
	$(CC) $(LDFLAGS) -Wl,-Map,$(BUILD)/$*.map -o $@ $(filter %.o,$^) -lgcc

# Header and #included-source dependencies (apps may #include a shared source file).
-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

.PHONY: size
size: $(ELFS)
	$(SIZE) $(ELFS)
