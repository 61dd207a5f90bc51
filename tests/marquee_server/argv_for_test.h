// A command line for ParseFlags and LoadSettings, built from strings:
//
//   ArgvForTest args({"--threads", "4"});  // argv[0] is "marquee-server"
//   ParseFlags(args.argc(), args.argv());
#ifndef MARQUEE_TESTS_MARQUEE_SERVER_ARGV_FOR_TEST_H_
#define MARQUEE_TESTS_MARQUEE_SERVER_ARGV_FOR_TEST_H_

#include <string>
#include <vector>

namespace marquee_server::test {

class ArgvForTest {
 public:
  explicit ArgvForTest(const std::vector<std::string>& args) : strings_{"marquee-server"} {
    strings_.insert(strings_.end(), args.begin(), args.end());
    for (std::string& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  ArgvForTest(const ArgvForTest&) = delete;
  ArgvForTest& operator=(const ArgvForTest&) = delete;

  int argc() const { return static_cast<int>(strings_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;  // into strings_, which never grows again
};

}  // namespace marquee_server::test

#endif  // MARQUEE_TESTS_MARQUEE_SERVER_ARGV_FOR_TEST_H_
