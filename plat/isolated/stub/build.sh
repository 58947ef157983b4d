#!/bin/sh
# Builds the stub program and writes it to ../stub_amd64.bin (go generate).
# The output is committed; TestStubBlobUpToDate rebuilds it and compares.
set -e
cd "$(dirname "$0")"
out=${1:-../stub_amd64.bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-gcc} -std=gnu11 -O2 -Wall -Werror -fpie -ffreestanding -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-jump-tables -fcf-protection=none -mgeneral-regs-only \
	-nostdlib -static -no-pie -Wl,-Ttext-segment=0x100000000000 -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,-z,norelro -Wl,-z,max-page-size=4096 -o "$tmp/stub.elf" stub.c
${OBJCOPY:-objcopy} -R .comment "$tmp/stub.elf" "$out"
