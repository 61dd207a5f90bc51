// A temporary directory for one test, removed with everything in it when the
// TempDir is destroyed.
//
// The directory is created with mkdtemp(3) under $TMPDIR, or /tmp when
// TMPDIR is unset or empty. A failure to create it throws std::runtime_error
// (doctest reports it as a failed test).
// Thread-safety: a value; path() may be read from any thread.
//
//   marquee::test::TempDir dir;
//   auto store = marquee::OpenMemoryStore({.data_dir = dir.path()});
#ifndef MARQUEE_TESTS_SUPPORT_TEMP_DIR_H_
#define MARQUEE_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace marquee::test {

class TempDir {
 public:
  // Creates <tmp>/marquee-<prefix>-XXXXXX.
  explicit TempDir(std::string_view prefix = "test");
  ~TempDir();  // removes the directory recursively; errors are ignored

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The absolute path of the directory, without a trailing slash.
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Join(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_TEMP_DIR_H_
