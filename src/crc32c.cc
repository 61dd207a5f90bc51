// CRC-32C: a slicing-by-8 table implementation and an SSE4.2 one, chosen at
// run time so one binary runs on every x86-64 and uses the instruction where
// it exists.
#include "internal/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace marquee::internal {
namespace {

// The reflected Castagnoli polynomial.
constexpr uint32_t kPolynomial = 0x82F63B78;

using Table = std::array<std::array<uint32_t, 256>, 8>;

// table[0] is the classic byte-at-a-time table; table[k][b] is the CRC of
// byte b followed by k zero bytes, which lets the loop below fold 8 input
// bytes with 8 independent lookups instead of 8 dependent ones.
constexpr Table MakeTable() {
  Table table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) != 0 ? kPolynomial : 0);
    table[0][byte] = crc;
  }
  for (size_t byte = 0; byte < 256; ++byte) {
    for (size_t k = 1; k < 8; ++k) {
      const uint32_t prev = table[k - 1][byte];
      table[k][byte] = (prev >> 8) ^ table[0][prev & 0xFF];
    }
  }
  return table;
}

constexpr Table kTable = MakeTable();

// Reads 8 bytes as a little-endian integer whatever the host order and
// alignment.
inline uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

using ExtendFunction = uint32_t (*)(uint32_t, const void*, size_t);

ExtendFunction ChooseExtend() {
  return Crc32cHardwareAvailable() ? &Crc32cExtendHardware : &Crc32cExtendPortable;
}

}  // namespace

uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  while (size >= 8) {
    const uint64_t word = LoadLittleEndian64(p);
    const uint32_t lo = static_cast<uint32_t>(word) ^ c;
    const auto hi = static_cast<uint32_t>(word >> 32);
    c = kTable[7][lo & 0xFF] ^ kTable[6][(lo >> 8) & 0xFF] ^ kTable[5][(lo >> 16) & 0xFF] ^
        kTable[4][lo >> 24] ^ kTable[3][hi & 0xFF] ^ kTable[2][(hi >> 8) & 0xFF] ^
        kTable[1][(hi >> 16) & 0xFF] ^ kTable[0][hi >> 24];
    p += 8;
    size -= 8;
  }
  for (; size > 0; --size, ++p) c = (c >> 8) ^ kTable[0][(c ^ *p) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)

// Compiled for SSE4.2 whatever the target flags; only called after the
// run-time check.
__attribute__((target("sse4.2"))) uint32_t Crc32cExtendHardware(uint32_t crc, const void* data,
                                                                size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t c = ~crc;
  // Byte steps up to an 8-byte boundary keep the wide loads aligned.
  while (size > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --size;
  }
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));  // x86 is little-endian
    c = _mm_crc32_u64(c, word);
    p += 8;
    size -= 8;
  }
  for (; size > 0; --size) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return ~static_cast<uint32_t>(c);
}

bool Crc32cHardwareAvailable() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2") != 0;
}

#else  // no CRC instruction wired up for this architecture

uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t size) {
  return Crc32cExtendPortable(crc, data, size);
}

bool Crc32cHardwareAvailable() { return false; }

#endif

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size) {
  // Chosen once; a function-local static is initialized thread-safely.
  static const ExtendFunction extend = ChooseExtend();
  return extend(crc, data, size);
}

}  // namespace marquee::internal
