// examples/embedded — Marquee as a library inside your own program.
//
// Opens a durable MemoryStore in the directory given on the command line,
// writes three campaigns in one atomic batch, updates one with a
// compare-and-set (CAS), shows a stale CAS being refused, reads a record and
// scans an index, printing each step. Run it twice on the same directory: the
// second run recovers the campaigns from disk, so its create-only batch is
// refused and the CAS moves the recovered record on.
//
//   embedded /tmp/marquee-data
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "marquee/marquee.h"

namespace {

void PrintRecord(const marquee::Record& record) {
  std::cout << "  " << record.collection << "/" << record.id << "  v" << record.version
            << "  updated " << absl::FormatTime(absl::RFC3339_sec, record.updated,
                                                absl::UTCTimeZone())
            << "  " << record.body.text() << "\n";
}

int Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "error: " << what << ": " << status << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " DATA_DIR\n";
    return 2;
  }

  // 1. Open the store. Every write is fsynced before it is acknowledged
  //    (kAlways); indexes given here are built once, during recovery.
  const marquee::IndexSpec by_priority{
      .collection = "campaigns",
      .name = "by_priority",
      .fields = {{.pointer = "/priority", .order = marquee::SortOrder::kDescending}}};
  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> opened =
      marquee::OpenMemoryStore({.data_dir = argv[1],
                                .fsync = marquee::FsyncPolicy::kAlways,
                                .indexes = {by_priority}});
  if (!opened.ok()) return Fail("open", opened.status());
  marquee::MemoryStore& store = **opened;

  const marquee::RecoveryReport& recovery = store.recovery();
  std::cout << "1. opened " << argv[1] << "\n"
            << "   recovery: snapshot v" << recovery.snapshot_version << ", replayed "
            << recovery.replayed_batches << " log batches, truncated "
            << recovery.truncated_bytes << " torn bytes\n";
  for (const std::string& note : recovery.notes) std::cout << "   note: " << note << "\n";
  std::cout << "   recovered " << store.stats().records << " records, store at version "
            << store.CurrentVersion() << "\n";

  // 2. Three campaigns in one atomic batch. expected_version 0 means "must
  //    not exist yet", so the batch is create-only: all three or none.
  struct Seed {
    const char* id;
    const char* body;
  };
  const Seed seeds[] = {
      {"spring", R"({"name": "Spring sale", "priority": 5})"},
      {"summer", R"({"name": "Summer launch", "priority": 7})"},
      {"autumn", R"({"name": "Autumn clearance", "priority": 3})"},
  };
  marquee::WriteBatch batch;
  for (const Seed& seed : seeds) {
    absl::StatusOr<marquee::Json> body = marquee::Json::Parse(seed.body);
    if (!body.ok()) return Fail("parse", body.status());
    batch.Put("campaigns", seed.id, *body, {.expected_version = 0});
  }
  absl::StatusOr<uint64_t> created = store.Write(batch);
  if (created.ok()) {
    std::cout << "2. created 3 campaigns in one batch at version " << *created << "\n";
  } else if (absl::IsFailedPrecondition(created.status())) {
    std::cout << "2. create-only batch refused, nothing written (the campaigns were "
                 "recovered from an earlier run):\n   "
              << created.status() << "\n";
  } else {
    return Fail("create campaigns", created.status());
  }

  // 3. Read-modify-write with a CAS: the write holds only if the record is
  //    still at the version we read.
  absl::StatusOr<marquee::Record> summer = store.Get("campaigns", "summer");
  if (!summer.ok()) return Fail("get campaigns/summer", summer.status());
  absl::StatusOr<marquee::IndexValue> priority = marquee::ValueAt(summer->body, "/priority");
  if (!priority.ok()) return Fail("read /priority", priority.status());
  const auto new_priority = static_cast<int64_t>(priority->number()) + 10;
  absl::StatusOr<marquee::Json> new_body = marquee::Json::Parse(
      absl::StrCat(R"({"name": "Summer launch", "priority": )", new_priority, "}"));
  if (!new_body.ok()) return Fail("parse", new_body.status());

  marquee::WriteBatch update;
  update.Put("campaigns", "summer", *new_body, {.expected_version = summer->version});
  absl::StatusOr<uint64_t> updated = store.Write(update);
  if (!updated.ok()) return Fail("CAS update of campaigns/summer", updated.status());
  std::cout << "3. CAS update of campaigns/summer (expected v" << summer->version
            << "): priority " << new_priority << ", committed at version " << *updated << "\n";

  // 4. The same CAS again: the record has moved past the version it expects,
  //    so the store refuses it with FailedPrecondition and writes nothing.
  absl::StatusOr<uint64_t> stale = store.Write(update);
  if (stale.ok()) {
    std::cerr << "error: a stale CAS was accepted at version " << *stale << "\n";
    return 1;
  }
  if (!absl::IsFailedPrecondition(stale.status())) return Fail("stale CAS", stale.status());
  std::cout << "4. stale CAS (expected v" << summer->version << ") refused:\n   "
            << stale.status() << "\n";

  // 5. A point read.
  absl::StatusOr<marquee::Record> current = store.Get("campaigns", "summer");
  if (!current.ok()) return Fail("get campaigns/summer", current.status());
  std::cout << "5. get campaigns/summer:\n";
  PrintRecord(*current);

  // 6. An ordered scan over the secondary index, highest priority first.
  absl::StatusOr<marquee::ScanResult> page =
      store.Scan({.collection = "campaigns", .index = "by_priority", .limit = 10});
  if (!page.ok()) return Fail("scan campaigns/by_priority", page.status());
  std::cout << "6. scan campaigns/by_priority (" << page->records.size() << " rows):\n";
  for (const marquee::Record& record : page->records) PrintRecord(record);

  const marquee::MemoryStoreStats stats = store.stats();
  std::cout << "done: " << stats.records << " records at version " << stats.version << ", "
            << stats.fsyncs << " fsyncs, " << stats.group_commits << " group commits, "
            << stats.log_bytes << " log bytes\n";
  return 0;  // Destroying the store syncs the log and releases the lock file.
}
