// A per-thread memo of regular-expression results for one evaluation scope.
//
// One Decide evaluates the conditions of every live campaign against the
// same attributes, and campaigns often repeat a clause such as a browser
// regex: while a ScopedRegexMemo lives on a thread, RegexMatches on a string
// runs RE2 once per (pattern, case flag, subject) and answers the repeats
// from the memo. Keys are copies, compared by content, so a subject freed
// and reallocated within the scope can never be mistaken for another; the
// buffers keep their capacity between scopes, so a warm thread allocates
// nothing.
#ifndef MARQUEE_SRC_CAMPAIGN_REGEX_MEMO_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_REGEX_MEMO_INTERNAL_H_

#include <optional>
#include <string_view>

namespace marquee::campaign::internal {

class ScopedRegexMemo {
 public:
  // Starts a scope on this thread; a nested scope shares the outer one.
  ScopedRegexMemo();
  ~ScopedRegexMemo();
  ScopedRegexMemo(const ScopedRegexMemo&) = delete;
  ScopedRegexMemo& operator=(const ScopedRegexMemo&) = delete;

 private:
  bool owner_;
};

// The remembered result, or nullopt (no scope on this thread, or not seen).
std::optional<bool> RegexMemoFind(std::string_view pattern, bool case_sensitive,
                                  std::string_view subject);
// Remembers a result; a no-op without a scope or when the memo is full.
void RegexMemoAdd(std::string_view pattern, bool case_sensitive, std::string_view subject,
                  bool matched);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_REGEX_MEMO_INTERNAL_H_
