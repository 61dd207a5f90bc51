// Shared pieces of EraseUser and ExportUser (privacy.h): checking options
// and indexes, and paging through the rows of one user in an index.
#ifndef MARQUEE_SRC_CAMPAIGN_PRIVACY_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_PRIVACY_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/privacy.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

// Checks the host collections of EraseOptions / ExportOptions: valid names,
// not a domain collection, not a member name of the export, no repeats.
// Errors: InvalidArgument naming "extra_collections[i]".
absl::Status ValidateUserKeyedCollections(const std::vector<UserKeyedCollection>& collections);

// Checks that `index` is declared on `collection`.
// Errors: FailedPrecondition ("index votes.by_user is not declared ...").
absl::Status CheckIndexDeclared(const Store& store, std::string_view collection,
                                std::string_view index);

// Checks every index EraseUser / ExportUser scans: the domain's and those of
// `extra`. Errors: as CheckIndexDeclared.
absl::Status CheckUserIndexes(const Store& store, const std::vector<UserKeyedCollection>& extra);

// One page of the rows of `collection` whose first field of `index` equals
// `user`, after `after` (from the start when empty).
absl::StatusOr<ScanResult> ScanUserRows(const Store& store, std::string_view collection,
                                        std::string_view index, std::string_view user,
                                        size_t limit, const std::optional<ScanPosition>& after);

// The string value of member `key` of an object body; nullopt when absent
// or not a string.
std::optional<std::string> StringMember(std::string_view object_text, std::string_view key);

// A vote's subtraction from its poll's tally: the tally record to write
// back on condition that it still has `version`.
struct TallyDecrement {
  std::string id{};
  uint64_t version = 0;
  uint32_t schema = 1;
  Json body{};  // the tally with the option's count and the total one lower
};

// The subtraction of one vote for `option` from the tally of `poll`:
// poll_tallies/<poll>, else the first shard <poll>#<n> (in id order) whose
// count for the option is positive. nullopt when no tally counts the option
// (nothing to subtract).
// Errors: DataLoss (a tally body whose count is not a number), those of
// Store::Get and Scan.
absl::StatusOr<std::optional<TallyDecrement>> PlanTallyDecrement(const Store& store,
                                                                 std::string_view poll,
                                                                 std::string_view option);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_PRIVACY_INTERNAL_H_
