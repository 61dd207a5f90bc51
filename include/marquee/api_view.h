// marquee/api_view.h — one store, several API versions: per-version views of records.
//
// A store holds each body in its collection's current shape (old bodies are
// upgraded on read). Clients of an older API version expect an older wire
// shape: /v1 clients of "campaigns" want {"name","start","end"} while the
// store and /v2 clients have {"title","schedule":{"start","end"}}. A view
// function maps a record to the body one API version sends; ApiViews keeps
// them per (collection, API version) and renders a record for a version.
//
// The model. API versions are 1..latest, declared once. Each registration
// says "from API version `since` on, this collection's records are sent as
// this view renders them" (or, RegisterIdentity, "as stored"), until a later
// registration of the same collection takes over. So a view is registered
// only where a collection's wire shape changed, and a new API version that
// changes other collections needs nothing here:
//   - Render(record, v) uses the collection's registration with the largest
//     `since` <= v;
//   - a collection with no registration at or below v is not part of API v
//     (it was added later): NotFound, as for a collection never registered
//     (internal collections are never exposed by accident) and for a version
//     outside 1..latest.
//
// Thread-safety: ApiViewsBuilder is a value, used during setup by one thread.
// ApiViews is immutable and cheap to copy (shared state); Render may be
// called from any number of threads, so view functions must be safe to call
// concurrently (pure functions of the record are).
//
//   marquee::ApiViewsBuilder builder(/*latest_api_version=*/2);
//   MARQUEE_RETURN_IF_ERROR(builder.Register("campaigns", 1, CampaignV2ToV1));
//   MARQUEE_RETURN_IF_ERROR(builder.RegisterIdentity("campaigns", 2));
//   MARQUEE_RETURN_IF_ERROR(builder.RegisterIdentity("segments", 1));  // unchanged since v1
//   MARQUEE_ASSIGN_OR_RETURN(marquee::ApiViews views, builder.Build());
//   absl::StatusOr<marquee::Json> v1_body = views.Render(record, 1);
#ifndef MARQUEE_API_VIEW_H_
#define MARQUEE_API_VIEW_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/record.h"

namespace marquee {

// Maps a record (its body in the collection's current shape) to the body one
// API version sends. Errors it returns reach Render's caller with their code
// unchanged; a body the view cannot map is the server's problem, so return
// Internal or FailedPrecondition for it, not InvalidArgument (which HTTP maps
// to a client error).
using ViewFunction = std::function<absl::StatusOr<Json>(const Record& record)>;

// Highest API version accepted as `latest_api_version`: versions index small
// per-collection tables, and a typo such as 20240301 should fail loudly.
inline constexpr int kMaxApiVersion = 1000;

class ApiViews;

// Collects registrations, then builds an immutable ApiViews. Errors are
// returned by each call and also remembered: Build fails with the first.
class MARQUEE_EXPORT ApiViewsBuilder {
 public:
  // API versions 1..latest_api_version exist. An out-of-range value is
  // reported by every call and by Build.
  explicit ApiViewsBuilder(int latest_api_version);
  ~ApiViewsBuilder();
  ApiViewsBuilder(const ApiViewsBuilder&) = delete;
  ApiViewsBuilder& operator=(const ApiViewsBuilder&) = delete;
  ApiViewsBuilder(ApiViewsBuilder&&) noexcept;
  ApiViewsBuilder& operator=(ApiViewsBuilder&&) noexcept;

  // From API version `since_api_version` on (until a later registration of
  // the collection), records of `collection` are sent as `view` renders them.
  // Errors: InvalidArgument (invalid collection name; since_api_version
  // outside 1..latest; empty view; latest out of range), AlreadyExists (the
  // collection already has a registration at that version).
  [[nodiscard]] absl::Status Register(std::string collection, int since_api_version,
                                      ViewFunction view);

  // As Register, with the body sent as stored (no copy, no call).
  // Errors: as Register.
  [[nodiscard]] absl::Status RegisterIdentity(std::string collection, int since_api_version);

  // The views registered so far; the builder can go on and build again.
  // Errors: the first error of any earlier call; InvalidArgument
  // (latest_api_version outside 1..kMaxApiVersion).
  [[nodiscard]] absl::StatusOr<ApiViews> Build() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class MARQUEE_EXPORT ApiViews {
 public:
  // No API versions, no collections: every Render is NotFound.
  ApiViews();

  // The body `record` is sent with to clients of `api_version`: the stored
  // body itself under an identity registration, else the view's result.
  // Errors: NotFound (api_version outside 1..latest_api_version(); the
  // record's collection is not part of that API version), and any error of
  // the view, its code kept and its message prefixed with the collection,
  // the API version and the record id.
  [[nodiscard]] absl::StatusOr<Json> Render(const Record& record, int api_version) const;

  // The API versions under which `collection` is served, ascending (from
  // its first registration to latest_api_version()); empty when none.
  std::vector<int> Versions(std::string_view collection) const;

  // The collections served under `api_version`, sorted; empty for a version
  // outside 1..latest_api_version().
  std::vector<std::string> Collections(int api_version) const;

  // The newest API version; 0 for a default-constructed ApiViews.
  int latest_api_version() const;

 private:
  friend class ApiViewsBuilder;
  struct State;
  explicit ApiViews(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

}  // namespace marquee

#endif  // MARQUEE_API_VIEW_H_
