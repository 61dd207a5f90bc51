// Campaign record bodies: reading, writing, re-weighting (campaign.h).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/campaign_fields_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/campaign.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using internal::BodyReader;
using internal::ElementPath;
using ::marquee::internal::Sv;

// A nested reader's outcome, recorded on its parent.
void Merge(BodyReader& parent, BodyReader& child) { parent.Fail(child.Finish()); }

void ReadSchedule(BodyReader& r, Schedule& out) {
  const Value* v = r.Object("schedule");
  if (v == nullptr) return;
  BodyReader s(*v, "schedule");
  for (auto [key, field] : {std::pair{"start", &out.start}, std::pair{"end", &out.end}}) {
    std::optional<std::string> text = s.String(key);
    if (!text.has_value()) continue;
    absl::StatusOr<absl::CivilSecond> civil = ParseScheduleTime(*text, s.Path(key));
    if (!civil.ok()) {
      s.Fail(civil.status());
    } else {
      *field = *civil;
    }
  }
  if (std::optional<std::string> zone = s.String("timeZone")) out.time_zone = *std::move(zone);
  Merge(r, s);
}

void ReadTargeting(BodyReader& r, Targeting& out) {
  const Value* v = r.Object("targeting");
  if (v == nullptr) return;
  BodyReader t(*v, "targeting");
  if (const Value* condition = t.Any("condition")) out.condition = *condition;
  if (auto segments = t.Strings("segments")) out.segments = *std::move(segments);
  Merge(r, t);
}

void ReadVariants(BodyReader& r, const internal::RawCampaignMembers& raw,
                  std::vector<Variant>& out) {
  const Value* v = r.Array("variants", /*required=*/true);
  if (v == nullptr) return;
  for (size_t i = 0; i < v->size() && r.ok(); ++i) {
    const std::string path = ElementPath("variants", i);
    BodyReader e(v->At(i), path);
    Variant variant;
    if (auto key = e.String("key", /*required=*/true)) variant.key = *std::move(key);
    if (auto weight = e.Number("weight", /*required=*/true)) variant.weight = *weight;
    if (e.Any("content") != nullptr && e.ok()) {
      if (i >= raw.contents.size() || !raw.contents[i].has_value()) {
        e.Fail(absl::InternalError(absl::StrCat(path, ".content: raw text not found")));
      } else if (absl::StatusOr<Json> content =
                     internal::JsonOfRaw(*raw.contents[i], absl::StrCat(path, ".content"));
                 content.ok()) {
        variant.content = *std::move(content);
      } else {
        e.Fail(content.status());
      }
    }
    Merge(r, e);
    out.push_back(std::move(variant));
  }
}

void ReadExperiment(BodyReader& r, ExperimentSettings& out) {
  const Value* v = r.Object("experiment");
  if (v == nullptr) return;
  BodyReader e(*v, "experiment");
  if (auto s = e.String("hashAttribute")) out.hash_attribute = *std::move(s);
  out.fallback_attribute = e.String("fallbackAttribute");
  if (auto d = e.Number("coverage")) out.coverage = *d;
  if (auto b = e.Bool("sticky")) out.sticky = *b;
  out.seed = e.String("seed");
  if (auto n = e.Integer("hashVersion")) {
    if (*n < -1000 || *n > 1000) {
      e.Fail(absl::InvalidArgumentError(
          absl::StrCat("experiment.hashVersion: must be 1 or 2, got ", *n)));
    } else {
      out.hash_version = static_cast<int>(*n);
    }
  }
  Merge(r, e);
}

// "attributes" or "rules": must have `type`, kept verbatim.
void ReadVerbatim(BodyReader& r, std::string_view key, ValueType type,
                  const std::optional<std::string_view>& raw, Json& out) {
  const Value* v = r.Any(key);
  if (v == nullptr || !r.ok()) return;
  if (v->type() != type) {
    r.Fail(absl::InvalidArgumentError(absl::StrCat(Sv(key), ": expected ",
                                                   type == ValueType::kObject ? "an object" : "an array",
                                                   ", got ", Sv(ValueTypeName(v->type())))));
    return;
  }
  if (!raw.has_value()) {
    r.Fail(absl::InternalError(absl::StrCat(Sv(key), ": raw text not found")));
    return;
  }
  absl::StatusOr<Json> json = internal::JsonOfRaw(*raw, key);
  if (!json.ok()) {
    r.Fail(json.status());
  } else {
    out = *std::move(json);
  }
}

void WriteStrings(JsonWriter& w, std::string_view key, const std::vector<std::string>& values) {
  w.Key(key).BeginArray();
  for (const std::string& v : values) w.String(v);
  w.EndArray();
}

}  // namespace

