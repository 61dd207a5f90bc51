// Events: type and bucket names, validation and reading events from JSON
// (events.h).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "marquee/campaign/events.h"
#include "marquee/campaign/value.h"
#include "marquee/record.h"
#include "campaign/event_internal.h"
#include "internal/absl_strings.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr std::string_view kTypeNames[kEventTypeCount] = {"impression", "click", "conversion",
                                                          "custom"};
constexpr std::string_view kBucketNames[kBucketCount] = {"minute", "hour", "day"};
constexpr int64_t kBucketSeconds[kBucketCount] = {60, 3600, 86400};

bool HasControlCharacter(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
}

// The string member `key` of `object`; InvalidArgument naming `path`.key
// when absent (and required) or not a string.
absl::StatusOr<std::optional<std::string>> StringMember(const Value& object,
                                                        std::string_view path,
                                                        std::string_view key, bool required) {
  const Value* member = object.Find(key);
  if (member == nullptr || (member->is_null() && !required)) {
    if (!required) return std::optional<std::string>();
    return absl::InvalidArgumentError(absl::StrCat(Sv(path), Sv(key), ": missing"));
  }
  if (!member->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(path), Sv(key), ": expected a string, got ",
                                                   Sv(ValueTypeName(member->type()))));
  }
  return std::optional<std::string>(std::string(member->as_string()));
}

absl::StatusOr<Event> EventFromValue(const Value& object, std::string_view path) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(path.empty() ? "event" : path.substr(0, path.size() - 1)),
                     ": expected an object, got ", Sv(ValueTypeName(object.type()))));
  }
  Event event;
  absl::StatusOr<std::optional<std::string>> type = StringMember(object, path, "type", true);
  if (!type.ok()) return type.status();
  absl::StatusOr<EventType> parsed_type = ParseEventType(**type);
  if (!parsed_type.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(path), "type: ", parsed_type.status().message()));
  }
  event.type = *parsed_type;
  for (auto [key, out] : {std::pair<std::string_view, std::string*>{"campaign", &event.campaign},
                          {"variant", &event.variant}}) {
    absl::StatusOr<std::optional<std::string>> name = StringMember(object, path, key, true);
    if (!name.ok()) return name.status();
    *out = std::move(**name);
  }
  absl::StatusOr<std::optional<std::string>> user = StringMember(object, path, "user", false);
  if (!user.ok()) return user.status();
  if (*user) event.user = std::move(**user);
  absl::StatusOr<std::optional<std::string>> time = StringMember(object, path, "time", true);
  if (!time.ok()) return time.status();
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, **time, &event.time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(path), "time: not an RFC 3339 time such as \"2026-03-01T09:00:00Z\" (", error, ")"));
  }
  if (const Value* value = object.Find("value"); value != nullptr && !value->is_null()) {
    if (!value->is_number()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(path), "value: expected a number, got ",
                                                     Sv(ValueTypeName(value->type()))));
    }
    event.value = value->as_number();
  }
  if (absl::Status valid = ValidateEvent(event); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(path), valid.message()));
  }
  return event;
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  const auto i = static_cast<size_t>(type);
  return i < kEventTypeCount ? kTypeNames[i] : std::string_view("unknown");
}

absl::StatusOr<EventType> ParseEventType(std::string_view name) {
  for (size_t i = 0; i < kEventTypeCount; ++i) {
    if (kTypeNames[i] == name) return static_cast<EventType>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown event type \"", Sv(name), "\"; expected impression, click, conversion or custom"));
}

std::string_view BucketName(Bucket bucket) {
  const auto i = static_cast<size_t>(bucket);
  return i < kBucketCount ? kBucketNames[i] : std::string_view("unknown");
}

absl::StatusOr<Bucket> ParseBucket(std::string_view name) {
  for (size_t i = 0; i < kBucketCount; ++i) {
    if (kBucketNames[i] == name) return static_cast<Bucket>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown bucket \"", Sv(name), "\"; expected minute, hour or day"));
}

int64_t BucketSeconds(Bucket bucket) {
  const auto i = static_cast<size_t>(bucket);
  return i < kBucketCount ? kBucketSeconds[i] : kBucketSeconds[0];
}

absl::Time BucketStart(absl::Time t, Bucket bucket) {
  const int64_t size = BucketSeconds(bucket);
  // ToUnixSeconds rounds toward negative infinity; so must the bucket.
  const int64_t seconds = absl::ToUnixSeconds(t);
  int64_t start = seconds - seconds % size;
  if (seconds % size < 0) start -= size;
  return absl::FromUnixSeconds(start);
}

absl::Status ValidateEvent(const Event& event) {
  if (static_cast<size_t>(event.type) >= kEventTypeCount) {
    return absl::InvalidArgumentError("type: not an EventType");
  }
  if (absl::Status s = internal::ValidateEventName("campaign", event.campaign); !s.ok()) return s;
  if (absl::Status s = internal::ValidateEventName("variant", event.variant); !s.ok()) return s;
  if (event.user.size() > kMaxEventUserBytes) {
    return absl::InvalidArgumentError(absl::StrCat("user: ", event.user.size(),
                                                   " bytes; the limit is ", kMaxEventUserBytes));
  }
  if (HasControlCharacter(event.user)) {
    return absl::InvalidArgumentError("user: contains a control character");
  }
  if (!event.user.empty() && !ValidateRecordId(event.user).ok()) {
    return absl::InvalidArgumentError("user: not valid UTF-8");
  }
  if (event.time == absl::InfinitePast() || event.time == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("time: must be finite");
  }
  if (!std::isfinite(event.value)) {
    return absl::InvalidArgumentError("value: must be a finite number");
  }
  return absl::OkStatus();
}

absl::StatusOr<Event> EventFromJson(const Json& event) {
  absl::StatusOr<Value> value = Value::FromJson(event);
  if (!value.ok()) return value.status();
  return EventFromValue(*value, "");
}

absl::StatusOr<std::vector<Event>> EventsFromJson(const Json& events, size_t max_events) {
  absl::StatusOr<Value> value = Value::FromJson(events);
  if (!value.ok()) return value.status();
  if (!value->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("events: expected an array, got ", Sv(ValueTypeName(value->type()))));
  }
  if (value->size() > max_events) {
    return absl::InvalidArgumentError(absl::StrCat("events: ", value->size(),
                                                   " events; the limit is ", max_events));
  }
  std::vector<Event> out;
  out.reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    absl::StatusOr<Event> event = EventFromValue(value->At(i), absl::StrCat("[", i, "]."));
    if (!event.ok()) return event.status();
    out.push_back(*std::move(event));
  }
  return out;
}

namespace internal {

using ::marquee::internal::Sv;

absl::Status ValidateEventName(std::string_view field, std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": empty"));
  if (name.size() > kMaxEventNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": ", name.size(),
                                                   " bytes; the limit is ", kMaxEventNameBytes));
  }
  // '|' separates the parts of an aggregate record id.
  if (name.find('|') != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": contains '|'"));
  }
  if (HasControlCharacter(name)) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": contains a control character"));
  }
  if (!ValidateRecordId(name).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": not valid UTF-8"));
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace marquee::campaign
