// JavaScript regular-expression syntax on RE2: each rule of the translation
// (js_regex_internal.h) checked against the answer of JavaScript's
// `new RegExp(pattern, flags).test(subject)` (answers taken from Node 20),
// through both EvalCondition and CompiledCondition; the translator's
// rejections; the known differences, pinned; hostile patterns.
#include "campaign/js_regex_internal.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign {
namespace {

using internal::TranslateJsRegex;

Value Condition(std::string_view op, std::string_view pattern) {
  return Value::Object(
      {{"s", Value::Object({{std::string(op), Value::String(std::string(pattern))}})}});
}

// {"s": {op: pattern}} on {"s": subject}, both forms, which must agree.
bool Eval(std::string_view op, std::string_view pattern, std::string_view subject) {
  Value attributes = Value::Object({{"s", Value::String(std::string(subject))}});
  Value condition = Condition(op, pattern);
  bool interpreted = EvalCondition(attributes, condition);
  absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(condition);
  REQUIRE_MESSAGE(compiled.ok(), compiled.status().ToString());
  CHECK_MESSAGE(compiled->Evaluate(attributes) == interpreted, op << " " << pattern);
  return interpreted;
}

bool Matches(std::string_view pattern, std::string_view subject, bool icase) {
  return Eval(icase ? "$regexi" : "$regex", pattern, subject);
}

using namespace std::string_view_literals;

struct JsCase {
  std::string_view pattern;
  std::string_view subject;
  bool icase;
  bool js;  // new RegExp(pattern, icase ? "i" : "").test(subject)
};

constexpr JsCase kJsCases[] = {
    {"^.$"sv, "a"sv, false, true},  // dot
    {"^.$"sv, "\012"sv, false, false},  // dot
    {"^.$"sv, "\015"sv, false, false},  // dot
    {"^.$"sv, "\u2028"sv, false, false},  // dot
    {"^.$"sv, "\u2029"sv, false, false},  // dot
    {"^.$"sv, "\u0085"sv, false, true},  // dot
    {"a.c"sv, "a\015c"sv, false, false},  // dot
    {"^\\s$"sv, "\013"sv, false, true},  // space
    {"^\\s$"sv, "\u00A0"sv, false, true},  // space
    {"^\\s$"sv, "\u1680"sv, false, true},  // space
    {"^\\s$"sv, "\u2000"sv, false, true},  // space
    {"^\\s$"sv, "\u200A"sv, false, true},  // space
    {"^\\s$"sv, "\u2028"sv, false, true},  // space
    {"^\\s$"sv, "\u202F"sv, false, true},  // space
    {"^\\s$"sv, "\u205F"sv, false, true},  // space
    {"^\\s$"sv, "\u3000"sv, false, true},  // space
    {"^\\s$"sv, "\uFEFF"sv, false, true},  // space
    {"^\\s$"sv, "\u200B"sv, false, false},  // space
    {"^\\s$"sv, "\u0085"sv, false, false},  // space
    {"^\\S$"sv, "\013"sv, false, false},  // space
    {"^\\S$"sv, "x"sv, false, true},  // space
    {"^[\\s]$"sv, "\u3000"sv, false, true},  // space
    {"^[^\\s]$"sv, "\u3000"sv, false, false},  // space
    {"^[\\S]$"sv, "\uFEFF"sv, false, false},  // space
    {"^\\s$"sv, "\013"sv, true, true},  // space
    {"^\\u00e9$"sv, "\u00E9"sv, false, true},  // escape
    {"^\\u00E9$"sv, "\u00E9"sv, false, true},  // escape
    {"^\\u00e$"sv, "u00e"sv, false, true},  // escape
    {"^\\x41$"sv, "A"sv, false, true},  // escape
    {"^\\x4$"sv, "x4"sv, false, true},  // escape
    {"^\\x4g$"sv, "x4g"sv, false, true},  // escape
    {"^\\cJ$"sv, "\012"sv, false, true},  // escape
    {"^\\cj$"sv, "\012"sv, false, true},  // escape
    {"^\\c1$"sv, "\\c1"sv, false, true},  // escape
    {"^[\\c1]$"sv, "\021"sv, false, true},  // escape
    {"^[\\c_]$"sv, "\037"sv, false, true},  // escape
    {"^\\c$"sv, "\\c"sv, false, true},  // escape
    {"^[\\c]+$"sv, "c\\"sv, false, true},  // escape
    {"^\\0$"sv, "\000"sv, false, true},  // escape
    {"^\\01$"sv, "\001"sv, false, true},  // escape
    {"^\\08$"sv, "\0008"sv, false, true},  // escape
    {"^\\1$"sv, "\001"sv, false, true},  // escape
    {"^\\18$"sv, "\0018"sv, false, true},  // escape
    {"^\\8$"sv, "8"sv, false, true},  // escape
    {"^\\377$"sv, "\u00FF"sv, false, true},  // escape
    {"^\\400$"sv, " 0"sv, false, true},  // escape
    {"^[\\1]$"sv, "\001"sv, false, true},  // escape
    {"^[\\8]$"sv, "8"sv, false, true},  // escape
    {"^\\f\\n\\r\\t\\v$"sv, "\014\012\015\011\013"sv, false, true},  // escape
    {"^\\q$"sv, "q"sv, false, true},  // escape
    {"^\\/$"sv, "/"sv, false, true},  // escape
    {"^\\a$"sv, "a"sv, false, true},  // escape
    {"^\\e$"sv, "e"sv, false, true},  // escape
    {"^\\k$"sv, "k"sv, false, true},  // escape
    {"^\\-$"sv, "-"sv, false, true},  // escape
    {"^\\\u00E9$"sv, "\u00E9"sv, false, true},  // escape
    {"^\\pL$"sv, "pL"sv, false, true},  // escape
    {"\\pL"sv, "a"sv, false, false},  // escape
    {"^\\p{L}$"sv, "p{L}"sv, false, true},  // escape
    {"^\\u{3}$"sv, "uuu"sv, false, true},  // escape
    {"(?<year>\\d{4})-(?<month>\\d\\d)"sv, "on 2024-05"sv, false, true},  // group
    {"^(?<$x_1>a)+$"sv, "aa"sv, false, true},  // group
    {"\\1(a)"sv, "a"sv, false, true},  // group
    {"(a\\1)"sv, "a"sv, false, true},  // group
    {"^(?:ab)+$"sv, "abab"sv, false, true},  // group
    {"^[^]$"sv, "\012"sv, false, true},  // class
    {"^[^]*$"sv, "a\012b\u2028"sv, false, true},  // class
    {"[]"sv, ""sv, false, false},  // class
    {"[]"sv, "a"sv, false, false},  // class
    {"a[]|b"sv, "b"sv, false, true},  // class
    {"^[]*$"sv, ""sv, false, true},  // class
    {"^[\\b]$"sv, "\010"sv, false, true},  // class
    {"\\bfoo\\b"sv, "a foo b"sv, false, true},  // class
    {"\\bfoo\\b"sv, "afoob"sv, false, false},  // class
    {"^[\\B]$"sv, "B"sv, false, true},  // class
    {"^[\\d-z]+$"sv, "1-z"sv, false, true},  // class
    {"^[a-]+$"sv, "a-"sv, false, true},  // class
    {"^[]a]$"sv, "]a"sv, false, false},  // class
    {"^[^]a]$"sv, "xa"sv, false, false},  // class
    {"^[[]$"sv, "["sv, false, true},  // class
    {"^[\\]]$"sv, "]"sv, false, true},  // class
    {"^[\\w-]+$"sv, "a_-"sv, false, true},  // class
    {"^[\\u00e0-\\u00ff]$"sv, "\u00E9"sv, false, true},  // class
    {"^[^\\W\\d]$"sv, "a"sv, false, true},  // class
    {"^[^\\W\\d]$"sv, "1"sv, false, false},  // class
    {"a{"sv, "a{"sv, false, true},  // brace
    {"^{x}$"sv, "{x}"sv, false, true},  // brace
    {"^a{1,$"sv, "a{1,"sv, false, true},  // brace
    {"^a{,5}$"sv, "a{,5}"sv, false, true},  // brace
    {"^}$"sv, "}"sv, false, true},  // brace
    {"^]$"sv, "]"sv, false, true},  // brace
    {"^a{2}$"sv, "aa"sv, false, true},  // brace
    {"^a{2,}$"sv, "aaa"sv, false, true},  // brace
    {"^a{1,2}$"sv, "aaa"sv, false, false},  // brace
    {"^a{2}{$"sv, "aa{"sv, false, true},  // brace
    {"^a{1}?$"sv, "a"sv, false, true},  // brace
    {"^{$"sv, "{"sv, false, true},  // brace
    {"^x{a}$"sv, "x{a}"sv, false, true},  // brace
    {"k"sv, "\u212A"sv, true, false},  // fold
    {"K"sv, "k"sv, true, true},  // fold
    {"\u212A"sv, "k"sv, true, false},  // fold
    {"\u212A"sv, "\u212A"sv, true, true},  // fold
    {"s"sv, "\u017F"sv, true, false},  // fold
    {"\u017F"sv, "S"sv, true, false},  // fold
    {"\u00DF"sv, "\u1E9E"sv, true, false},  // fold
    {"[a-z]"sv, "\u212A"sv, true, false},  // fold
    {"[a-z]"sv, "Q"sv, true, true},  // fold
    {"^[^k]$"sv, "K"sv, true, false},  // fold
    {"^[^k]$"sv, "\u212A"sv, true, true},  // fold
    {"\\w"sv, "\u017F"sv, true, false},  // fold
    {"^\\W$"sv, "k"sv, true, false},  // fold
    {"\u00E9"sv, "\u00C9"sv, true, true},  // fold
    {"\u03C3"sv, "\u03C2"sv, true, true},  // fold
    {"\u03A3"sv, "\u03C2"sv, true, true},  // fold
    {"\u03C9"sv, "\u2126"sv, true, false},  // fold
    {"\u00E5"sv, "\u212B"sv, true, false},  // fold
    {"\u03B8"sv, "\u03D1"sv, true, true},  // fold
    {"\u03B8"sv, "\u03F4"sv, true, false},  // fold
    {"\u00B5"sv, "\u03BC"sv, true, true},  // fold
    {"\u01C6"sv, "\u01C5"sv, true, true},  // fold
    {"\u0131"sv, "I"sv, true, false},  // fold
    {"i"sv, "\u0130"sv, true, false},  // fold
    {"\\u0430"sv, "\u0410"sv, true, true},  // fold
    {"\U00010400"sv, "\U00010428"sv, true, false},  // fold
    {"[\\u0100-\\u017f]"sv, "S"sv, true, false},  // fold
    {"^[^\\u0100-\\u017f]$"sv, "\u017F"sv, true, false},  // fold
    {"K"sv, "k"sv, false, false},  // fold
    {"\\uD83D\\uDE00"sv, "\U0001F600"sv, false, true},  // utf16
    {"^\\uD83D\\uDE00$"sv, "\U0001F600"sv, false, true},  // utf16
};

TEST_CASE("JavaScript's answers on the translation rules") {
  for (const JsCase& c : kJsCases) {
    CAPTURE(c.pattern);
    CAPTURE(c.subject);
    CAPTURE(c.icase);
    CHECK(Matches(c.pattern, c.subject, c.icase) == c.js);
    // $notRegex is the negation for every valid pattern.
    CHECK(Eval(c.icase ? "$notRegexi" : "$notRegex", c.pattern, c.subject) == !c.js);
  }
}

TEST_CASE("the translator rejects what JavaScript rejects and what RE2 cannot run") {
  struct Rejected {
    std::string_view pattern;
    std::string_view message;  // part of the Status message
  };
  constexpr Rejected kRejected[] = {
      {"(a)\\1"sv, "backreference \\1"sv},
      {"(a)(b)\\2"sv, "backreference \\2"sv},
      {"(?<n>a)\\k<n>"sv, "named backreference"sv},
      {"(?=a)"sv, "lookahead"sv},
      {"(?!a)"sv, "lookahead"sv},
      {"(?<=a)"sv, "lookbehind"sv},
      {"(?<!a)"sv, "lookbehind"sv},
      {"a**"sv, "nothing to repeat"sv},
      {"*a"sv, "nothing to repeat"sv},
      {"a|+"sv, "nothing to repeat"sv},
      {"(?)"sv, "invalid group"sv},
      {"^*"sv, "nothing to repeat"sv},
      {"\\b+"sv, "nothing to repeat"sv},
      {"{1}"sv, "nothing to repeat"sv},
      {"a{2}{3}"sv, "nothing to repeat"sv},
      {"x{2,1}"sv, "numbers out of order"sv},
      {"[b-a]"sv, "range out of order"sv},
      {"(a"sv, "missing ')'"sv},
      {"a)"sv, "unmatched ')'"sv},
      {"[a"sv, "unterminated character class"sv},
      {"a\\"sv, "\\ at end of pattern"sv},
      {"(?<1a>x)"sv, "invalid capture group name"sv},
      {"(?<>x)"sv, "invalid capture group name"sv},
      {"(?<a>x)(?<a>y)"sv, "duplicate capture group name"sv},
      {"(?<a>x)\\k"sv, "invalid named reference"sv},
      {"(?<a>x)[\\k]"sv, "invalid escape \\k"sv},
      {"(?i:a)"sv, "invalid group"sv},
      {"(?P<n>a)"sv, "invalid group"sv},  // RE2's own syntax is not JavaScript's
      {"a\xff"sv, "not valid UTF-8"sv},
      {"\xe2\x82"sv, "not valid UTF-8"sv},
  };
  for (const Rejected& r : kRejected) {
    CAPTURE(r.pattern);
    absl::StatusOr<std::string> translated = TranslateJsRegex(r.pattern, false);
    REQUIRE_FALSE(translated.ok());
    CHECK(translated.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_MESSAGE(std::string(translated.status().message()).find(r.message) !=
                      std::string::npos,
                  translated.status().message());
    // A rejected pattern evaluates as an invalid one: false, negated or not.
    CHECK_FALSE(Eval("$regex", r.pattern, "aaxy"));
    CHECK_FALSE(Eval("$notRegex", r.pattern, "aaxy"));
    CHECK_FALSE(Eval("$regexi", r.pattern, "aaxy"));
    CHECK_FALSE(Eval("$notRegexi", r.pattern, "aaxy"));
  }
  // Messages say where: the offset of the problem, in characters.
  CHECK(std::string(TranslateJsRegex("ab**", false).status().message()) ==
        "invalid regular expression: nothing to repeat (at character 3)");
}

TEST_CASE("the translation writes characters as code points") {
  CHECK(*TranslateJsRegex("abc", false) == "abc");
  CHECK(*TranslateJsRegex("\\u00e9{2}", false) == "\\x{e9}{2}");
  CHECK(*TranslateJsRegex("a{", false) == "a\\x{7b}");
  CHECK(*TranslateJsRegex("[]", false) == "[^\\x{0}-\\x{10FFFF}]");
  CHECK(*TranslateJsRegex("[^]", false) == "[\\x{0}-\\x{10ffff}]");
  CHECK(*TranslateJsRegex("(?<n>a)", false) == "(a)");
  // Case folding is spelled out, so RE2 runs case-sensitive.
  CHECK(*TranslateJsRegex("k", true) == "[\\x{4b}\\x{6b}]");
  CHECK(*TranslateJsRegex("1", true) == "1");
}

TEST_CASE("RE2's limits make some valid JavaScript patterns invalid") {
  // Counted repetition above 1000: JavaScript runs it, RE2 rejects it, so it
  // evaluates as an invalid pattern (false, negated too).
  CHECK(TranslateJsRegex("a{1001}", false).ok());
  CHECK_FALSE(Eval("$regex", "a{1001}", std::string(1001, 'a')));
  CHECK_FALSE(Eval("$notRegex", "a{1001}", "b"));
  CHECK_FALSE(Eval("$regex", "a{2,99999999999999999999}", "aa"));
  CHECK(Eval("$regex", "^a{1000}$", std::string(1000, 'a')));
  // JavaScript's "." (four line terminators excluded) is a larger RE2
  // program than RE2's own: 600 fit the memory budget, 1000 do not.
  CHECK(Eval("$regex", "^.{600}", std::string(1000, 'a')));
  CHECK_FALSE(Eval("$regex", "^.{1000}$", std::string(1000, 'a')));
  CHECK_FALSE(Eval("$notRegex", "^.{1000}$", std::string(1000, 'a')));
  CHECK(Eval("$regex", "^[^\\n]{1000}$", std::string(1000, 'a')));
  // A backreference to a group closed before it cannot be expressed.
  CHECK_FALSE(Eval("$regex", "(a)|\\1", "a"));
}

TEST_CASE("known difference: text is read as code points, not UTF-16 units") {
  // JavaScript (no "u" flag) sees a non-BMP character as two units; Marquee
  // sees one character. These pin Marquee's answers (JavaScript's differ).
  const std::string grin = "\U0001F600";
  CHECK(Eval("$regex", "^.$", grin));         // JavaScript: false
  CHECK_FALSE(Eval("$regex", "^..$", grin));  // JavaScript: true
  CHECK(Eval("$regex", "^[\\uD83D\\uDE00]$", grin));  // JavaScript: false
  CHECK_FALSE(Eval("$regex", "\\uD83D", grin));       // JavaScript: true
  // A lone surrogate (kept as its WTF-8 bytes) matches the same escape, as
  // in JavaScript.
  const std::string lone = "x\xED\xA0\x80y";
  CHECK(Eval("$regex", "^x\\uD800y$", lone));
  CHECK(Eval("$regex", "^x.y$", lone));
  CHECK(Eval("$regex", "^x[\\uD800-\\uDBFF]y$", lone));
}

double SecondsOf(const auto& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("hostile patterns are rejected or run in bounded time") {
  std::string subject(200, 'a');
  double seconds = SecondsOf([&] {
    // At the 16 KiB source cap, the expanding constructs.
    std::string dots(16 * 1024, '.');
    CHECK(TranslateJsRegex(dots, false).ok());
    CHECK_FALSE(Eval("$regex", dots, subject));  // over RE2's budget: invalid
    std::string non_spaces;  // each "\\S" is a class of 11 ranges
    while (non_spaces.size() < 16 * 1024) non_spaces += "\\S";
    absl::StatusOr<std::string> expanded = TranslateJsRegex(non_spaces, false);
    REQUIRE_FALSE(expanded.ok());
    CHECK(std::string(expanded.status().message()).find("too complex") != std::string::npos);
    CHECK_FALSE(Eval("$regex", non_spaces, subject));
    CHECK_FALSE(Eval("$notRegex", non_spaces, subject));
    std::string classes;  // case folding spells out scattered partners
    while (classes.size() + 14 <= 16 * 1024) classes += "[\\u0250-\\u02af]";
    CHECK(TranslateJsRegex(classes, true).ok());
    CHECK_FALSE(Eval("$regexi", classes, subject));
    // Deep nesting at the source cap: the translator does not recurse.
    std::string deep = std::string(8000, '(') + "a" + std::string(8000, ')');
    CHECK(Eval("$regex", deep, "a"));
    CHECK_FALSE(Eval("$regex", deep, "b"));
    std::string quantified;
    for (int i = 0; i < 3000; ++i) quantified += "(?:";
    quantified += "a";
    for (int i = 0; i < 3000; ++i) quantified += ")*";
    CHECK(Eval("$regex", quantified, "b"));  // the empty string matches

    // Many alternatives, many unmatched parentheses, a long bad escape run.
    std::string alternatives = "^(?:x";
    for (int i = 0; i < 2000; ++i) absl::StrAppend(&alternatives, "|a", i);
    alternatives += ")$";
    CHECK(Eval("$regex", alternatives, "a1999"));
    CHECK(Eval("$regexi", alternatives, "A1999"));
    CHECK_FALSE(Eval("$regex", std::string(16 * 1024, '('), "a"));
    CHECK_FALSE(Eval("$regex", std::string(16 * 1024, '\\'), "a"));
    std::string braces;
    while (braces.size() < 16 * 1024) braces += "a{1,";
    CHECK(Eval("$regex", braces, braces));  // every "{" a literal
  });
  // Well under a second in a release build; the bound leaves room for
  // sanitizers and a loaded machine while still catching a blow-up.
  CHECK(seconds < 20.0);
}

}  // namespace
}  // namespace marquee::campaign
