// codec_bench: envelope encode and decode of ~1 KB campaign records against
// raw simdjson parsing of the same JSON bytes, measured in the same run
// (issue 4, bench b). bench/run_codec_bench builds it in Release and turns
// the medians into a table.
//
// Records 1000..1999 of the campaign corpus are measured; the dictionary is
// trained on records 0..999. Each iteration handles one record, cycling
// through them (PerRecord); bytes/s counts JSON bytes in every benchmark, so
// throughputs compare directly.
//   BM_SimdjsonParse   simdjson DOM parse of padded bytes plus a walk of
//                      every value: the reference a decode is held to.
//   BM_JsonParse       marquee::Json::Parse (validate + minify), for scale.
//   BM_Encode/v        Codec::Encode of the JSON text.
//   BM_DecodeRecord/v  Codec::DecodeRecord: envelope -> validated Json body,
//                      what a store read does (the bodies are minified, so
//                      this is the fast check of minified JSON, not Parse).
//   BM_Decode/v        Codec::Decode alone: envelope -> payload bytes.
// Variants v: raw (stored uncompressed), zstd, zstd_dict, zstd_dict_aes.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "campaign_corpus.h"
#include "marquee/codec.h"
#include "marquee/json.h"

namespace {

constexpr size_t kTraining = 1000;
constexpr size_t kMeasured = 1000;

const std::vector<std::string>& Records() {
  static const std::vector<std::string> records =
      marquee::bench::CampaignCorpus(kMeasured, /*first=*/kTraining);
  return records;
}

enum class Variant { kRaw, kZstd, kZstdDictionary, kZstdDictionaryAes };

void Die(const absl::Status& status) {
  std::fprintf(stderr, "codec_bench setup failed: %s\n", status.ToString().c_str());
  std::exit(1);
}

// A codec for the variant and every measured record encoded with it.
struct Setup {
  std::unique_ptr<marquee::Codec> codec;
  std::vector<std::string> envelopes;
};

const Setup& SetupFor(Variant variant) {
  static const marquee::Dictionary dictionary = [] {
    auto trained = marquee::TrainDictionary(marquee::bench::CampaignCorpus(kTraining, 0), 1);
    if (!trained.ok()) Die(trained.status());
    return *std::move(trained);
  }();
  static Setup setups[4];
  Setup& setup = setups[static_cast<int>(variant)];
  if (setup.codec != nullptr) return setup;
  marquee::CodecOptions options;
  if (variant == Variant::kRaw) options.compress_min_bytes = SIZE_MAX;
  if (variant == Variant::kZstdDictionaryAes) {
    options.keys = {{.id = 1, .key = std::string(marquee::kEncryptionKeyBytes, 'k')}};
    options.active_key_id = 1;
  }
  auto codec = marquee::Codec::Create(options);
  if (!codec.ok()) Die(codec.status());
  setup.codec = *std::move(codec);
  if (variant == Variant::kZstdDictionary || variant == Variant::kZstdDictionaryAes) {
    if (absl::Status s = setup.codec->AddDictionary("campaigns", dictionary); !s.ok()) Die(s);
  }
  for (size_t i = 0; i < Records().size(); ++i) {
    auto envelope =
        setup.codec->Encode("campaigns", Records()[i], {.schema = 1, .record_version = i + 1});
    if (!envelope.ok()) Die(envelope.status());
    setup.envelopes.push_back(*std::move(envelope));
  }
  return setup;
}

// Sums something from every value so the walk cannot be optimized away.
size_t Walk(simdjson::dom::element element) {
  switch (element.type()) {
    case simdjson::dom::element_type::ARRAY: {
      // Copied out of the result first: a range-for over value_unsafe() of a
      // temporary result would dangle.
      const simdjson::dom::array array = element.get_array().value_unsafe();
      size_t n = 1;
      for (simdjson::dom::element child : array) n += Walk(child);
      return n;
    }
    case simdjson::dom::element_type::OBJECT: {
      const simdjson::dom::object object = element.get_object().value_unsafe();
      size_t n = 1;
      for (simdjson::dom::key_value_pair field : object) {
        n += field.key.size() + Walk(field.value);
      }
      return n;
    }
    case simdjson::dom::element_type::STRING:
      return element.get_string().value_unsafe().size();
    case simdjson::dom::element_type::INT64:
      return static_cast<size_t>(element.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return static_cast<size_t>(element.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE:
      return static_cast<size_t>(element.get_double().value_unsafe());
    case simdjson::dom::element_type::BOOL:
      return element.get_bool().value_unsafe() ? 1 : 2;
    case simdjson::dom::element_type::NULL_VALUE:
      return 3;
  }
  return 0;
}

// Runs `step(i)` once per iteration for records i = 0, 1, ..., cycling, and
// counts their JSON bytes. A step that returns false stops the benchmark
// with `error`.
template <class Step>
void PerRecord(benchmark::State& state, const char* error, Step step) {
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    if (!step(i)) {
      state.SkipWithError(error);
      break;
    }
    bytes += Records()[i].size();
    if (++i == Records().size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_SimdjsonParse(benchmark::State& state) {
  std::vector<simdjson::padded_string> padded;
  for (const std::string& record : Records()) padded.emplace_back(record);
  simdjson::dom::parser parser;
  PerRecord(state, "simdjson parse failed", [&](size_t i) {
    simdjson::dom::element root;
    if (parser.parse(padded[i]).get(root) != simdjson::SUCCESS) return false;
    benchmark::DoNotOptimize(Walk(root));
    return true;
  });
}
BENCHMARK(BM_SimdjsonParse);

void BM_JsonParse(benchmark::State& state) {
  PerRecord(state, "Json::Parse failed", [&](size_t i) {
    absl::StatusOr<marquee::Json> json = marquee::Json::Parse(Records()[i]);
    if (!json.ok()) return false;
    benchmark::DoNotOptimize(json->size());
    return true;
  });
}
BENCHMARK(BM_JsonParse);

void BM_Encode(benchmark::State& state, Variant variant) {
  const Setup& setup = SetupFor(variant);
  PerRecord(state, "Encode failed", [&](size_t i) {
    absl::StatusOr<std::string> envelope =
        setup.codec->Encode("campaigns", Records()[i], {.schema = 1, .record_version = i + 1});
    if (!envelope.ok()) return false;
    benchmark::DoNotOptimize(envelope->data());
    return true;
  });
}

void BM_DecodeRecord(benchmark::State& state, Variant variant) {
  const Setup& setup = SetupFor(variant);
  PerRecord(state, "DecodeRecord failed", [&](size_t i) {
    absl::StatusOr<marquee::DecodedRecord> record = setup.codec->DecodeRecord(setup.envelopes[i]);
    if (!record.ok()) return false;
    benchmark::DoNotOptimize(record->body.size());
    return true;
  });
}

void BM_Decode(benchmark::State& state, Variant variant) {
  const Setup& setup = SetupFor(variant);
  PerRecord(state, "Decode failed", [&](size_t i) {
    absl::StatusOr<marquee::DecodedEnvelope> decoded = setup.codec->Decode(setup.envelopes[i]);
    if (!decoded.ok()) return false;
    benchmark::DoNotOptimize(decoded->payload.data());
    return true;
  });
}

BENCHMARK_CAPTURE(BM_Encode, raw, Variant::kRaw);
BENCHMARK_CAPTURE(BM_Encode, zstd, Variant::kZstd);
BENCHMARK_CAPTURE(BM_Encode, zstd_dict, Variant::kZstdDictionary);
BENCHMARK_CAPTURE(BM_Encode, zstd_dict_aes, Variant::kZstdDictionaryAes);
BENCHMARK_CAPTURE(BM_DecodeRecord, raw, Variant::kRaw);
BENCHMARK_CAPTURE(BM_DecodeRecord, zstd, Variant::kZstd);
BENCHMARK_CAPTURE(BM_DecodeRecord, zstd_dict, Variant::kZstdDictionary);
BENCHMARK_CAPTURE(BM_DecodeRecord, zstd_dict_aes, Variant::kZstdDictionaryAes);
BENCHMARK_CAPTURE(BM_Decode, raw, Variant::kRaw);
BENCHMARK_CAPTURE(BM_Decode, zstd, Variant::kZstd);
BENCHMARK_CAPTURE(BM_Decode, zstd_dict, Variant::kZstdDictionary);
BENCHMARK_CAPTURE(BM_Decode, zstd_dict_aes, Variant::kZstdDictionaryAes);

}  // namespace

BENCHMARK_MAIN();
