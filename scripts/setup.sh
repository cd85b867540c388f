#!/usr/bin/env bash
# Sets up everything tracepipe needs on a fresh Debian 12 machine with Node 20 (run as root):
# the Debian packages (cross compiler, QEMU, babeltrace2, chromium, clang and lld, tmux for the live view's test,
# protoc for the Perfetto export's test), the npm
# packages (npm ci), the host CLI bundle and the firmware of the emulated boards.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi binutils-arm-none-eabi)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v babeltrace2 >/dev/null || need+=(babeltrace2)
command -v chromium >/dev/null || need+=(chromium)
command -v clang >/dev/null || need+=(clang)
# wasm-ld: host/build-wasm.mjs links the frame kernel (frame-kernel.c) with it; its test recompiles the kernel
command -v wasm-ld >/dev/null || need+=(lld)
command -v socat >/dev/null || need+=(socat)
command -v tmux >/dev/null || need+=(tmux)
# protoc: test/export/perfetto.test.ts decodes the Perfetto export with Perfetto's schema
command -v protoc >/dev/null || need+=(protobuf-compiler)
[ -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ] || need+=(libclang-rt-14-dev)
[ -x /usr/bin/time ] || need+=(time)
command -v make >/dev/null || need+=(make)
command -v gcc >/dev/null || need+=(gcc)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
make -s BOARD=qemu-mps2-an385 >/dev/null
echo "setup: ready" >&2
