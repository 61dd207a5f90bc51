// ParseTarget: the origin-form request-target, decoded with the rules of
// message.h; and the percent-encoders that produce targets it reads back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"
#include "marquee/http/message.h"

namespace marquee::http {
namespace internal {

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto b0 = static_cast<uint8_t>(text[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = b0 & 0x07;
    } else {
      return false;
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<uint8_t>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace internal

namespace {

using internal::Sv;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one path segment or query component; `plus_is_space` for
// the query (x-www-form-urlencoded). Errors say what is wrong without
// naming the part: the caller prefixes its name (Named), so a request that
// decodes cleanly formats no name at all.
absl::StatusOr<std::string> Decode(std::string_view raw, bool plus_is_space) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (raw.size() - i < 3 || HexValue(raw[i + 1]) < 0 || HexValue(raw[i + 2]) < 0) {
        return absl::InvalidArgumentError(absl::StrCat("malformed percent-encoding at byte ", i));
      }
      c = static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));
      if (c == '/' && !plus_is_space) {
        return absl::InvalidArgumentError("an encoded '/' (%2F) is not allowed");
      }
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return absl::InvalidArgumentError(byte == 0 ? "NUL is not allowed"
                                                  : "control characters are not allowed");
    }
    out.push_back(c);
  }
  if (!internal::IsValidUtf8(out)) {
    return absl::InvalidArgumentError("not valid UTF-8");
  }
  return out;
}

// `error` of the part `what` ("path segment 2: not valid UTF-8").
absl::Status Named(std::string_view what, const absl::Status& error) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), ": ", error.message()));
}

// Bytes never allowed raw anywhere in a target: controls, space, and
// characters RFC 3986 excludes from URIs that clients are known to send
// only by mistake or malice.
bool ForbiddenRaw(char c) {
  const auto byte = static_cast<uint8_t>(c);
  return byte <= 0x20 || byte == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' ||
         c == '^' || c == '`' || c == '{' || c == '|' || c == '}';
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<uint8_t>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Target> ParseTarget(std::string_view target, const TargetLimits& limits) {
  if (target.size() > limits.max_target_bytes) {
    return absl::OutOfRangeError(absl::StrCat("request-target is ", target.size(),
                                              " bytes; the limit is ", limits.max_target_bytes));
  }
  if (target.empty() || target.front() != '/') {
    return absl::InvalidArgumentError("request-target must be a path starting with '/'");
  }
  if (target.size() > 1 && target[1] == '/') {
    return absl::InvalidArgumentError("request-target must not start with '//'");
  }
  for (size_t i = 0; i < target.size(); ++i) {
    const char c = target[i];
    if (c == '#') {
      return absl::InvalidArgumentError("request-target must not contain a fragment ('#')");
    }
    if (ForbiddenRaw(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("request-target: byte ", i,
                       static_cast<uint8_t>(c) == 0 ? " is NUL" : " is not allowed unencoded"));
    }
  }
  Target out;
  const size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  out.raw_path = std::string(path);
  path.remove_prefix(1);  // the leading '/'
  size_t index = 0;
  while (!path.empty()) {  // "/" has no segments
    const size_t slash = path.find('/');
    std::string_view raw = path.substr(0, slash);
    absl::StatusOr<std::string> segment = Decode(raw, /*plus_is_space=*/false);
    if (!segment.ok()) return Named(absl::StrCat("path segment ", index + 1), segment.status());
    if (*segment == "." || *segment == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "path segment ", index + 1, ": dot segments ('.' and '..') are not allowed"));
    }
    out.segments.push_back(*std::move(segment));
    ++index;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) out.segments.emplace_back();  // a trailing '/'
  }
  if (question == std::string_view::npos) return out;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    if (out.query.size() == limits.max_query_params) {
      return absl::InvalidArgumentError(
          absl::StrCat("query: more than ", limits.max_query_params, " parameters"));
    }
    const size_t equals = pair.find('=');
    absl::StatusOr<std::string> name = Decode(pair.substr(0, equals), /*plus_is_space=*/true);
    if (!name.ok()) {
      return Named(absl::StrCat("query parameter ", out.query.size() + 1, " name"), name.status());
    }
    std::string value;
    if (equals != std::string_view::npos) {
      absl::StatusOr<std::string> decoded = Decode(pair.substr(equals + 1), /*plus_is_space=*/true);
      if (!decoded.ok()) {
        // The name is echoed in messages: cap it.
        return Named(
            absl::StrCat("query parameter '", Sv(std::string_view(*name).substr(0, 64)), "'"),
            decoded.status());
      }
      value = *std::move(decoded);
    }
    out.query.emplace_back(*std::move(name), std::move(value));
  }
  return out;
}

std::string EncodePathSegment(std::string_view text) { return PercentEncode(text); }

std::string EncodeQueryComponent(std::string_view text) { return PercentEncode(text); }

}  // namespace marquee::http
