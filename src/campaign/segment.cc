// Segments: validation and record bodies (segment.h).
#include "marquee/campaign/segment.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "campaign/campaign_fields_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/condition.h"
#include "marquee/json_writer.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::campaign {

using ::marquee::internal::Sv;

absl::Status ValidateSegment(const Segment& segment) {
  if (absl::Status s = ValidateRecordId(segment.id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("id: ", s.message()));
  }
  if (segment.name.empty()) return absl::InvalidArgumentError("name: must not be empty");
  if (segment.name.size() > kMaxCampaignNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("name: longer than ", kMaxCampaignNameBytes,
                                                   " bytes (", segment.name.size(), ")"));
  }
  if (!Json::FromString(segment.name).ok()) {
    return absl::InvalidArgumentError("name: not valid UTF-8");
  }
  if (!segment.condition.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "condition: expected an object, got ", Sv(ValueTypeName(segment.condition.type()))));
  }
  absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(segment.condition);
  if (!compiled.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("condition: ", compiled.status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Segment> SegmentFromJson(std::string_view id, const Json& body) {
  absl::StatusOr<Value> value = Value::FromJson(body);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("body: ", value.status().message()));
  }
  internal::BodyReader r(*value, "");
  Segment segment;
  segment.id = std::string(id);
  if (auto name = r.String("name", /*required=*/true)) segment.name = *std::move(name);
  if (const Value* condition = r.Any("condition", /*required=*/true)) segment.condition = *condition;
  MARQUEE_RETURN_IF_ERROR(r.Finish());
  MARQUEE_RETURN_IF_ERROR(ValidateSegment(segment));
  return segment;
}

absl::StatusOr<Json> SegmentToJson(const Segment& segment) {
  absl::StatusOr<Json> condition = segment.condition.ToJson();
  if (!condition.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("condition: ", condition.status().message()));
  }
  std::string out;
  JsonWriter w(&out, {.assert_on_misuse = false});
  w.BeginObject().Key("name").String(segment.name).Key("condition").Raw(*condition).EndObject();
  MARQUEE_RETURN_IF_ERROR(w.Finish());
  return Json::Parse(out);
}

}  // namespace marquee::campaign
