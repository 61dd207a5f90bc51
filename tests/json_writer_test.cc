// Tests for marquee/json_writer.h: structure, scalars, escaping, UTF-8
// handling, misuse, limits, records as JSON, and randomized round trips of
// arbitrary bytes through the writer, Json::Parse and simdjson; pages as JSON.
#include "marquee/json_writer.h"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "internal/json_text.h"
#include "internal/json_writer_escape.h"
#include "marquee/json.h"
#include "marquee/record.h"
#include "support/record_samples.h"

namespace marquee {
namespace {

using test::RecordText;
using test::SampleRecord;

constexpr JsonWriterOptions kNoAssert{.assert_on_misuse = false};

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// Writes one string value with `options` and returns the output, or the error.
absl::StatusOr<std::string> WriteString(std::string_view value,
                                        const JsonWriterOptions& options = {}) {
  std::string out;
  JsonWriter w(&out, options);
  w.String(value);
  if (absl::Status s = w.Finish(); !s.ok()) return s;
  return out;
}

// The string held by a one-string JSON document, decoded by simdjson.
std::string DecodeString(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view value;
  const auto error = parser.parse(json).get_string().get(value);
  REQUIRE_MESSAGE(error == simdjson::SUCCESS, json);
  return std::string(value);
}

// Appends the UTF-8 encoding of code point `c` (surrogates included, for
// building ill-formed input on purpose).
void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Reference for kReplace, written differently from the library: a byte
// position starts a well-formed sequence when json_text.h's checker says so;
// otherwise the maximal subpart is the longest prefix that some well-formed
// sequence begins with, found by trying completions (only the second byte of
// a sequence has a lead-dependent range, so trying every continuation byte
// there and 0x80 after it is enough).
bool IsPrefixOfWellFormed(const unsigned char* p, size_t k) {
  for (int second = 0x80; second <= 0xBF; ++second) {
    for (size_t total = 2; total <= 4; ++total) {
      if (total < k) continue;
      unsigned char candidate[4] = {0x80, 0x80, 0x80, 0x80};
      std::memcpy(candidate, p, k);
      if (k < 2) candidate[1] = static_cast<unsigned char>(second);
      if (internal::Utf8SequenceLength(candidate, candidate + total) == total) return true;
    }
  }
  return false;
}

std::string ReferenceReplace(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  std::string out;
  while (p < end) {
    const size_t length = internal::Utf8SequenceLength(p, end);
    if (length > 0) {
      out.append(reinterpret_cast<const char*>(p), length);
      p += length;
      continue;
    }
    size_t k = 1;
    while (k < 3 && p + k < end && IsPrefixOfWellFormed(p, k + 1)) ++k;
    out.append("\xEF\xBF\xBD");
    p += k;
  }
  return out;
}

TEST_SUITE("JsonWriter structure") {
  TEST_CASE("the header example writes the documented text") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("name").String("spring").Key("priority").Int(5);
    w.Key("tags").BeginArray().String("sale").String("spring").EndArray();
    w.EndObject();
    CHECK(w.Finish().ok());
    CHECK(out == R"({"name":"spring","priority":5,"tags":["sale","spring"]})");
  }

  TEST_CASE("empty and nested containers get commas only between elements") {
    std::string out;
    JsonWriter w(&out);
    w.BeginArray().BeginObject().EndObject().BeginArray().EndArray();
    w.BeginObject().Key("a").BeginArray().Int(1).BeginArray().EndArray().EndArray();
    w.Key("b").BeginObject().Key("c").Null().EndObject().EndObject().EndArray();
    REQUIRE(w.Finish().ok());
    CHECK(out == R"([{},[],{"a":[1,[]],"b":{"c":null}}])");
    const absl::StatusOr<Json> parsed = Json::Parse(out);
    REQUIRE(parsed.ok());
    CHECK(parsed->text() == out);
  }

