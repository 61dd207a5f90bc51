// marquee/client/client.h — the C++ client of Marquee's HTTP API (target
// marquee::client, on cpp-httplib's client).
//
// A Client talks to one Marquee server (marquee-server, or an Api mounted on
// a host's server) over keep-alive connections, and adds what every caller
// of a remote service needs:
//   - typed calls: campaigns (Get, Create, Update, Delete, and a page
//     iterator that follows the server's cursors) and the delivery calls a
//     page makes (Decide, Features, Vote, GetPollResults) and EraseUser;
//     Send for any other request (segments, events, profiles, stats);
//   - a local cache of GET answers that revalidates with If-None-Match, so
//     an unchanged resource costs a 304 and no body (typed calls ask for
//     identity bodies; a Send whose Accept-Encoding got a compressed answer
//     returns it as sent, with its Content-Encoding, and it is not cached);
//   - retries of idempotent calls (GET, HEAD, PUT, DELETE, OPTIONS) after a
//     5xx answer or a transport failure (refused, reset, timed out), with
//     exponential backoff and jitter; a non-idempotent call (POST, PATCH)
//     is never retried, since it may have taken effect;
//   - a circuit breaker: after `failure_threshold` failed attempts in a row
//     the client fails fast for `open_for` without touching the network,
//     then lets one trial call through (success closes it again).
// Answers map to Status: 400 and 422 InvalidArgument, 401 Unauthenticated,
// 403 PermissionDenied, 404 NotFound, 409 AlreadyExists on a create and
// FailedPrecondition otherwise, 412 and 428 FailedPrecondition, 413
// OutOfRange, 429 ResourceExhausted, 5xx Unavailable (500 Internal);
// transport failures Unavailable (DeadlineExceeded for a timeout). The
// message carries the problem's detail ("HTTP 412: ...").
// Thread-safety: a Client is thread-safe; concurrent calls use separate
// connections from a small pool. A CampaignPager is not: one per thread.
//
//   auto client = marquee::client::Client::Create({.base_url = "http://127.0.0.1:8080"});
//   if (!client.ok()) return client.status();
//   absl::StatusOr<marquee::campaign::Campaign> spring = (*client)->GetCampaign("spring");
//   marquee::client::CampaignPager pages = (*client)->ListCampaigns({.status = "live"});
//   while (!pages.done()) {
//     absl::StatusOr<std::vector<marquee::campaign::Campaign>> page = pages.Next();
//     if (!page.ok()) return page.status();
//   }
#ifndef MARQUEE_CLIENT_CLIENT_H_
#define MARQUEE_CLIENT_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/feature_repository.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/profile.h"
#include "marquee/campaign/segment.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/http/message.h"
#include "marquee/json.h"

