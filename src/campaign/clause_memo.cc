// Clause slots and the per-thread clause memo (clause_memo_internal.h).
#include "campaign/clause_memo_internal.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace marquee::campaign::internal {
namespace {

thread_local bool interning = false;

// Slots are process-wide, so a memo can never confuse the clauses of two
// views; compiling is rare, so one mutex is enough.
struct Interner {
  std::mutex mu;
  absl::flat_hash_map<std::string, int32_t> slots;
};

Interner& TheInterner() {
  static Interner* const interner = new Interner();  // never destroyed: used at exit
  return *interner;
}

ClauseMemo& ThreadMemo() {
  thread_local ClauseMemo memo;
  return memo;
}

bool ReadsSavedGroups(std::string_view operand_text) {
  return operand_text.find("\"$inGroup\"") != std::string_view::npos ||
         operand_text.find("\"$notInGroup\"") != std::string_view::npos;
}

}  // namespace

ScopedClauseInterning::ScopedClauseInterning() : previous_(interning) { interning = true; }
ScopedClauseInterning::~ScopedClauseInterning() { interning = previous_; }

int32_t InternClause(std::string_view key, const Value& operand) {
  if (!interning) return -1;
  const std::string operand_text = operand.ToJsonText();
  if (ReadsSavedGroups(operand_text)) return -1;
  if (key.size() + 1 + operand_text.size() > kMaxClauseKeyBytes) return -1;
  std::string full(key);
  // JSON text escapes control characters, so the last NUL of `full` is this
  // separator: two different (key, operand) pairs never make the same string.
  full.push_back('\0');
  full += operand_text;
  Interner& in = TheInterner();
  std::lock_guard lock(in.mu);
  auto it = in.slots.find(full);
  if (it != in.slots.end()) return it->second;
  if (in.slots.size() >= kMaxClauseSlots) return -1;
  const auto slot = static_cast<int32_t>(in.slots.size());
  in.slots.emplace(std::move(full), slot);
  return slot;
}

ScopedClauseMemo::ScopedClauseMemo(const Value& attributes) : owner_(ThreadMemo().depth_ == 0) {
  ClauseMemo& memo = ThreadMemo();
  ++memo.depth_;
  if (!owner_) return;
  memo.root_ = &attributes;
  if (++memo.generation_ == 0) {  // wrapped: old stamps could match again
    std::fill(memo.stamps_.begin(), memo.stamps_.end(), 0);
    memo.generation_ = 1;
  }
}

ScopedClauseMemo::~ScopedClauseMemo() {
  ClauseMemo& memo = ThreadMemo();
  --memo.depth_;
  if (owner_) memo.root_ = nullptr;
}

ClauseMemo* ClauseMemo::For(const Value& obj) {
  ClauseMemo& memo = ThreadMemo();
  return memo.root_ == &obj ? &memo : nullptr;
}

void ClauseMemo::Add(int32_t slot, bool result, bool threw) {
  if (slot < 0) return;
  const auto s = static_cast<size_t>(slot);
  if (s >= stamps_.size()) {
    stamps_.resize(s + 1, 0);
    outcomes_.resize(s + 1, 0);
  }
  stamps_[s] = generation_;
  outcomes_[s] = static_cast<uint8_t>((result ? 1 : 0) | (threw ? 2 : 0));
}

}  // namespace marquee::campaign::internal
