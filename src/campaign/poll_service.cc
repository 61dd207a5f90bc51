// PollService: polls, the caller side of Vote, and reads (poll_service.h).
// The committer thread is in poll_commit.cc, rules in poll_rules.cc,
// subscriptions in poll_subscribe.cc.
#include "marquee/campaign/poll_service.h"

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "campaign/poll_service_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

// Cached polls beyond this are dropped all at once: the cache only holds
// polls that exist, so this bounds memory without an eviction policy.
constexpr size_t kMaxCachedPolls = 10'000;

absl::Status CheckOptions(const PollServiceOptions& o) {
  if (o.tally_shards < 1 || o.tally_shards > 256) {
    return absl::InvalidArgumentError(
        absl::StrCat("tally_shards: must be within [1, 256], got ", o.tally_shards));
  }
  if (o.queue_capacity < 1 || o.queue_capacity > 10'000'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "queue_capacity: must be within [1, 10000000], got ", o.queue_capacity));
  }
  if (o.max_votes_per_write < 1 || o.max_votes_per_write > 100'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_votes_per_write: must be within [1, 100000], got ", o.max_votes_per_write));
  }
  if (o.max_retries < 1 || o.max_retries > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_retries: must be within [1, 1000], got ", o.max_retries));
  }
  if (o.subscription_interval < absl::Milliseconds(1) ||
      o.subscription_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("subscription_interval: must be within [1ms, 1m], got ",
                     absl::FormatDuration(o.subscription_interval)));
  }
  return absl::OkStatus();
}

absl::Status CheckUser(std::string_view poll_id, std::string_view user_id) {
  absl::Status s = ValidateRecordId(user_id);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("user: ", s.message()));
  if (poll_id.size() + 1 + user_id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "user: too long: the vote id '<poll>/<user>' must fit in ", kMaxIdBytes, " bytes"));
  }
  return absl::OkStatus();
}

// The attributes targeting sees: the caller's, with "id" = user when absent.
Value TargetingAttributes(const Value& attributes, std::string_view user_id) {
  if (attributes.is_object() && attributes.Find("id") != nullptr) return attributes;
  std::vector<Value::Member> members(attributes.members().begin(), attributes.members().end());
  members.emplace_back("id", Value::String(std::string(user_id)));
  return Value::Object(std::move(members));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const internal::CachedPoll>> PollService::Impl::LoadPoll(
    std::string_view id) const {
  MARQUEE_RETURN_IF_ERROR(ValidatePollId(id));
  MARQUEE_ASSIGN_OR_RETURN(Record record, store->Get(kPollsCollection, id));
  {
    std::shared_lock lock(cache_mu);
    auto it = cache.find(Sv(id));
    if (it != cache.end() && it->second->poll.version == record.version) return it->second;
  }
  absl::StatusOr<Poll> poll = PollFromJson(id, record.body);
  if (!poll.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("stored poll '", Sv(id), "' does not read: ", poll.status().message()));
  }
  auto cached = std::make_shared<internal::CachedPoll>();
  cached->poll = *std::move(poll);
  cached->poll.version = record.version;
  if (cached->poll.targeting) {
    MARQUEE_ASSIGN_OR_RETURN(cached->condition, CompiledCondition::Compile(*cached->poll.targeting));
  }
  for (const PollRule& r : cached->poll.rules) {
    cached->has_unfired_rules = cached->has_unfired_rules || !r.fired_at;
  }
  std::unique_lock lock(cache_mu);
  auto& slot = cache[std::string(id)];
  // Never replace a newer entry by an older read.
  if (slot == nullptr || slot->poll.version < record.version) {
    if (cache.size() > kMaxCachedPolls) {
      cache.clear();
      cache[std::string(id)] = cached;
    } else {
      slot = cached;
    }
  }
  return std::shared_ptr<const internal::CachedPoll>(std::move(cached));
}

