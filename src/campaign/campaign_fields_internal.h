// Reading the record bodies of campaigns and segments: typed members with
// errors that name the field by its path ("experiment.coverage",
// "variants[1].weight"), required members, and unknown members rejected.
// Also the raw text of members kept verbatim (a variant's content, the
// campaign's attributes and rules), which a Value would re-spell.
#ifndef MARQUEE_SRC_CAMPAIGN_CAMPAIGN_FIELDS_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_CAMPAIGN_FIELDS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"
#include "marquee/json.h"

namespace marquee::campaign::internal {

// "key" at the top level (path ""), "path.key" below it.
std::string MemberPath(std::string_view path, std::string_view key);
// "path[i]".
std::string ElementPath(std::string_view path, size_t i);

// Reads the members of one object. The first error sticks; later reads
// return nothing. Finish() reports it, or the first member never read
// ("experiment.hashAtribute: unknown member").
class BodyReader {
 public:
  // `path` names the object in messages; "" for the body itself.
  BodyReader(const Value& object, std::string path);

  bool ok() const { return status_.ok(); }
  const std::string& path() const { return path_; }
  std::string Path(std::string_view key) const { return MemberPath(path_, key); }

  // Each returns nothing when the member is absent (and records "<path>:
  // missing" when `required`), and records InvalidArgument when it has the
  // wrong type.
  const Value* Any(std::string_view key, bool required = false);
  const Value* Object(std::string_view key, bool required = false);
  const Value* Array(std::string_view key, bool required = false);
  std::optional<std::string> String(std::string_view key, bool required = false);
  std::optional<double> Number(std::string_view key, bool required = false);
  // A number with no fraction within +-2^53.
  std::optional<int64_t> Integer(std::string_view key, bool required = false);
  std::optional<bool> Bool(std::string_view key, bool required = false);
  std::optional<std::vector<std::string>> Strings(std::string_view key, bool required = false);

  void Fail(absl::Status status);
  absl::Status Finish();

 private:
  const Value* Lookup(std::string_view key, bool required);

  const Value& object_;
  std::string path_;
  std::vector<std::string> read_;
  absl::Status status_;
};

// The exact text of the members a campaign body keeps verbatim, last
// occurrence of a repeated key winning (as in Value). Views into the body.
struct RawCampaignMembers {
  std::optional<std::string_view> attributes{};
  std::optional<std::string_view> rules{};
  // One per element of "variants" (nullopt: no "content").
  std::vector<std::optional<std::string_view>> contents{};
};

// Errors: Internal (simdjson refused a validated Json: a bug).
absl::StatusOr<RawCampaignMembers> ReadRawCampaignMembers(const Json& body);

// A Json of `text` (a value taken verbatim from a validated document).
// Errors: those of Json::Parse, prefixed by `path`.
absl::StatusOr<Json> JsonOfRaw(std::string_view text, std::string_view path);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_CAMPAIGN_FIELDS_INTERNAL_H_
