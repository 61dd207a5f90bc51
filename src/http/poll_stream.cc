#include "http/poll_stream.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "http/authorizer.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/json_writer.h"

namespace marquee::http::internal {

class PollEventStream;

// The live streams of one Api and the one thread that writes their
// heartbeats. The thread starts with the first stream and sleeps on a
// condition variable, so an idle Api costs nothing.
class StreamHub {
 public:
  explicit StreamHub(absl::Duration heartbeat) : heartbeat_(heartbeat) {}
  ~StreamHub() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void Add(std::shared_ptr<StreamSink> sink, const void* key) {
    std::lock_guard lock(mu_);
    sinks_.emplace(key, std::move(sink));
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  void Remove(const void* key) {
    std::lock_guard lock(mu_);
    sinks_.erase(key);
  }
  size_t live() const {
    std::lock_guard lock(mu_);
    return sinks_.size();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      wake_.wait_for(lock, absl::ToChronoNanoseconds(heartbeat_), [this] { return stopping_; });
      if (stopping_) break;
      // Sink writes only queue (never block), so holding the lock is fine.
      for (auto& [key, sink] : sinks_) sink->Write(": heartbeat\n\n");
    }
  }

  const absl::Duration heartbeat_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_map<const void*, std::shared_ptr<StreamSink>> sinks_;
  std::thread thread_;
};

size_t LiveStreams(const StreamHub& hub) { return hub.live(); }

namespace {

// The results JSON (as GET /v1/polls/{id}/results) as one SSE event.
std::string TallyEvent(const campaign::PollTally& tally) {
  std::string text;
  JsonWriter writer(&text, {.assert_on_misuse = false});
  writer.BeginObject().Key("poll").String(tally.poll).Key("counts").BeginObject();
  for (const auto& [option, count] : tally.counts) writer.Key(option).Int(count);
  writer.EndObject().Key("total").Int(tally.total).EndObject();
  (void)writer.Finish();  // minified JSON: one line, as "data:" needs
  return absl::StrCat("id: ", tally.version, "\nevent: tally\ndata: ", text, "\n\n");
}

class PollEventStream : public ResponseStream {
 public:
  PollEventStream(campaign::PollService* polls, std::shared_ptr<StreamHub> hub,
                  std::string poll_id, uint64_t last_sent)
      : polls_(polls), hub_(std::move(hub)), poll_id_(std::move(poll_id)),
        last_sent_(last_sent) {}
  ~PollEventStream() override { Stop(); }

  void Start(std::shared_ptr<StreamSink> sink) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      sink_ = sink;
    }
    hub_->Add(sink, this);
    // Subscribe before reading the current tally, so no update falls in
    // between; Send drops what is not newer than what was sent.
    auto subscription =
        polls_->Subscribe(poll_id_, [this](const campaign::PollTally& t) { Send(t); });
    {
      std::lock_guard lock(mu_);
      if (subscription.ok()) subscription_ = *std::move(subscription);
    }
    if (absl::StatusOr<campaign::PollTally> tally = polls_->Tally(poll_id_); tally.ok()) {
      Send(*tally);
    }
  }

  void Stop() override {
    std::unique_ptr<campaign::PollSubscription> subscription;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      subscription = std::move(subscription_);
      sink_.reset();
    }
    hub_->Remove(this);
    // Destroyed outside mu_: it waits for a callback in flight, which takes mu_.
    subscription.reset();
  }

 private:
  void Send(const campaign::PollTally& tally) {
    std::lock_guard lock(mu_);
    // Tallies are state: an older or repeated one adds nothing. The first
    // tally is sent also at version 0 (no vote yet), unless resumed there.
    if (stopped_ || !sink_) return;
    if ((sent_any_ || resumed_) && tally.version <= last_sent_) return;
    sent_any_ = true;
    last_sent_ = tally.version;
    sink_->Write(TallyEvent(tally));
  }

 public:
  bool resumed_ = false;

 private:
  campaign::PollService* const polls_;
  const std::shared_ptr<StreamHub> hub_;
  const std::string poll_id_;
  std::mutex mu_;
  bool stopped_ = false;
  bool sent_any_ = false;
  uint64_t last_sent_;
  std::shared_ptr<StreamSink> sink_;
  std::unique_ptr<campaign::PollSubscription> subscription_;
};

Response StreamTally(const ApiContext& context, const RouteContext& route) {
  const std::string poll_id(route.Param("id"));
  absl::StatusOr<campaign::PollTally> tally = context.options.polls->Tally(poll_id);
  if (!tally.ok()) return context.Error(route.request, tally.status());
  // A malformed Last-Event-ID is ignored: the client gets the current tally.
  uint64_t last_id = 0;
  bool resumed = false;
  if (std::optional<std::string_view> header = route.request.headers.Get("Last-Event-ID")) {
    // Only the current version counts as resumed; any other is stale.
    resumed = absl::SimpleAtoi(absl::string_view(header->data(), header->size()), &last_id) && last_id == tally->version;
  }
  Response response{.status = 200};
  response.headers.Set("Content-Type", "text/event-stream");
  response.headers.Set("Cache-Control", "no-store");
  response.headers.Set("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
  auto stream = std::make_shared<PollEventStream>(context.options.polls, context.streams,
                                                  poll_id, resumed ? last_id : 0);
  stream->resumed_ = resumed;
  response.stream = std::move(stream);
  return response;
}

}  // namespace

absl::Status AddPollStreamRoute(ApiContext* context, Router* router) {
  if (context->options.stream_heartbeat <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("stream_heartbeat: must be > 0");
  }
  context->streams = std::make_shared<StreamHub>(context->options.stream_heartbeat);
  const ApiContext* c = context;
  // access_token: the API key of an EventSource (authorizer.h).
  return router->Add("GET", "/v1/polls/{id}/stream",
                     [c](const RouteContext& route) { return StreamTally(*c, route); },
                     {std::string(kAccessTokenParam)});
}

}  // namespace marquee::http::internal
