#include "http/surrogate_keys.h"

#include <string>
#include <string_view>

#include "marquee/campaign/collections.h"

namespace marquee::http::internal {

namespace {

using campaign::kCampaignsCollection;
using campaign::kFeaturesCollection;
using campaign::kPollsCollection;
using campaign::kPollTalliesCollection;
using campaign::kSegmentsCollection;

// Ids are validated by the domain, but a key goes into a header that edge
// software splits on spaces: an id with any other byte gets no record key
// (its collection key still purges it, more coarsely).
bool IsKeySafe(std::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  for (const char c : id) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '@';
    if (!safe) return false;
  }
  return true;
}

std::string RecordKey(std::string_view collection, std::string_view id) {
  if (!IsKeySafe(id)) return std::string(collection);
  std::string key(collection);
  key += '/';
  key += id;
  return key;
}

}  // namespace

std::string SurrogateKeys(std::string_view pattern, const Target& target) {
  const auto segment = [&](size_t i) -> std::string_view {
    return i < target.segments.size() ? std::string_view(target.segments[i]) : std::string_view();
  };
  if (pattern == "/v1/features" || pattern == "/api/features/{client_key}") {
    return std::string(kFeaturesCollection);
  }
  if (pattern == "/v1/decide") {
    // Per user and private by default; keyed for hosts that make it shared.
    return std::string(kCampaignsCollection) + " " + std::string(kSegmentsCollection) + " " +
           std::string(kFeaturesCollection);
  }
  if (pattern == "/v1/polls/{id}/results") {
    return RecordKey(kPollTalliesCollection, segment(2)) + " " +
           RecordKey(kPollsCollection, segment(2));
  }
  if (pattern == "/v1/polls/{id}") return RecordKey(kPollsCollection, segment(2));
  if (pattern == "/v1/campaigns/{id}" || pattern == "/v2/campaigns/{id}") {
    return RecordKey(kCampaignsCollection, segment(2));
  }
  if (pattern == "/v1/campaigns" || pattern == "/v2/campaigns") {
    return std::string(kCampaignsCollection);
  }
  if (pattern == "/v1/segments") return std::string(kSegmentsCollection);
  if (pattern == "/v1/polls") return std::string(kPollsCollection);
  if (pattern == "/v1/segments/{id}") return RecordKey(kSegmentsCollection, segment(2));
  return "";
}

void AddSurrogateKeys(std::string_view method, std::string_view pattern, const Target& target,
                      Response& response) {
  if (method != "GET" && method != "HEAD") return;
  if (response.status != 200 && response.status != 304) return;
  if (response.stream) return;
  std::string keys = SurrogateKeys(pattern, target);
  if (!keys.empty()) response.headers.Set("Surrogate-Key", keys);
}

}  // namespace marquee::http::internal
