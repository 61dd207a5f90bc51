#include "http/read_consistency.h"

#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/text_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

// Whether a Cache-Control or Pragma value holds a directive that forbids an
// answer from a cache: no-cache, or max-age=0.
bool ForbidsCachedAnswer(std::string_view value) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view directive = TrimOws(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    if (EqualsIgnoreCase(directive, "no-cache")) return true;
    const size_t eq = directive.find('=');
    if (eq != std::string_view::npos && EqualsIgnoreCase(TrimOws(directive.substr(0, eq)), "max-age")) {
      std::string_view seconds = TrimOws(directive.substr(eq + 1));
      if (seconds.size() >= 2 && seconds.front() == '"' && seconds.back() == '"') {
        seconds = seconds.substr(1, seconds.size() - 2);
      }
      if (!seconds.empty() && seconds.find_first_not_of('0') == std::string_view::npos) return true;
    }
  }
  return false;
}

// A read that reaches the store's table, so a store that is down says so.
// Whether the record exists does not matter (NotFound is an answer too).
constexpr std::string_view kProbeId = "strong-read-probe";

}  // namespace

absl::StatusOr<ReadConsistency> RequestedConsistency(const RouteContext& route) {
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> asked,
                           SingleQueryParam(route.target, kConsistencyParam));
  if (asked.has_value()) {
    if (*asked == "strong") return ReadConsistency::kStrong;
    if (*asked == "eventual") return ReadConsistency::kEventual;
    return absl::InvalidArgumentError("consistency: expected strong or eventual");
  }
  for (std::string_view value : route.request.headers.GetAll("Cache-Control")) {
    if (ForbidsCachedAnswer(value)) return ReadConsistency::kStrong;
  }
  for (std::string_view value : route.request.headers.GetAll("Pragma")) {
    if (ForbidsCachedAnswer(value)) return ReadConsistency::kStrong;
  }
  return ReadConsistency::kEventual;
}

absl::Status CatchUpDeliveryView(const ApiContext& context, const campaign::DeliveryView& view) {
  absl::StatusOr<Record> probe = context.options.store->Get(campaign::kCampaignsCollection, kProbeId);
  if (!probe.ok() && !absl::IsNotFound(probe.status())) return probe.status();
  const uint64_t committed = context.options.store->CurrentVersion();
  return view.WaitForVersion(committed, context.options.strong_read_timeout);
}

}  // namespace marquee::http::internal
