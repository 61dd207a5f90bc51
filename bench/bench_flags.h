// The command line of the PostgreSQL bench programs: --name=value pairs.
// A benchmark is run by its script, so a bad argument ends the program with
// a message on stderr and exit status 1 rather than a usage screen.
#ifndef MARQUEE_BENCH_BENCH_FLAGS_H_
#define MARQUEE_BENCH_BENCH_FLAGS_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace marquee::bench {

// Prints "<program>: <what>" to stderr and exits with status 1.
[[noreturn]] inline void FailBench(std::string_view program, const std::string& what) {
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(program.size()), program.data(),
               what.c_str());
  std::exit(1);
}

// Calls take(name, value) for each --name=value argument; take returns false
// for a name it does not know. Any other shape of argument, or an unknown
// name, fails the program.
template <typename Take>
void ForEachFlag(std::string_view program, int argc, char** argv, Take take) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) {
      FailBench(program, "expected --name=value, got '" + std::string(arg) + "'");
    }
    const std::string name(arg.substr(2, eq - 2));
    if (!take(name, std::string(arg.substr(eq + 1)))) FailBench(program, "unknown flag --" + name);
  }
}

}  // namespace marquee::bench

#endif  // MARQUEE_BENCH_BENCH_FLAGS_H_
