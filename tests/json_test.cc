// Tests for marquee/json.h: validation, error offsets, minification, limits,
// sharing, thread-safety, and a mutation fuzz against a reference validator;
// and for the fast check of minified JSON (internal/json_trusted.h), which
// must never accept what Json::Parse would not return unchanged.
#include "marquee/json.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "internal/json_trusted.h"
#include "json_reference.h"

namespace marquee {
namespace {

namespace fs = std::filesystem;

const fs::path kJsonData = fs::path(MARQUEE_TEST_DATA_DIR) / "json";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::string Message(const absl::StatusOr<Json>& result) { return Message(result.status()); }

// The byte offset in an "invalid JSON at byte N: ..." message, or -1.
long ErrorOffset(const absl::Status& status) {
  const std::string message = Message(status);
  const std::string prefix = "invalid JSON at byte ";
  if (message.rfind(prefix, 0) != 0) return -1;
  return std::stol(message.substr(prefix.size()));
}

struct MalformedCase {
  std::string file;
  long offset = 0;
  std::string reason;
};

std::vector<MalformedCase> ReadExpectations() {
  std::istringstream lines(ReadFile(kJsonData / "malformed" / "EXPECTED.tsv"));
  std::vector<MalformedCase> cases;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab1 = line.find('\t');
    const size_t tab2 = line.find('\t', tab1 + 1);
    REQUIRE(tab2 != std::string::npos);
    cases.push_back({line.substr(0, tab1), std::stol(line.substr(tab1 + 1, tab2 - tab1 - 1)),
                     line.substr(tab2 + 1)});
  }
  return cases;
}

std::vector<fs::path> ValidFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kJsonData / "valid")) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_SUITE("Json") {
  TEST_CASE("default Json is null with padding") {
    const Json json;
    CHECK(json.text() == "null");
    CHECK(json.size() == 4);
    CHECK(json.padded_bytes().capacity() >= json.size() + Json::kPadding);
  }

  TEST_CASE("Parse minifies") {
    absl::StatusOr<Json> json = Json::Parse(" { \"name\" : \"spring sale\" ,\n\t\"n\": [ 1 , 2 ] } ");
    REQUIRE(json.ok());
    CHECK(json->text() == R"({"name":"spring sale","n":[1,2]})");
  }

  TEST_CASE("Parse keeps string bytes and escapes as written") {
    absl::StatusOr<Json> json = Json::Parse(R"([ "a  b", "\u00e9", "é", "\/" ])");
    REQUIRE(json.ok());
    CHECK(json->text() == R"(["a  b","\u00e9","é","\/"])");
  }

  TEST_CASE("every malformed corpus document fails at the expected byte") {
    const std::vector<MalformedCase> cases = ReadExpectations();
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(kJsonData / "malformed")) {
      if (entry.path().extension() == ".json") ++files;
    }
    CHECK(cases.size() >= 40);
    CHECK(cases.size() == files);  // every file has an expectation
    for (const MalformedCase& c : cases) {
      CAPTURE(c.file);
      const absl::StatusOr<Json> json = Json::Parse(ReadFile(kJsonData / "malformed" / c.file));
      REQUIRE_FALSE(json.ok());
      CHECK(json.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(Message(json) ==
            "invalid JSON at byte " + std::to_string(c.offset) + ": " + c.reason);
    }
  }

  TEST_CASE("the reference validator agrees with the malformed corpus offsets") {
    // Guards the reference used by the fuzz test below: where no stage-1
    // (UTF-8 or string boundary) error is involved, both find the same byte.
    for (const MalformedCase& c : ReadExpectations()) {
      if (c.reason == "invalid UTF-8" || c.reason == "unterminated string" ||
          c.reason.rfind("control character", 0) == 0) {
        continue;
      }
      CAPTURE(c.file);
      const testing::ReferenceValidator reference(
          ReadFile(kJsonData / "malformed" / c.file), JsonLimits{}.max_depth);
      CHECK_FALSE(reference.Valid());
      CHECK(static_cast<long>(reference.error_offset()) == c.offset);
    }
  }

  TEST_CASE("every valid corpus document round-trips to its minified form") {
    const std::vector<fs::path> files = ValidFiles();
    CHECK(files.size() >= 15);
    for (const fs::path& file : files) {
      CAPTURE(file.filename().string());
      const std::string input = ReadFile(file);
      const absl::StatusOr<Json> json = Json::Parse(input);
      REQUIRE_MESSAGE(json.ok(), Message(json));
      CHECK(json->text() == testing::ReferenceMinify(input));
      const absl::StatusOr<Json> again = Json::Parse(json->text());
      REQUIRE(again.ok());
      CHECK(again->text() == json->text());
      CHECK(json->padded_bytes().capacity() >= json->size() + Json::kPadding);
    }
  }

  TEST_CASE("scalars are accepted at the top level") {
    for (const char* text : {"0", "-0", "1.5e-3", "\"\"", "\"x\"", "true", "false", "null"}) {
      CAPTURE(text);
      const absl::StatusOr<Json> json = Json::Parse(text);
      REQUIRE(json.ok());
      CHECK(json->text() == text);
    }
  }

  TEST_CASE("numbers of any magnitude are valid JSON and kept verbatim") {
    const std::string text =
        "[1e400,-1e400,1e-400,123456789012345678901234567890123456789,-0,-0.0,1E+999999999999]";
    const absl::StatusOr<Json> json = Json::Parse(text);
    REQUIRE(json.ok());
    CHECK(json->text() == text);
  }

  TEST_CASE("a surrogate pair escape is accepted, lone surrogates are rejected") {
    CHECK(Json::Parse(R"("\ud83d\ude00")").ok());
    CHECK(Json::Parse(R"("\uD83D\uDE00")").ok());
    CHECK(Message(Json::Parse(R"("\ud83d")")) ==
          "invalid JSON at byte 1: unpaired high surrogate escape");
    CHECK(Message(Json::Parse(R"("\ude00")")) ==
          "invalid JSON at byte 1: unpaired low surrogate escape");
    CHECK(Message(Json::Parse(R"("\ud83d\ud83d")")) ==
          "invalid JSON at byte 1: unpaired high surrogate escape");
  }

  TEST_CASE("duplicate keys are kept") {
    const absl::StatusOr<Json> json = Json::Parse(R"({"a": 1, "a": 2})");
    REQUIRE(json.ok());
    CHECK(json->text() == R"({"a":1,"a":2})");
  }

  TEST_CASE("depth exactly at the limit is accepted, one more is rejected") {
    const auto nested = [](int depth) {
      return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
    };
    CHECK(Json::Parse(nested(64)).ok());
    CHECK(Message(Json::Parse(nested(65))) ==
          "invalid JSON at byte 64: nesting deeper than 64 levels");
    CHECK(Json::Parse(nested(3), {.max_depth = 3}).ok());
    CHECK(Message(Json::Parse(nested(4), {.max_depth = 3})) ==
          "invalid JSON at byte 3: nesting deeper than 3 levels");
  }

  TEST_CASE("objects count toward the depth like arrays") {
    CHECK(Json::Parse(R"({"a":[{"b":1}]})", {.max_depth = 3}).ok());
    CHECK(Message(Json::Parse(R"({"a":[{"b":{}}]})", {.max_depth = 3})) ==
          "invalid JSON at byte 11: nesting deeper than 3 levels");
  }

  TEST_CASE("max_depth 0 accepts only scalars") {
    CHECK(Json::Parse("1", {.max_depth = 0}).ok());
    CHECK(Message(Json::Parse("[]", {.max_depth = 0})) ==
          "invalid JSON at byte 0: nesting deeper than 0 levels");
  }

  TEST_CASE("nesting far deeper than the C++ stack allows is handled") {
    const size_t depth = 200'000;
    const std::string text = std::string(depth, '[') + std::string(depth, ']');
    const absl::StatusOr<Json> json = Json::Parse(text, {.max_depth = 1'000'000});
    REQUIRE(json.ok());
    CHECK(json->size() == text.size());
  }

  TEST_CASE("size exactly at max_bytes is accepted, one byte more is OutOfRange") {
    const std::string text = "[1,2,3]";
    CHECK(Json::Parse(text, {.max_bytes = text.size()}).ok());
    const absl::StatusOr<Json> json = Json::Parse(text, {.max_bytes = text.size() - 1});
    CHECK(json.status().code() == absl::StatusCode::kOutOfRange);
    CHECK(Message(json) == "JSON document is 7 bytes; the limit is 6");
  }

  TEST_CASE("the size limit applies to the input, before minification") {
    const std::string text = "[1,     2]";
    CHECK(Json::Parse(text, {.max_bytes = 9}).status().code() == absl::StatusCode::kOutOfRange);
  }

  TEST_CASE("copies share their bytes") {
    const absl::StatusOr<Json> json = Json::Parse(R"({"a": [1, 2, 3]})");
    REQUIRE(json.ok());
    const Json copy = *json;
    CHECK(copy.text().data() == json->text().data());
    CHECK(copy == *json);
  }

  TEST_CASE("equality compares minified text") {
    CHECK(*Json::Parse(R"({"a":1})") == *Json::Parse(R"( { "a" : 1 } )"));
    CHECK_FALSE(*Json::Parse(R"({"a":1,"b":2})") == *Json::Parse(R"({"b":2,"a":1})"));
    CHECK(Json() == *Json::Parse("null"));
  }

  TEST_CASE("a large pretty-printed document is stored compactly") {
    std::string text = "[\n";
    for (int i = 0; i < 50'000; ++i) text += "    {\"i\": " + std::to_string(i) + "},\n";
    text += "    null\n]";
    const absl::StatusOr<Json> json = Json::Parse(text);
    REQUIRE(json.ok());
    CHECK(json->text() == testing::ReferenceMinify(text));
    CHECK(json->padded_bytes().capacity() >= json->size() + Json::kPadding);
    CHECK(json->padded_bytes().capacity() < json->size() + json->size() / 8 + 4096);
  }

  TEST_CASE("a document above the retained-buffer size can be followed by small ones") {
    const std::string big = "[\"" + std::string(3 << 20, 'x') + "\"]";
    CHECK(Json::Parse(big).ok());
    const absl::StatusOr<Json> small = Json::Parse("[true]");
    REQUIRE(small.ok());
    CHECK(small->text() == "[true]");
  }

  TEST_CASE("an error does not disturb the next Parse on the thread") {
    CHECK_FALSE(Json::Parse("[1,").ok());
    CHECK_FALSE(Json::Parse("\"abc").ok());
    const absl::StatusOr<Json> json = Json::Parse("[1]");
    REQUIRE(json.ok());
    CHECK(json->text() == "[1]");
  }

  TEST_CASE("concurrent Parse from four threads" * doctest::test_suite("concurrent")) {
    std::vector<std::string> inputs;
    for (const fs::path& file : ValidFiles()) inputs.push_back(ReadFile(file));
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < 200; ++round) {
          for (size_t i = 0; i < inputs.size(); ++i) {
            const std::string& input = inputs[(i + static_cast<size_t>(t)) % inputs.size()];
            const absl::StatusOr<Json> json = Json::Parse(input);
            if (!json.ok() || json->text() != testing::ReferenceMinify(input)) ++failures[t];
            if (Json::Parse("[1,]").ok()) ++failures[t];
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(failures == std::vector<int>(4, 0));
  }
}

TEST_SUITE("Json::FromString") {
  TEST_CASE("plain text is quoted") {
    const absl::StatusOr<Json> json = Json::FromString("spring sale");
    REQUIRE(json.ok());
    CHECK(json->text() == "\"spring sale\"");
    CHECK(json->padded_bytes().capacity() >= json->size() + Json::kPadding);
  }

  TEST_CASE("quote, backslash and short-form controls use two-character escapes") {
    const absl::StatusOr<Json> json = Json::FromString("\"\\\b\f\n\r\t");
    REQUIRE(json.ok());
    CHECK(json->text() == R"("\"\\\b\f\n\r\t")");
  }

  TEST_CASE("other control characters use \\u00XX") {
    const absl::StatusOr<Json> json = Json::FromString(std::string("\x00\x01\x1f", 3));
    REQUIRE(json.ok());
    CHECK(json->text() == R"("\u0000\u0001\u001f")");
  }

  TEST_CASE("slash, DEL and non-ASCII pass through") {
    const absl::StatusOr<Json> json = Json::FromString("a/b\x7f" "é😀");
    REQUIRE(json.ok());
    CHECK(json->text() == "\"a/b\x7f" "é😀\"");
  }

  TEST_CASE("the empty string") {
    const absl::StatusOr<Json> json = Json::FromString("");
    REQUIRE(json.ok());
    CHECK(json->text() == "\"\"");
  }

  TEST_CASE("invalid UTF-8 is rejected with its offset") {
    const absl::StatusOr<Json> json = Json::FromString("ab\xc3");
    CHECK(json.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(json) == "string is not valid UTF-8 at byte 2");
    CHECK_FALSE(Json::FromString("\xed\xa0\x80").ok());  // an encoded surrogate
  }

  TEST_CASE("the result parses back to itself") {
    std::string all_bytes;
    for (int c = 1; c < 0x80; ++c) all_bytes.push_back(static_cast<char>(c));
    const absl::StatusOr<Json> json = Json::FromString(all_bytes);
    REQUIRE(json.ok());
    const absl::StatusOr<Json> parsed = Json::Parse(json->text());
    REQUIRE(parsed.ok());
    CHECK(*parsed == *json);
  }
}

// ---- mutation fuzz ------------------------------------------------------

// Applies one random edit biased toward bytes that matter to JSON.
void Mutate(std::mt19937& rng, std::string* doc) {
  static const std::string kInteresting =
      std::string("{}[]:,\"\\ \t\n\r0123456789-+.eEtrufalsn/'u") + std::string("\x00\x1f\x7f", 3) +
      "\xc3\xa9\xff\xed\xa0\xf0";
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const size_t kind = pick(6);
  if (doc->empty()) {
    doc->push_back(kInteresting[pick(kInteresting.size())]);
    return;
  }
  const size_t at = pick(doc->size());
  switch (kind) {
    case 0:
      (*doc)[at] = static_cast<char>((*doc)[at] ^ (1 << pick(8)));
      break;
    case 1:
      (*doc)[at] = kInteresting[pick(kInteresting.size())];
      break;
    case 2:
      doc->insert(doc->begin() + static_cast<long>(at), kInteresting[pick(kInteresting.size())]);
      break;
    case 3:
      doc->erase(at, 1 + pick(4));
      break;
    case 4:
      doc->resize(at);
      break;
    default: {
      const size_t length = 1 + pick(std::min<size_t>(16, doc->size() - at));
      doc->insert(pick(doc->size()), doc->substr(at, length));
    }
  }
}

TEST_SUITE("Json fuzz") {
  TEST_CASE("20,000 mutations: no crash, accepted output re-parses to itself, and "
            "the reference validator agrees") {
    std::vector<std::string> seeds;
    for (const fs::path& file : ValidFiles()) {
      std::string text = ReadFile(file);
      if (text.size() <= 4096) seeds.push_back(std::move(text));
    }
    seeds.push_back(R"({"a":[1,-2.5e+3,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{}})");
    REQUIRE(seeds.size() > 5);
    std::mt19937 rng(20240601);
    const JsonLimits limits{.max_depth = 16};
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 20'000; ++i) {
      std::string doc = seeds[static_cast<size_t>(i) % seeds.size()];
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) Mutate(rng, &doc);
      CAPTURE(doc);
      const absl::StatusOr<Json> json = Json::Parse(doc, limits);
      const testing::ReferenceValidator reference(doc, limits.max_depth);
      REQUIRE(json.ok() == reference.Valid());
      if (json.ok()) {
        ++accepted;
        REQUIRE(json->text() == testing::ReferenceMinify(doc));
        const absl::StatusOr<Json> again = Json::Parse(json->text(), limits);
        REQUIRE(again.ok());
        REQUIRE(again->text() == json->text());
        continue;
      }
      ++rejected;
      REQUIRE(json.status().code() == absl::StatusCode::kInvalidArgument);
      const long offset = ErrorOffset(json.status());
      REQUIRE(offset >= 0);
      REQUIRE(offset <= static_cast<long>(doc.size()));
      // Stage-1 defects (UTF-8, string boundaries) are reported where they
      // are even when a structural error comes first; compare the rest.
      const std::string message = Message(json);
      const bool stage1 = message.find("invalid UTF-8") != std::string::npos ||
                          message.find("unterminated string") != std::string::npos ||
                          message.find("control character") != std::string::npos;
      if (!stage1) REQUIRE(offset == static_cast<long>(reference.error_offset()));
    }
    MESSAGE("accepted ", accepted, ", rejected ", rejected);
    CHECK(accepted > 500);
    CHECK(rejected > 500);
  }
}