namespace marquee::client {

struct RetryPolicy {
  // Attempts per idempotent call, the first included; 1 disables retries;
  // 1..10. Default: 3.
  int max_attempts = 3;
  // Wait before the first retry; each further retry waits `multiplier`
  // times longer, up to max_backoff. Default: 50 ms.
  absl::Duration initial_backoff = absl::Milliseconds(50);
  // Default: 2 s.
  absl::Duration max_backoff = absl::Seconds(2);
  // Growth of the wait per retry; ≥ 1. Default: 2.
  double multiplier = 2.0;
  // Each wait is drawn uniformly from [(1 - jitter) × w, w], so clients
  // that failed together do not retry together; in [0, 1]. Default: 0.5.
  double jitter = 0.5;
};

struct CircuitBreakerOptions {
  // Failed attempts in a row (5xx or transport failure) that open the
  // breaker; 0 disables it. Default: 5.
  int failure_threshold = 5;
  // How long an open breaker fails calls fast before one trial call.
  // Default: 5 s.
  absl::Duration open_for = absl::Seconds(5);
};

struct ClientOptions {
  // "http://host:port" or "https://host:port" (no path). Required.
  std::string base_url{};
  // Sent as "Authorization: Bearer <api_key>" when not empty. Default: "".
  std::string api_key{};
  // Whole-millisecond bounds of one attempt. Defaults: 2 s to connect,
  // 5 s per read or write.
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration io_timeout = absl::Seconds(5);
  RetryPolicy retry{};
  CircuitBreakerOptions breaker{};
  // GET answers with an ETag kept for revalidation (least recently used
  // dropped beyond it); 0 disables the cache. Default: 1024.
  size_t cache_entries = 1024;
  // Largest answer body kept in the cache, in bytes. Default: 1 MiB.
  size_t cache_max_body_bytes = size_t{1} << 20;
  // Keep-alive connections kept open for reuse. Default: 8.
  size_t max_idle_connections = 8;
  // Clock of the circuit breaker. Not owned. Default: Clock::Real().
  const Clock* clock = nullptr;
};

// One request to send: `target` is the path with its query
// ("/v1/campaigns?limit=5"), encoded (see http::EncodePathSegment).
struct Call {
  std::string method = "GET";
  std::string target{};
  http::Headers headers{};
  // Sent with Content-Type application/json when not empty. Default: "".
  std::string body{};
};

// A server's answer. A 304 from revalidation is returned as the cached 200,
// with from_cache set.
struct Reply {
  int status = 0;
  http::Headers headers{};
  std::string body{};
  bool from_cache = false;
};

struct ListCampaignsOptions {
  // Only campaigns of this status ("draft", "live", ...). Default: all.
  std::string status{};
  // Only campaigns whose tags include this one. Default: all.
  std::string tag{};
  // Only campaigns whose placements include this one. Default: all.
  std::string placement{};
  // "id" or "-priority"; empty lets the server choose (-priority with a
  // status, else id). Default: "".
  std::string sort{};
  // Campaigns per page; 0 lets the server choose. Default: 0.
  size_t page_size = 0;
};

// A call a page makes for one end user (decide, votes). `user_token`, when
// not empty, is the user's JWT, sent as X-User-Token (the server then takes
// the user from its subject, and `user` may be left empty).
struct DecideCall {
  std::string user{};
  // The user's attributes as a JSON object text ({"country":"DE"}); empty:
  // none. Default: "".
  std::string attributes_json{};
  // Only campaigns of this placement; empty: all. Default: "".
  std::string placement{};
  std::string user_token{};
};

struct VoteCall {
  std::string poll{};
  std::string user{};
  std::string option{};
  std::string user_token{};
};

// What a vote did: the first vote of the user, the same as before, or a
// change of option.
enum class VoteOutcome { kCreated, kUnchanged, kChanged };

// A poll's tally as GET /v1/polls/{id}/results gives it; `version` is its
// ETag (0 before the first vote).
struct PollResults {
  std::string poll{};
  std::vector<std::pair<std::string, int64_t>> counts{};  // by option key
  int64_t total = 0;
  uint64_t version = 0;
};

// One page of a webhook subscription's delivery log; `next_after` is the
// cursor of the next page ("" on the last one).
struct WebhookDeliveryPage {
  std::vector<campaign::WebhookDelivery> deliveries{};
  std::string next_after{};
};

class Client;

// Pages of a campaign list, fetched one Next() at a time by following the
// server's cursors. Not thread-safe.
class MARQUEE_EXPORT CampaignPager {
 public:
  // True once the last page was returned (or an error ended the listing).
  bool done() const { return done_; }
  // The next page. After an error the pager is done.
  // Errors: those of Client calls; FailedPrecondition when already done;
  // DataLoss when the server's answer is not a campaign page.
  absl::StatusOr<std::vector<campaign::Campaign>> Next();

 private:
  friend class Client;
  CampaignPager(Client* client, std::string first_target)
      : client_(client), base_target_(first_target), next_target_(std::move(first_target)) {}
  Client* client_;
  // The first page's target (filters, limit); later pages add "after".
  std::string base_target_;
  std::string next_target_;
  bool done_ = false;
};

class MARQUEE_EXPORT Client {
 public:
  // A client of the server at options.base_url; connects lazily.
  // Errors: InvalidArgument (malformed base_url or an option out of range).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `call` with the cache, retries and breaker of the file comment.
  // Any HTTP answer is a Reply, whatever its status; only a failure to get
  // one is an error.
  // Errors: Unavailable (breaker open, connection refused or reset, after
  // the retries), DeadlineExceeded (timed out, after the retries),
  // InvalidArgument (a target that does not start with '/').
  [[nodiscard]] absl::StatusOr<Reply> Send(const Call& call);

