// CRC-32C (Castagnoli), as used by the log and snapshot formats.
//
// Crc32cExtend picks, once per process, SSE4.2's crc32 instruction when the
// CPU has it and a slicing-by-8 table otherwise; both give the same values.
// Thread-safety: pure functions.
//
//   uint32_t crc = Crc32c(header, 12);
//   crc = Crc32cExtend(crc, more, more_size);  // == Crc32c of both, concatenated
#ifndef MARQUEE_SRC_INTERNAL_CRC32C_H_
#define MARQUEE_SRC_INTERNAL_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace marquee::internal {

// Extends `crc` (the CRC of the bytes before) with `size` bytes at `data`.
// Uses SSE4.2's crc32 instruction when the CPU has it.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }

// The two implementations behind Crc32cExtend, exposed so tests can check
// that they agree. Crc32cExtendHardware REQUIRES Crc32cHardwareAvailable().
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t size);
uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t size);
bool Crc32cHardwareAvailable();

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_CRC32C_H_