  TEST_CASE("plain, empty and escaped keys and strings in any position") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("").String("").Key("a").String("x\ty").Key("q\"k").String("plain");
    w.Key("").Int(1).EndObject();
    REQUIRE(w.Finish().ok());
    CHECK(out == R"({"":"","a":"x\ty","q\"k":"plain","":1})");
  }

  TEST_CASE("an error message names an escaped key as written") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("a").Int(1).Key("t\"ab").String("\xFF");
    CHECK(Message(w.status()) == R"(JSON string value of member "t\"ab" is not valid UTF-8 at byte 0)");
    std::string long_key(100, 'k');
    std::string out2;
    JsonWriter w2(&out2);
    w2.BeginObject().Key(long_key).Double(std::numeric_limits<double>::infinity());
    CHECK(Message(w2.status()) ==
          "JSON has no number for +infinity of member \"" + std::string(63, 'k') + "...\"");
  }

  TEST_CASE("every kind of scalar may be the whole document") {
    auto one = [](auto write) {
      std::string out;
      JsonWriter w(&out);
      write(w);
      REQUIRE(w.Finish().ok());
      return out;
    };
    CHECK(one([](JsonWriter& w) { w.Int(-7); }) == "-7");
    CHECK(one([](JsonWriter& w) { w.Uint(7); }) == "7");
    CHECK(one([](JsonWriter& w) { w.Double(2.5); }) == "2.5");
    CHECK(one([](JsonWriter& w) { w.Bool(true); }) == "true");
    CHECK(one([](JsonWriter& w) { w.Bool(false); }) == "false");
    CHECK(one([](JsonWriter& w) { w.Null(); }) == "null");
    CHECK(one([](JsonWriter& w) { w.String(""); }) == R"("")");
  }

  TEST_CASE("what the string held before is kept") {
    std::string out = "prefix ";
    JsonWriter w(&out);
    w.BeginArray().Int(1).EndArray();
    REQUIRE(w.Finish().ok());
    CHECK(out == "prefix [1]");
  }

  TEST_CASE("Raw splices a document's minified text as one value") {
    const Json body = *Json::Parse(R"( { "a" : [ 1 , 2 ] , "b" : "x" } )");
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("body").Raw(body).Key("list").BeginArray().Raw(body).Raw(Json()).EndArray();
    w.EndObject();
    REQUIRE(w.Finish().ok());
    CHECK(out == R"({"body":{"a":[1,2],"b":"x"},"list":[{"a":[1,2],"b":"x"},null]})");
  }

  TEST_CASE("complete() and depth() follow the document") {
    std::string out;
    JsonWriter w(&out);
    CHECK_FALSE(w.complete());
    w.BeginObject().Key("a").BeginArray();
    CHECK(w.depth() == 2);
    CHECK_FALSE(w.complete());
    w.EndArray().EndObject();
    CHECK(w.depth() == 0);
    CHECK(w.complete());
  }

  TEST_CASE("Finish reports an empty or unfinished document and cuts it back") {
    std::string out = "keep";
    JsonWriter empty(&out);
    const absl::Status nothing = empty.Finish();
    CHECK(absl::IsFailedPrecondition(nothing));
    CHECK(Message(nothing).find("empty") != std::string::npos);

    JsonWriter open(&out);
    open.BeginObject().Key("a").BeginArray().Int(1);
    const absl::Status unfinished = open.Finish();
    CHECK(absl::IsFailedPrecondition(unfinished));
    CHECK(Message(unfinished).find("2 containers are still open") != std::string::npos);
    CHECK(out == "keep");
  }
}

