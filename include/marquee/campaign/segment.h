// marquee/campaign/segment.h — saved condition groups.
//
// A Segment is a named GrowthBook condition ("VIP customers in France")
// that campaigns reference by id in Targeting::segments; a campaign matches
// a user when its own condition and every listed segment's condition match.
// Record: collection "segments", id = segment id, schema version 1, body
//   {"name": "VIP in France", "condition": {"tier": "vip", "country": "FR"}}
// Both members are required; unknown members are rejected (InvalidArgument
// naming them). The condition is kept as a Value and written back as Value
// writes it.
// Thread-safety: values and pure functions.
//
//   absl::StatusOr<Segment> s = SegmentFromJson("vip-fr", *Json::Parse(text));
//   if (!s.ok()) return s.status();
//   absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(s->condition);
#ifndef MARQUEE_CAMPAIGN_SEGMENT_H_
#define MARQUEE_CAMPAIGN_SEGMENT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee::campaign {

struct Segment {
  // The record id; 1..512 bytes of UTF-8 without control characters.
  std::string id{};
  // 1..kMaxCampaignNameBytes (campaign.h) bytes.
  std::string name{};
  // A GrowthBook condition object. Default: null (invalid).
  Value condition{};
  // The record version this was read at; 0 for a segment not yet stored.
  uint64_t version = 0;

  friend bool operator==(const Segment&, const Segment&) = default;
};

// Checks id, name (1..1024 bytes of UTF-8) and that the condition is an object that compiles.
// Errors: InvalidArgument "<field>: <what is wrong>" (id, name, condition;
// the condition's message is CompiledCondition::Compile's).
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateSegment(const Segment& segment);

// The segment stored as `body` under `id`, validated. version is left 0.
// Errors: InvalidArgument naming the field (missing, wrong type, unknown,
// and ValidateSegment's).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Segment> SegmentFromJson(std::string_view id,
                                                                     const Json& body);

// The record body {"name":...,"condition":...}. Does not validate.
// Errors: InvalidArgument (a string that is not valid UTF-8).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> SegmentToJson(const Segment& segment);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_SEGMENT_H_
