// Translation of JavaScript regular expressions to RE2 (see js_regex_internal.h).
//
// The translator walks the pattern once, left to right, keeping only what
// JavaScript's grammar needs to reject a pattern (group depth, whether the
// last term can take a quantifier, the number of capturing groups). It never
// recurses, so deeply nested groups cost no stack (RE2 walks its parse tree
// with an explicit stack too). Every character and class is written out as
// \x{...} code points, so nothing in the output depends on RE2's own escape
// rules or its case folding.
#include "campaign/js_regex_internal.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"

namespace marquee::campaign::internal {
namespace {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;
// Counted repetitions above RE2's limit (1000) are all written as this, so a
// pattern like "a{99999999}" stays short and RE2 rejects it as too large.
constexpr uint64_t kRepeatClamp = 1001;
constexpr uint64_t kSaturate = uint64_t{1} << 40;

struct CodeRange {
  uint32_t lo, hi;
};
using CodeSet = std::vector<CodeRange>;

void Normalize(CodeSet* set) {
  std::sort(set->begin(), set->end(),
            [](const CodeRange& a, const CodeRange& b) { return a.lo < b.lo; });
  CodeSet merged;
  for (const CodeRange& r : *set) {
    if (!merged.empty() && r.lo <= merged.back().hi + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  *set = std::move(merged);
}

// REQUIRES: `set` normalized.
CodeSet Complement(const CodeSet& set) {
  CodeSet out;
  uint32_t next = 0;
  for (const CodeRange& r : set) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) out.push_back({next, kMaxCodePoint});
  return out;
}

// ---- JavaScript's non-unicode case folding --------------------------------
//
// With "i" and without "u", JavaScript compares Canonicalize(unit):
// toUpperCase of the single UTF-16 unit, kept only when it is one unit and
// does not turn a non-ASCII unit into an ASCII one. So "k" does not match
// the Kelvin sign, "s" not "ſ", "ß" not "ẞ", and characters outside the BMP
// (two units) never fold. RE2's Unicode folding differs on all of these, so
// the translation spells out each literal's equivalents itself.
//
// Equal-canonical groups of BMP units, as runs of pairs (first member,
// first member + delta) for first = lo, lo + stride, ..., hi. Generated from
// V8 (Node 20: String.prototype.toUpperCase over every BMP unit, grouped by
// the canonical unit, each pair checked with new RegExp(.., "i")).
struct FoldRun {
  uint32_t lo, hi;
  int32_t delta;
  uint32_t stride;
};
constexpr FoldRun kFoldRuns[] = {
    {0x0041, 0x005A, 32, 1}, {0x00B5, 0x00B5, 743, 1}, {0x00B5, 0x00B5, 775, 1}, {0x00C0, 0x00D6, 32, 1},
    {0x00D8, 0x00DE, 32, 1}, {0x00FF, 0x00FF, 121, 1}, {0x0100, 0x012E, 1, 2}, {0x0132, 0x0136, 1, 2},
    {0x0139, 0x0147, 1, 2}, {0x014A, 0x0176, 1, 2}, {0x0179, 0x017D, 1, 2}, {0x0180, 0x0180, 195, 1},
    {0x0181, 0x0181, 210, 1}, {0x0182, 0x0184, 1, 2}, {0x0186, 0x0186, 206, 1}, {0x0187, 0x0187, 1, 1},
    {0x0189, 0x018A, 205, 1}, {0x018B, 0x018B, 1, 1}, {0x018E, 0x018E, 79, 1}, {0x018F, 0x018F, 202, 1},
    {0x0190, 0x0190, 203, 1}, {0x0191, 0x0191, 1, 1}, {0x0193, 0x0193, 205, 1}, {0x0194, 0x0194, 207, 1},
    {0x0195, 0x0195, 97, 1}, {0x0196, 0x0196, 211, 1}, {0x0197, 0x0197, 209, 1}, {0x0198, 0x0198, 1, 1},
    {0x019A, 0x019A, 163, 1}, {0x019B, 0x019B, 42561, 1}, {0x019C, 0x019C, 211, 1}, {0x019D, 0x019D, 213, 1},
    {0x019E, 0x019E, 130, 1}, {0x019F, 0x019F, 214, 1}, {0x01A0, 0x01A4, 1, 2}, {0x01A6, 0x01A6, 218, 1},
    {0x01A7, 0x01A7, 1, 1}, {0x01A9, 0x01A9, 218, 1}, {0x01AC, 0x01AC, 1, 1}, {0x01AE, 0x01AE, 218, 1},
    {0x01AF, 0x01AF, 1, 1}, {0x01B1, 0x01B2, 217, 1}, {0x01B3, 0x01B5, 1, 2}, {0x01B7, 0x01B7, 219, 1},
    {0x01B8, 0x01BC, 1, 4}, {0x01BF, 0x01BF, 56, 1}, {0x01C4, 0x01C4, 1, 1}, {0x01C4, 0x01C4, 2, 1},
    {0x01C7, 0x01C7, 1, 1}, {0x01C7, 0x01C7, 2, 1}, {0x01CA, 0x01CA, 1, 1}, {0x01CA, 0x01CA, 2, 1},
    {0x01CD, 0x01DB, 1, 2}, {0x01DE, 0x01EE, 1, 2}, {0x01F1, 0x01F1, 1, 1}, {0x01F1, 0x01F1, 2, 1},
    {0x01F4, 0x01F8, 1, 4}, {0x01FA, 0x021E, 1, 2}, {0x0222, 0x0232, 1, 2}, {0x023A, 0x023A, 10795, 1},
    {0x023B, 0x023B, 1, 1}, {0x023E, 0x023E, 10792, 1}, {0x023F, 0x0240, 10815, 1}, {0x0241, 0x0241, 1, 1},
    {0x0244, 0x0244, 69, 1}, {0x0245, 0x0245, 71, 1}, {0x0246, 0x024E, 1, 2}, {0x0250, 0x0250, 10783, 1},
    {0x0251, 0x0251, 10780, 1}, {0x0252, 0x0252, 10782, 1}, {0x025C, 0x025C, 42319, 1}, {0x0261, 0x0261, 42315, 1},
    {0x0264, 0x0264, 42343, 1}, {0x0265, 0x0265, 42280, 1}, {0x0266, 0x026A, 42308, 4}, {0x026B, 0x026B, 10743, 1},
    {0x026C, 0x026C, 42305, 1}, {0x0271, 0x0271, 10749, 1}, {0x027D, 0x027D, 10727, 1}, {0x0282, 0x0282, 42307, 1},
    {0x0287, 0x0287, 42282, 1}, {0x029D, 0x029D, 42261, 1}, {0x029E, 0x029E, 42258, 1}, {0x0345, 0x0345, 84, 1},
    {0x0345, 0x0345, 116, 1}, {0x0345, 0x0345, 7289, 1}, {0x0370, 0x0372, 1, 2}, {0x0376, 0x0376, 1, 1},
    {0x037B, 0x037D, 130, 1}, {0x037F, 0x037F, 116, 1}, {0x0386, 0x0386, 38, 1}, {0x0388, 0x038A, 37, 1},
    {0x038C, 0x038C, 64, 1}, {0x038E, 0x038F, 63, 1}, {0x0391, 0x0392, 32, 1}, {0x0392, 0x0392, 62, 1},
    {0x0393, 0x0395, 32, 1}, {0x0395, 0x0395, 96, 1}, {0x0396, 0x0398, 32, 1}, {0x0398, 0x0398, 57, 1},
    {0x039A, 0x039A, 32, 1}, {0x039A, 0x039A, 86, 1}, {0x039B, 0x039D, 32, 2}, {0x039E, 0x03A0, 32, 1},
    {0x03A0, 0x03A0, 54, 1}, {0x03A1, 0x03A1, 32, 1}, {0x03A1, 0x03A1, 80, 1}, {0x03A3, 0x03A3, 31, 1},
    {0x03A3, 0x03A6, 32, 1}, {0x03A6, 0x03A6, 47, 1}, {0x03A7, 0x03AB, 32, 1}, {0x03CF, 0x03CF, 8, 1},
    {0x03D8, 0x03EE, 1, 2}, {0x03F2, 0x03F2, 7, 1}, {0x03F7, 0x03FA, 1, 3}, {0x0400, 0x040F, 80, 1},
    {0x0410, 0x0412, 32, 1}, {0x0412, 0x0412, 6254, 1}, {0x0413, 0x0414, 32, 1}, {0x0414, 0x0414, 6253, 1},
    {0x0415, 0x041E, 32, 1}, {0x041E, 0x041E, 6244, 1}, {0x041F, 0x0421, 32, 1}, {0x0421, 0x0421, 6242, 1},
    {0x0422, 0x0422, 32, 1}, {0x0422, 0x0422, 6242, 1}, {0x0422, 0x0422, 6243, 1}, {0x0423, 0x042A, 32, 1},
    {0x042A, 0x042A, 6236, 1}, {0x042B, 0x042F, 32, 1}, {0x0460, 0x0462, 1, 2}, {0x0462, 0x0462, 6181, 1},
    {0x0464, 0x0480, 1, 2}, {0x048A, 0x04BE, 1, 2}, {0x04C0, 0x04C0, 15, 1}, {0x04C1, 0x04CD, 1, 2},
    {0x04D0, 0x052E, 1, 2}, {0x0531, 0x0556, 48, 1}, {0x10A0, 0x10C5, 7264, 1}, {0x10C7, 0x10CD, 7264, 6},
    {0x10D0, 0x10FA, 3008, 1}, {0x10FD, 0x10FF, 3008, 1}, {0x13A0, 0x13EF, 38864, 1}, {0x13F0, 0x13F5, 8, 1},
    {0x1C88, 0x1C88, 35266, 1}, {0x1C88, 0x1C88, 35267, 1}, {0x1C89, 0x1C89, 1, 1}, {0x1D79, 0x1D79, 35332, 1},
    {0x1D7D, 0x1D7D, 3814, 1}, {0x1D8E, 0x1D8E, 35384, 1}, {0x1E00, 0x1E60, 1, 2}, {0x1E60, 0x1E60, 59, 1},
    {0x1E62, 0x1E94, 1, 2}, {0x1EA0, 0x1EFE, 1, 2}, {0x1F00, 0x1F07, 8, 1}, {0x1F10, 0x1F15, 8, 1},
    {0x1F20, 0x1F27, 8, 1}, {0x1F30, 0x1F37, 8, 1}, {0x1F40, 0x1F45, 8, 1}, {0x1F51, 0x1F57, 8, 2},
    {0x1F60, 0x1F67, 8, 1}, {0x1F70, 0x1F71, 74, 1}, {0x1F72, 0x1F75, 86, 1}, {0x1F76, 0x1F77, 100, 1},
    {0x1F78, 0x1F79, 128, 1}, {0x1F7A, 0x1F7B, 112, 1}, {0x1F7C, 0x1F7D, 126, 1}, {0x1FB0, 0x1FB1, 8, 1},
    {0x1FD0, 0x1FD1, 8, 1}, {0x1FE0, 0x1FE1, 8, 1}, {0x1FE5, 0x1FE5, 7, 1}, {0x2132, 0x2132, 28, 1},
    {0x2160, 0x216F, 16, 1}, {0x2183, 0x2183, 1, 1}, {0x24B6, 0x24CF, 26, 1}, {0x2C00, 0x2C2F, 48, 1},
    {0x2C60, 0x2C67, 1, 7}, {0x2C69, 0x2C6B, 1, 2}, {0x2C72, 0x2C75, 1, 3}, {0x2C80, 0x2CE2, 1, 2},
    {0x2CEB, 0x2CED, 1, 2}, {0x2CF2, 0xA640, 1, 31054}, {0xA642, 0xA648, 1, 2}, {0xA64C, 0xA66C, 1, 2},
    {0xA680, 0xA69A, 1, 2}, {0xA722, 0xA72E, 1, 2}, {0xA732, 0xA76E, 1, 2}, {0xA779, 0xA77B, 1, 2},
    {0xA77E, 0xA786, 1, 2}, {0xA78B, 0xA790, 1, 5}, {0xA792, 0xA792, 1, 1}, {0xA794, 0xA794, 48, 1},
    {0xA796, 0xA7A8, 1, 2}, {0xA7B3, 0xA7B3, 928, 1}, {0xA7B4, 0xA7C2, 1, 2}, {0xA7C7, 0xA7C9, 1, 2},
    {0xA7CC, 0xA7DA, 1, 2}, {0xA7F5, 0xA7F5, 1, 1}, {0xFF21, 0xFF3A, 32, 1},
};

class FoldTable {
 public:
  static const FoldTable& Get() {
    static const FoldTable* const kTable = new FoldTable();
    return *kTable;
  }

  // The units equal to `cp` under folding, `cp` included; empty when `cp`
  // folds with nothing.
  std::span<const uint32_t> EquivalentsOf(uint32_t cp) const {
    auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(cp, uint32_t{0}));
    if (it == index_.end() || it->first != cp) return {};
    return groups_[it->second];
  }

  // Adds to the normalized `set` every unit equivalent to one of its members.
  void Close(CodeSet* set) const {
    CodeSet added;
    for (const CodeRange& r : *set) {
      auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(r.lo, uint32_t{0}));
      for (; it != index_.end() && it->first <= r.hi; ++it) {
        for (uint32_t m : groups_[it->second]) added.push_back({m, m});
      }
    }
    if (added.empty()) return;
    set->insert(set->end(), added.begin(), added.end());
    Normalize(set);
  }

