// Uses marquee::core through the installed package only: parses JSON, writes
// a record to a memory-only store and reads it back. Exits non-zero on any
// surprise, so ctest sees it.
#include <cstdlib>
#include <iostream>

#include "marquee/marquee.h"

int main() {
  absl::StatusOr<marquee::Json> body = marquee::Json::Parse(R"({ "priority" : 5 })");
  if (!body.ok()) {
    std::cerr << "Json::Parse: " << body.status() << "\n";
    return EXIT_FAILURE;
  }

  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store = marquee::OpenMemoryStore();
  if (!store.ok()) {
    std::cerr << "OpenMemoryStore: " << store.status() << "\n";
    return EXIT_FAILURE;
  }
  marquee::WriteBatch batch;
  batch.Put("campaigns", "spring", *body, {.expected_version = 0});
  absl::StatusOr<uint64_t> version = (*store)->Write(batch);
  if (!version.ok()) {
    std::cerr << "Write: " << version.status() << "\n";
    return EXIT_FAILURE;
  }
  absl::StatusOr<marquee::Record> record = (*store)->Get("campaigns", "spring");
  if (!record.ok()) {
    std::cerr << "Get: " << record.status() << "\n";
    return EXIT_FAILURE;
  }
  if (record->version != *version || record->body.text() != R"({"priority":5})") {
    std::cerr << "unexpected record: v" << record->version << " " << record->body.text() << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "consumer: campaigns/spring v" << record->version << " " << record->body.text()
            << "\n";
  return EXIT_SUCCESS;
}
