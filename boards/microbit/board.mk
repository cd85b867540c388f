# microbit: BBC micro:bit v1 (nRF51822, Cortex-M0, 16 KiB RAM), on hardware or QEMU -M microbit.
ARCH := armv6m
ARCH_FLAGS := -mcpu=cortex-m0 -mthumb -mfloat-abi=soft
DRIVERS := nrf51_timer nrf51_uart
LDSCRIPT := $(BOARD_DIR)/link.ld
BOARD_SRCS := $(BOARD_DIR)/startup.c $(BOARD_DIR)/port.c $(BOARD_DIR)/app_board.c \
	boards/common/semihost.c boards/common/idle.c boards/common/nrf51_periodic.c

# Every app but the multi-core ones (a second core's ring is pointless here and does not fit
# in 16 KiB). An app that outgrows the RAM fails this board's link with "RAM overflow".
BOARD_APPS := $(filter-out multicore_%,$(sort $(notdir $(patsubst %/,%,$(dir $(wildcard apps/*/main.c))))))

include boards/cross.mk
