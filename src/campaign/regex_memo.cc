// The per-thread regex memo of one evaluation scope (regex_memo_internal.h).
#include "campaign/regex_memo_internal.h"

#include <array>
#include <cstddef>
#include <string>

namespace marquee::campaign::internal {
namespace {

// Distinct (pattern, subject) pairs one scope remembers. A Decide sees a
// handful (one per distinct regex clause); past this the memo stops adding,
// so a hostile set of conditions costs RE2 time, never memo memory.
constexpr size_t kMaxEntries = 32;
// Longer subjects or patterns are not copied: comparing them would cost
// about what a match costs.
constexpr size_t kMaxKeyBytes = 1024;

struct Entry {
  std::string pattern;
  std::string subject;
  bool case_sensitive = true;
  bool matched = false;
};

struct Memo {
  int depth = 0;  // scopes open on this thread
  size_t size = 0;
  std::array<Entry, kMaxEntries> entries;
};

Memo& ThreadMemo() {
  thread_local Memo memo;
  return memo;
}

}  // namespace

ScopedRegexMemo::ScopedRegexMemo() : owner_(ThreadMemo().depth == 0) { ++ThreadMemo().depth; }

ScopedRegexMemo::~ScopedRegexMemo() {
  Memo& memo = ThreadMemo();
  --memo.depth;
  if (owner_) memo.size = 0;  // entries keep their buffers for the next scope
}

std::optional<bool> RegexMemoFind(std::string_view pattern, bool case_sensitive,
                                  std::string_view subject) {
  const Memo& memo = ThreadMemo();
  if (memo.depth == 0) return std::nullopt;
  for (size_t i = 0; i < memo.size; ++i) {
    const Entry& e = memo.entries[i];
    if (e.case_sensitive == case_sensitive && e.subject == subject && e.pattern == pattern) {
      return e.matched;
    }
  }
  return std::nullopt;
}

void RegexMemoAdd(std::string_view pattern, bool case_sensitive, std::string_view subject,
                  bool matched) {
  Memo& memo = ThreadMemo();
  if (memo.depth == 0 || memo.size == kMaxEntries) return;
  if (pattern.size() > kMaxKeyBytes || subject.size() > kMaxKeyBytes) return;
  Entry& e = memo.entries[memo.size++];
  e.pattern.assign(pattern);
  e.subject.assign(subject);
  e.case_sensitive = case_sensitive;
  e.matched = matched;
}

}  // namespace marquee::campaign::internal
