# qemu-mps2-an521: two Cortex-M33 cores (SSE-200), Secure world, soft float (CPU0 has no FPU).
ARCH := armv7m
ARCH_FLAGS := -mcpu=cortex-m33 -mthumb -mfloat-abi=soft
DRIVERS := cmsdk_timer cmsdk_uart
LDSCRIPT := $(BOARD_DIR)/linker.ld
BOARD_SRCS := $(BOARD_DIR)/startup.c $(BOARD_DIR)/port.c $(BOARD_DIR)/app_board.c \
	boards/common/semihost.c boards/common/idle.c boards/common/cmsdk_periodic.c
include boards/cross.mk
