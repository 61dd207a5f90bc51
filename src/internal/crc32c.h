// CRC-32C (Castagnoli), as used by the log and snapshot formats.
#ifndef MARQUEE_SRC_INTERNAL_CRC32C_H_
#define MARQUEE_SRC_INTERNAL_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace marquee::internal {

// Extends `crc` (the CRC of the bytes before) with `size` bytes at `data`.
// Uses SSE4.2's crc32 instruction when the CPU has it.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_CRC32C_H_