  // GET /v1/campaigns/{id}. The result's version is its ETag.
  // Errors: NotFound, DataLoss (an answer that is not a campaign), and
  // Send's.
  [[nodiscard]] absl::StatusOr<campaign::Campaign> GetCampaign(std::string_view id);
  // POST /v1/campaigns; returns the stored campaign (with its version).
  // Errors: AlreadyExists, InvalidArgument, and Send's.
  [[nodiscard]] absl::StatusOr<campaign::Campaign> CreateCampaign(
      const campaign::Campaign& campaign);
  // PUT /v1/campaigns/{id} with If-Match: campaign.version (which must be
  // the version it was read at); returns the stored campaign.
  // Errors: FailedPrecondition (changed since it was read), NotFound,
  // InvalidArgument (also a version of 0), and Send's.
  [[nodiscard]] absl::StatusOr<campaign::Campaign> UpdateCampaign(
      const campaign::Campaign& campaign);
  // DELETE /v1/campaigns/{id}, with If-Match when `version` is given.
  // Errors: NotFound, FailedPrecondition, and Send's.
  [[nodiscard]] absl::Status DeleteCampaign(std::string_view id,
                                            std::optional<uint64_t> version = std::nullopt);
  // The pages of GET /v1/campaigns. The pager must not outlive the client.
  CampaignPager ListCampaigns(const ListCampaignsOptions& options = {});

  // POST /v1/decide: the user's campaigns, variants and flags, as the
  // server's JSON answer ({"user","campaigns":[...],"flags":{...}}).
  // Errors: InvalidArgument (attributes_json not an object, or the server
  // refused the call), PermissionDenied, Unauthenticated, DataLoss (an
  // answer that is not JSON), and Send's.
  [[nodiscard]] absl::StatusOr<Json> Decide(const DecideCall& call);
  // GET /v1/features: GrowthBook's SDK payload.
  // Errors: DataLoss, and Send's.
  [[nodiscard]] absl::StatusOr<Json> Features();
  // POST /v1/polls/{id}/votes. As a POST it is not retried by Send; sending
  // the same vote again is harmless (kUnchanged).
  // Errors: the server's refusals (NotFound: no such poll;
  // InvalidArgument: an unknown option or user; a closed poll's code as the
  // table above maps it), and Send's.
  [[nodiscard]] absl::StatusOr<VoteOutcome> Vote(const VoteCall& call);
  // GET /v1/polls/{id}/results (cached and revalidated like every GET).
  // Errors: NotFound, DataLoss, and Send's.
  [[nodiscard]] absl::StatusOr<PollResults> GetPollResults(std::string_view poll);
  // DELETE /v1/profiles/{id}: erases everything stored about the user
  // (profile, votes, sticky assignments). Idempotent.
  // Errors: Send's and the server's refusals.
  [[nodiscard]] absl::Status EraseUser(std::string_view user);

  // ---- segments, features, polls, profiles, events, webhooks ----
  // Each returns what the server stored, with its version (the ETag).
  // Errors, besides Send's: NotFound, AlreadyExists (create of an existing
  // id), FailedPrecondition (a version that moved: re-read), InvalidArgument
  // (the server refused the body), PermissionDenied / Unauthenticated
  // (keys), DataLoss (an answer that is not the resource).

  // POST /v1/segments; GET, PUT (If-Match: segment.version) and DELETE of
  // /v1/segments/{id}.
  [[nodiscard]] absl::StatusOr<campaign::Segment> CreateSegment(const campaign::Segment& segment);
  [[nodiscard]] absl::StatusOr<campaign::Segment> GetSegment(std::string_view id);
  [[nodiscard]] absl::StatusOr<campaign::Segment> UpdateSegment(const campaign::Segment& segment);
  [[nodiscard]] absl::Status DeleteSegment(std::string_view id,
                                           std::optional<uint64_t> version = std::nullopt);

