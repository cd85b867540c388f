# qemu-mps2-an386: Arm MPS2 AN386 (Cortex-M4) as modelled by qemu-system-arm -M mps2-an386.
# A new combination of existing parts, nothing written for it: the ARMv7-M arch, the CMSDK
# timer and UART drivers, and the AN385 folder's start-up, linker script and instance data
# (AN386 has the same memory and interrupt map). Soft float: the port saves no FPU state.
ARCH := armv7m
ARCH_FLAGS := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
DRIVERS := cmsdk_timer cmsdk_uart
BOARD_INC := boards/qemu-mps2-an385
MPS2_DIR := $(BOARD_INC)
LDSCRIPT := $(MPS2_DIR)/link.ld
BOARD_SRCS := $(MPS2_DIR)/startup.c $(MPS2_DIR)/port.c $(MPS2_DIR)/app_board.c \
	boards/common/semihost.c boards/common/idle.c boards/common/cmsdk_periodic.c

include boards/cross.mk