PollService::PollService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<PollService>> PollService::Open(Store* store,
                                                               const PollServiceOptions& options) {
  if (store == nullptr) return absl::InvalidArgumentError("store: must not be null");
  MARQUEE_RETURN_IF_ERROR(CheckOptions(options));
  if (options.prepare_store) MARQUEE_RETURN_IF_ERROR(PrepareCampaignStore(*store));
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : Clock::Real();
  impl->hub = std::make_shared<internal::TallyHub>(
      store, std::chrono::microseconds(absl::ToInt64Microseconds(options.subscription_interval)));
  Impl* raw = impl.get();
  impl->committer = std::thread([raw] { raw->RunCommitter(); });
  return std::unique_ptr<PollService>(new PollService(std::move(impl)));
}

PollService::~PollService() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->committer.join();
  impl_->hub->Stop();
}

absl::StatusOr<Poll> PollService::CreatePoll(const Poll& poll) {
  MARQUEE_RETURN_IF_ERROR(ValidatePoll(poll));
  for (size_t i = 0; i < poll.rules.size(); ++i) {
    if (poll.rules[i].fired_at) {
      return absl::InvalidArgumentError(
          absl::StrCat("rules[", i, "].firedAt: a new poll's rules must not be fired"));
    }
  }
  MARQUEE_ASSIGN_OR_RETURN(Json body, PollToJson(poll));
  WriteBatch batch;
  batch.Put(std::string(kPollsCollection), poll.id, body, {.expected_version = 0});
  absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
  if (absl::IsFailedPrecondition(version.status())) {
    return absl::AlreadyExistsError(absl::StrCat("poll '", poll.id, "' already exists"));
  }
  if (!version.ok()) return version.status();
  Poll out = poll;
  out.version = *version;
  return out;
}

absl::StatusOr<Poll> PollService::GetPoll(std::string_view poll_id) const {
  MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const internal::CachedPoll> cached,
                           impl_->LoadPoll(poll_id));
  return cached->poll;
}

absl::StatusOr<Poll> PollService::ClosePoll(std::string_view poll_id) {
  for (int attempt = 0; attempt < impl_->options.max_retries; ++attempt) {
    MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const internal::CachedPoll> cached,
                             impl_->LoadPoll(poll_id));
    const absl::Time now = impl_->clock->Now();
    if (cached->poll.closes_at && *cached->poll.closes_at <= now) return cached->poll;
    Poll poll = cached->poll;
    poll.closes_at = now;
    // A poll that has not opened yet closes as it opens.
    if (poll.opens_at && *poll.opens_at >= now) poll.closes_at = *poll.opens_at + absl::Nanoseconds(1);
    MARQUEE_ASSIGN_OR_RETURN(Json body, PollToJson(poll));
    WriteBatch batch;
    batch.Put(std::string(kPollsCollection), poll.id, body, {.expected_version = poll.version});
    absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
    if (absl::IsFailedPrecondition(version.status())) continue;
    if (!version.ok()) return version.status();
    poll.version = *version;
    return poll;
  }
  return absl::AbortedError(absl::StrCat("closing poll '", Sv(poll_id), "': ",
                                         impl_->options.max_retries, " conflicting writes"));
}

