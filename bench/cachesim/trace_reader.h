// bench/cachesim/trace_reader.h — reads a decompressed cache2k key trace.
//
// The cache2k traces (see ../shared/traces/README.md) are a bare sequence
// of big-endian signed 32-bit keys, one per request. marquee-cachesim replays
// them; reading the whole file up front keeps the replay loop free of I/O.
#ifndef MARQUEE_BENCH_CACHESIM_TRACE_READER_H_
#define MARQUEE_BENCH_CACHESIM_TRACE_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace marquee::cachesim {

// Returns every key of the trace at path, in request order.
// Errors: NotFound (no such file), PermissionDenied / Unavailable (cannot be
// read), InvalidArgument (length not a multiple of 4 bytes, or empty).
absl::StatusOr<std::vector<int32_t>> ReadTrace(const std::string& path);

}  // namespace marquee::cachesim

#endif  // MARQUEE_BENCH_CACHESIM_TRACE_READER_H_
