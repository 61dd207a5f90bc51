// The state of a WebhookService (webhooks.h), shared by its management calls
// (webhook_service.cc), its change-feed thread (webhook_feed.cc) and its
// sending threads (webhook_dispatch.cc).
//
// Locking: `mu` guards everything marked (mu). The feed thread alone owns
// the members marked (feed). No store call is made while holding mu.
#ifndef MARQUEE_SRC_CAMPAIGN_WEBHOOK_SERVICE_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_WEBHOOK_SERVICE_INTERNAL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "campaign/webhook_internal.h"
#include "marquee/campaign/webhooks.h"
#include "marquee/store.h"

namespace marquee::campaign {

struct WebhookService::Impl {
  Impl(Store* store, const WebhookServiceOptions& options);

  Store* const store;
  const WebhookServiceOptions options;
  Clock* const clock;

  // ---- counters (stats()) ----
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> deliveries_created{0};
  std::atomic<uint64_t> attempts{0};
  std::atomic<uint64_t> succeeded{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> paused{0};
  std::atomic<uint64_t> feed_gaps{0};
  std::atomic<uint64_t> store_errors{0};

  // ---- shared state ----
  std::mutex mu;
  std::condition_variable feed_wake;    // changes arrived, the feed broke, stopping
  std::condition_variable sender_wake;  // a delivery may be due, stopping
  bool started = false;                 // (mu)
  bool stopping = false;                // (mu)

  // Changes from the watch, waiting for the feed thread. (mu)
  std::deque<Change> changes;
  // Set by the watch handler when the feed ended (OutOfRange: resume from
  // the current version). (mu)
  std::optional<absl::Status> feed_ended;

  // Subscriptions by id, and the version at which erased ones went, so a
  // late change from the feed does not bring one back. (mu)
  std::map<std::string, WebhookSubscription> subscriptions;
  std::map<std::string, uint64_t> erased_subscriptions;

  // Pending deliveries: when each is due. A delivery of a paused
  // subscription is parked (out of `due`) until the subscription resumes.
  struct Scheduled {
    std::string subscription;
    absl::Time at;
    uint64_t version = 0;
    bool parked = false;
  };
  std::map<std::string, Scheduled> scheduled;           // (mu)
  std::set<std::pair<absl::Time, std::string>> due;     // (mu)
  std::map<std::string, std::set<std::string>> parked;  // subscription -> ids (mu)
  std::set<std::string> in_flight;                      // (mu)
  // Finished deliveries, oldest first, for the retention sweep. (mu)
  std::deque<std::pair<absl::Time, std::string>> finished;
  absl::BitGen random;  // (mu)

  // ---- feed thread ----
  std::map<std::string, absl::Time> scheduled_closes;   // poll -> closesAt (feed)
  std::set<std::pair<std::string, int64_t>> closes_sent;  // poll, closesAt micros (feed)
  std::map<std::string, int64_t> poll_totals;            // (feed)
  uint64_t position = 0;                                 // last change handled (feed)
  uint64_t saved_position = 0;                           // (feed)
  absl::Time last_save = absl::InfinitePast();           // (feed)
  bool position_dirty = false;                           // (feed)

  std::unique_ptr<Subscription> watch;
  std::thread feed_thread;
  std::vector<std::thread> senders;

  // ---- table updates (call with mu held) ----
  void ApplySubscription(const WebhookSubscription& subscription);
  void ApplySubscriptionErased(const std::string& id, uint64_t version);
  void Schedule(const WebhookDelivery& delivery);
  void Unschedule(const std::string& id);
  void ApplyDelivery(const WebhookDelivery& delivery);

  // ---- webhook_feed.cc ----
  absl::Status StartFeed();
  absl::StatusOr<std::unique_ptr<Subscription>> WatchFrom(uint64_t after_version);
  void FeedLoop();
  void HandleChanges(std::deque<Change> batch);
  void HandleRecordChange(const Change& change, bool& created);
  void CheckScheduledCloses(bool& created);
  void SweepRetention();
  void SavePosition(bool force);
  bool CreateDeliveries(const internal::WebhookEvent& event,
                        const std::vector<std::string>& subscription_ids);
  std::vector<std::string> SubscribersOf(std::string_view kind);

  // ---- webhook_dispatch.cc ----
  void SenderLoop();
  void Attempt(const std::string& delivery_id);
  void RecordOutcome(const std::string& subscription_id, bool success, const std::string& error);
};

}  // namespace marquee::campaign

#endif  // MARQUEE_SRC_CAMPAIGN_WEBHOOK_SERVICE_INTERNAL_H_