  // POST /v1/features; GET, PUT (If-Match: feature.version) and DELETE of
  // /v1/features/{key}. The definition is GrowthBook's JSON.
  [[nodiscard]] absl::StatusOr<campaign::StoredFeature> CreateFeature(std::string_view key,
                                                                      const Json& definition);
  [[nodiscard]] absl::StatusOr<campaign::StoredFeature> GetFeature(std::string_view key);
  [[nodiscard]] absl::StatusOr<campaign::StoredFeature> ReplaceFeature(
      const campaign::StoredFeature& feature);
  [[nodiscard]] absl::Status DeleteFeature(std::string_view key,
                                           std::optional<uint64_t> version = std::nullopt);

  // POST /v1/polls, GET /v1/polls/{id}, PUT /v1/polls/{id} (If-Match:
  // poll.version), DELETE (with its votes and tallies), POST
  // /v1/polls/{id}/close.
  [[nodiscard]] absl::StatusOr<campaign::Poll> CreatePoll(const campaign::Poll& poll);
  [[nodiscard]] absl::StatusOr<campaign::Poll> GetPoll(std::string_view id);
  [[nodiscard]] absl::StatusOr<campaign::Poll> UpdatePoll(const campaign::Poll& poll);
  [[nodiscard]] absl::Status DeletePoll(std::string_view id,
                                        std::optional<uint64_t> version = std::nullopt);
  [[nodiscard]] absl::StatusOr<campaign::Poll> ClosePoll(std::string_view id);

  // PUT /v1/profiles/{id} (replaces the attributes, a JSON object), PATCH
  // (an RFC 7396 merge patch of the attributes), GET, and GET .../export
  // (everything held about the user, as the server's JSON).
  [[nodiscard]] absl::StatusOr<campaign::Profile> PutProfile(std::string_view user,
                                                             const Json& attributes);
  [[nodiscard]] absl::StatusOr<campaign::Profile> PatchProfile(std::string_view user,
                                                               const Json& attributes_patch);
  [[nodiscard]] absl::StatusOr<campaign::Profile> GetProfile(std::string_view user);
  [[nodiscard]] absl::StatusOr<Json> ExportUser(std::string_view user);

  // POST /v1/events: a JSON array of events (events.h's shape), all or
  // nothing; returns how many were accepted. Not retried (a POST).
  [[nodiscard]] absl::StatusOr<int64_t> SendEvents(const Json& events);
  // GET /v1/campaigns/{id}/stats, with the query `query` ("bucket=day",
  // "" for the defaults): the server's statistics JSON.
  [[nodiscard]] absl::StatusOr<Json> GetCampaignStats(std::string_view campaign,
                                                      std::string_view query = "");

  // POST /v1/webhooks (the answer holds the secret: keep it); GET, PATCH
  // (url, events, description, milestones, paused, pausedReason and a
  // non-empty secret, If-Match: subscription.version) and DELETE of
  // /v1/webhooks/{id}; a page of GET /v1/webhooks/{id}/deliveries.
  [[nodiscard]] absl::StatusOr<campaign::WebhookSubscription> CreateWebhook(
      const campaign::WebhookSubscription& subscription);
  [[nodiscard]] absl::StatusOr<campaign::WebhookSubscription> GetWebhook(std::string_view id);
  [[nodiscard]] absl::StatusOr<campaign::WebhookSubscription> UpdateWebhook(
      const campaign::WebhookSubscription& subscription);
  [[nodiscard]] absl::Status DeleteWebhook(std::string_view id,
                                           std::optional<uint64_t> version = std::nullopt);
  [[nodiscard]] absl::StatusOr<WebhookDeliveryPage> ListWebhookDeliveries(
      std::string_view id, size_t limit = 100, std::string_view after = "");

  // Calls since creation that the breaker refused without a request.
  uint64_t fast_failures() const;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::client

#endif  // MARQUEE_CLIENT_CLIENT_H_
