#include "redis_uri.h"

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace marquee_server {

namespace {

constexpr std::string_view kScheme = "redis://";
constexpr int kMaxDatabase = 1023;

absl::Status Bad(std::string_view what) {
  return absl::InvalidArgumentError("redis URI: " + std::string(what) +
                                    " (expected redis://[:password@]host[:port][/db])");
}

// A decimal number within min..max; none for anything else (signs, spaces,
// more digits than the range needs).
std::optional<int> SmallNumber(std::string_view text, int min, int max) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < min || n > max) return std::nullopt;
  return n;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding; none for a broken escape.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexDigit(text[i + 1]);
    const int low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisUri(std::string_view uri) {
  if (uri.substr(0, 9) == "rediss://") {
    return Bad("rediss:// (TLS) is not supported; reach Redis over a private network or a tunnel");
  }
  if (uri.substr(0, kScheme.size()) != kScheme) return Bad("it must start with redis://");
  std::string_view rest = uri.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) return Bad("a query or fragment is not taken");

  RedisAddress address;
  // The authority ends at the first '/', after which comes the database.
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      std::optional<int> n = SmallNumber(db, 0, kMaxDatabase);
      if (!n) return Bad("the database after '/' must be a number within 0..1023");
      address.database = *n;
    }
  }
  // The password is everything before the last '@' (a password may hold '@'
  // only percent-encoded, but be lenient and split at the last one).
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view user_info = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (user_info.empty() || user_info[0] != ':') {
      return Bad("a user name is not supported; give only a password as redis://:password@host");
    }
    std::optional<std::string> password = PercentDecode(user_info.substr(1));
    if (!password) return Bad("the password has a broken %-escape");
    address.password = *std::move(password);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    // An IPv6 literal: [::1]:6379.
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad("an IPv6 host lacks its closing ']'");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad("unexpected text after the IPv6 host");
      port = after.substr(1);
      if (port.empty()) return Bad("an empty port after ':'");
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return Bad("an empty port after ':'");
  }
  if (host.empty()) return Bad("no host");
  if (!port.empty()) {
    std::optional<int> n = SmallNumber(port, 1, 65535);
    if (!n) return Bad("the port must be a number within 1..65535");
    address.port = *n;
  }
  address.host = std::string(host);
  return address;
}

std::string RedactRedisUri(std::string_view uri) {
  const size_t start = uri.find("://");
  if (start == std::string_view::npos) return std::string(uri);
  const size_t authority_start = start + 3;
  const size_t slash = uri.find('/', authority_start);
  const std::string_view authority = uri.substr(authority_start, slash - authority_start);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(uri);
  return std::string(uri.substr(0, authority_start)) + ":***@" +
         std::string(uri.substr(authority_start + at + 1));
}

}  // namespace marquee_server
