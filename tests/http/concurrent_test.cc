// Api::Handle from several threads at once on one Api: readers, writers
// with If-Match and listers share it; every answer is a well-formed one and
// exactly the non-stale writes win. Run under TSan (test suite
// "concurrent").
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;

TEST_CASE("concurrent GET and PUT with If-Match and list on one Api" *
          doctest::test_suite("concurrent")) {
  ApiFixture f;
  const std::string first_etag = f.Create("spring");
  for (const char* id : {"a", "b", "c", "d"}) f.Create(id);
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::atomic<int> ok_writes{0};
  std::atomic<int> precondition_failed{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        Response got = f.Get("/v1/campaigns/spring");
        if (got.status != 200) ++unexpected;
        const std::string etag(got.headers.Get("ETag").value_or(""));
        Response put = f.SendJson(
            "PUT", "/v1/campaigns/spring",
            CampaignBody("spring", "draft", ",\"priority\":" + std::to_string(t * 1000 + i)),
            {{"If-Match", etag}});
        if (put.status == 200) {
          ++ok_writes;
        } else if (put.status == 412) {
          ++precondition_failed;
        } else {
          ++unexpected;
        }
        if (f.Get("/v1/campaigns?limit=2").status != 200) ++unexpected;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(unexpected.load() == 0);
  CHECK(ok_writes.load() + precondition_failed.load() == kThreads * kRounds);
  CHECK(ok_writes.load() >= 1);
  // Every successful PUT made exactly one new version of the campaign.
  absl::StatusOr<campaign::Campaign> now = f.repo->Get("spring");
  REQUIRE(now.ok());
  CHECK(test::Contains(f.Get("/v1/campaigns/spring").headers.Get("ETag").value_or(""),
                       std::to_string(now->version)));
  CHECK(first_etag != std::string(f.Get("/v1/campaigns/spring").headers.Get("ETag").value_or("")));
}

}  // namespace
}  // namespace marquee::http