absl::StatusOr<Campaign> CampaignFromJson(std::string_view id, const Json& body) {
  absl::StatusOr<Value> value = Value::FromJson(body);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("body: ", value.status().message()));
  }
  BodyReader r(*value, "");
  if (!r.ok()) return r.Finish();
  MARQUEE_ASSIGN_OR_RETURN(const internal::RawCampaignMembers raw,
                           internal::ReadRawCampaignMembers(body));
  Campaign c;
  c.id = std::string(id);
  if (auto name = r.String("name", /*required=*/true)) c.name = *std::move(name);
  if (auto status = r.String("status", /*required=*/true)) {
    absl::StatusOr<CampaignStatus> parsed = ParseCampaignStatus(*status);
    if (parsed.ok()) {
      c.status = *parsed;
    } else {
      r.Fail(parsed.status());
    }
  }
  ReadSchedule(r, c.schedule);
  if (auto priority = r.Integer("priority")) c.priority = *priority;
  if (auto placements = r.Strings("placements")) c.placements = *std::move(placements);
  ReadTargeting(r, c.targeting);
  ReadVariants(r, raw, c.variants);
  ReadExperiment(r, c.experiment);
  if (auto tags = r.Strings("tags")) c.tags = *std::move(tags);
  ReadVerbatim(r, "attributes", ValueType::kObject, raw.attributes, c.attributes);
  ReadVerbatim(r, "rules", ValueType::kArray, raw.rules, c.rules);
  MARQUEE_RETURN_IF_ERROR(r.Finish());
  MARQUEE_RETURN_IF_ERROR(ValidateCampaign(c));
  return c;
}

absl::StatusOr<Json> CampaignToJson(const Campaign& c) {
  std::string out;
  JsonWriter w(&out, {.assert_on_misuse = false});
  w.BeginObject();
  w.Key("name").String(c.name);
  w.Key("status").String(CampaignStatusName(c.status));
  w.Key("schedule").BeginObject();
  if (c.schedule.start) w.Key("start").String(FormatScheduleTime(*c.schedule.start));
  if (c.schedule.end) w.Key("end").String(FormatScheduleTime(*c.schedule.end));
  w.Key("timeZone").String(c.schedule.time_zone);
  w.EndObject();
  w.Key("priority").Int(c.priority);
  WriteStrings(w, "placements", c.placements);
  w.Key("targeting").BeginObject();
  if (c.targeting.condition.has_value()) {
    absl::StatusOr<Json> condition = c.targeting.condition->ToJson();
    if (!condition.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("targeting.condition: ", condition.status().message()));
    }
    w.Key("condition").Raw(*condition);
  }
  WriteStrings(w, "segments", c.targeting.segments);
  w.EndObject();
  w.Key("variants").BeginArray();
  for (const Variant& v : c.variants) {
    w.BeginObject().Key("key").String(v.key).Key("weight").Double(v.weight);
    w.Key("content").Raw(v.content).EndObject();
  }
  w.EndArray();
  const ExperimentSettings& e = c.experiment;
  w.Key("experiment").BeginObject().Key("hashAttribute").String(e.hash_attribute);
  if (e.fallback_attribute) w.Key("fallbackAttribute").String(*e.fallback_attribute);
  w.Key("coverage").Double(e.coverage).Key("sticky").Bool(e.sticky);
  if (e.seed) w.Key("seed").String(*e.seed);
  w.Key("hashVersion").Int(e.hash_version).EndObject();
  WriteStrings(w, "tags", c.tags);
  w.Key("attributes").Raw(c.attributes);
  w.Key("rules").Raw(c.rules);
  w.EndObject();
  MARQUEE_RETURN_IF_ERROR(w.Finish());
  // Our own output: valid and minified; Parse also gives it padding.
  return Json::Parse(out);
}

absl::StatusOr<Json> WithVariantWeights(const Json& campaign_body,
                                        const std::vector<double>& weights) {
  // The id only matters for validation messages; any valid one will do.
  MARQUEE_ASSIGN_OR_RETURN(Campaign c, CampaignFromJson("campaign", campaign_body));
  if (weights.size() != c.variants.size()) {
    return absl::InvalidArgumentError(absl::StrCat("weights: ", weights.size(),
                                                   " given for ", c.variants.size(), " variants"));
  }
  for (size_t i = 0; i < weights.size(); ++i) c.variants[i].weight = weights[i];
  MARQUEE_RETURN_IF_ERROR(ValidateCampaign(c));
  return CampaignToJson(c);
}

}  // namespace marquee::campaign
