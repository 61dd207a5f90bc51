// decide_bench: Decider::Decide for one user against 200 live campaigns with
// realistic targeting (3-8 clauses: country $in, age $gte, version $vgte, a
// regex on the browser string, device $eq, ...; a third also name
// segments), 20 features, users drawn from 10,000 profiles with a warm L1.
// Prints p50/p99 latency and decisions/s at 1 and 2 threads, and the same
// 200 campaigns' conditions evaluated by EvalCondition (interpreted, on the
// condition Values each call) as a reference (docs/benchmarks.md, "Decide").
//
//   decide_bench [seconds per measurement, default 2]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/value.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

constexpr int kCampaigns = 200;
constexpr int kSegments = 8;
constexpr int kFeatures = 20;
constexpr int kUsers = 10'000;

const char* const kCountries[] = {"FR", "DE", "US", "GB", "ES", "IT", "NL", "BE", "CA", "JP"};
const char* const kPlans[] = {"free", "basic", "pro", "team"};
const char* const kLangs[] = {"fr", "de", "en", "es", "it"};
const char* const kBrowsers[] = {
    "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"};
const char* const kPlacements[] = {"home.hero", "home.banner", "checkout", "footer", "sidebar"};

// One clause of a targeting condition, as JSON members text.
std::string Clause(std::mt19937& rng, int kind) {
  switch (kind) {
    case 0: {
      std::string list;
      for (int i = 0; i < 3; ++i) {
        absl::StrAppend(&list, i ? "," : "", "\"", kCountries[rng() % 10], "\"");
      }
      return absl::StrCat(R"("country":{"$in":[)", list, "]}");
    }
    case 1: return absl::StrCat(R"("age":{"$gte":)", 16 + rng() % 30, "}");
    case 2: return absl::StrCat(R"("appVersion":{"$vgte":"2.)", rng() % 5, ".0\"}");
    case 3: return R"("browser":{"$regex":"(Chrome|Firefox)/1[0-9]{2}"})";
    case 4: return absl::StrCat(R"("device":")", rng() % 3 ? "mobile" : "desktop", "\"");
    case 5: return absl::StrCat(R"("plan":{"$ne":")", kPlans[rng() % 4], "\"}");
    case 6: return absl::StrCat(R"("visits":{"$lt":)", 50 + rng() % 200, "}");
    default: return absl::StrCat(R"("lang":{"$in":[")", kLangs[rng() % 5], R"(","en"]})");
  }
}

std::string Condition(std::mt19937& rng, int clauses) {
  std::vector<int> kinds = {0, 1, 2, 3, 4, 5, 6, 7};
  std::shuffle(kinds.begin(), kinds.end(), rng);
  std::string out = "{";
  for (int i = 0; i < clauses; ++i) absl::StrAppend(&out, i ? "," : "", Clause(rng, kinds[i]));
  return out + "}";
}

void Put(Store& store, std::string_view collection, std::string id, const std::string& body) {
  WriteBatch batch;
  absl::StatusOr<Json> json = Json::Parse(body);
  if (!json.ok()) {
    std::fprintf(stderr, "bad JSON %s: %s\n", body.c_str(), json.status().ToString().c_str());
    std::exit(1);
  }
  batch.Put(std::string(collection), std::move(id), *json);
  if (absl::StatusOr<uint64_t> v = store.Write(batch); !v.ok()) {
    std::fprintf(stderr, "write: %s\n", v.status().ToString().c_str());
    std::exit(1);
  }
}

struct Corpus {
  std::vector<Value> campaign_conditions;                  // per campaign
  std::vector<std::vector<int>> campaign_segments;         // per campaign
  std::vector<Value> segment_conditions;
  std::vector<Value> contexts;
};

