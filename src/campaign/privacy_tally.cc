// Subtracting an erased vote from its poll's tally (privacy_internal.h).
// Tallies are counters kept by the polls code: {"poll", "counts": {option:
// int}, "total": int} at poll_tallies/<poll id>, or split into shards
// <poll id>#<n> whose counts add up. The subtraction is a merge patch of
// the two counters, so members this code does not know survive.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "campaign/merge_patch_internal.h"
#include "campaign/privacy_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/merge_patch.h"
#include "marquee/status.h"

namespace marquee::campaign::internal {

using ::marquee::internal::Sv;
namespace {

// A counter member: nullopt when absent; DataLoss when not an integer.
absl::StatusOr<std::optional<int64_t>> Counter(const Record& tally,
                                               std::optional<std::string_view> text,
                                               std::string_view what) {
  if (!text) return std::optional<int64_t>();
  double d = 0;
  if (!absl::SimpleAtod(Sv(*text), &d) || !std::isfinite(d) || d != std::floor(d) ||
      std::fabs(d) > 9e15) {
    return absl::DataLossError(absl::StrCat("poll tally ", tally.id, ": ", Sv(what),
                                            " is not an integer: ", Sv(*text)));
  }
  return std::optional<int64_t>(static_cast<int64_t>(d));
}

// The decrement of `tally` for `option`; nullopt when its count is not positive.
absl::StatusOr<std::optional<TallyDecrement>> Decrement(const Record& tally,
                                                        std::string_view option) {
  const std::string_view body = tally.body.text();
  std::optional<std::string_view> counts = FindJsonMember(body, "counts");
  std::optional<std::string_view> count_text;
  if (counts) count_text = FindJsonMember(*counts, option);
  MARQUEE_ASSIGN_OR_RETURN(std::optional<int64_t> count,
                           Counter(tally, count_text, absl::StrCat("counts.", Sv(option))));
  if (!count || *count <= 0) return std::optional<TallyDecrement>();
  MARQUEE_ASSIGN_OR_RETURN(std::optional<int64_t> total,
                           Counter(tally, FindJsonMember(body, "total"), "total"));
  MARQUEE_ASSIGN_OR_RETURN(Json key, Json::FromString(option));
  std::string patch = absl::StrCat("{\"counts\":{", Sv(key.text()), ":", *count - 1, "}");
  if (total && *total > 0) absl::StrAppend(&patch, ",\"total\":", *total - 1);
  patch += "}";
  MARQUEE_ASSIGN_OR_RETURN(Json patch_json, Json::Parse(patch));
  // The tally was accepted by the store once; only its own size bounds it.
  MARQUEE_ASSIGN_OR_RETURN(Json updated,
                           ApplyMergePatch(tally.body, patch_json,
                                           {.max_bytes = tally.body.size() + patch.size(),
                                            .max_depth = JsonNestingDepth(body) + 2}));
  return std::optional<TallyDecrement>(TallyDecrement{
      .id = tally.id, .version = tally.version, .schema = tally.schema, .body = updated});
}

}  // namespace

absl::StatusOr<std::optional<TallyDecrement>> PlanTallyDecrement(const Store& store,
                                                                 std::string_view poll,
                                                                 std::string_view option) {
  absl::StatusOr<Record> whole = store.Get(kPollTalliesCollection, poll);
  if (whole.ok()) {
    MARQUEE_ASSIGN_OR_RETURN(std::optional<TallyDecrement> d, Decrement(*whole, option));
    if (d) return d;
  } else if (!absl::IsNotFound(whole.status()) && !absl::IsInvalidArgument(whole.status())) {
    return whole.status();
  }
  // Shards: ids "<poll>#..." sort between "<poll>#" and "<poll>$".
  ScanRequest request{.collection = std::string(kPollTalliesCollection),
                      .lower = RangeBound{.value = IndexValue::String(absl::StrCat(Sv(poll), "#"))},
                      .upper = RangeBound{.value = IndexValue::String(absl::StrCat(Sv(poll), "$")),
                                          .inclusive = false},
                      .limit = 1000};
  for (;;) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store.Scan(request));
    for (const Record& shard : page.records) {
      MARQUEE_ASSIGN_OR_RETURN(std::optional<TallyDecrement> d, Decrement(shard, option));
      if (d) return d;
    }
    if (!page.more || !page.end) break;
    request.after = page.end;
  }
  return std::optional<TallyDecrement>();
}

}  // namespace marquee::campaign::internal
