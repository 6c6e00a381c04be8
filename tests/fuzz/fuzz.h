/* fuzz.h — the libFuzzer entry points every harness in tests/fuzz/ defines.
 *
 * The same harness links either with libFuzzer (clang -fsanitize=fuzzer,
 * KISGW_FUZZ=ON) or with replay.c, a plain main that feeds it every file of
 * the checked-in corpus (the default ctest suite, any compiler). */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time set-up; harnesses that need none do not define it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* A NUL-terminated copy of the input (the parsers take C strings). */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