Corpus Fill(Store& store) {
  Corpus corpus;
  std::mt19937 rng(20261130);
  for (int s = 0; s < kSegments; ++s) {
    std::string cond = Condition(rng, 2);
    corpus.segment_conditions.push_back(*Value::Parse(cond));
    Put(store, "segments", absl::StrCat("seg", s),
        absl::StrCat(R"({"name":"segment )", s, R"(","condition":)", cond, "}"));
  }
  for (int c = 0; c < kCampaigns; ++c) {
    std::string cond = Condition(rng, 3 + static_cast<int>(rng() % 6));
    corpus.campaign_conditions.push_back(*Value::Parse(cond));
    std::vector<int> segs;
    std::string seg_list;
    if (c % 3 == 0) {
      segs.push_back(static_cast<int>(rng() % kSegments));
      seg_list = absl::StrCat(R"(,"segments":["seg)", segs[0], "\"]");
    }
    corpus.campaign_segments.push_back(segs);
    const int variants = 2 + static_cast<int>(rng() % 2);
    std::string vs;
    for (int v = 0; v < variants; ++v) {
      absl::StrAppend(&vs, v ? "," : "", R"({"key":"v)", v, R"(","weight":)",
                      v == 0 ? 1.0 - (variants - 1) * (1.0 / variants) : 1.0 / variants,
                      R"(,"content":{"headline":"Offer )", c, "-", v,
                      R"(","cta":"Buy now","image":"https://cdn.example.com/)", c, ".png\"}}");
    }
    Put(store, "campaigns", absl::StrCat("camp", c),
        absl::StrCat(R"({"name":"Campaign )", c, R"(","status":"live","priority":)", rng() % 100,
                     R"(,"placements":[")", kPlacements[rng() % 5], R"("],"targeting":{"condition":)",
                     cond, seg_list, R"(},"variants":[)", vs, R"(],"experiment":{"sticky":)",
                     c % 10 == 0 ? "true" : "false", "}}"));
  }
  for (int f = 0; f < kFeatures; ++f) {
    std::string def;
    switch (f % 3) {
      case 0: def = absl::StrCat(R"({"defaultValue":)", f, "}"); break;
      case 1:
        def = absl::StrCat(R"({"defaultValue":false,"rules":[{"condition":)", Condition(rng, 2),
                           R"(,"force":true}]})");
        break;
      default:
        def = absl::StrCat(R"({"defaultValue":"a","rules":[{"key":"exp)", f,
                           R"(","variations":["a","b"],"weights":[0.5,0.5],"coverage":0.8}]})");
    }
    Put(store, "features", absl::StrCat("feature", f), def);
  }
  for (int u = 0; u < kUsers; ++u) {
    Put(store, "profiles", absl::StrCat("user", u),
        absl::StrCat(R"({"attributes":{"country":")", kCountries[rng() % 10], R"(","age":)",
                     14 + rng() % 60, R"(,"plan":")", kPlans[rng() % 4], R"(","visits":)",
                     rng() % 300, R"(,"lang":")", kLangs[rng() % 5], "\"}}"));
  }
  for (int i = 0; i < 16; ++i) {
    corpus.contexts.push_back(*Value::Parse(
        absl::StrCat(R"({"browser":")", kBrowsers[i % 4], R"(","device":")",
                     i % 3 ? "mobile" : "desktop", R"(","appVersion":"2.)", i % 6, ".1\"}")));
  }
  return corpus;
}

struct Result {
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  double avg_selected = 0;
};

template <class Fn>
Result Measure(int threads, double seconds, Fn fn) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<uint32_t>> latencies(static_cast<size_t>(threads));
  std::vector<uint64_t> selected(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(t) * 7919u + 1);
      auto& lat = latencies[static_cast<size_t>(t)];
      lat.reserve(4'000'000);
      while (!stop.load(std::memory_order_relaxed)) {
        const int user = static_cast<int>(rng() % kUsers);
        const auto t0 = std::chrono::steady_clock::now();
        selected[static_cast<size_t>(t)] += fn(user, static_cast<int>(rng() % 16));
        const auto t1 = std::chrono::steady_clock::now();
        lat.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<uint32_t> all;
  uint64_t total_selected = 0;
  for (size_t t = 0; t < latencies.size(); ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    total_selected += selected[t];
  }
  std::sort(all.begin(), all.end());
  Result r;
  r.per_second = static_cast<double>(all.size()) / wall;
  r.p50_us = all[all.size() / 2] / 1000.0;
  r.p99_us = all[all.size() * 99 / 100] / 1000.0;
  r.avg_selected = static_cast<double>(total_selected) / static_cast<double>(all.size());
  return r;
}