TEST_SUITE("JsonWriter numbers") {
  TEST_CASE("integers at their limits are written exactly") {
    std::string out;
    JsonWriter w(&out);
    w.BeginArray()
        .Int(std::numeric_limits<int64_t>::min())
        .Int(std::numeric_limits<int64_t>::max())
        .Int(0)
        .Uint(std::numeric_limits<uint64_t>::max())
        .EndArray();
    REQUIRE(w.Finish().ok());
    CHECK(out == "[-9223372036854775808,9223372036854775807,0,18446744073709551615]");
    CHECK(Json::Parse(out).ok());
  }

  TEST_CASE("doubles use the shortest form, inside the JSON number grammar") {
    auto text = [](double d) {
      std::string out;
      JsonWriter w(&out);
      w.Double(d);
      REQUIRE(w.Finish().ok());
      return out;
    };
    CHECK(text(0.1) == "0.1");
    CHECK(text(1.0) == "1");
    CHECK(text(-0.0) == "-0");
    CHECK(text(1e21) == "1e+21");
    CHECK(text(1e-7) == "1e-07");
    CHECK(text(5e-324) == "5e-324");
    CHECK(text(std::numeric_limits<double>::max()) == "1.7976931348623157e+308");
    CHECK(text(-123.456) == "-123.456");
  }

  TEST_CASE("random doubles read back bit for bit and parse as JSON") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 5000; ++i) {
      double d = std::bit_cast<double>(rng());
      if (!std::isfinite(d)) continue;
      std::string out;
      JsonWriter w(&out);
      w.BeginArray().Double(d).EndArray();
      REQUIRE(w.Finish().ok());
      REQUIRE_MESSAGE(Json::Parse(out).ok(), out);
      double back = 0;
      const auto result = std::from_chars(out.data() + 1, out.data() + out.size() - 1, back);
      REQUIRE(result.ec == std::errc());
      CHECK(std::bit_cast<uint64_t>(back) == std::bit_cast<uint64_t>(d));
    }
  }

  TEST_CASE("NaN and infinities are errors naming the member, and cut the output back") {
    for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity(),
                       -std::numeric_limits<double>::infinity()}) {
      std::string out = "x";
      JsonWriter w(&out);
      w.BeginObject().Key("score").Double(bad).EndObject();
      CHECK(absl::IsInvalidArgument(w.status()));
      CHECK(Message(w.status()).find(R"(member "score")") != std::string::npos);
      CHECK(out == "x");
    }
    std::string out;
    JsonWriter w(&out);
    w.Double(std::numeric_limits<double>::quiet_NaN());
    CHECK(Message(w.status()) == "JSON has no number for NaN");
  }
}

