// A child process driven line by line over its stdin and stdout.
//
// For tests that need a second process (another cache node, later the
// server): spawned with posix_spawn (no shell), killed in the destructor.
// Thread-safety: none; drive it from the test's thread.
//
//   marquee::test::ChildProcess node({MARQUEE_CACHE_NODE, "--port", "6379"});
//   node.WriteLine("get a");
//   std::string answer = node.ReadLine(absl::Seconds(5));
#ifndef MARQUEE_TESTS_SUPPORT_CHILD_PROCESS_H_
#define MARQUEE_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace marquee::test {

class ChildProcess {
 public:
  // Starts argv[0] with the arguments argv[1..]. Throws std::runtime_error
  // when it cannot be spawned.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Sends `line` and a newline. Throws when the child's stdin is closed.
  void WriteLine(const std::string& line);
  // The next line the child printed, without its newline. Throws
  // std::runtime_error on timeout or when the child closed its stdout.
  std::string ReadLine(absl::Duration timeout);
  // WriteLine then ReadLine.
  std::string Ask(const std::string& line, absl::Duration timeout = absl::Seconds(10));

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_CHILD_PROCESS_H_
