// What the Api tests share: a MemoryStore behind a switchable failing
// wrapper, the real CampaignRepository over it, an Api over both, request
// helpers, campaign bodies, and the checks every problem answer must pass.
//
// FailingStore is the only stand-in: it forwards to the MemoryStore until a
// test sets a failure, then answers reads and/or writes with that Status
// (e.g. Internal with a secret message, to prove 5xx bodies never show it).
#ifndef MARQUEE_TESTS_HTTP_API_FIXTURE_H_
#define MARQUEE_TESTS_HTTP_API_FIXTURE_H_

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/events.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/campaign/profile.h"
#include "marquee/clock.h"
#include "marquee/http/api.h"
#include "marquee/http/message.h"
#include "marquee/http/problem.h"
#include "marquee/json.h"
#include "marquee/memory_store.h"
#include "marquee/store.h"

namespace marquee::http::test {

// The message a FailingStore puts in its errors; no response may contain it.
inline constexpr char kSecret[] = "SECRET /var/lib/marquee/log.000042 offset 9137";

class FailingStore final : public Store {
 public:
  explicit FailingStore(Store* inner) : inner_(inner) {}

  // Reads (Get, Scan) fail with `error` from now on; OK restores them.
  void FailReads(absl::Status error) {
    std::lock_guard lock(mu_);
    read_error_ = std::move(error);
  }
  // Writes fail with `error` from now on; OK restores them.
  void FailWrites(absl::Status error) {
    std::lock_guard lock(mu_);
    write_error_ = std::move(error);
  }

  absl::Status DefineIndex(const IndexSpec& spec) override { return inner_->DefineIndex(spec); }
  std::vector<IndexSpec> Indexes(std::string_view collection) const override {
    return inner_->Indexes(collection);
  }
  absl::StatusOr<Record> Get(std::string_view collection, std::string_view id) const override {
    if (absl::Status e = ReadError(); !e.ok()) return e;
    return inner_->Get(collection, id);
  }
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch,
                                 const WriteOptions& options = {}) override {
    if (absl::Status e = WriteError(); !e.ok()) return e;
    return inner_->Write(batch, options);
  }
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override {
    if (absl::Status e = ReadError(); !e.ok()) return e;
    return inner_->Scan(request);
  }
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after_version,
                                                      WatchHandler handler) override {
    return inner_->Watch(after_version, std::move(handler));
  }
  uint64_t CurrentVersion() const override { return inner_->CurrentVersion(); }

 private:
  absl::Status ReadError() const {
    std::lock_guard lock(mu_);
    return read_error_;
  }
  absl::Status WriteError() const {
    std::lock_guard lock(mu_);
    return write_error_;
  }

  Store* inner_;
  mutable std::mutex mu_;
  absl::Status read_error_;
  absl::Status write_error_;
};

// A campaign body in the API's representation; `extra` is spliced in as
// further members (",\"priority\":5").
inline std::string CampaignBody(std::string_view id, std::string_view status = "draft",
                                std::string_view extra = "") {
  std::string body = "{";
  if (!id.empty()) body += "\"id\":\"" + std::string(id) + "\",";
  body += "\"name\":\"Campaign " + std::string(id) + "\",\"status\":\"" + std::string(status) +
          "\"" + std::string(extra) +
          ",\"variants\":[{\"key\":\"control\",\"weight\":0.5,\"content\":{\"text\":\"a\"}},"
          "{\"key\":\"treatment\",\"weight\":0.5,\"content\":{\"text\":\"b\"}}]}";
  return body;
}

// The optional domain services an ApiFixture opens over its store and
// hands to the Api (each off by default, so its routes are 404).
struct Domain {
  bool decider = false;   // also the delivery view of /v1/features
  bool polls = false;
  bool events = false;
  bool profiles = false;
  bool webhooks = false;  // managed only: the fixture does not Start it
  bool features = false;  // the definitions' CRUD routes
};

struct ApiFixture {
  ManualClock clock{absl::FromCivil(absl::CivilSecond(2026, 3, 1, 0, 0, 0), absl::UTCTimeZone())};
  std::unique_ptr<MemoryStore> memory;
  std::unique_ptr<FailingStore> store;
  std::unique_ptr<campaign::CampaignRepository> repo;
  std::unique_ptr<campaign::Decider> decider;
  std::unique_ptr<campaign::PollService> polls;
  std::unique_ptr<campaign::EventIngestor> events;
  std::unique_ptr<campaign::ProfileRepository> profiles;
  std::unique_ptr<campaign::WebhookService> webhooks;
  std::unique_ptr<campaign::FeatureRepository> features;
  std::unique_ptr<Api> api;

