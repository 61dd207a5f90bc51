// OpenSchemaStore: a Store decorator that upgrades records on read and
// brings old-schema puts to the current schema before they are written.
#include <atomic>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/schema.h"
#include "marquee/status.h"

namespace marquee {
namespace {

using internal::Sv;

// What a watch handler shares with its Subscription: the handler may run on
// the base store's delivery thread after the wrapper starts to go away.
struct WatchState {
  WatchState(std::shared_ptr<const SchemaRegistry> r, WatchHandler h, uint64_t start)
      : registry(std::move(r)), handler(std::move(h)), position(start) {}
  std::shared_ptr<const SchemaRegistry> registry;
  WatchHandler handler;
  std::atomic<uint64_t> position;
  // Set once an error was delivered: the feed has ended for the watcher.
  std::atomic<bool> ended{false};
};

class UpgradingSubscription final : public Subscription {
 public:
  UpgradingSubscription(std::shared_ptr<WatchState> state, std::unique_ptr<Subscription> base)
      : state_(std::move(state)), base_(std::move(base)) {}
  // base_ is destroyed first (member order): it waits for a handler call in
  // progress, after which nothing touches state_ but this object.
  ~UpgradingSubscription() override = default;

  uint64_t position() const override { return state_->position.load(std::memory_order_acquire); }

 private:
  std::shared_ptr<WatchState> state_;
  std::unique_ptr<Subscription> base_;
};

void DeliverUpgraded(WatchState& state, const absl::StatusOr<Change>& change) {
  if (state.ended.load(std::memory_order_acquire)) return;
  if (!change.ok()) {
    state.ended.store(true, std::memory_order_release);
    state.handler(change);
    return;
  }
  if (change->kind != Change::Kind::kPut) {
    state.handler(change);
    state.position.store(change->version, std::memory_order_release);
    return;
  }
  absl::StatusOr<Record> record = state.registry->Upgrade(change->record);
  if (!record.ok()) {
    // A change the watcher cannot read ends its feed with the reason; going
    // on would skip it silently.
    state.ended.store(true, std::memory_order_release);
    state.handler(record.status());
    return;
  }
  Change upgraded = *change;
  upgraded.record = *std::move(record);
  state.handler(upgraded);
  state.position.store(upgraded.version, std::memory_order_release);
}

class UpgradingStore final : public Store {
 public:
  UpgradingStore(Store* base, std::shared_ptr<const SchemaRegistry> registry)
      : base_(base), registry_(std::move(registry)) {}

  absl::Status DefineIndex(const IndexSpec& spec) override { return base_->DefineIndex(spec); }

  std::vector<IndexSpec> Indexes(std::string_view collection) const override {
    return base_->Indexes(collection);
  }

  absl::StatusOr<Record> Get(std::string_view collection, std::string_view id) const override {
    MARQUEE_ASSIGN_OR_RETURN(Record record, base_->Get(collection, id));
    return registry_->Upgrade(std::move(record));
  }

  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options) override {
    // Copy the batch only when a put has to change.
    std::optional<WriteBatch> rewritten;
    const std::vector<WriteBatch::Op>& ops = batch.ops();
    for (size_t i = 0; i < ops.size(); ++i) {
      const WriteBatch::Op& op = ops[i];
      std::optional<Json> body;
      if (op.kind == WriteBatch::OpKind::kPut) {
        MARQUEE_ASSIGN_OR_RETURN(body, UpgradedBody(op));
      }
      if (body.has_value() && !rewritten.has_value()) {
        rewritten.emplace();
        for (size_t j = 0; j < i; ++j) Append(ops[j], std::nullopt, &*rewritten);
      }
      if (rewritten.has_value()) Append(op, std::move(body), &*rewritten);
    }
    return base_->Write(rewritten.has_value() ? *rewritten : batch, options);
  }

  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult result, base_->Scan(request));
    // The base filtered the stored bodies; an upgraded body must match too.
    const bool refilter =
        !request.filter.all_of.empty() && ValidateFilter(request.filter).ok();
    std::vector<Record> records;
    records.reserve(result.records.size());
    for (Record& stored : result.records) {
      const uint32_t stored_schema = stored.schema;
      MARQUEE_ASSIGN_OR_RETURN(Record record, registry_->Upgrade(std::move(stored)));
      if (refilter && record.schema != stored_schema && !Matches(request.filter, record.body)) {
        continue;
      }
      records.push_back(std::move(record));
    }
    result.records = std::move(records);
    return result;
  }

  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after_version,
                                                      WatchHandler handler) override {
    if (!handler) return absl::InvalidArgumentError("Watch needs a handler");
    auto state = std::make_shared<WatchState>(registry_, std::move(handler), after_version);
    WatchHandler upgrading = [state](const absl::StatusOr<Change>& change) {
      DeliverUpgraded(*state, change);
    };
    MARQUEE_ASSIGN_OR_RETURN(std::unique_ptr<Subscription> base,
                             base_->Watch(after_version, std::move(upgrading)));
    return std::make_unique<UpgradingSubscription>(std::move(state), std::move(base));
  }

  uint64_t CurrentVersion() const override { return base_->CurrentVersion(); }

 private:
  // The body to write instead of op's, or empty when op's is written as is.
  absl::StatusOr<std::optional<Json>> UpgradedBody(const WriteBatch::Op& op) const {
    std::optional<uint32_t> current = registry_->CurrentVersion(op.collection);
    if (!current.has_value() || op.schema == *current) return std::nullopt;
    const std::string key = absl::StrCat("'", Sv(op.collection), "/", Sv(op.id), "'");
    if (op.schema == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("schema version of ", key, " must be at least 1"));
    }
    if (op.schema > *current) {
      return absl::InvalidArgumentError(absl::StrCat(
          key, " is written with schema version ", op.schema,
          ", newer than the current schema version ", *current, " of collection '",
          Sv(op.collection), "'"));
    }
    MARQUEE_ASSIGN_OR_RETURN(Record record, registry_->Upgrade(Record{.collection = op.collection,
                                                                      .id = op.id,
                                                                      .schema = op.schema,
                                                                      .body = op.body}));
    return std::optional<Json>(std::move(record.body));
  }

  // Appends op to `out`, with `body` and the current schema when given.
  void Append(const WriteBatch::Op& op, std::optional<Json> body, WriteBatch* out) const {
    const WriteCondition condition{.expected_version = op.expected_version};
    if (op.kind == WriteBatch::OpKind::kErase) {
      out->Erase(op.collection, op.id, condition);
    } else if (body.has_value()) {
      out->Put(op.collection, op.id, *std::move(body), condition,
               *registry_->CurrentVersion(op.collection));
    } else {
      out->Put(op.collection, op.id, op.body, condition, op.schema);
    }
  }

  Store* base_;
  std::shared_ptr<const SchemaRegistry> registry_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSchemaStore(
    Store* base, std::shared_ptr<const SchemaRegistry> registry) {
  if (base == nullptr) return absl::InvalidArgumentError("OpenSchemaStore needs a base store");
  if (registry == nullptr) {
    return absl::InvalidArgumentError("OpenSchemaStore needs a schema registry");
  }
  return std::unique_ptr<Store>(std::make_unique<UpgradingStore>(base, std::move(registry)));
}

}  // namespace marquee
