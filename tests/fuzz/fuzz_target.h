// The libFuzzer entry point every tests/fuzz/*_fuzz.cc defines.
//
// One source per target. It is linked two ways (tests/fuzz/CMakeLists.txt):
// with libFuzzer (-fsanitize=fuzzer, the `fuzz` preset, clang only) to
// search for crashing inputs, and with replay_main.cc into an ordinary
// program that feeds it every file of the target's seed corpus, which the
// normal test run executes (and so the asan preset replays the corpus under
// ASan and UBSan).
//
// A target returns 0 and reports a broken property with FuzzCheck, which
// aborts: that is how libFuzzer and the replay both see a failure.
#ifndef MARQUEE_TESTS_FUZZ_FUZZ_TARGET_H_
#define MARQUEE_TESTS_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Aborts with `what` when `condition` is false (kept in release builds).
#define FuzzCheck(condition, what)                                              \
  do {                                                                          \
    if (!(condition)) {                                                         \
      std::fprintf(stderr, "fuzz property broken at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                             \
    }                                                                           \
  } while (false)

#endif  // MARQUEE_TESTS_FUZZ_FUZZ_TARGET_H_
