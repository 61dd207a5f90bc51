// A deterministic corpus of realistic campaign records for the codec
// benchmarks: minified JSON bodies of 0.5-2 KB with a name, status,
// priority, schedule, targeting (segments and conditions), 2-4 weighted
// variants with content (headline, body text, image url, call to action),
// tags, an owner and timestamps, drawn from word banks with a seeded RNG.
// Record `index` of seed `seed` is the same bytes on every run and platform
// (no std:: distributions, whose output is implementation-defined).
// Thread-safety: pure functions.
//
//   std::vector<std::string> training = marquee::bench::CampaignCorpus(1000, /*first=*/0);
//   std::vector<std::string> measured = marquee::bench::CampaignCorpus(10000, /*first=*/1000);
#ifndef MARQUEE_BENCH_CAMPAIGN_CORPUS_H_
#define MARQUEE_BENCH_CAMPAIGN_CORPUS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace marquee::bench {

inline constexpr uint64_t kDefaultCorpusSeed = 20240601;

// The minified JSON body of campaign number `index`.
std::string CampaignRecordJson(uint64_t index, uint64_t seed = kDefaultCorpusSeed);

// Records first .. first + count - 1.
std::vector<std::string> CampaignCorpus(size_t count, uint64_t first = 0,
                                        uint64_t seed = kDefaultCorpusSeed);

}  // namespace marquee::bench

#endif  // MARQUEE_BENCH_CAMPAIGN_CORPUS_H_
