// ApiViewsBuilder and ApiViews: registrations per (collection, API version).
//
// Build resolves the "largest since <= v" rule once: each collection gets a
// table indexed by API version, so Render is one hash lookup and one index.
#include "marquee/api_view.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"

namespace marquee {
namespace {

struct Registration {
  int since = 0;
  ViewFunction view{};  // empty: identity
};

// For messages: names from outside may hold anything, and ids may be long.
std::string Printable(std::string_view text) {
  constexpr size_t kShown = 128;
  const bool cut = text.size() > kShown;
  return absl::StrCat("'", absl::CHexEscape(internal::Sv(text.substr(0, kShown))), cut ? "...'" : "'");
}

absl::Status CheckLatest(int latest) {
  if (latest < 1 || latest > kMaxApiVersion) {
    return absl::InvalidArgumentError(absl::StrCat("latest API version ", latest,
                                                   " is outside 1..", kMaxApiVersion));
  }
  return absl::OkStatus();
}

}  // namespace

struct ApiViewsBuilder::State {
  int latest = 0;
  absl::Status first_error;
  // Per collection, registrations by `since`.
  std::map<std::string, std::map<int, ViewFunction>, std::less<>> collections;

  absl::Status Add(std::string collection, int since, ViewFunction view, bool identity) {
    absl::Status status = Check(collection, since, view, identity);
    if (status.ok()) {
      collections[std::move(collection)].emplace(since, std::move(view));
    } else if (first_error.ok()) {
      first_error = status;
    }
    return status;
  }

  absl::Status Check(const std::string& collection, int since, const ViewFunction& view,
                     bool identity) const {
    if (absl::Status s = CheckLatest(latest); !s.ok()) return s;
    if (absl::Status s = ValidateCollectionName(collection); !s.ok()) return s;
    if (since < 1 || since > latest) {
      return absl::InvalidArgumentError(absl::StrCat("API version ", since, " of collection ",
                                                     Printable(collection), " is outside 1..",
                                                     latest));
    }
    if (!identity && !view) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the view of collection ", Printable(collection), " for API v", since,
          " is empty; use RegisterIdentity to send bodies as stored"));
    }
    const auto it = collections.find(collection);
    if (it != collections.end() && it->second.contains(since)) {
      return absl::AlreadyExistsError(absl::StrCat("collection ", Printable(collection),
                                                   " already has a view from API v", since));
    }
    return absl::OkStatus();
  }
};

struct ApiViews::State {
  int latest = 0;
  // Per collection: index v (1..latest) -> the registration that serves API
  // v, or null when the collection is not part of it; index 0 is unused.
  struct Collection {
    std::vector<std::shared_ptr<const Registration>> by_version;
  };
  absl::flat_hash_map<std::string, Collection> collections;

  const Collection* Find(std::string_view collection) const {
    const auto it = collections.find(internal::Sv(collection));
    return it == collections.end() ? nullptr : &it->second;
  }
};

ApiViewsBuilder::ApiViewsBuilder(int latest_api_version) : state_(std::make_unique<State>()) {
  state_->latest = latest_api_version;
  state_->first_error = CheckLatest(latest_api_version);
}

ApiViewsBuilder::~ApiViewsBuilder() = default;
ApiViewsBuilder::ApiViewsBuilder(ApiViewsBuilder&&) noexcept = default;
ApiViewsBuilder& ApiViewsBuilder::operator=(ApiViewsBuilder&&) noexcept = default;

absl::Status ApiViewsBuilder::Register(std::string collection, int since_api_version,
                                       ViewFunction view) {
  return state_->Add(std::move(collection), since_api_version, std::move(view),
                     /*identity=*/false);
}

absl::Status ApiViewsBuilder::RegisterIdentity(std::string collection, int since_api_version) {
  return state_->Add(std::move(collection), since_api_version, ViewFunction(),
                     /*identity=*/true);
}

absl::StatusOr<ApiViews> ApiViewsBuilder::Build() const {
  if (!state_->first_error.ok()) return state_->first_error;
  auto views = std::make_shared<ApiViews::State>();
  views->latest = state_->latest;
  for (const auto& [name, registrations] : state_->collections) {
    ApiViews::State::Collection& collection = views->collections[name];
    collection.by_version.resize(static_cast<size_t>(state_->latest) + 1);
    for (auto it = registrations.begin(); it != registrations.end(); ++it) {
      auto registration = std::make_shared<const Registration>(
          Registration{.since = it->first, .view = it->second});
      const int until = std::next(it) == registrations.end() ? state_->latest + 1
                                                             : std::next(it)->first;
      for (int v = it->first; v < until; ++v) {
        collection.by_version[static_cast<size_t>(v)] = registration;
      }
    }
  }
  return ApiViews(std::move(views));
}

ApiViews::ApiViews() = default;

ApiViews::ApiViews(std::shared_ptr<const State> state) : state_(std::move(state)) {}

int ApiViews::latest_api_version() const { return state_ == nullptr ? 0 : state_->latest; }

absl::StatusOr<Json> ApiViews::Render(const Record& record, int api_version) const {
  const int latest = latest_api_version();
  if (api_version < 1 || api_version > latest) {
    return absl::NotFoundError(
        latest == 0 ? absl::StrCat("API version ", api_version, " does not exist; none is defined")
                    : absl::StrCat("API version ", api_version,
                                   " does not exist; the versions are 1..", latest));
  }
  const State::Collection* collection = state_->Find(record.collection);
  const Registration* registration =
      collection == nullptr ? nullptr
                            : collection->by_version[static_cast<size_t>(api_version)].get();
  if (registration == nullptr) {
    return absl::NotFoundError(absl::StrCat("collection ", Printable(record.collection),
                                            " is not part of API v", api_version));
  }
  if (!registration->view) return record.body;
  absl::StatusOr<Json> body = registration->view(record);
  if (!body.ok()) {
    return absl::Status(body.status().code(),
                        absl::StrCat("view of collection ", Printable(record.collection),
                                     " for API v", api_version, " failed on record ",
                                     Printable(record.id), ": ", body.status().message()));
  }
  return body;
}

std::vector<int> ApiViews::Versions(std::string_view collection) const {
  std::vector<int> versions;
  if (state_ == nullptr) return versions;
  if (const State::Collection* c = state_->Find(collection); c != nullptr) {
    for (int v = 1; v <= state_->latest; ++v) {
      if (c->by_version[static_cast<size_t>(v)] != nullptr) versions.push_back(v);
    }
  }
  return versions;
}

std::vector<std::string> ApiViews::Collections(int api_version) const {
  std::vector<std::string> names;
  if (api_version < 1 || api_version > latest_api_version()) return names;
  for (const auto& [name, collection] : state_->collections) {
    if (collection.by_version[static_cast<size_t>(api_version)] != nullptr) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace marquee
