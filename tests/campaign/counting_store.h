// A Store that forwards to another and counts the reads made through it,
// so a test can prove a hot path reads nothing. Watch passes through.
#ifndef MARQUEE_TESTS_CAMPAIGN_COUNTING_STORE_H_
#define MARQUEE_TESTS_CAMPAIGN_COUNTING_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <string_view>
#include <vector>

#include "marquee/store.h"

namespace marquee::campaign {

class CountingStore final : public Store {
 public:
  explicit CountingStore(Store* inner) : inner_(inner) {}

  uint64_t gets() const { return gets_.load(); }
  uint64_t scans() const { return scans_.load(); }
  uint64_t writes() const { return writes_.load(); }
  uint64_t reads() const { return gets() + scans(); }

  absl::Status DefineIndex(const IndexSpec& spec) override { return inner_->DefineIndex(spec); }
  std::vector<IndexSpec> Indexes(std::string_view collection) const override {
    return inner_->Indexes(collection);
  }
  absl::StatusOr<Record> Get(std::string_view collection, std::string_view id) const override {
    gets_.fetch_add(1);
    return inner_->Get(collection, id);
  }
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options = {}) override {
    writes_.fetch_add(1);
    return inner_->Write(batch, options);
  }
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override {
    scans_.fetch_add(1);
    return inner_->Scan(request);
  }
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after_version,
                                                      WatchHandler handler) override {
    return inner_->Watch(after_version, std::move(handler));
  }
  uint64_t CurrentVersion() const override { return inner_->CurrentVersion(); }

 private:
  Store* inner_;
  mutable std::atomic<uint64_t> gets_{0};
  mutable std::atomic<uint64_t> scans_{0};
  std::atomic<uint64_t> writes_{0};
};

}  // namespace marquee::campaign

#endif  // MARQUEE_TESTS_CAMPAIGN_COUNTING_STORE_H_
