#include "config_values.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace marquee_server {

using marquee::campaign::Value;

namespace {

// Debian's Abseil has its own absl::string_view, not an alias of
// std::string_view: convert explicitly.
absl::string_view Sv(std::string_view text) { return absl::string_view(text.data(), text.size()); }

absl::Status MustBe(const std::string& what) {
  return absl::InvalidArgumentError("must be " + what);
}

bool IsControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }

// ", not "<text>"" for a message, or nothing when the text could be a
// secret pasted under the wrong key (API keys have at least 16 bytes, other
// secrets 32) or holds control characters that a terminal would act on.
std::string NotText(std::string_view text) {
  if (text.size() >= kMinApiKeyChars) return "";
  for (char c : text) {
    if (IsControl(c)) return "";
  }
  return absl::StrCat(", not \"", Sv(text), "\"");
}

// 0.5, 100, 1000000000: whole numbers without an exponent.
std::string NumberText(double n) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", n);
  return text;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsCursorKeyIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool Follows(std::string_view text, TextRule rule) {
  // A whole-name rule, not a per-character one (no leading digit).
  if (rule == TextRule::kPostgresSchema) return IsPostgresSchemaName(text);
  for (char c : text) {
    switch (rule) {
      case TextRule::kAny: return true;
      case TextRule::kHeaderValue:
        if (IsControl(c)) return false;
        break;
      case TextRule::kToken:
        if (!IsTokenChar(c)) return false;
        break;
      case TextRule::kCursorKeyId:
        if (!IsCursorKeyIdChar(c)) return false;
        break;
      case TextRule::kPostgresSchema: return false;  // handled above
    }
  }
  return true;
}

std::string_view RuleText(TextRule rule) {
  switch (rule) {
    case TextRule::kAny: return "";
    case TextRule::kHeaderValue: return " without control characters";
    case TextRule::kToken: return " of letters, digits and !#$%&'*+-.^_`|~";
    case TextRule::kCursorKeyId: return " of letters, digits and _ . -";
    case TextRule::kPostgresSchema:
      return " of lowercase letters, digits and _, not starting with a digit";
  }
  return "";
}

}  // namespace

ConfigApply BooleanValue(ConfigSetter<bool> set) {
  return [set = std::move(set)](const Value& value, ServerSettings& settings) {
    if (!value.is_bool()) return MustBe("true or false");
    set(settings, value.as_bool());
    return absl::OkStatus();
  };
}

ConfigApply IntegerValue(int64_t min, int64_t max, ConfigSetter<int64_t> set) {
  return [min, max, set = std::move(set)](const Value& value, ServerSettings& settings) {
    const double n = value.is_number() ? value.as_number() : NAN;
    // NaN fails every comparison, so a non-number fails here too.
    if (!(n >= static_cast<double>(min) && n <= static_cast<double>(max)) || n != std::floor(n)) {
      return MustBe(absl::StrCat("an integer within ", min, "..", max));
    }
    set(settings, static_cast<int64_t>(n));
    return absl::OkStatus();
  };
}

ConfigApply NumberValue(double min, double max, ConfigSetter<double> set) {
  return [min, max, set = std::move(set)](const Value& value, ServerSettings& settings) {
    const double n = value.is_number() ? value.as_number() : NAN;
    if (!(n >= min && n <= max)) {
      return MustBe("a number within " + NumberText(min) + ".." + NumberText(max));
    }
    set(settings, n);
    return absl::OkStatus();
  };
}

ConfigApply TextValue(size_t min_bytes, size_t max_bytes, TextRule rule,
                      ConfigSetter<std::string> set) {
  return [=, set = std::move(set)](const Value& value, ServerSettings& settings) {
    const std::string_view text = value.as_string();
    if (!value.is_string() || text.size() < min_bytes || text.size() > max_bytes ||
        !Follows(text, rule)) {
      return MustBe(
          absl::StrCat("a string of ", min_bytes, "..", max_bytes, " bytes", Sv(RuleText(rule))));
    }
    set(settings, std::string(text));
    return absl::OkStatus();
  };
}

ConfigApply DurationValue(absl::Duration min, absl::Duration max,
                          ConfigSetter<absl::Duration> set) {
  return [min, max, set = std::move(set)](const Value& value, ServerSettings& settings) {
    const std::string expected =
        absl::StrCat("a duration such as \"500ms\", \"10s\" or \"2m\" within ",
                     absl::FormatDuration(min), "..", absl::FormatDuration(max));
    if (!value.is_string()) return MustBe(expected);
    absl::Duration d;
    if (!absl::ParseDuration(Sv(value.as_string()), &d) || d < min || d > max) {
      return MustBe(expected + NotText(value.as_string()));
    }
    set(settings, d);
    return absl::OkStatus();
  };
}

ConfigApply FsyncValue(ConfigSetter<marquee::FsyncPolicy> set) {
  return [set = std::move(set)](const Value& value, ServerSettings& settings) {
    std::optional<marquee::FsyncPolicy> policy;
    if (value.is_string()) policy = ParseFsyncPolicy(value.as_string());
    if (!policy) {
      std::string what = "\"always\", \"every_second\" or \"never\"";
      if (value.is_string()) what += NotText(value.as_string());
      return MustBe(what);
    }
    set(settings, *policy);
    return absl::OkStatus();
  };
}

ConfigApply WordListValue(size_t max_items, size_t max_bytes,
                          ConfigSetter<std::vector<std::string>> set) {
  return [=, set = std::move(set)](const Value& value, ServerSettings& settings) {
    const std::string expected =
        absl::StrCat("an array of at most ", max_items, " strings of 1..", max_bytes,
                     " bytes without spaces or control characters");
    if (!value.is_array() || value.size() > max_items) return MustBe(expected);
    std::vector<std::string> words;
    for (const Value& element : value.elements()) {
      const std::string_view word = element.as_string();
      if (!element.is_string() || word.empty() || word.size() > max_bytes) return MustBe(expected);
      for (char c : word) {
        if (c == ' ' || IsControl(c)) return MustBe(expected);
      }
      words.emplace_back(word);
    }
    set(settings, std::move(words));
    return absl::OkStatus();
  };
}

ConfigApply HeaderMapValue(size_t max_items, size_t max_bytes,
                           ConfigSetter<std::vector<std::pair<std::string, std::string>>> set) {
  return [=, set = std::move(set)](const Value& value, ServerSettings& settings) {
    const std::string expected =
        absl::StrCat("an object of at most ", max_items,
                     " headers: names of letters, digits and !#$%&'*+-.^_`|~, values strings of "
                     "at most ",
                     max_bytes, " bytes without control characters");
    if (!value.is_object() || value.members().size() > max_items) return MustBe(expected);
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [name, header_value] : value.members()) {
      if (name.empty() || name.size() > 256 || !header_value.is_string() ||
          header_value.as_string().size() > max_bytes) {
        return MustBe(expected);
      }
      for (char c : name) {
        if (!IsTokenChar(c)) return MustBe(expected);
      }
      for (char c : header_value.as_string()) {
        if (IsControl(c)) return MustBe(expected);
      }
      headers.emplace_back(name, header_value.as_string());
    }
    set(settings, std::move(headers));
    return absl::OkStatus();
  };
}

}  // namespace marquee_server
