#include "http/surrogate_keys.h"

#include <string>
#include <string_view>
#include <vector>

#include "marquee/campaign/collections.h"
#include "marquee/http/surrogate_keys.h"

namespace marquee::http {

bool IsSurrogateKeySafe(std::string_view id) {
  // Ids are validated by the domain, but a key goes into a header that edge
  // software splits on spaces and commas, and into purge URLs.
  if (id.empty() || id.size() > 256) return false;
  for (const char c : id) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == '@';
    if (!safe) return false;
  }
  return true;
}

std::vector<std::string> ChangePurgeKeys(std::string_view collection, std::string_view id) {
  std::vector<std::string> keys{std::string(collection)};
  if (IsSurrogateKeySafe(id)) keys.push_back(std::string(collection) + "/" + std::string(id));
  return keys;
}

std::vector<std::string> CollectionPurgeKeys(std::string_view collection) {
  return {std::string(collection), std::string(collection) + "/*"};
}

const std::vector<std::string>& TaggedCollections() {
  static const std::vector<std::string>* const collections = new std::vector<std::string>{
      std::string(campaign::kCampaignsCollection), std::string(campaign::kSegmentsCollection),
      std::string(campaign::kFeaturesCollection), std::string(campaign::kPollsCollection),
      std::string(campaign::kPollTalliesCollection)};
  return *collections;
}

}  // namespace marquee::http

namespace marquee::http::internal {

namespace {

using campaign::kCampaignsCollection;
using campaign::kFeaturesCollection;
using campaign::kPollsCollection;
using campaign::kPollTalliesCollection;
using campaign::kSegmentsCollection;

// An answer of one record carries its own key and its collection's wide
// key; an id that is not key-safe gets its collection key instead.
std::string RecordKey(std::string_view collection, std::string_view id) {
  std::string key(collection);
  if (IsSurrogateKeySafe(id)) {
    key += '/';
    key += id;
  }
  key += ' ';
  key += collection;
  key += "/*";
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
