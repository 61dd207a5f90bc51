// Reads a cache2k trace: big-endian signed 32-bit keys, nothing else.
#include "trace_reader.h"

#include <cerrno>
#include <cstring>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace marquee::cachesim {

absl::StatusOr<std::vector<int32_t>> ReadTrace(const std::string& path) {
  // stdio, not iostreams: libstdc++'s istreambuf_iterator throws on a
  // directory, and this reader must report, never crash.
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    int error = errno;
    std::string message = absl::StrCat("cannot open trace '", path, "': ", std::strerror(error));
    if (error == ENOENT) return absl::NotFoundError(message);
    if (error == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  std::vector<unsigned char> bytes;
  unsigned char buffer[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    bytes.insert(bytes.end(), buffer, buffer + got);
  }
  bool failed = std::ferror(file) != 0;
  int error = errno;
  std::fclose(file);
  if (failed) {
    return absl::UnavailableError(
        absl::StrCat("cannot read trace '", path, "': ", std::strerror(error)));
  }
  if (bytes.empty()) return absl::InvalidArgumentError(absl::StrCat("trace '", path, "' is empty"));
  if (bytes.size() % 4 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace '", path, "' is ", bytes.size(),
                     " bytes, not a multiple of 4; is it still xz-compressed?"));
  }
  std::vector<int32_t> keys;
  keys.reserve(bytes.size() / 4);
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t word = uint32_t{bytes[i]} << 24 | uint32_t{bytes[i + 1]} << 16 |
                    uint32_t{bytes[i + 2]} << 8 | uint32_t{bytes[i + 3]};
    keys.push_back(static_cast<int32_t>(word));  // two's complement since C++20
  }
  return keys;
}

}  // namespace marquee::cachesim
