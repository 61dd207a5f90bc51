// marquee/http/api.h — the HTTP API of Marquee, independent of any transport.
//
// Api is a pure function from a Request value to a Response value: routing,
// parsing and validation of input, the domain call, Status → status code,
// headers. A transport (the Boost.Beast server, a cpp-httplib Mount, a test)
// only moves bytes. Business rules stay in the domain (marquee::campaign);
// the Api translates.
//
// Routes (all answers to bad input are application/problem+json, see
// problem.h; nothing stored changes when a request is refused):
//   GET    /healthz                   200 {"status":"ok"} while the process runs
//   GET    /readyz                    200 {"status":"ready"} when the store answers
//                                     a read, else 503
//   GET    /v1/campaigns              a page: {"data":[...],"page":{"next","prev",
//                                     "has_more"}}; query limit (1..max_page_size,
//                                     larger values clamped), status (draft,
//                                     scheduled, live, paused, ended), after (a
//                                     page's next cursor); Link rel="next"
//   /v2/campaigns, /v2/campaigns/{id}  the same six operations in the v2 shape:
//                                     "priority" and "placements" under
//                                     "delivery" (top-level ones are 400);
//                                     same records and ETags as /v1
//   POST   /v1/campaigns              201, Location, ETag; 409 when the id exists
//   GET    /v1/campaigns/{id}         ETag, Cache-Control; If-None-Match → 304
//   PUT    /v1/campaigns/{id}         If-Match required (428), stale → 412
//   DELETE /v1/campaigns/{id}         204; If-Match optional (stale → 412)
//   PATCH  /v1/campaigns/{id}         application/merge-patch+json (RFC 7396)
//                                     over the representation; If-Match
//                                     required (428), stale → 412
//   GET    /v1/segments               a page in id order (record_list.h): limit,
//                                     after / before (page.next / page.prev),
//                                     fields=a,b (sparse); Link next and prev
//   POST   /v1/segments               201, Location, ETag; 409 when the id exists
//   GET    /v1/segments/{id}          ETag; If-None-Match → 304
//   PUT    /v1/segments/{id}          If-Match required (428), stale → 412
//   DELETE /v1/segments/{id}          204; 409 while a campaign names it
//                                     (no listing: the repository has none)
// Served when ApiOptions::decider is set (else 404):
//   GET    /v1/decide                 ?user=u42&attr.country=DE&placement=p&
//                                     explain=true: the user's campaigns,
//                                     variants and flags; weak ETag (304),
//                                     decide_cache_control
//   POST   /v1/decide                 the same from {"user","attributes",
//                                     "placement","explain"} (typed attributes)
// Served when ApiOptions::delivery_view is set (else 404):
//   GET    /v1/features               GrowthBook's SDK payload {"status":200,
//                                     "features":{...},"experiments":[]};
//                                     strong ETag (304), features_cache_control
//   GET    /api/features/{client_key} the same, for GrowthBook SDKs (the key is
//                                     not checked)
// Served when ApiOptions::polls is set (else 404):
//   GET    /v1/polls                  a page, as GET /v1/segments
//   POST   /v1/polls                  201, Location, ETag; 409 when the id exists
//   GET    /v1/polls/{id}             ETag; If-None-Match → 304
//   POST   /v1/polls/{id}/close       200, the closed poll
//   POST   /v1/polls/{id}/votes       {"user","option"[,"attributes"]}: 201 new,
//                                     200 re-sent (counted once) or changed;
//                                     409 closed or not open or a second
//                                     option; 400 unknown option; 403 targeting
//   GET    /v1/polls/{id}/results     {"poll","counts","total"}; ETag (304)
//   GET    /v1/polls/{id}/stream      text/event-stream, no-store: the tally
//                                     as "id: <version>", "event: tally",
//                                     "data: <results JSON>", first the
//                                     current one (skipped when Last-Event-ID
//                                     is that version), then each update;
//                                     ": heartbeat" every stream_heartbeat.
//                                     One shared thread per Api sends the
//                                     heartbeats (no thread per subscriber).
// Served when ApiOptions::events is set (else 404):
//   POST   /v1/events                 a JSON array of events, all or nothing:
//                                     202 {"accepted":n}; 400 naming the index
//   GET    /v1/campaigns/{id}/stats   ?from=&to=&bucket=&control=: per-variant
//                                     totals, conversion rate, z-test, series
// Served when ApiOptions::profiles is set (else 404); all private, no-store:
//   GET    /v1/profiles/{id}          ETag; If-None-Match → 304
//   PUT    /v1/profiles/{id}          {"attributes":{...}}: 201 created, 200
//                                     replaced; If-Match optional (412)
//   PATCH  /v1/profiles/{id}          application/merge-patch+json over the
//                                     representation; creates when absent
//   DELETE /v1/profiles/{id}          GDPR erasure of everything about the
//                                     user (privacy.h): 204
//   GET    /v1/profiles/{id}/export   the user's data (privacy.h ExportUser)
// Always served:
//   GET    /openapi.json              this table as an OpenAPI 3.1 document
//                                     (docs/openapi.json, embedded at build
//                                     time); strong ETag (304), Cache-Control
//                                     public, max-age=300
// Consistency: GET of /v1/campaigns/{id} (and /v2), /v1/segments/{id},
// /v1/features, /api/features/{client_key} and GET and POST /v1/decide are
// eventually consistent by default: campaigns and segments come through
// read_cache, features and decisions from the delivery view, and either
// may miss a write committed moments ago (on another node, until the
// store's change feed reaches this one). A request asks for a strong read,
// one that reflects every write acknowledged before it began, with
// ?consistency=strong or the request header Cache-Control: no-cache (or
// max-age=0, or Pragma: no-cache); ?consistency=eventual overrides the
// headers. A strong read of a campaign or segment reads the store; of
// features or a decision, it waits (up to strong_read_timeout: 504) until
// the delivery view has applied every change the store had committed, and
// is 503 when the store cannot be read. Writes (If-Match compare-and-set)
// and votes always go to the store. Lists read the store.
// A query parameter a route does not take is a 400 (named in the problem).
// Every route also answers HEAD as its GET without a body (with the
// Content-Length GET would have), and OPTIONS with 204 and Allow. A known
// path with another method is 405 with Allow; an unknown path is 404.
//
// The campaign representation is the stored record body (as
// campaign::CampaignToJson writes it, member for member) with the id as its
// first member: {"id":"spring","name":"Spring sale","status":"draft",...}.
// POST takes the same object ("id" required; an id holding '/' or equal to
// "." or ".." is refused, since no URL path segment could address it); PUT
// takes it with "id" absent or equal to the path's. The record version is
// the strong ETag ("\"42\""), never part of the body. Status codes beyond
// problem.h's table: 422 when a write names a segment that does not exist;
// 412 when a write under If-Match finds another version (also when a
// concurrent writer wins between the check and the write); 409 for a
// refused status transition or a delete of a campaign that is not draft or
// ended.
//
// A 5xx never shows its Status message to the client; on_server_error
// receives it.
//
// Around every route (in this order):
//   - auth (auth.h): 401 with WWW-Authenticate: Bearer for a missing or
//     unknown key or a refused end-user token, 403 for a key whose scope
//     does not cover the route; delivery routes with a verified end-user
//     token act for its subject (a different "user" in the request is 403);
//   - rate limits on delivery routes (RateLimitOptions): 429 with
//     Retry-After, per API key and per client address;
//   - a request body with Content-Encoding gzip or zstd is inflated to at
//     most max_body_bytes (413 beyond, 400 when corrupt, 415 for another
//     coding);
//   - answers of 1 KiB or more are compressed with zstd or gzip when
//     Accept-Encoding allows (Vary: Accept-Encoding; the ETag gets a
//     "-zstd" or "-gzip" suffix, and If-Match / If-None-Match accept tags
//     with or without it);
//   - CORS headers on delivery routes for cors_origins;
//   - Surrogate-Key on 200 and 304 answers to GET and HEAD, for edge purges,
//     named as the change feed names a change of record `id` in collection
//     `c`: "c/id" for answers of one record (campaigns/{id}, segments/{id},
//     polls/{id}, and "poll_tallies/{id} polls/{id}" for results), "c" for
//     answers built from a collection (campaign lists: "campaigns";
//     features: "features"; decide: "campaigns segments features");
//   - GET /metrics (Prometheus text, read scope): per route pattern,
//     method and status, a latency histogram, then extra_metrics.
//
// Request bodies must be Content-Type application/json (PATCH:
// application/merge-patch+json; charset, when given, utf-8): 415 otherwise; larger than max_body_bytes: 413; JSON deeper than
// max_json_depth, malformed, or with an object that repeats a member name
// ("user: given more than once"): 400. Request-targets longer than
// target_limits.max_target_bytes: 414; malformed (message.h): 400.
// Thread-safety: Handle is const and may be called from any number of
// threads at once; the store, the repository and the optional services
// must be thread-safe (the ones of Marquee are).
//
//   auto store = marquee::OpenMemoryStore({.data_dir = "/var/lib/marquee"});
//   auto repo = marquee::campaign::CampaignRepository::Open(store->get());
//   auto api = marquee::http::Api::Create({.store = store->get(), .campaigns = repo->get()});
//   if (!api.ok()) return api.status();
//   marquee::http::Response r = (*api)->Handle({.method = "GET", .target = "/healthz"});
//   // r.status == 200, r.body == R"({"status":"ok"})"
#ifndef MARQUEE_HTTP_API_H_
#define MARQUEE_HTTP_API_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/campaign/events.h"
#include "marquee/campaign/feature_repository.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/profile.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/http/auth.h"
#include "marquee/http/message.h"
#include "marquee/http/metrics.h"
#include "marquee/page.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"

