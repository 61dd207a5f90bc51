// Where an edge purger sends its keys and in what form (edge_purger.h): a
// Varnish (PURGE / with the keys in an "xkey" header) or a CDN's purge API
// (a request per key to a URL template, or per batch with the keys in a
// header). Parsing checks the options; BuildPurgeRequests turns a key set
// into the requests to send, without any I/O.
// Thread-safety: values and pure functions.
#ifndef MARQUEE_SRC_HTTP_PURGE_TARGET_H_
#define MARQUEE_SRC_HTTP_PURGE_TARGET_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/http/edge_purger.h"

namespace marquee::http::internal {

// A Varnish's xkey header is kept under this many bytes (Varnish refuses
// request headers over http_req_hdr_len, 8 KiB by default).
inline constexpr size_t kMaxKeysHeaderBytes = 4096;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct PurgeTarget {
  // "http" or "https".
  std::string scheme = "http";
  std::string host;
  int port = 80;
  // The request-target: "/" for Varnish; a CDN's path and query, holding
  // "{key}" when one request goes per key.
  std::string target = "/";
  bool per_key = false;
  std::string method = "PURGE";
  HeaderList headers;
  // The header naming the keys of a batch ("xkey" for Varnish).
  std::string keys_header = "xkey";
  size_t max_keys_per_request = 10'000;
  // How messages name the target: "varnish 127.0.0.1:6081",
  // "cdn https://api.example:443" (never a path, query or header value).
  std::string label;
};

struct PurgeRequest {
  std::string method;
  std::string target;
  HeaderList headers;
  size_t keys = 0;
};

// `host_port` of EdgePurgerOptions::varnish ("host:port", "[v6]:port").
// Errors: InvalidArgument naming `option` ("varnish[0]").
absl::StatusOr<PurgeTarget> ParseVarnishTarget(std::string_view host_port, std::string_view option);

// A CDN of EdgePurgerOptions::cdns.
// Errors: InvalidArgument naming `option` ("cdns[0].url_template").
absl::StatusOr<PurgeTarget> ParseCdnTarget(const CdnPurgeOptions& cdn, std::string_view option);

// The requests that purge `keys` at `target`: one per key with a template
// holding "{key}" (percent-encoded); else batches of at most
// max_keys_per_request keys whose keys header stays under
// kMaxKeysHeaderBytes.
std::vector<PurgeRequest> BuildPurgeRequests(const PurgeTarget& target,
                                             const std::vector<std::string>& keys);

// `key` with every byte but A-Z a-z 0-9 - . _ ~ percent-encoded.
std::string PercentEncodeKey(std::string_view key);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_PURGE_TARGET_H_
