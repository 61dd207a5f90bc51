// Evaluating each distinct condition clause once per Decide.
//
// The campaigns of a delivery view share most of their clauses
// ({"country": {"$in": [...]}}, {"device": "mobile"}, a browser regex), and
// one Decide evaluates all of them against the same attributes. Clauses
// compiled inside a ScopedClauseInterning (the delivery view compiling
// campaign and segment conditions) get a process-wide slot per distinct
// (path, operand JSON text); while a ScopedClauseMemo lives on a thread, a
// slotted clause evaluated against the scope's attributes object (by
// address: the memo never answers for another object, such as an
// $elemMatch element) is computed once and then answered from the memo
// (CompiledCondition::Evaluate asks ClauseMemo::For once per call).
//
// Clauses whose answer depends on more than the attributes ($inGroup and
// $notInGroup read the saved groups) get no slot. Slots are bounded
// (kMaxClauseSlots distinct clauses per process, keys of at most
// kMaxClauseKeyBytes); past either bound a clause is simply evaluated.
#ifndef MARQUEE_SRC_CAMPAIGN_CLAUSE_MEMO_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_CLAUSE_MEMO_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "marquee/campaign/value.h"

namespace marquee::campaign::internal {

inline constexpr size_t kMaxClauseSlots = size_t{1} << 16;
inline constexpr size_t kMaxClauseKeyBytes = 512;

// Clauses compiled on this thread while one lives are given slots.
class ScopedClauseInterning {
 public:
  ScopedClauseInterning();
  ~ScopedClauseInterning();
  ScopedClauseInterning(const ScopedClauseInterning&) = delete;
  ScopedClauseInterning& operator=(const ScopedClauseInterning&) = delete;

 private:
  bool previous_;
};

// The slot of a path clause (its key and operand), or -1: no interning
// scope on this thread, an operand reading saved groups, or past the bounds.
int32_t InternClause(std::string_view key, const Value& operand);

// A memo of slotted clauses evaluated against `attributes` on this thread,
// for the scope's lifetime. `attributes` must outlive the scope and not
// change during it. Nested scopes keep the outer one.
class ScopedClauseMemo {
 public:
  explicit ScopedClauseMemo(const Value& attributes);
  ~ScopedClauseMemo();
  ScopedClauseMemo(const ScopedClauseMemo&) = delete;
  ScopedClauseMemo& operator=(const ScopedClauseMemo&) = delete;

 private:
  bool owner_;
};

// What a slotted clause gave in this scope.
struct ClauseOutcome {
  bool known = false;
  bool result = false;
  bool threw = false;  // the evaluation met what JavaScript would throw on
};

// The outcomes of one thread's scope. An entry counts only when its stamp is
// the scope's generation, so starting a scope clears nothing.
class ClauseMemo {
 public:
  // This thread's memo when a scope is open and `obj` is its attributes
  // object, else nullptr. Looked up once per Evaluate, not per clause.
  static ClauseMemo* For(const Value& obj);

  ClauseOutcome Find(int32_t slot) const {
    const auto s = static_cast<size_t>(slot);
    if (s >= stamps_.size() || stamps_[s] != generation_) return {};
    return {.known = true, .result = (outcomes_[s] & 1) != 0, .threw = (outcomes_[s] & 2) != 0};
  }
  void Add(int32_t slot, bool result, bool threw);

 private:
  friend class ScopedClauseMemo;
  int depth_ = 0;  // scopes open on this thread
  const Value* root_ = nullptr;
  uint32_t generation_ = 0;
  std::vector<uint32_t> stamps_;
  std::vector<uint8_t> outcomes_;  // bit 0: result, bit 1: threw
};

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_CLAUSE_MEMO_INTERNAL_H_
