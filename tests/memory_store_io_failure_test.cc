// After a failed log write the store refuses every later write (it cannot
// know what reached the disk) while reads keep working, and nothing it
// acknowledged is lost. The failure is real: RLIMIT_FSIZE makes write(2) on
// the log fail with EFBIG once the file would grow past the limit.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>

#include <string>
#include <vector>

#include "marquee/memory_store.h"
#include "support/temp_dir.h"

namespace marquee {
namespace {

// Lowers the process' file size limit for its lifetime; SIGXFSZ is ignored
// so the failing write returns EFBIG instead of killing the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    saved_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lowered);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, saved_handler_);
  }

 private:
  rlimit saved_{};
  sighandler_t saved_handler_;
};

Json Body(int i) {
  return *Json::Parse("{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(200, 'x') + "\"}");
}

TEST_CASE("MemoryStore refuses writes after a failed log write and keeps serving reads") {
  test::TempDir dir("io-failure");
  std::vector<std::string> acknowledged;
  {
    auto store = OpenMemoryStore({.data_dir = dir.path(), .fsync = FsyncPolicy::kAlways,
                                  .snapshot_after_log_bytes = 0});
    REQUIRE(store.ok());
    for (int i = 0; i < 10; ++i) {
      WriteBatch batch;
      batch.Put("items", "before-" + std::to_string(i), Body(i));
      REQUIRE((*store)->Write(batch).ok());
      acknowledged.push_back("before-" + std::to_string(i));
    }
    absl::Status failure;
    {
      FileSizeLimit limit((*store)->stats().log_bytes + 1000);
      for (int i = 0; i < 100 && failure.ok(); ++i) {
        WriteBatch batch;
        batch.Put("items", "during-" + std::to_string(i), Body(i));
        auto version = (*store)->Write(batch);
        if (version.ok()) {
          acknowledged.push_back("during-" + std::to_string(i));
        } else {
          failure = version.status();
        }
      }
    }
    REQUIRE_FALSE(failure.ok());
    CHECK(absl::IsUnavailable(failure));

    // The limit is gone, but the store still refuses: the log's state is unknown.
    WriteBatch after;
    after.Put("items", "after", Body(0));
    auto refused = (*store)->Write(after);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == failure.code());
    CHECK(std::string(refused.status().message()).find("refuses writes") != std::string::npos);
    CHECK_FALSE((*store)->Sync().ok());
    CHECK_FALSE((*store)->Checkpoint().ok());

    for (const std::string& id : acknowledged) CHECK((*store)->Get("items", id).ok());
    CHECK(absl::IsNotFound((*store)->Get("items", "after").status()));
  }
  // A new process (here: a new open) recovers every acknowledged write.
  auto reopened = OpenMemoryStore({.data_dir = dir.path()});
  REQUIRE(reopened.ok());
  for (const std::string& id : acknowledged) CHECK((*reopened)->Get("items", id).ok());
  CHECK(absl::IsNotFound((*reopened)->Get("items", "after").status()));
  WriteBatch batch;
  batch.Put("items", "after-reopen", Body(1));
  CHECK((*reopened)->Write(batch).ok());
}

}  // namespace
}  // namespace marquee