int Main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  if (!store.ok()) return 1;
  Corpus corpus = Fill(**store);
  absl::StatusOr<std::unique_ptr<Decider>> decider = Decider::Open(store->get());
  if (!decider.ok()) {
    std::fprintf(stderr, "%s\n", decider.status().ToString().c_str());
    return 1;
  }
  Decider& d = **decider;
  auto decide = [&](int user, int context) -> uint64_t {
    absl::StatusOr<Decision> out =
        d.Decide({.user = absl::StrCat("user", user), .context = corpus.contexts[context]});
    if (!out.ok()) std::abort();
    return out->campaigns.size();
  };
  // A page view usually asks for one placement: the view's placement index
  // then leaves about a fifth of the campaigns to evaluate.
  auto decide_placement = [&](int user, int context) -> uint64_t {
    absl::StatusOr<Decision> out =
        d.Decide({.user = absl::StrCat("user", user), .context = corpus.contexts[context],
                  .placement = std::string(kPlacements[context % 5])});
    if (!out.ok()) std::abort();
    return out->campaigns.size();
  };
  // Warm the L1 (and write the sticky assignments) with every user once.
  for (int u = 0; u < kUsers; ++u) decide(u, u % 16);
  if (!d.view().WaitForVersion((*store)->CurrentVersion(), absl::Seconds(30)).ok()) return 1;
  for (int u = 0; u < kUsers; ++u) decide(u, u % 16);
  for (int u = 0; u < kUsers; ++u) decide_placement(u, u % 16);

  // The reference: the profile read as JSON text from the store's record is
  // not counted; only the interpreted evaluation of every condition.
  std::vector<Value> profiles;
  for (int u = 0; u < kUsers; ++u) {
    absl::StatusOr<Record> r = (*store)->Get("profiles", absl::StrCat("user", u));
    profiles.push_back(*Value::FromJson(r->body)->Find("attributes"));
  }
  auto interpreted = [&](int user, int context) -> uint64_t {
    std::vector<Value::Member> members(profiles[user].members().begin(),
                                       profiles[user].members().end());
    for (const auto& m : corpus.contexts[context].members()) members.push_back(m);
    members.emplace_back("id", Value::String(absl::StrCat("user", user)));
    const Value attrs = Value::Object(std::move(members));
    uint64_t n = 0;
    for (int c = 0; c < kCampaigns; ++c) {
      bool match = EvalCondition(attrs, corpus.campaign_conditions[c]);
      for (int s : corpus.campaign_segments[c]) {
        match = match && EvalCondition(attrs, corpus.segment_conditions[s]);
      }
      n += match;
    }
    return n;
  };

  std::printf("decide_bench: %d live campaigns, %d segments, %d features, %d profiles, %.1fs each\n",
              kCampaigns, kSegments, kFeatures, kUsers, seconds);
  Result one = Measure(1, seconds, decide);
  Result two = Measure(2, seconds, decide);
  Result ref = Measure(1, seconds, interpreted);
  Result one_placed = Measure(1, seconds, decide_placement);
  Result two_placed = Measure(2, seconds, decide_placement);
  auto print = [](const char* name, const Result& r) {
    std::printf("%-34s %12.0f /s   p50 %7.2f us   p99 %7.2f us   campaigns/decision %.1f\n", name,
                r.per_second, r.p50_us, r.p99_us, r.avg_selected);
  };
  print("Decide, 1 thread", one);
  print("Decide, 2 threads", two);
  print("EvalCondition interpreted, 1 thr", ref);
  print("Decide one placement, 1 thread", one_placed);
  print("Decide one placement, 2 threads", two_placed);
  std::printf("Decide / interpreted conditions (1 thread): %.2fx\n", one.per_second / ref.per_second);
  CacheStats stats = d.profile_cache_stats();
  std::printf("profile L1: hits %llu misses %llu\n", static_cast<unsigned long long>(stats.hits),
              static_cast<unsigned long long>(stats.misses));
  return 0;
}

}  // namespace
}  // namespace marquee::campaign

int main(int argc, char** argv) { return marquee::campaign::Main(argc, argv); }
