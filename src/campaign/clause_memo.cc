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

// Outcomes of the current scope: an entry counts only when its stamp is the
// scope's generation, so starting a scope clears nothing.
struct Memo {
  int depth = 0;
  const Value* root = nullptr;
  uint32_t generation = 0;
  std::vector<uint32_t> stamps;
  std::vector<uint8_t> outcomes;  // bit 0: result, bit 1: threw
};

Memo& ThreadMemo() {
  thread_local Memo memo;
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
  full.push_back('\0');  // cannot occur in a key: keys and text never collide
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

ScopedClauseMemo::ScopedClauseMemo(const Value& attributes) : owner_(ThreadMemo().depth == 0) {
  Memo& memo = ThreadMemo();
  ++memo.depth;
  if (!owner_) return;
  memo.root = &attributes;
  if (++memo.generation == 0) {  // wrapped: old stamps could match again
    std::fill(memo.stamps.begin(), memo.stamps.end(), 0);
    memo.generation = 1;
  }
}

ScopedClauseMemo::~ScopedClauseMemo() {
  Memo& memo = ThreadMemo();
  --memo.depth;
  if (owner_) memo.root = nullptr;
}

ClauseOutcome ClauseMemoFind(int32_t slot, const Value& obj) {
  const Memo& memo = ThreadMemo();
  const auto s = static_cast<size_t>(slot);
  if (memo.root != &obj || slot < 0 || s >= memo.stamps.size() ||
      memo.stamps[s] != memo.generation) {
    return {};
  }
  return {.known = true, .result = (memo.outcomes[s] & 1) != 0,
          .threw = (memo.outcomes[s] & 2) != 0};
}

void ClauseMemoAdd(int32_t slot, const Value& obj, bool result, bool threw) {
  Memo& memo = ThreadMemo();
  if (memo.root != &obj || slot < 0) return;
  const auto s = static_cast<size_t>(slot);
  if (s >= memo.stamps.size()) {
    memo.stamps.resize(s + 1, 0);
    memo.outcomes.resize(s + 1, 0);
  }
  memo.stamps[s] = memo.generation;
  memo.outcomes[s] = static_cast<uint8_t>((result ? 1 : 0) | (threw ? 2 : 0));
}

}  // namespace marquee::campaign::internal
