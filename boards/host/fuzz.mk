# libFuzzer targets (firmware/fuzz/fuzz_*.c), built with clang. Each runs FUZZ_SECONDS and
# prints its execution count; a crash, sanitizer report or invariant failure fails the target.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wundef \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DTP_TESTPOINTS -I firmware/include -I firmware -I firmware/src -I firmware/test -I $(BOARD_DIR)
FUZZ_TARGETS := $(sort $(notdir $(basename $(wildcard firmware/fuzz/fuzz_*.c))))
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_%: firmware/fuzz/fuzz_%.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRCS) $(HOST_SUPPORT)

fuzz: $(FUZZ_BINS)
	@fail=0; for f in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$f; \
		log=$(BUILD)/fuzz/$$f.log; \
		if $(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -seed=1 -max_len=4096 \
			$(BUILD)/fuzz/corpus-$$f firmware/fuzz/seeds >$$log 2>&1; then \
			runs=$$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' $$log); \
			echo "$$f: $$runs executions in $(FUZZ_SECONDS) s, no failure"; \
		else \
			tail -30 $$log; echo "$$f: FAILED (log: $$log)"; fail=1; \
		fi; \
	done; exit $$fail
