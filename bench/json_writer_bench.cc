// JSON output cost: AppendRecordJson of a ~1 KB campaign record, and the
// same document written field by field through a JsonWriter, against two
// references on the same output bytes: copying them (the memcpy ceiling of
// any serializer) and parsing them with simdjson (DOM) and Json::Parse.
// Bytes per second are of the JSON text produced or consumed.
//
//   cmake --build <release-dir> --target json_writer_bench
//   <release-dir>/bench/json_writer_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "marquee/json.h"
#include "marquee/json_writer.h"
#include "marquee/record.h"

namespace {

struct Variant {
  std::string key;
  int weight;
  std::string headline;
  std::string body;
  std::string cta;
};

// A campaign as a host application holds it, before it is JSON.
struct Campaign {
  std::string title = "Spring sale: 20% off every garden item";
  std::string description =
      "Our yearly spring event. Every garden tool, planter and seed pack is 20% off "
      "until the end of March; members get free delivery on orders over 50 EUR.";
  std::string status = "active";
  int64_t priority = 5;
  std::string start = "2024-03-01T00:00:00Z";
  std::string end = "2024-03-31T23:59:59Z";
  std::vector<std::string> countries = {"DE", "AT", "CH", "FR", "NL", "BE"};
  std::vector<std::string> segments = {"garden-lovers", "members", "newsletter-optin"};
  double budget = 12500.5;
  bool exclusive = false;
  std::vector<Variant> variants = {
      {"control", 50, "Spring is here", "Everything for your garden, 20% off until 31 March.",
       "Shop now"},
      {"urgency", 25, "Only 10 days left", "Spring sale ends soon: 20% off garden items.",
       "Get the deal"},
      {"members", 25, "Members save more", "Free delivery over 50 EUR, plus 20% off.",
       "Sign in"},
  };
};

void WriteCampaign(const Campaign& c, marquee::JsonWriter* w) {
  w->BeginObject();
  w->Key("title").String(c.title);
  w->Key("description").String(c.description);
  w->Key("status").String(c.status);
  w->Key("priority").Int(c.priority);
  w->Key("schedule").BeginObject().Key("start").String(c.start).Key("end").String(c.end).EndObject();
  w->Key("targeting").BeginObject().Key("countries").BeginArray();
  for (const std::string& country : c.countries) w->String(country);
  w->EndArray().Key("segments").BeginArray();
  for (const std::string& segment : c.segments) w->String(segment);
  w->EndArray().EndObject();
  w->Key("budget").Double(c.budget);
  w->Key("exclusive").Bool(c.exclusive);
  w->Key("variants").BeginArray();
  for (const Variant& v : c.variants) {
    w->BeginObject().Key("key").String(v.key).Key("weight").Int(v.weight);
    w->Key("content").BeginObject().Key("headline").String(v.headline);
    w->Key("body").String(v.body).Key("cta").String(v.cta).EndObject().EndObject();
  }
  w->EndArray();
  w->EndObject();
}

marquee::Record CampaignRecord() {
  std::string body;
  marquee::JsonWriter w(&body);
  WriteCampaign(Campaign(), &w);
  if (!w.Finish().ok()) std::abort();
  marquee::Record r;
  r.collection = "campaigns";
  r.id = "spring-sale-2024";
  r.version = 1'234'567;
  r.schema = 2;
  r.created = absl::FromUnixMillis(1'706'745'600'000);
  r.updated = absl::FromUnixMillis(1'709'285'400'123);
  r.body = *marquee::Json::Parse(body);
  return r;
}

// The bytes every benchmark below works on: one record as AppendRecordJson
// writes it.
const std::string& RecordText() {
  static const std::string* text = [] {
    auto* out = new std::string;
    if (!marquee::AppendRecordJson(CampaignRecord(), out).ok()) std::abort();
    return out;
  }();
  return *text;
}

void BM_AppendRecordJson(benchmark::State& state) {
  const marquee::Record record = CampaignRecord();
  std::string out;
  for (auto _ : state) {
    out.clear();
    if (!marquee::AppendRecordJson(record, &out).ok()) state.SkipWithError("write failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_AppendRecordJson);

// The body written value by value from C++ data: the writer's own cost,
// escaping scans and number formatting included (AppendRecordJson mostly
// splices the stored body).
void BM_JsonWriterCampaign(benchmark::State& state) {
  const Campaign campaign;
  std::string out;
  for (auto _ : state) {
    out.clear();
    marquee::JsonWriter w(&out);
    WriteCampaign(campaign, &w);
    if (!w.Finish().ok()) state.SkipWithError("write failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_JsonWriterCampaign);

void BM_CopySameBytes(benchmark::State& state) {
  const std::string& text = RecordText();
  std::string out;
  for (auto _ : state) {
    out.clear();
    out.append(text);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_CopySameBytes);

void BM_SimdjsonDomParse(benchmark::State& state) {
  const simdjson::padded_string text(RecordText());
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(text).get(doc) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_SimdjsonDomParse);

// Marquee's validating parse (simdjson on-demand walk, minify, allocation).
void BM_JsonParse(benchmark::State& state) {
  const std::string& text = RecordText();
  for (auto _ : state) {
    absl::StatusOr<marquee::Json> json = marquee::Json::Parse(text);
    if (!json.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_JsonParse);

}  // namespace

BENCHMARK_MAIN();