TEST_SUITE("JsonWriter strings") {
  TEST_CASE("quote, backslash and the short-form controls use two-character escapes") {
    CHECK(*WriteString("\"\\\b\f\n\r\t") == R"("\"\\\b\f\n\r\t")");
  }

  TEST_CASE("every other control character is \\u00XX, lowercase hex") {
    for (int c = 0; c < 0x20; ++c) {
      if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') continue;
      char expected[16];
      std::snprintf(expected, sizeof expected, "\"\\u%04x\"", c);
      CHECK(*WriteString(std::string(1, static_cast<char>(c))) == expected);
    }
  }

  TEST_CASE("slash, DEL, '<' and non-ASCII pass through by default") {
    const std::string text = "a/b\x7F</script>\xC3\xA9\xE2\x80\xA8\xF0\x9F\x8E\x89";
    CHECK(*WriteString(text) == "\"" + text + "\"");
  }

  TEST_CASE("script_safe escapes '<' and U+2028 U+2029 and still decodes to the same text") {
    const std::string text = "</script><!--\xE2\x80\xA8x\xE2\x80\xA9\xE2\x80\xAA";
    const absl::StatusOr<std::string> out = WriteString(text, {.script_safe = true});
    REQUIRE(out.ok());
    CHECK(*out == R"("\u003c/script>\u003c!--\u2028x\u2029)" "\xE2\x80\xAA\"");
    CHECK(out->find('<') == std::string::npos);
    CHECK(DecodeString(*out) == text);
  }

  TEST_CASE("script_safe applies to keys and to spliced documents") {
    const Json body = *Json::Parse("{\"</b>\":\"\xE2\x80\xA8<i>\",\"n\":[1,2]}");
    std::string out;
    JsonWriter w(&out, {.script_safe = true});
    w.BeginObject().Key("<k>").Raw(body).EndObject();
    REQUIRE(w.Finish().ok());
    CHECK(out == R"({"\u003ck>":{"\u003c/b>":"\u2028\u003ci>","n":[1,2]}})");
    const absl::StatusOr<Json> parsed = Json::Parse(out);
    REQUIRE(parsed.ok());
  }

  TEST_CASE("long strings cross the eight-byte scan at every alignment") {
    for (size_t at = 0; at < 40; ++at) {
      std::string text(40, 'a');
      text[at] = '"';
      const absl::StatusOr<std::string> out = WriteString(text);
      REQUIRE(out.ok());
      CHECK(out->size() == text.size() + 3);
      CHECK(DecodeString(*out) == text);
    }
  }

  TEST_CASE("invalid UTF-8 is rejected by default with its offset, and the output is cut back") {
    std::string out = "[1]";
    JsonWriter w(&out);
    w.BeginObject().Key("id").String("ab\xFF" "cd");
    CHECK(absl::IsInvalidArgument(w.status()));
    CHECK(Message(w.status()) == R"(JSON string value of member "id" is not valid UTF-8 at byte 2)");
    CHECK(out == "[1]");
    w.EndObject();  // ignored after a failure
    CHECK(out == "[1]");
    CHECK(Message(w.Finish()) == Message(w.status()));

    std::string key_out;
    JsonWriter k(&key_out);
    k.BeginObject().Key("\xC3");
    CHECK(Message(k.status()) == "JSON object key is not valid UTF-8 at byte 0");
    CHECK(key_out.empty());

    const absl::StatusOr<std::string> top = WriteString("ok\xED\xA0\x80");
    CHECK(Message(top.status()) == "JSON string value is not valid UTF-8 at byte 2");
  }

  TEST_CASE("kReplace writes one U+FFFD per maximal ill-formed subpart (Unicode table 3-8)") {
    const JsonWriterOptions replace{.invalid_utf8 = InvalidUtf8::kReplace};
    auto replaced = [&](std::string_view in) { return DecodeString(*WriteString(in, replace)); };
    const std::string fffd = "\xEF\xBF\xBD";
    // The standard's example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
    CHECK(replaced("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64") ==
          "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d");
    CHECK(replaced("\xED\xA0\x80") == fffd + fffd + fffd);         // a surrogate
    CHECK(replaced("\xC0\xAF") == fffd + fffd);                    // overlong '/'
    CHECK(replaced("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // above U+10FFFF
    CHECK(replaced("x\xE2\x82") == "x" + fffd);                    // truncated at the end
    CHECK(replaced("\xF0\x9F\x8E") == fffd);
    CHECK(replaced("\xC3\xA9") == "\xC3\xA9");
  }
}

TEST_SUITE("JsonWriter misuse") {
  // Each misuse fails the writer with FailedPrecondition, cuts the output
  // back, and makes later calls no-ops.
  void CheckMisuse(void (*calls)(JsonWriter&), const char* expected_fragment) {
    std::string out = "kept";
    JsonWriter w(&out, kNoAssert);
    calls(w);
    CHECK(absl::IsFailedPrecondition(w.status()));
    CHECK_MESSAGE(Message(w.status()).find(expected_fragment) != std::string::npos,
                  Message(w.status()));
    CHECK(out == "kept");
    w.Null().BeginArray().EndArray();
    CHECK(out == "kept");
    CHECK_FALSE(w.complete());
  }

  TEST_CASE("a key outside an object") {
    CheckMisuse([](JsonWriter& w) { w.Key("a"); }, "Key() outside an object");
    CheckMisuse([](JsonWriter& w) { w.BeginArray().Key("a"); }, "Key() outside an object");
  }

  TEST_CASE("a value in an object without a key") {
    CheckMisuse([](JsonWriter& w) { w.BeginObject().Int(1); }, "without a Key()");
    CheckMisuse([](JsonWriter& w) { w.BeginObject().BeginArray(); }, "without a Key()");
  }

  TEST_CASE("two keys in a row, and an object closed after a key") {
    CheckMisuse([](JsonWriter& w) { w.BeginObject().Key("a").Key("b"); }, "Key() after a Key()");
    CheckMisuse([](JsonWriter& w) { w.BeginObject().Key("a").EndObject(); }, "the key has no value");
  }

  TEST_CASE("unbalanced and mismatched ends") {
    CheckMisuse([](JsonWriter& w) { w.EndObject(); }, "no open object");
    CheckMisuse([](JsonWriter& w) { w.EndArray(); }, "no open array");
    CheckMisuse([](JsonWriter& w) { w.BeginArray().EndObject(); }, "array is innermost");
    CheckMisuse([](JsonWriter& w) { w.BeginObject().EndArray(); }, "object is innermost");
    CheckMisuse([](JsonWriter& w) { w.BeginArray().EndArray().EndArray(); }, "no open array");
  }

  TEST_CASE("a second top-level value") {
    CheckMisuse([](JsonWriter& w) { w.Int(1).Int(2); }, "second top-level value");
    CheckMisuse([](JsonWriter& w) { w.BeginObject().EndObject().BeginArray(); },
                "second top-level value");
  }

  TEST_CASE("the first error sticks, Fail ignores OK and later errors") {
    std::string out;
    JsonWriter w(&out, kNoAssert);
    w.Fail(absl::OkStatus());
    CHECK(w.ok());
    w.BeginArray();
    w.Fail(absl::InternalError("first"));
    w.Fail(absl::InternalError("second"));
    w.EndObject();  // misuse, but the writer has failed already
    CHECK(Message(w.status()) == "first");
    CHECK(out.empty());
  }
}

TEST_SUITE("JsonWriter depth") {
  TEST_CASE("nesting up to max_depth is written, one more level fails") {
    std::string out;
    JsonWriter w(&out);
    for (int i = 0; i < 64; ++i) w.BeginArray();
    CHECK(w.ok());
    for (int i = 0; i < 64; ++i) w.EndArray();
    REQUIRE(w.Finish().ok());
    CHECK(Json::Parse(out).ok());  // the same limit as Parse's default

    std::string deep;
    JsonWriter d(&deep);
    for (int i = 0; i < 64; ++i) d.BeginObject().Key("k");
    d.BeginArray();
    CHECK(absl::IsInvalidArgument(d.status()));
    CHECK(Message(d.status()) == "JSON nesting deeper than 64 levels");
    CHECK(deep.empty());
  }

  TEST_CASE("max_depth 0 allows scalars only") {
    std::string out;
    JsonWriter w(&out, {.max_depth = 0});
    w.Int(3);
    CHECK(w.Finish().ok());
    std::string none;
    JsonWriter v(&none, {.max_depth = 0});
    v.BeginArray();
    CHECK(absl::IsInvalidArgument(v.status()));
  }

  TEST_CASE("a spliced document does not count toward the writer's depth") {
    std::string nested(64, '[');
    nested.append(64, ']');
    const Json deep = *Json::Parse(nested);
    std::string out;
    JsonWriter w(&out);
    w.BeginArray().Raw(deep).EndArray();
    REQUIRE(w.Finish().ok());
    CHECK(absl::IsInvalidArgument(Json::Parse(out).status()));  // 65 levels
    CHECK(Json::Parse(out, {.max_depth = 65}).ok());
  }
}

// Writes `s` as a key and a value; checks the result against what the
// options promise, with Json::Parse and simdjson as the judges.
void CheckRoundTrip(const std::string& s, const JsonWriterOptions& options) {
  std::string out;
  JsonWriter w(&out, options);
  w.BeginObject().Key(s).BeginArray().String(s).EndArray().EndObject();
  const absl::Status status = w.Finish();
  const size_t bad = internal::FindInvalidUtf8(s);
  if (options.invalid_utf8 == InvalidUtf8::kReject && bad != std::string_view::npos) {
    REQUIRE(absl::IsInvalidArgument(status));
    CHECK(Message(status) == "JSON object key is not valid UTF-8 at byte " + std::to_string(bad));
    CHECK(out.empty());
    return;
  }
  REQUIRE(status.ok());
  const absl::StatusOr<Json> parsed = Json::Parse(out);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  CHECK(parsed->text() == out);  // the writer's output is already minified
  const std::string expected = bad == std::string_view::npos ? s : ReferenceReplace(s);
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  REQUIRE(parser.parse(out).get_object().get(object) == simdjson::SUCCESS);
  size_t members = 0;
  for (auto [key, value] : object) {
    ++members;
    CHECK(key == expected);
    std::string_view element;
    REQUIRE(value.at(0).get_string().get(element) == simdjson::SUCCESS);
    CHECK(element == expected);
  }
  CHECK(members == 1);
  if (options.script_safe) {
    CHECK(out.find('<') == std::string::npos);
    CHECK(out.find("\xE2\x80\xA8") == std::string::npos);
  }
}

const JsonWriterOptions kAllOptions[] = {
    {.script_safe = false, .invalid_utf8 = InvalidUtf8::kReject},
    {.script_safe = false, .invalid_utf8 = InvalidUtf8::kReplace},
    {.script_safe = true, .invalid_utf8 = InvalidUtf8::kReject},
    {.script_safe = true, .invalid_utf8 = InvalidUtf8::kReplace},
};

TEST_SUITE("JsonWriter round trip") {
  TEST_CASE("the reference replacement agrees with the standard's example") {
    CHECK(ReferenceReplace("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64") ==
          "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD" "d");
  }

  TEST_CASE("every byte value alone under all options") {
    for (const JsonWriterOptions& options : kAllOptions) {
      for (int a = 0; a < 256; ++a) CheckRoundTrip(std::string(1, static_cast<char>(a)), options);
    }
  }

  TEST_CASE("every pair of bytes with script-safe replacement") {
    // The option set that stops at the most bytes; one set keeps the test
    // short under sanitizers (the random test below covers all four).
    for (int a = 0; a < 256; ++a) {
      for (int b = 0; b < 256; ++b) {
        CheckRoundTrip(std::string{static_cast<char>(a), static_cast<char>(b)}, kAllOptions[3]);
      }
    }
  }

  TEST_CASE("random bytes, random UTF-8 and corrupted UTF-8") {
    std::mt19937_64 rng(20240301);
    const uint32_t kEdges[] = {0x0,    0x1F,   0x22,   0x3C,    0x5C,    0x7F,     0x80,
                               0x7FF,  0x800,  0xD7FF, 0xE000,  0xFFFD,  0xFFFF,   0x10000,
                               0x2028, 0x2029, 0xFEFF, 0x1F389, 0x10FFFF};
    for (int i = 0; i < 3000; ++i) {
      std::string s;
      const size_t length = rng() % 48;
      switch (i % 3) {
        case 0:  // arbitrary bytes
          for (size_t j = 0; j < length; ++j) s.push_back(static_cast<char>(rng()));
          break;
        case 1:  // valid UTF-8: edge code points, ASCII and random scalar values
        case 2:  // the same, then corrupted
          while (s.size() < length) {
            const uint64_t r = rng();
            uint32_t c;
            if (r % 4 == 0) {
              c = kEdges[(r >> 8) % std::size(kEdges)];
            } else if (r % 4 == 1) {
              c = static_cast<uint32_t>((r >> 8) % 0x80);
            } else {
              c = static_cast<uint32_t>((r >> 8) % 0x110000);
              if (c >= 0xD800 && c <= 0xDFFF) c -= 0x800;  // no surrogates
            }
            AppendUtf8(c, &s);
          }
          if (i % 3 == 2 && !s.empty()) {
            for (uint64_t n = rng() % 3 + 1; n > 0; --n) {
              const size_t at = rng() % s.size();
              switch (rng() % 3) {
                case 0: s[at] = static_cast<char>(rng()); break;            // flip a byte
                case 1: s.erase(at, 1); break;                               // drop a byte
                default: s.insert(at, 1, static_cast<char>(0x80 | (rng() & 0x7F)));  // stray byte
              }
              if (s.empty()) break;
            }
          }
          break;
      }
      for (const JsonWriterOptions& options : kAllOptions) CheckRoundTrip(s, options);
    }
  }

  TEST_CASE("ScanUtf8 marks well-formed sequences exactly as the core checker does") {
    for (uint32_t a = 0x80; a <= 0xFF; ++a) {
      for (uint32_t b = 0; b <= 0xFF; ++b) {
        const unsigned char bytes[4] = {static_cast<unsigned char>(a), static_cast<unsigned char>(b),
                                        0x80, 0x80};
        for (size_t n = 1; n <= 4; ++n) {
          const internal::Utf8Span span = internal::ScanUtf8(bytes, bytes + n);
          const size_t core = internal::Utf8SequenceLength(bytes, bytes + n);
          CHECK(span.valid == (core != 0));
          if (span.valid) CHECK(span.length == core);
        }
      }
    }
  }
}

// The text of one timestamp as AppendRecordJson writes it.
std::string TimestampText(absl::Time t) {
  Record r = SampleRecord();
  r.created = t;
  const std::string out = RecordText(r, {.include_collection = false, .include_schema = false,
                                         .include_body = false});
  const size_t at = out.find(R"("created_at":")") + 14;
  return out.substr(at, out.find('"', at) - at);
}

TEST_SUITE("AppendRecordJson") {
  TEST_CASE("writes the documented members in order") {
    CHECK(RecordText(SampleRecord()) ==
          R"({"id":"spring","collection":"campaigns","version":"42","schema":2,)"
          R"("created_at":"2024-03-01T09:30:00.123Z","updated_at":"2024-02-29T23:59:59.999Z",)"
          R"("body":{"title":"Spring sale","priority":5}})");
  }

  TEST_CASE("members can be left out") {
    CHECK(RecordText(SampleRecord(), {.include_collection = false, .include_schema = false,
                                      .include_body = false}) ==
          R"({"id":"spring","version":"42","created_at":"2024-03-01T09:30:00.123Z",)"
          R"("updated_at":"2024-02-29T23:59:59.999Z"})");
  }

  TEST_CASE("the version is a decimal string, exact up to 2^64-1") {
    Record r = SampleRecord();
    r.version = std::numeric_limits<uint64_t>::max();
    CHECK(RecordText(r).find(R"("version":"18446744073709551615")") != std::string::npos);
    r.version = 0;
    CHECK(RecordText(r).find(R"("version":"0")") != std::string::npos);
  }

  TEST_CASE("the output parses back and appends after existing text") {
    std::string out = "[";
    REQUIRE(AppendRecordJson(SampleRecord(), &out).ok());
    out += ",";
    REQUIRE(AppendRecordJson(SampleRecord(), &out).ok());
    out += "]";
    const absl::StatusOr<Json> parsed = Json::Parse(out);
    REQUIRE(parsed.ok());
    CHECK(parsed->text() == out);
  }

  TEST_CASE("timestamps are UTC, three fractional digits, truncated toward the past") {
    CHECK(TimestampText(absl::UnixEpoch()) == "1970-01-01T00:00:00.000Z");
    CHECK(TimestampText(absl::FromUnixNanos(1'999'999)) == "1970-01-01T00:00:00.001Z");
    CHECK(TimestampText(absl::FromUnixNanos(-1)) == "1969-12-31T23:59:59.999Z");
    CHECK(TimestampText(absl::FromCivil(absl::CivilSecond(2024, 2, 29, 12, 0, 0),
                                        absl::UTCTimeZone())) == "2024-02-29T12:00:00.000Z");
    CHECK(TimestampText(absl::FromCivil(absl::CivilSecond(0, 1, 1, 0, 0, 0),
                                        absl::UTCTimeZone())) == "0000-01-01T00:00:00.000Z");
    CHECK(TimestampText(absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59),
                                        absl::UTCTimeZone()) +
                        absl::Milliseconds(999)) == "9999-12-31T23:59:59.999Z");
  }

  TEST_CASE("random timestamps agree with absl::FormatTime") {
    std::mt19937_64 rng(99);
    for (int i = 0; i < 2000; ++i) {
      // Anywhere in years 0000..9999, at nanosecond resolution.
      const int64_t seconds = static_cast<int64_t>(rng() % 315'537'897'600ULL) - 62'167'219'200;
      const absl::Time t = absl::FromUnixSeconds(seconds) + absl::Nanoseconds(rng() % 1'000'000'000);
      CHECK(TimestampText(t) == absl::FormatTime("%E4Y-%m-%d%ET%H:%M:%E3SZ", t, absl::UTCTimeZone()));
    }
  }

  TEST_CASE("a time RFC 3339 cannot write is InvalidArgument and leaves the output alone") {
    const absl::Time before_year_0 =
        absl::FromCivil(absl::CivilSecond(0, 1, 1, 0, 0, 0), absl::UTCTimeZone()) -
        absl::Milliseconds(1);
    const absl::Time year_10000 =
        absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0), absl::UTCTimeZone());
    for (absl::Time t : {before_year_0, year_10000, absl::InfiniteFuture(), absl::InfinitePast()}) {
      Record r = SampleRecord();
      r.updated = t;
      std::string out = "x";
      const absl::Status status = AppendRecordJson(r, &out);
      CHECK(absl::IsInvalidArgument(status));
      CHECK(Message(status).find("updated_at") != std::string::npos);
      CHECK(out == "x");
    }
  }

  TEST_CASE("an id that is not UTF-8 is InvalidArgument naming the member") {
    Record r = SampleRecord();
    r.id = "bad\xC0";
    std::string out = "x";
    const absl::Status status = AppendRecordJson(r, &out);
    CHECK(Message(status) == R"(JSON string value of member "id" is not valid UTF-8 at byte 3)");
    CHECK(out == "x");
  }

  TEST_CASE("script_safe escapes the body too") {
    Record r = SampleRecord();
    r.body = *Json::Parse(R"({"html":"</script><script>alert(1)</script>"})");
    const std::string out = RecordText(r, {.script_safe = true});
    CHECK(out.find('<') == std::string::npos);
    CHECK(out.find(R"("body":{"html":"\u003c/script>\u003cscript>alert(1)\u003c/script>"})") !=
          std::string::npos);
  }

  TEST_CASE("WriteRecordJson writes records as values inside a larger document") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Key("items").BeginArray();
    for (int i = 0; i < 3; ++i) WriteRecordJson(SampleRecord(), {.include_collection = false}, &w);
    w.EndArray().Key("next").Null().EndObject();
    REQUIRE(w.Finish().ok());
    simdjson::dom::parser parser;
    simdjson::dom::array items;
    REQUIRE(parser.parse(out)["items"].get_array().get(items) == simdjson::SUCCESS);
    CHECK(items.size() == 3);
    std::string_view version;
    REQUIRE(items.at(2)["version"].get_string().get(version) == simdjson::SUCCESS);
    CHECK(version == "42");
  }

  TEST_CASE("WriteRecordJson where no value may go fails the writer") {
    std::string out;
    JsonWriter w(&out, kNoAssert);
    w.BeginObject();
    WriteRecordJson(SampleRecord(), {}, &w);
    CHECK(absl::IsFailedPrecondition(w.status()));
  }
}

}  // namespace
}  // namespace marquee
