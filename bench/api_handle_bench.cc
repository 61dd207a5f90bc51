// api_handle_bench: the cost of marquee::http::Api::Handle alone (no
// socket, no transport) for the GET of a cached ~1 KB campaign with an API
// key, against a plain absl::flat_hash_map lookup that copies the same
// bytes, on one thread. It splits the gap of the wrk benchmark
// (docs/benchmarks.md, "HTTP") between the Api and the transport.
//
//   api_handle_bench [seconds per measurement, default 2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "marquee/campaign/campaign_repository.h"
#include "marquee/campaign/collections.h"
#include "marquee/http/api.h"
#include "marquee/http/auth.h"
#include "marquee/memory_store.h"

namespace {

constexpr char kAdminKey[] = "mq_benchbenchbenchbenchbenchbenchbenchbenchben";

template <class F>
double CallsPerSecond(double seconds, F&& call) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  size_t calls = 0;
  const auto start = Clock::now();
  while (Clock::now() < until) {
    for (int i = 0; i < 256; ++i) call();
    calls += 256;
  }
  return static_cast<double>(calls) / std::chrono::duration<double>(Clock::now() - start).count();
}

int Fail(const char* what) {
  std::fprintf(stderr, "api_handle_bench: %s\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  auto store = marquee::OpenMemoryStore({});
  if (!store.ok() || !marquee::campaign::PrepareCampaignStore(**store).ok()) return Fail("store");
  auto campaigns = marquee::campaign::CampaignRepository::Open(store->get());
  if (!campaigns.ok()) return Fail("campaigns");
  marquee::http::AuthOptions auth;
  auth.keys.push_back({.name = "admin",
                       .sha256_hex = marquee::http::HashApiKey(kAdminKey),
                       .scope = marquee::http::ApiScope::kAdmin});
  auto api = marquee::http::Api::Create({.store = store->get(), .campaigns = campaigns->get(),
                                         .auth = auth});
  if (!api.ok()) return Fail("api");

  std::string content(760, 'x');
  marquee::http::Request create{.method = "POST", .target = "/v1/campaigns"};
  create.headers.Add("Authorization", std::string("Bearer ") + kAdminKey);
  create.headers.Add("Content-Type", "application/json");
  create.body = R"({"id":"bench-1k","name":"Bench","status":"live","variants":[{"key":"a","weight":1,"content":{"text":")" +
                content + R"("}}]})";
  if ((*api)->Handle(create).status != 201) return Fail("create");

  marquee::http::Request get{.method = "GET", .target = "/v1/campaigns/bench-1k",
                             .remote_address = "127.0.0.1:40000"};
  get.headers.Add("Host", "127.0.0.1");
  get.headers.Add("Authorization", std::string("Bearer ") + kAdminKey);
  const marquee::http::Response sample = (*api)->Handle(get);
  if (sample.status != 200) return Fail("get");

  absl::flat_hash_map<std::string, std::string> map;
  map["/v1/campaigns/bench-1k"] = sample.body;
  size_t sink = 0;
  const double api_rate = CallsPerSecond(seconds, [&] { sink += (*api)->Handle(get).body.size(); });
  const double map_rate = CallsPerSecond(seconds, [&] {
    std::string copy = map.find(get.target)->second;
    sink += copy.size();
  });
  std::printf("body bytes: %zu\n", sample.body.size());
  std::printf("Api::Handle GET campaign: %.0f calls/s (%.2f us/call)\n", api_rate, 1e6 / api_rate);
  std::printf("flat_hash_map lookup + copy: %.0f calls/s (%.3f us/call)\n", map_rate, 1e6 / map_rate);
  std::printf("ratio Api / map: %.4f\n", api_rate / map_rate);
  return sink == 0 ? 1 : 0;
}
