# qemu-mps2-an385: Arm MPS2 AN385 (Cortex-M3) as modelled by qemu-system-arm -M mps2-an385.
ARCH := armv7m
ARCH_FLAGS := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
DRIVERS := cmsdk_timer cmsdk_uart
LDSCRIPT := $(BOARD_DIR)/link.ld
BOARD_SRCS := $(BOARD_DIR)/startup.c $(BOARD_DIR)/port.c $(BOARD_DIR)/app_board.c \
	boards/common/semihost.c boards/common/idle.c boards/common/cmsdk_periodic.c

include boards/cross.mk
