// Whole-file reads and writes for tests that craft or inspect store files.
// Thread-safety: functions on distinct paths may run concurrently.
//
//   std::string bytes = marquee::test::ReadFileBytes(path);
//   bytes[100] ^= 0x01;
//   REQUIRE(marquee::test::WriteFileBytes(path, bytes));
#ifndef MARQUEE_TESTS_SUPPORT_FILE_BYTES_H_
#define MARQUEE_TESTS_SUPPORT_FILE_BYTES_H_

#include <fstream>
#include <iterator>
#include <string>

namespace marquee::test {

// The file's bytes; "" when it cannot be read.
inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Replaces the file's contents; false when that failed.
[[nodiscard]] inline bool WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out.good();
}

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_FILE_BYTES_H_
