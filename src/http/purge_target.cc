#include "http/purge_target.h"

#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"

namespace marquee::http::internal {
namespace {

absl::Status Bad(std::string_view option, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("EdgePurgerOptions.", Sv(option), ": ", Sv(what)));
}

// RFC 9110 token: method names and header names.
bool IsToken(std::string_view text) {
  if (text.empty() || text.size() > 256) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool IsHeaderValue(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  return true;
}

// "host:port" or "[v6]:port" into host and port.
bool SplitHostPort(std::string_view text, std::string& host, int& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  const std::string_view p = text.substr(colon + 1);
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    h = h.substr(1, h.size() - 2);
  } else if (h.find(':') != std::string_view::npos) {
    return false;  // an IPv6 address needs its brackets
  }
  for (const char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == ':' || c == '_';
    if (!ok) return false;
  }
  int value = 0;
  const auto [end, error] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || error != std::errc() || end != p.data() + p.size() || value < 1 ||
      value > 65535) {
    return false;
  }
  host = std::string(h);
  port = value;
  return true;
}

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string PercentEncodeKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : key) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

absl::StatusOr<PurgeTarget> ParseVarnishTarget(std::string_view host_port,
                                               std::string_view option) {
  PurgeTarget target;
  if (!SplitHostPort(host_port, target.host, target.port)) {
    return Bad(option, absl::StrCat("'", Sv(host_port.substr(0, 300)),
                                    "' is not host:port (a port within 1..65535; [v6]:port)"));
  }
  target.label = absl::StrCat("varnish ", HostForUrl(target.host), ":", target.port);
  return target;
}

absl::StatusOr<PurgeTarget> ParseCdnTarget(const CdnPurgeOptions& cdn, std::string_view option) {
  PurgeTarget target;
  const std::string url_option = absl::StrCat(Sv(option), ".url_template");
  // The template is not quoted in errors: a CDN may take its token in the
  // query string.
  const std::string_view url = cdn.url_template;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Bad(url_option, "must be an http:// or https:// URL");
  }
  target.scheme = std::string(url.substr(0, scheme_end));
  if (target.scheme != "http" && target.scheme != "https") {
    return Bad(url_option, "must be an http:// or https:// URL");
  }
  const size_t authority_start = scheme_end + 3;
  const size_t path_start = url.find_first_of("/?", authority_start);
  const std::string_view authority = url.substr(authority_start, path_start - authority_start);
  if (authority.find('@') != std::string_view::npos) {
    return Bad(url_option, "must not hold user information (put a token in headers)");
  }
  target.port = target.scheme == "https" ? 443 : 80;
  const size_t bracket = authority.rfind(']');
  const bool has_port = bracket == std::string_view::npos
                            ? authority.find(':') != std::string_view::npos
                            : bracket + 1 < authority.size() && authority[bracket + 1] == ':';
  std::string with_port(authority);
  if (!has_port) with_port += ":" + std::to_string(target.port);
  if (authority.empty() || !SplitHostPort(with_port, target.host, target.port)) {
    return Bad(url_option, "has no valid host[:port]");
  }
  target.target = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
  if (target.target.front() == '?') target.target.insert(0, "/");
  for (const char c : target.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') {
      return Bad(url_option, "holds a space, control, non-ASCII or '#' byte");
    }
  }
  target.per_key = target.target.find("{key}") != std::string::npos;
  if (!IsToken(cdn.method)) return Bad(absl::StrCat(Sv(option), ".method"), "must be an HTTP token");
  target.method = cdn.method;
  for (size_t i = 0; i < cdn.headers.size(); ++i) {
    const auto& [name, value] = cdn.headers[i];
    const std::string header_option = absl::StrCat(Sv(option), ".headers[", i, "]");
    if (!IsToken(name)) return Bad(header_option, "the name must be an HTTP token");
    if (!IsHeaderValue(value) || value.size() > 8192) {
      return Bad(header_option, "the value must be at most 8 KiB without control characters");
    }
    if (EqualsIgnoreCase(name, "host") || EqualsIgnoreCase(name, "content-length")) {
      return Bad(header_option, "Host and Content-Length are set by the purger");
    }
  }
  target.headers = cdn.headers;
  if (!target.per_key && !IsToken(cdn.keys_header)) {
    return Bad(absl::StrCat(Sv(option), ".keys_header"), "must be an HTTP token");
  }
  target.keys_header = cdn.keys_header;
  if (cdn.max_keys_per_request < 1 || cdn.max_keys_per_request > 10'000) {
    return Bad(absl::StrCat(Sv(option), ".max_keys_per_request"), "must be within 1..10000");
  }
  target.max_keys_per_request = cdn.max_keys_per_request;
  target.label = absl::StrCat("cdn ", target.scheme, "://", HostForUrl(target.host), ":",
                              target.port);
  return target;
}

std::vector<PurgeRequest> BuildPurgeRequests(const PurgeTarget& target,
                                             const std::vector<std::string>& keys) {
  std::vector<PurgeRequest> requests;
  if (target.per_key) {
    for (const std::string& key : keys) {
      PurgeRequest request{.method = target.method, .target = target.target,
                           .headers = target.headers, .keys = 1};
      const std::string encoded = PercentEncodeKey(key);
      for (size_t at = request.target.find("{key}"); at != std::string::npos;
           at = request.target.find("{key}", at + encoded.size())) {
        request.target.replace(at, 5, encoded);
      }
      requests.push_back(std::move(request));
    }
    return requests;
  }
  std::string batch;
  size_t in_batch = 0;
  const auto flush = [&] {
    if (in_batch == 0) return;
    PurgeRequest request{.method = target.method, .target = target.target,
                         .headers = target.headers, .keys = in_batch};
    request.headers.emplace_back(target.keys_header, std::move(batch));
    requests.push_back(std::move(request));
    batch.clear();
    in_batch = 0;
  };
  for (const std::string& key : keys) {
    if (in_batch > 0 && (in_batch >= target.max_keys_per_request ||
                         batch.size() + 1 + key.size() > kMaxKeysHeaderBytes)) {
      flush();
    }
    if (in_batch > 0) batch += ' ';
    batch += key;
    ++in_batch;
  }
  flush();
  return requests;
}

}  // namespace marquee::http::internal