TEST_SUITE("minified JSON fast path") {
  // The fast check's verdict, through the function DecodeRecord uses.
  std::optional<Json> Fast(std::string_view text, uint32_t max_depth = JsonLimits{}.max_depth) {
    return internal::ParseMinifiedJson(text, max_depth);
  }

  TEST_CASE("every valid corpus document, minified, is accepted as Parse returns it") {
    for (const fs::path& file : ValidFiles()) {
      CAPTURE(file.filename().string());
      const absl::StatusOr<Json> parsed = Json::Parse(ReadFile(file));
      REQUIRE(parsed.ok());
      const std::optional<Json> fast = Fast(parsed->text());
      REQUIRE(fast.has_value());
      CHECK(*fast == *parsed);
      CHECK(fast->padded_bytes().capacity() >= fast->size() + Json::kPadding);
    }
  }

  TEST_CASE("every malformed corpus document is refused, and so is whitespace") {
    for (const MalformedCase& c : ReadExpectations()) {
      CAPTURE(c.file);
      CHECK_FALSE(Fast(ReadFile(kJsonData / "malformed" / c.file)).has_value());
    }
    for (const char* text : {" 1", "1 ", "[1, 2]", "{\"a\" :1}", "{\"a\":\n1}", "[\t]", "\r{}"}) {
      CAPTURE(text);
      CHECK(Json::Parse(text).ok());
      CHECK_FALSE(Fast(text).has_value());
    }
  }

  TEST_CASE("tokens Parse refuses are refused") {
    const std::string nul_inside("[1,\0]", 5);
    const std::string nul_after("1\0", 2);
    for (std::string_view text :
         {std::string_view(""), std::string_view("01"), std::string_view("-"),
          std::string_view("1."), std::string_view("1e"), std::string_view("+1"), std::string_view(".5"),
          std::string_view("tru"), std::string_view("nul"), std::string_view("falsey"),
          std::string_view("\"\\ud800\""), std::string_view("\"\\udc00\""),
          std::string_view("\"\\x\""), std::string_view("\"\x01\""), std::string_view("\"\xff\""),
          std::string_view("\"\xed\xa0\x80\""), std::string_view("\"abc"), std::string_view("[1,]"),
          std::string_view("{\"a\":1,}"), std::string_view("{\"a\"}"), std::string_view("{1:2}"),
          std::string_view("[1}"), std::string_view("{\"a\":1]"), std::string_view("[]]"),
          std::string_view("{}{}"), std::string_view(nul_inside), std::string_view(nul_after)}) {
      CAPTURE(text);
      CHECK_FALSE(Json::Parse(text).ok());
      CHECK_FALSE(Fast(text).has_value());
    }
  }

  TEST_CASE("scalars, escapes, surrogate pairs and non-ASCII are accepted as written") {
    for (const char* text : {"0", "-0", "1.5e-3", "1E+400", "123456789012345678901234567890",
                             "\"\"", "true", "false", "null", "[]", "{}", "[[],{}]",
                             R"("\ud83d\ude00 \u00e9 \" \\ \/ \b \f \n \r \t")",
                             "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
                             R"({"a":{"b":[1,{"c":null}]},"a":2})"}) {
      CAPTURE(text);
      const std::optional<Json> fast = Fast(text);
      REQUIRE(fast.has_value());
      CHECK(fast->text() == text);
    }
  }

  TEST_CASE("depth up to max_depth is accepted, beyond it, or beyond 64, is left to Parse") {
    auto nested = [](int levels) {
      std::string text;
      for (int i = 0; i < levels; ++i) text += i % 2 == 0 ? "[" : "{\"k\":";
      text += "0";
      for (int i = levels - 1; i >= 0; --i) text += i % 2 == 0 ? "]" : "}";
      return text;
    };
    CHECK(Fast(nested(8), 8).has_value());
    CHECK_FALSE(Fast(nested(9), 8).has_value());
    CHECK(Fast(nested(64), 64).has_value());
    CHECK_FALSE(Fast(nested(65), 64).has_value());
    // Valid for Parse with a deeper limit, but past what the fast check tracks.
    CHECK(Json::Parse(nested(65), {.max_depth = 100}).ok());
    CHECK_FALSE(Fast(nested(65), 100).has_value());
    CHECK(Fast("1", 0).has_value());
    CHECK_FALSE(Fast("[]", 0).has_value());
  }

  TEST_CASE("20,000 mutations of minified documents: accepted means Parse returns it unchanged") {
    std::vector<std::string> seeds;
    for (const fs::path& file : ValidFiles()) {
      const std::string text = ReadFile(file);
      if (text.size() > 4096) continue;
      const absl::StatusOr<Json> json = Json::Parse(text);
      REQUIRE(json.ok());
      seeds.emplace_back(json->text());
    }
    seeds.push_back(R"({"a":[1,-2.5e+3,true,false,null,"x\u00e9\ud83d\ude00\n"],"b":{}})");
    std::mt19937 rng(20261130);
    const JsonLimits limits{.max_depth = 16};
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 20'000; ++i) {
      std::string doc = seeds[static_cast<size_t>(i) % seeds.size()];
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) Mutate(rng, &doc);
      CAPTURE(doc);
      const std::optional<Json> fast = Fast(doc, limits.max_depth);
      const absl::StatusOr<Json> parsed = Json::Parse(doc, limits);
      const bool parse_keeps_it = parsed.ok() && parsed->text() == doc;
      // Soundness: never more than Parse; completeness: never less.
      REQUIRE(fast.has_value() == parse_keeps_it);
      if (fast.has_value()) {
        REQUIRE(fast->text() == doc);
        ++accepted;
      } else {
        ++refused;
      }
    }
    MESSAGE("accepted ", accepted, ", refused ", refused);
    CHECK(accepted > 500);
    CHECK(refused > 500);
  }
}

// A default string_view has a null data(): found by the fuzz corpus replay
// under UBSan (memcpy of zero bytes from null).
TEST_CASE("Json::Parse of an empty view with a null pointer is InvalidArgument") {
  const std::string_view empty;
  REQUIRE(empty.data() == nullptr);
  absl::StatusOr<Json> json = Json::Parse(empty);
  CHECK(absl::IsInvalidArgument(json.status()));
}

}  // namespace
}  // namespace marquee
