// examples/consumer — your program, built against an installed Marquee
// (CMakeLists.txt beside this file says how).
//
// It uses only marquee::core: a memory-only MemoryStore, a create-only
// write, a compare-and-set update at the version it read, a stale
// compare-and-set refused, and a read. Exits non-zero on any surprise, so
// ctest (tests/cmake_import) sees a broken install.
//
//   consumer
#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/status/status.h"
#include "marquee/marquee.h"

namespace {

int Fail(const char* step, const absl::Status& status) {
  std::cerr << "consumer: " << step << ": " << status << "\n";
  return EXIT_FAILURE;
}

}  // namespace

int main() {
  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store = marquee::OpenMemoryStore();
  if (!store.ok()) return Fail("OpenMemoryStore", store.status());

  // Create only: expected_version 0 means "must not exist yet".
  absl::StatusOr<marquee::Json> body = marquee::Json::Parse(R"({ "priority" : 5 })");
  if (!body.ok()) return Fail("Json::Parse", body.status());
  marquee::WriteBatch create;
  create.Put("campaigns", "spring", *body, {.expected_version = 0});
  absl::StatusOr<uint64_t> created = (*store)->Write(create);
  if (!created.ok()) return Fail("create", created.status());

  // Compare and set: the update names the version it was based on.
  absl::StatusOr<marquee::Json> raised = marquee::Json::Parse(R"({"priority":9})");
  if (!raised.ok()) return Fail("Json::Parse", raised.status());
  marquee::WriteBatch update;
  update.Put("campaigns", "spring", *raised, {.expected_version = *created});
  absl::StatusOr<uint64_t> updated = (*store)->Write(update);
  if (!updated.ok()) return Fail("compare-and-set", updated.status());

  // The same update again is stale: someone (we) moved the version on.
  absl::StatusOr<uint64_t> stale = (*store)->Write(update);
  if (stale.ok() || !absl::IsFailedPrecondition(stale.status())) {
    std::cerr << "consumer: a stale compare-and-set was not refused: "
              << (stale.ok() ? "accepted" : stale.status().ToString()) << "\n";
    return EXIT_FAILURE;
  }

  absl::StatusOr<marquee::Record> record = (*store)->Get("campaigns", "spring");
  if (!record.ok()) return Fail("Get", record.status());
  if (record->version != *updated || record->body.text() != R"({"priority":9})") {
    std::cerr << "consumer: unexpected record: v" << record->version << " "
              << record->body.text() << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "consumer: campaigns/spring v" << record->version << " " << record->body.text()
            << " (stale write refused: " << stale.status().message() << ")\n";
  return EXIT_SUCCESS;
}
