#ifndef MOLTARENA_CFUZZERDRIVER_H
#define MOLTARENA_CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that keep their own main (compiler-rt's FuzzerDriver.cpp):
/// parses libFuzzer's flags from argc/argv, then runs `callback` on each input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