 private:
  FoldTable() {
    absl::flat_hash_map<uint32_t, uint32_t> group_of_first;
    for (const FoldRun& run : kFoldRuns) {
      for (uint32_t first = run.lo; first <= run.hi; first += run.stride) {
        auto [it, inserted] =
            group_of_first.try_emplace(first, static_cast<uint32_t>(groups_.size()));
        if (inserted) groups_.push_back({first});
        groups_[it->second].push_back(
            static_cast<uint32_t>(static_cast<int32_t>(first) + run.delta));
      }
    }
    for (uint32_t g = 0; g < groups_.size(); ++g) {
      for (uint32_t m : groups_[g]) index_.emplace_back(m, g);
    }
    std::sort(index_.begin(), index_.end());
  }

  std::vector<std::vector<uint32_t>> groups_;
  std::vector<std::pair<uint32_t, uint32_t>> index_;  // unit -> group, sorted
};

// ---- JavaScript's character class escapes ---------------------------------

CodeSet DigitSet() { return {{'0', '9'}}; }
CodeSet WordSet() { return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}; }
// WhiteSpace and LineTerminator of ECMAScript; RE2's \s lacks \v and the
// non-ASCII ones.
CodeSet SpaceSet() {
  return {{0x09, 0x0D},     {0x20, 0x20},     {0xA0, 0xA0},     {0x1680, 0x1680},
          {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F},
          {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};
}
// What "." excludes: the line terminators (RE2's "." excludes only \n).
CodeSet LineTerminatorSet() { return {{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}}; }

// \d \D \s \S \w \W. These sets are closed under the folding above (ASCII
// letters fold only with ASCII letters), so they need no closing.
CodeSet ClassEscapeSet(uint32_t letter) {
  switch (letter) {
    case 'd': return DigitSet();
    case 'D': return Complement(DigitSet());
    case 's': return SpaceSet();
    case 'S': return Complement(SpaceSet());
    case 'w': return WordSet();
    default: return Complement(WordSet());
  }
}

bool IsClassEscapeLetter(uint32_t c) {
  return c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W';
}
bool IsAsciiLetter(uint32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(uint32_t c) { return c >= '0' && c <= '9'; }
bool IsOctalDigit(uint32_t c) { return c >= '0' && c <= '7'; }
int HexValue(uint32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return -1;
}
bool IsHighSurrogate(uint32_t c) { return c >= 0xD800 && c <= 0xDBFF; }
bool IsLowSurrogate(uint32_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

absl::Status NotUtf8(size_t byte) {
  return absl::InvalidArgumentError(
      absl::StrCat("regular expression is not valid UTF-8 (at byte ", byte, ")"));
}

// UTF-8 to code points; surrogate code points (WTF-8) are accepted because
// Marquee strings carry JavaScript's lone surrogates that way.
absl::StatusOr<std::vector<uint32_t>> DecodeUtf8(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (b < 0x80) {
      cp = b, len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      cp = b & 0x1F, len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      cp = b & 0x0F, len = 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      cp = b & 0x07, len = 4;
    } else {
      return NotUtf8(i);
    }
    if (i + len > s.size()) return NotUtf8(i);
    for (size_t k = 1; k < len; ++k) {
      auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0) != 0x80) return NotUtf8(i + k);
      cp = (cp << 6) | (cb & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > kMaxCodePoint))) {
      return NotUtf8(i);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

struct BracedQuantifier {
  bool ok = false;
  uint64_t min = 0, max = 0;
  bool bounded = false;  // "{n,m}" or "{n}", not "{n,}"
  size_t end = 0;        // index after '}'
};

// One member of a class: a code point or a set (\d, \s, ...).
struct ClassAtom {
  bool is_set = false;
  uint32_t cp = 0;
  CodeSet set;
};

class Translator {
 public:
  Translator(std::vector<uint32_t> pattern, bool case_insensitive)
      : p_(std::move(pattern)), icase_(case_insensitive) {}

  absl::StatusOr<std::string> Run() {
    ScanGroups();
    while (i_ < p_.size()) {
      bool atom = true;  // whether what was read may take a quantifier
      uint32_t c = p_[i_];
      switch (c) {
        case '|':
          out_ += '|';
          ++i_;
          atom = false;
          break;
        case '(':
          if (absl::Status s = OpenGroup(); !s.ok()) return s;
          atom = false;
          break;
        case ')':
          if (open_groups_.empty()) return Error("unmatched ')'");
          if (open_groups_.back() != 0) closed_.insert(open_groups_.back());
          open_groups_.pop_back();
          out_ += ')';
          ++i_;
          break;
        case '^':
        case '$':  // without the "m" flag both anchor to the whole text, as in RE2
          out_ += static_cast<char>(c);
          ++i_;
          atom = false;
          break;
        case '*':
        case '+':
        case '?':
          return Error("nothing to repeat");
        case '{':
          if (ParseBraced(i_).ok) return Error("nothing to repeat");
          EmitLiteral('{');  // Annex B: not a quantifier, so a literal
          ++i_;
          break;
        case '.':
          EmitDot();
          ++i_;
          break;
        case '[':
          if (absl::Status s = ParseClass(); !s.ok()) return s;
          break;
        case '\\': {
          absl::StatusOr<bool> is_atom = ParseEscape();
          if (!is_atom.ok()) return is_atom.status();
          atom = *is_atom;
          break;
        }
        default:  // also ']' and '}' (Annex B literals)
          EmitLiteral(c);
          ++i_;
          break;
      }
      if (atom) {
        if (absl::Status s = ParseQuantifier(); !s.ok()) return s;
      }
      if (out_.size() > kMaxTranslatedRegexBytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("regular expression is too complex: its RE2 form exceeds ",
                         kMaxTranslatedRegexBytes, " bytes"));
      }
    }
    if (!open_groups_.empty()) return Error("missing ')'");
    return std::move(out_);
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid regular expression: ", marquee::internal::Sv(what), " (at character ", i_, ")"));
  }
  absl::Status Unsupported(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "regular expression uses ", marquee::internal::Sv(what), ", which RE2 cannot run (at character ", i_, ")"));
  }

  bool At(size_t i, uint32_t c) const { return i < p_.size() && p_[i] == c; }

  // JavaScript decides whether "\1" is a backreference, and whether "\k" is
  // special, from the whole pattern: count capturing groups first.
  void ScanGroups() {
    bool in_class = false;
    for (size_t i = 0; i < p_.size(); ++i) {
      uint32_t c = p_[i];
      if (c == '\\') {
        ++i;
      } else if (in_class) {
        in_class = c != ']';
      } else if (c == '[') {
        in_class = true;
      } else if (c == '(') {
        if (!At(i + 1, '?')) {
          ++captures_;
        } else if (At(i + 2, '<') && !At(i + 3, '=') && !At(i + 3, '!')) {
          ++captures_;
          named_groups_ = true;
        }
      }
    }
  }

  void AppendCodePoint(uint32_t cp) { absl::StrAppend(&out_, "\\x{", absl::Hex(cp), "}"); }

  // REQUIRES: `set` normalized.
  void EmitSet(const CodeSet& set) {
    if (set.empty()) {
      out_ += "[^\\x{0}-\\x{10FFFF}]";  // matches nothing, as JavaScript's []
      return;
    }
    out_ += '[';
    for (const CodeRange& r : set) {
      AppendCodePoint(r.lo);
      if (r.hi != r.lo) {
        out_ += '-';
        AppendCodePoint(r.hi);
      }
    }
    out_ += ']';
  }

  void EmitLiteral(uint32_t cp) {
    if (icase_) {
      std::span<const uint32_t> equivalents = FoldTable::Get().EquivalentsOf(cp);
      if (!equivalents.empty()) {
        CodeSet set;
        for (uint32_t m : equivalents) set.push_back({m, m});
        Normalize(&set);
        EmitSet(set);
        return;
      }
    }
    if (IsAsciiLetter(cp) || IsDigit(cp)) {
      out_ += static_cast<char>(cp);
    } else {
      AppendCodePoint(cp);
    }
  }

  void EmitDot() {
    static const std::string* const kDot = [] {
      Translator t({}, false);
      t.EmitSet(Complement(LineTerminatorSet()));
      return new std::string(std::move(t.out_));
    }();
    out_ += *kDot;
  }

  // "{n}", "{n,}" or "{n,m}" starting at `i` (which holds '{').
  BracedQuantifier ParseBraced(size_t i) const {
    BracedQuantifier q;
    size_t j = i + 1;
    auto digits = [&](uint64_t* value) {
      size_t start = j;
      *value = 0;
      while (j < p_.size() && IsDigit(p_[j])) {
        *value = std::min(kSaturate, *value * 10 + (p_[j] - '0'));
        ++j;
      }
      return j > start;
    };
    if (!digits(&q.min)) return q;
    if (At(j, '}')) {
      q.max = q.min;
      q.bounded = true;
    } else if (At(j, ',')) {
      ++j;
      q.bounded = digits(&q.max);
      if (!At(j, '}')) return q;
    } else {
      return q;
    }
    q.ok = true;
    q.end = j + 1;
    return q;
  }

  bool AtQuantifier() const {
    if (i_ >= p_.size()) return false;
    uint32_t c = p_[i_];
    return c == '*' || c == '+' || c == '?' || (c == '{' && ParseBraced(i_).ok);
  }

  // After an atom: its quantifier, if any.
  absl::Status ParseQuantifier() {
    if (!AtQuantifier()) return absl::OkStatus();
    if (p_[i_] != '{') {
      out_ += static_cast<char>(p_[i_++]);
    } else {
      BracedQuantifier q = ParseBraced(i_);
      if (q.bounded && q.min > q.max) return Error("numbers out of order in {} quantifier");
      absl::StrAppend(&out_, "{", std::min(q.min, kRepeatClamp));
      if (!q.bounded) {
        out_ += ",";
      } else if (q.max != q.min) {
        absl::StrAppend(&out_, ",", std::min(q.max, kRepeatClamp));
      }
      out_ += '}';
      i_ = q.end;
    }
    if (At(i_, '?')) {  // lazy: same matches for test(), kept for fidelity
      out_ += '?';
      ++i_;
    }
    if (AtQuantifier()) return Error("nothing to repeat");
    return absl::OkStatus();
  }

  // i_ at '('.
  absl::Status OpenGroup() {
    if (!At(i_ + 1, '?')) {
      open_groups_.push_back(++opened_captures_);
      out_ += '(';
      ++i_;
      return absl::OkStatus();
    }
    if (At(i_ + 2, ':')) {
      open_groups_.push_back(0);
      out_ += "(?:";
      i_ += 3;
      return absl::OkStatus();
    }
    if (At(i_ + 2, '=') || At(i_ + 2, '!')) return Unsupported("lookahead (?= or (?!");
    if (!At(i_ + 2, '<')) return Error("invalid group");
    if (At(i_ + 3, '=') || At(i_ + 3, '!')) return Unsupported("lookbehind (?<= or (?<!");
    // A named group: the name only matters to JavaScript's grammar (valid,
    // not repeated); RE2 gets a plain capturing group, so RE2's stricter
    // name rules and its lack of the (?<name> form (before 2023) never
    // matter. Non-ASCII names are accepted without checking ID_Start.
    size_t j = i_ + 3;
    std::u32string name;
    while (j < p_.size() && p_[j] != '>') {
      uint32_t c = p_[j];
      bool ok = IsAsciiLetter(c) || c == '$' || c == '_' || c >= 0x80 ||
                (!name.empty() && IsDigit(c));
      if (!ok) return Error("invalid capture group name");
      name.push_back(static_cast<char32_t>(c));
      ++j;
    }
    if (j >= p_.size() || name.empty()) return Error("invalid capture group name");
    if (!group_names_.insert(name).second) return Error("duplicate capture group name");
    open_groups_.push_back(++opened_captures_);
    out_ += '(';
    i_ = j + 1;
    return absl::OkStatus();
  }

  // \0 and the legacy octal escapes of Annex B: up to three octal digits,
  // at most \377. REQUIRES: p_[i_] is an octal digit.
  uint32_t ParseOctal() {
    uint32_t value = p_[i_++] - '0';
    if (i_ < p_.size() && IsOctalDigit(p_[i_])) {
      value = value * 8 + (p_[i_++] - '0');
      if (value < 32 && i_ < p_.size() && IsOctalDigit(p_[i_])) {
        value = value * 8 + (p_[i_++] - '0');
      }
    }
    return value;
  }

  // `n` hex digits at `i`, or -1.
  int64_t HexAt(size_t i, size_t n) const {
    if (i + n > p_.size()) return -1;
    int64_t value = 0;
    for (size_t k = 0; k < n; ++k) {
      int h = HexValue(p_[i + k]);
      if (h < 0) return -1;
      value = value * 16 + h;
    }
    return value;
  }

  // The character escapes atoms and class members share; i_ at the letter
  // after '\'. Sets *cp and moves past the escape, or returns false (i_
  // unmoved) when the letter starts none.
  bool ParseCharacterEscape(uint32_t* cp) {
    uint32_t c = p_[i_];
    switch (c) {
      case 'f': *cp = 0x0C; ++i_; return true;
      case 'n': *cp = 0x0A; ++i_; return true;
      case 'r': *cp = 0x0D; ++i_; return true;
      case 't': *cp = 0x09; ++i_; return true;
      case 'v': *cp = 0x0B; ++i_; return true;
      case 'x': {
        int64_t v = HexAt(i_ + 1, 2);
        if (v < 0) {  // "\x" without two hex digits is "x"
          *cp = 'x';
          ++i_;
        } else {
          *cp = static_cast<uint32_t>(v);
          i_ += 3;
        }
        return true;
      }
      case 'u': {
        int64_t v = HexAt(i_ + 1, 4);
        if (v < 0) {  // "\u" without four hex digits (also "\u{..}") is "u"
          *cp = 'u';
          ++i_;
          return true;
        }
        *cp = static_cast<uint32_t>(v);
        i_ += 5;
        // An escaped surrogate pair is the character it encodes (Marquee's
        // text is UTF-8); a lone surrogate matches only a lone surrogate.
        if (IsHighSurrogate(*cp) && At(i_, '\\') && At(i_ + 1, 'u')) {
          int64_t low = HexAt(i_ + 2, 4);
          if (low >= 0 && IsLowSurrogate(static_cast<uint32_t>(low))) {
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
            i_ += 6;
          }
        }
        return true;
      }
      default:
        if (!IsOctalDigit(c)) return false;
        *cp = ParseOctal();
        return true;
    }
  }

  // i_ at '\' outside a class. Returns whether it read an atom (false for
  // the assertions \b \B).
  absl::StatusOr<bool> ParseEscape() {
    ++i_;
    if (i_ >= p_.size()) return Error("\\ at end of pattern");
    uint32_t c = p_[i_];
    if (c == 'b' || c == 'B') {
      out_ += c == 'b' ? "\\b" : "\\B";  // ASCII word boundaries in both
      ++i_;
      return false;
    }
    if (IsClassEscapeLetter(c)) {
      EmitSet(ClassEscapeSet(c));
      ++i_;
      return true;
    }
    if (c >= '1' && c <= '9') {
      uint64_t n = 0;
      for (size_t j = i_; j < p_.size() && IsDigit(p_[j]); ++j) {
        n = std::min(kSaturate, n * 10 + (p_[j] - '0'));
      }
      if (n <= captures_) {
        // A reference to a group that has not closed yet (later, or one
        // enclosing it) always matches the empty string in JavaScript.
        if (closed_.contains(n)) return Unsupported(absl::StrCat("a backreference \\", n));
        out_ += "(?:)";
        while (i_ < p_.size() && IsDigit(p_[i_])) ++i_;
        return true;
      }
      if (c >= '8') {  // Annex B: "\8" and "\9" are the digits
        EmitLiteral(c);
        ++i_;
        return true;
      }
      // Otherwise a legacy octal escape (ParseCharacterEscape).
    }
    if (c == 'k' && named_groups_) {
      if (At(i_ + 1, '<')) return Unsupported("a named backreference \\k<...>");
      return Error("invalid named reference");
    }
    if (c == 'c') {
      if (i_ + 1 < p_.size() && IsAsciiLetter(p_[i_ + 1])) {
        EmitLiteral(p_[i_ + 1] % 32);
        i_ += 2;
      } else {
        EmitLiteral('\\');  // Annex B: "\c" without a letter is "\", then "c"
      }
      return true;
    }
    uint32_t cp;
    if (!ParseCharacterEscape(&cp)) {
      cp = c;  // identity escape: "\q" is "q", "\/" is "/"
      ++i_;
    }
    EmitLiteral(cp);
    return true;
  }

  // One class member; i_ at it (not at the closing ']').
  absl::StatusOr<ClassAtom> ParseClassAtom() {
    ClassAtom a;
    if (p_[i_] != '\\') {
      a.cp = p_[i_++];
      return a;
    }
    ++i_;
    if (i_ >= p_.size()) return Error("\\ at end of pattern");
    uint32_t c = p_[i_];
    if (IsClassEscapeLetter(c)) {
      a.is_set = true;
      a.set = ClassEscapeSet(c);
      ++i_;
      return a;
    }
    if (c == 'b') {  // backspace inside a class
      a.cp = 0x08;
      ++i_;
      return a;
    }
    if (c == 'k' && named_groups_) return Error("invalid escape \\k in a character class");
    if (c == 'c') {
      uint32_t next = i_ + 1 < p_.size() ? p_[i_ + 1] : 0;
      if (IsAsciiLetter(next) || IsDigit(next) || next == '_') {  // Annex B class form
        a.cp = next % 32;
        i_ += 2;
      } else {
        a.cp = '\\';  // a backslash; "c" is the next member
      }
      return a;
    }
    if (!ParseCharacterEscape(&a.cp)) {
      a.cp = c;  // identity escape, also "\8", "\9", "\B", "\-"
      ++i_;
    }
    return a;
  }

  static void Add(const ClassAtom& a, CodeSet* set) {
    if (a.is_set) {
      set->insert(set->end(), a.set.begin(), a.set.end());
    } else {
      set->push_back({a.cp, a.cp});
    }
  }

  // i_ at '['.
  absl::Status ParseClass() {
    size_t start = i_++;
    bool negated = At(i_, '^');
    if (negated) ++i_;
    CodeSet set;
    while (true) {
      if (i_ >= p_.size()) {
        i_ = start;
        return Error("unterminated character class");
      }
      if (p_[i_] == ']') {
        ++i_;
        break;
      }
      absl::StatusOr<ClassAtom> first = ParseClassAtom();
      if (!first.ok()) return first.status();
      if (!At(i_, '-') || i_ + 1 >= p_.size() || p_[i_ + 1] == ']') {
        Add(*first, &set);
        continue;
      }
      ++i_;
      absl::StatusOr<ClassAtom> last = ParseClassAtom();
      if (!last.ok()) return last.status();
      if (first->is_set || last->is_set) {
        // Annex B: with \d, \s or \w at either end there is no range, just
        // both members and a literal '-'.
        Add(*first, &set);
        Add(*last, &set);
        set.push_back({'-', '-'});
      } else if (first->cp > last->cp) {
        return Error("range out of order in character class");
      } else {
        set.push_back({first->cp, last->cp});
      }
    }
    Normalize(&set);
    // JavaScript folds the members and the tested character alike, then
    // negates: so close the set under folding before complementing it.
    if (icase_) FoldTable::Get().Close(&set);
    EmitSet(negated ? Complement(set) : set);
    return absl::OkStatus();
  }

  std::vector<uint32_t> p_;
  bool icase_;
  size_t i_ = 0;
  size_t captures_ = 0;                     // capturing groups in the whole pattern
  size_t opened_captures_ = 0;              // capturing groups opened so far
  std::vector<size_t> open_groups_;         // per open group: its number, 0 if none
  absl::flat_hash_set<uint64_t> closed_;    // numbers of the closed groups
  bool named_groups_ = false;
  absl::flat_hash_set<std::u32string> group_names_;
  std::string out_;
};

}  // namespace

absl::StatusOr<std::string> TranslateJsRegex(std::string_view js_pattern, bool case_insensitive) {
  absl::StatusOr<std::vector<uint32_t>> code_points = DecodeUtf8(js_pattern);
  if (!code_points.ok()) return code_points.status();
  return Translator(*std::move(code_points), case_insensitive).Run();
}

}  // namespace marquee::campaign::internal
