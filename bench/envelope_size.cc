// envelope_size: how big envelopes are against the JSON they hold (issue 4,
// bench c). Trains a dictionary on records 0..training-1 of the campaign
// corpus and measures records training..training+measured-1 (disjoint), as
// raw JSON, as envelopes without a dictionary and with one, and prints
// totals, medians per record and ratios as markdown. bench/run_codec_bench
// runs it.
//
//   envelope_size [--measured=10000] [--training=1000] [--dict_bytes=16384] [--level=3]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "campaign_corpus.h"
#include "marquee/codec.h"

namespace {

struct Flags {
  size_t measured = 10000;
  size_t training = 1000;
  size_t dict_bytes = size_t{16} << 10;
  int level = 3;
};

bool ParseFlag(const char* arg, const char* name, long* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  char* end = nullptr;
  *value = std::strtol(arg + n + 1, &end, 10);
  return end != arg + n + 1 && *end == '\0';
}

double Median(std::vector<size_t> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1
             ? static_cast<double>(values[n / 2])
             : (static_cast<double>(values[n / 2 - 1]) + static_cast<double>(values[n / 2])) / 2;
}

bool RoundTrips(const marquee::Codec& codec, const std::string& envelope, const std::string& json) {
  absl::StatusOr<marquee::DecodedEnvelope> decoded = codec.Decode(envelope);
  return decoded.ok() && decoded->payload == json;
}

size_t Sum(const std::vector<size_t>& values) {
  size_t total = 0;
  for (size_t v : values) total += v;
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    long value = 0;
    if (ParseFlag(argv[i], "--measured", &value) && value > 0) {
      flags.measured = static_cast<size_t>(value);
    } else if (ParseFlag(argv[i], "--training", &value) && value > 0) {
      flags.training = static_cast<size_t>(value);
    } else if (ParseFlag(argv[i], "--dict_bytes", &value) && value > 0) {
      flags.dict_bytes = static_cast<size_t>(value);
    } else if (ParseFlag(argv[i], "--level", &value)) {
      flags.level = static_cast<int>(value);
    } else {
      std::fprintf(stderr,
                   "usage: envelope_size [--measured=N] [--training=N] [--dict_bytes=N] "
                   "[--level=N]\n");
      return 2;
    }
  }

  const std::vector<std::string> training = marquee::bench::CampaignCorpus(flags.training, 0);
  const std::vector<std::string> measured =
      marquee::bench::CampaignCorpus(flags.measured, flags.training);

  absl::StatusOr<marquee::Dictionary> dictionary =
      marquee::TrainDictionary(training, /*id=*/1, flags.dict_bytes);
  if (!dictionary.ok()) {
    std::fprintf(stderr, "training failed: %s\n", dictionary.status().ToString().c_str());
    return 1;
  }
  auto plain = marquee::Codec::Create({.compression_level = flags.level});
  auto with_dictionary = marquee::Codec::Create({.compression_level = flags.level});
  if (!plain.ok() || !with_dictionary.ok()) {
    std::fprintf(stderr, "codec: %s\n", plain.status().ToString().c_str());
    return 1;
  }
  const size_t dictionary_bytes = dictionary->bytes.size();
  if (absl::Status s = (*with_dictionary)->AddDictionary("campaigns", *std::move(dictionary));
      !s.ok()) {
    std::fprintf(stderr, "AddDictionary: %s\n", s.ToString().c_str());
    return 1;
  }

  std::vector<size_t> json_sizes, plain_sizes, dict_sizes;
  for (size_t i = 0; i < measured.size(); ++i) {
    const marquee::EnvelopeMeta meta{.schema = 1, .record_version = 1000000 + i};
    auto a = (*plain)->Encode("campaigns", measured[i], meta);
    auto b = (*with_dictionary)->Encode("campaigns", measured[i], meta);
    // Round trip every envelope: a size is only worth reporting if it decodes.
    const bool round_trips = a.ok() && b.ok() && RoundTrips(**plain, *a, measured[i]) &&
                             RoundTrips(**with_dictionary, *b, measured[i]);
    if (!round_trips) {
      std::fprintf(stderr, "record %zu did not round trip\n", i);
      return 1;
    }
    json_sizes.push_back(measured[i].size());
    plain_sizes.push_back(a->size());
    dict_sizes.push_back(b->size());
  }

  const double json_total = static_cast<double>(Sum(json_sizes));
  const double json_median = Median(json_sizes);
  std::printf(
      "corpus: %zu measured records (%zu..%zu), dictionary trained on records 0..%zu "
      "(disjoint); dictionary %zu bytes; zstd level %d\n",
      measured.size(), flags.training, flags.training + measured.size() - 1, flags.training - 1,
      dictionary_bytes, flags.level);
  std::printf("JSON record size: min %zu, median %.0f, max %zu bytes\n\n",
              *std::min_element(json_sizes.begin(), json_sizes.end()), json_median,
              *std::max_element(json_sizes.begin(), json_sizes.end()));
  std::printf("| form | total bytes | median bytes/record | total / JSON | median / JSON |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  auto row = [&](const char* name, const std::vector<size_t>& sizes) {
    const double total = static_cast<double>(Sum(sizes));
    const double median = Median(sizes);
    std::printf("| %s | %.0f | %.0f | %.3fx | %.3fx |\n", name, total, median, total / json_total,
                median / json_median);
  };
  row("JSON (minified)", json_sizes);
  row("envelope, zstd, no dictionary", plain_sizes);
  row("envelope, zstd + dictionary", dict_sizes);
  const double ratio = static_cast<double>(Sum(dict_sizes)) / json_total;
  std::printf("\nTarget: envelope with dictionary <= 0.35x JSON (total): %.3fx %s\n", ratio,
              ratio <= 0.35 ? "MET" : "NOT MET");
  return 0;
}