  explicit ApiFixture(ApiOptions options = {}, Domain domain = {}) {
    absl::StatusOr<std::unique_ptr<MemoryStore>> m = OpenMemoryStore({.clock = &clock});
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    memory = *std::move(m);
    store = std::make_unique<FailingStore>(memory.get());
    absl::StatusOr<std::unique_ptr<campaign::CampaignRepository>> r =
        campaign::CampaignRepository::Open(store.get(), {.clock = &clock});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    repo = *std::move(r);
    options.store = store.get();
    options.campaigns = repo.get();
    if (domain.decider) {
      auto d = campaign::Decider::Open(store.get(), {.clock = &clock});
      REQUIRE_MESSAGE(d.ok(), d.status().ToString());
      decider = *std::move(d);
      options.decider = decider.get();
      options.delivery_view = &decider->view();
    }
    if (domain.polls) {
      auto p = campaign::PollService::Open(store.get(), {.clock = &clock});
      REQUIRE_MESSAGE(p.ok(), p.status().ToString());
      polls = *std::move(p);
      options.polls = polls.get();
    }
    if (domain.events) {
      auto e = campaign::EventIngestor::Open(store.get(), {.clock = &clock});
      REQUIRE_MESSAGE(e.ok(), e.status().ToString());
      events = *std::move(e);
      options.events = events.get();
    }
    if (domain.profiles) {
      auto p = campaign::ProfileRepository::Open(store.get());
      REQUIRE_MESSAGE(p.ok(), p.status().ToString());
      profiles = *std::move(p);
      options.profiles = profiles.get();
    }
    if (domain.features) {
      auto f = campaign::FeatureRepository::Open(store.get());
      REQUIRE_MESSAGE(f.ok(), f.status().ToString());
      features = *std::move(f);
      options.features = features.get();
    }
    if (domain.webhooks) {
      auto w = campaign::WebhookService::Open(store.get(), {.clock = &clock});
      REQUIRE_MESSAGE(w.ok(), w.status().ToString());
      webhooks = *std::move(w);
      options.webhooks = webhooks.get();
    }
    if (options.clock == nullptr) options.clock = &clock;
    absl::StatusOr<std::unique_ptr<Api>> a = Api::Create(std::move(options));
    REQUIRE_MESSAGE(a.ok(), a.status().ToString());
    api = *std::move(a);
  }

  // Puts a record straight into the store (what another process or the
  // host might write) and waits until the decider's view has it.
  uint64_t PutRecord(std::string_view collection, std::string_view id, std::string_view body) {
    absl::StatusOr<Json> json = Json::Parse(body);
    REQUIRE_MESSAGE(json.ok(), json.status().ToString());
    WriteBatch batch;
    batch.Put(std::string(collection), std::string(id), *json);
    absl::StatusOr<uint64_t> v = memory->Write(batch);
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    Sync();
    return *v;
  }
  // Waits until the decider's view reflects every commit so far.
  void Sync() const {
    if (decider) {
      REQUIRE(decider->view().WaitForVersion(memory->CurrentVersion(), absl::Seconds(10)).ok());
    }
  }

  Response Send(std::string method, std::string target, Headers headers = {},
                std::string body = "") const {
    return api->Handle({.method = std::move(method),
                        .target = std::move(target),
                        .headers = std::move(headers),
                        .body = std::move(body),
                        .remote_address = "192.0.2.1:40000"});
  }
  Response Get(std::string target, Headers headers = {}) const {
    return Send("GET", std::move(target), std::move(headers));
  }
  // A request with a JSON body (Content-Type application/json added).
  Response SendJson(std::string method, std::string target, std::string body,
                    Headers headers = {}) const {
    headers.Add("Content-Type", "application/json");
    return Send(std::move(method), std::move(target), std::move(headers), std::move(body));
  }
  // POSTs CampaignBody(id, status, extra) and REQUIREs 201; returns its ETag.
  std::string Create(std::string_view id, std::string_view status = "draft",
                     std::string_view extra = "") const {
    Response r = SendJson("POST", "/v1/campaigns", CampaignBody(id, status, extra));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    std::optional<std::string_view> etag = r.headers.Get("ETag");
    REQUIRE(etag.has_value());
    return std::string(*etag);
  }
};

// Checks the shape every problem answer has: the status, Content-Type
// application/problem+json, a JSON body with type, title and status equal
// to the answer's and a detail; for a 5xx, the generic detail only.
inline void CheckProblem(const Response& r, int status) {
  CHECK_MESSAGE(r.status == status, r.body);
  CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>(kProblemContentType));
  CHECK(Json::Parse(r.body).ok());
  CHECK(r.body.find("\"type\":\"about:blank\"") != std::string::npos);
  CHECK(r.body.find("\"title\":\"" + std::string(ReasonPhrase(status)) + "\"") !=
        std::string::npos);
  CHECK(r.body.find("\"status\":" + std::to_string(status)) != std::string::npos);
  CHECK(r.body.find("\"detail\":\"") != std::string::npos);
  CHECK(r.body.find(kSecret) == std::string::npos);
  if (status >= 500) {
    CHECK(r.body.find(kServerErrorDetail) != std::string::npos);
  }
}

inline bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_API_FIXTURE_H_