void PollService::VoteAsync(std::string_view poll_id, std::string_view user_id,
                            std::string_view option_key, const Value& attributes,
                            std::function<void(absl::StatusOr<VoteResult>)> done) {
  auto fail = [&done](absl::Status s) { done(std::move(s)); };
  if (absl::Status s = ValidatePollId(poll_id); !s.ok()) {
    return fail(absl::InvalidArgumentError(absl::StrCat("poll ", s.message())));
  }
  if (absl::Status s = CheckUser(poll_id, user_id); !s.ok()) return fail(s);
  if (!attributes.is_null() && !attributes.is_object()) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "attributes: expected an object, got ", Sv(ValueTypeName(attributes.type())))));
  }
  absl::StatusOr<std::shared_ptr<const internal::CachedPoll>> cached = impl_->LoadPoll(poll_id);
  if (!cached.ok()) return fail(cached.status());
  const Poll& poll = (*cached)->poll;
  const absl::Time now = impl_->clock->Now();
  if (poll.opens_at && now < *poll.opens_at) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "poll '", poll.id, "' is not open yet: it opens at ", internal::FormatInstant(*poll.opens_at))));
  }
  if (poll.closes_at && now >= *poll.closes_at) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "poll '", poll.id, "' is closed since ", internal::FormatInstant(*poll.closes_at))));
  }
  bool known = false;
  for (const PollOption& o : poll.options) known = known || o.key == option_key;
  if (!known) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "option: '", Sv(option_key), "' is not an option of poll '", poll.id, "'")));
  }
  if ((*cached)->condition &&
      !(*cached)->condition->Evaluate(TargetingAttributes(attributes, user_id))) {
    return fail(absl::PermissionDeniedError(absl::StrCat(
        "user '", Sv(user_id), "' does not match the targeting of poll '", poll.id, "'")));
  }
  internal::PendingVote pending{.poll = poll.id,
                                .user = std::string(user_id),
                                .option = std::string(option_key),
                                .allow_change = poll.allow_vote_change,
                                .has_unfired_rules = (*cached)->has_unfired_rules,
                                .at = now,
                                .done = std::move(done)};
  {
    std::unique_lock lock(impl_->mu);
    if (impl_->stopping) {
      lock.unlock();
      return pending.done(absl::CancelledError("the poll service is shutting down"));
    }
    if (impl_->queue.size() >= impl_->options.queue_capacity) {
      lock.unlock();
      return pending.done(absl::ResourceExhaustedError(absl::StrCat(
          "vote queue is full (", impl_->options.queue_capacity, " votes pending); retry later")));
    }
    impl_->queue.push_back(std::move(pending));
  }
  impl_->cv.notify_one();
}

absl::StatusOr<VoteResult> PollService::Vote(std::string_view poll_id, std::string_view user_id,
                                             std::string_view option_key,
                                             const Value& attributes) {
  std::promise<absl::StatusOr<VoteResult>> promise;
  std::future<absl::StatusOr<VoteResult>> future = promise.get_future();
  VoteAsync(poll_id, user_id, option_key, attributes,
            [&promise](absl::StatusOr<VoteResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

absl::StatusOr<PollVote> PollService::GetVote(std::string_view poll_id,
                                              std::string_view user_id) const {
  if (absl::Status s = ValidatePollId(poll_id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("poll ", s.message()));
  }
  MARQUEE_RETURN_IF_ERROR(CheckUser(poll_id, user_id));
  MARQUEE_ASSIGN_OR_RETURN(Record record,
                           impl_->store->Get(kVotesCollection, internal::VoteId(poll_id, user_id)));
  return internal::VoteFromRecord(record);
}

absl::StatusOr<PollTally> PollService::Tally(std::string_view poll_id) const {
  MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const internal::CachedPoll> cached,
                           impl_->LoadPoll(poll_id));
  return internal::ReadTally(*impl_->store, cached->poll);
}

absl::StatusOr<std::unique_ptr<PollSubscription>> PollService::Subscribe(
    std::string_view poll_id, std::function<void(const PollTally&)> on_update) {
  if (absl::Status s = ValidatePollId(poll_id); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("poll ", s.message()));
  }
  if (!on_update) return absl::InvalidArgumentError("on_update: must not be empty");
  return impl_->hub->Subscribe(std::string(poll_id), std::move(on_update));
}

PollServiceStats PollService::stats() const {
  return PollServiceStats{.votes_committed = impl_->votes_committed.load(),
                          .votes_unchanged = impl_->votes_unchanged.load(),
                          .batches = impl_->batches.load(),
                          .fallbacks = impl_->fallbacks.load(),
                          .rules_fired = impl_->rules_fired.load(),
                          .rule_errors = impl_->rule_errors.load()};
}

}  // namespace marquee::campaign