namespace marquee::http {

// Token buckets on the delivery routes (auth.h lists them): each bucket
// holds `burst` requests and refills at `per_second`; an empty one answers
// 429 with Retry-After.
struct RateLimitOptions {
  // Per API key (its name; all calls without a key share one bucket);
  // 0 disables. Default: 0.
  double per_key_per_second = 0;
  // 1..1e9. Default: 200.
  double per_key_burst = 200;
  // Per client address (Request::remote_address without the port; behind a
  // proxy that is the proxy's); 0 disables. Default: 0.
  double per_address_per_second = 0;
  // 1..1e9. Default: 50.
  double per_address_burst = 50;
  // Keys each limiter tracks at most (memory stays bounded under a flood
  // of addresses); 16..10,000,000. Default: 100,000.
  size_t max_tracked_keys = 100'000;
};

struct ApiOptions {
  // The store /readyz probes. Not owned; must outlive the Api. Required.
  Store* store = nullptr;
  // The campaigns served under /v1/campaigns. Not owned; must outlive the
  // Api. Required.
  campaign::CampaignRepository* campaigns = nullptr;
  // Serves GET and POST /v1/decide. Not owned; must outlive the Api.
  // Default: nullptr (/v1/decide is not served: 404).
  const campaign::Decider* decider = nullptr;
  // Cache-Control of /v1/decide answers; no control characters. A decision
  // is per user: shared caches must not keep it, the client revalidates
  // (304 while the decision is the same). Default: "private, no-cache".
  std::string decide_cache_control = "private, no-cache";
  // The read model GET /v1/features serves the feature set from
  // (Decider::view() will do). Not owned; must outlive the Api.
  // Default: nullptr (/v1/features and /api/features/{key} are 404).
  const campaign::DeliveryView* delivery_view = nullptr;
  // Cache-Control of GET /v1/features; no control characters. The payload
  // is the same for every user, so CDNs may keep it.
  // Default: "public, max-age=30, stale-while-revalidate=300".
  std::string features_cache_control = "public, max-age=30, stale-while-revalidate=300";
  // Serves POST /v1/features and GET, PUT, PATCH and DELETE of
  // /v1/features/{key}: the definitions one by one (the list is GET
  // /v1/features). Not owned; must outlive the Api.
  // Default: nullptr (those routes are 404 or 405).
  campaign::FeatureRepository* features = nullptr;
  // Serves /v1/polls. Not owned; must outlive the Api.
  // Default: nullptr (/v1/polls... is 404).
  campaign::PollService* polls = nullptr;
  // Interval of the ": heartbeat" comment on GET /v1/polls/{id}/stream
  // (keeps proxies from closing a quiet stream); > 0. Default: 15 s.
  absl::Duration stream_heartbeat = absl::Seconds(15);
  // Serves POST /v1/events and GET /v1/campaigns/{id}/stats (read from
  // `aggregates`, else from `store`). Not owned; must outlive the Api.
  // Default: nullptr (both are 404).
  campaign::EventIngestor* events = nullptr;
  // Where GET /v1/campaigns/{id}/stats reads the aggregates: the
  // AggregateStore `events` writes to (PostgreSQL's tables, say). Not
  // owned; must outlive the Api. Default: nullptr (the "event_aggregates"
  // records of `store`).
  const campaign::AggregateStore* aggregates = nullptr;
  // Serves /v1/profiles; DELETE erases the user (privacy.h EraseUser on
  // `store`). Not owned; must outlive the Api.
  // Default: nullptr (/v1/profiles... is 404).
  campaign::ProfileRepository* profiles = nullptr;
  // The record cache (L1, and L2 when it has one) that GET /v1/campaigns/{id}
  // and GET /v1/segments/{id} read through unless the request asks for a
  // strong read (see "Consistency" at the top). Give `campaigns` the same
  // cache (CampaignRepositoryOptions::cache). Not owned; must outlive the
  // Api. Default: nullptr (those GETs read the store).
  TieredCache* read_cache = nullptr;
  // How long a strong read of features or of a decision waits for the
  // delivery view to reach the store's committed version (504 after); > 0.
  // Default: 2 s.
  absl::Duration strong_read_timeout = absl::Seconds(2);
  // Serves /v1/webhooks (subscriptions and their delivery log; admin scope
  // only). Not owned; must outlive the Api. The Api manages subscriptions;
  // sending is the service's own business (WebhookService::Start).
  // Default: nullptr (/v1/webhooks... is 404).
  campaign::WebhookService* webhooks = nullptr;
  // Signs the list cursors ("after"), so a client cannot forge a position.
  // Give every node of a deployment the same key, so a cursor from one works
  // on another and across restarts. Default: none, a random key made by
  // Create (cursors then stop working when the process restarts).
  std::optional<CursorKey> cursor_key{};
  // How long a list cursor stays valid. Default: 24 hours.
  absl::Duration cursor_ttl = absl::Hours(24);
  // Largest accepted request body, in bytes (413 above); 1..1 GiB.
  // Default: 1 MiB.
  size_t max_body_bytes = size_t{1} << 20;
  // Deepest accepted nesting of a JSON body (400 above); 1..1024.
  // Default: 64.
  uint32_t max_json_depth = 64;
  // Page size when a list request gives no limit; 1..max_page_size.
  // Default: 20.
  size_t default_page_size = 20;
  // Largest page size; a larger limit is clamped to it; 1..1000.
  // Default: 100.
  size_t max_page_size = 100;
  // Bounds on the request-target (414 for a longer one, 400 for more query
  // parameters). Default: TargetLimits{}.
  TargetLimits target_limits{};
  // Cache-Control of GET /v1/campaigns/{id} and of lists; no control
  // characters. Admin reads may be cached by the client but revalidated
  // each time (cheap: a 304). Default: "private, no-cache".
  std::string campaign_cache_control = "private, no-cache";
  // Clock of the cursors' issue time and expiry. Not owned. Default:
  // Clock::Real().
  const Clock* clock = nullptr;
  // Called with the request and the Status behind each 5xx answer (and
  // behind a 503 of /readyz), whose message the client never sees: log it
  // here. Called on the thread of Handle, possibly from several threads at
  // once; it must not throw. Default: none.
  std::function<void(const Request& request, const absl::Status& error)> on_server_error{};
  // API keys and end-user tokens (auth.h). Default: none: every route open.
  AuthOptions auth{};
  // Default: RateLimitOptions{} (no limits).
  RateLimitOptions rate_limits{};
  // Origins ("https://shop.example", or "*") whose pages may call the
  // delivery routes (CORS). Default: none (no CORS headers).
  std::vector<std::string> cors_origins{};
  // How long a browser may keep a CORS preflight; 0..1 day. Default: 10 min.
  absl::Duration cors_max_age = absl::Minutes(10);
  // Compress answers of 1 KiB or more for clients that accept zstd or gzip.
  // Default: true.
  bool compress_responses = true;
  // Appends the host's own metrics (store, caches, queues) to GET /metrics.
  // Called on the thread of Handle, possibly from several at once.
  // Default: none.
  std::function<void(PrometheusText& out)> extra_metrics{};
};

// One route of an Api: a method and its path pattern, whose "{name}"
// segments are parameters ("/v1/campaigns/{id}"), as in OpenAPI's paths.
struct RouteInfo {
  std::string method;
  std::string pattern;

  friend bool operator==(const RouteInfo&, const RouteInfo&) = default;
};

class MARQUEE_EXPORT Api {
 public:
  // An Api serving `options` (see ApiOptions for the rules).
  // Errors: InvalidArgument (a required pointer is null, a limit out of
  // range, a cursor key that CursorCodec refuses), Internal (no randomness
  // for a generated cursor key).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Api>> Create(ApiOptions options);

  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // The answer to `request` (routes at the top of this file). Never fails:
  // every error is a problem Response. Thread-safe.
  Response Handle(const Request& request) const;

  // How many streams (GET /v1/polls/{id}/stream) are started and not yet
  // stopped, for a subscriber gauge. Thread-safe.
  size_t live_streams() const;

  // The routes this Api serves (those of its configured services), in the
  // order registered. HEAD (of every GET) and OPTIONS (of every path), which
  // every route answers, are not listed. Thread-safe.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Impl;
  explicit Api(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_API_H_
