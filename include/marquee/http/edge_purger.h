// marquee/http/edge_purger.h — purges edge caches by surrogate key when the
// store changes (target marquee::http_httplib, on cpp-httplib's client).
//
// The Api tags cacheable answers with Surrogate-Key (surrogate_keys.h). An
// EdgePurger follows the store's change feed (Store::Watch), maps each
// change of record `id` in collection `c` to the keys "c" and "c/id",
// gathers the keys of a short window into one set, and sends them:
//   - to each Varnish (with the xkey vmod): PURGE / with the header
//     "xkey: <keys separated by spaces>", split so a header stays under
//     4 KiB; examples/varnish/marquee.vcl answers it;
//   - to each CDN: a request per key to a URL template holding "{key}"
//     ("https://api.fastly.com/service/SID/purge/{key}"), or, without
//     "{key}", one request per batch of keys named in a header
//     (Fastly's "Surrogate-Key: k1 k2"); method and extra headers (an API
//     token) configurable; header values are never logged.
//
// Ordering: a purge is useless if the edge refetches before this node's own
// caches have the change (it would cache the old answer again, for
// max-age). So the purge of the changes up to version v waits until the
// caches named in the options (the DeliveryView that serves features and
// decide, the TieredCache of campaigns and segments, a host's own) have
// applied v, for at most apply_timeout (then it purges anyway and counts an
// apply timeout). With several nodes behind one edge each node purges after
// its own caches applied the change, so the last node to apply it sends the
// purge that counts.
//
// Bounds: the pending set holds at most max_pending_keys record keys; past
// that, its record keys are replaced by their collections' keys "c" and
// "c/*", which purge every answer built from those collections (coarser,
// never missed). A target that fails (no connection, a timeout, 408, 429 or
// 5xx) is retried with exponential backoff, its keys (those of the rest of
// that pass too) merged with newer ones; after max_attempts failures in a
// row, or on another 4xx (a refused purge: a wrong ACL or token), its keys
// are dropped and counted. Every request has a connect and a read timeout,
// so Stop returns within about one request's timeouts per target plus
// apply_timeout.
// Thread-safety: stats() may be called from any thread; Stop and the
// destructor from one thread, never from on_error.
//
//   auto purger = marquee::http::EdgePurger::Start({
//       .store = store.get(),
//       .varnish = {"127.0.0.1:6081"},
//       .delivery_view = &decider->view(),
//       .read_cache = cache.get()});
//   if (!purger.ok()) return purger.status();  // InvalidArgument names the option
#ifndef MARQUEE_HTTP_EDGE_PURGER_H_
#define MARQUEE_HTTP_EDGE_PURGER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/export.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"

namespace marquee::http {

// A CDN's purge API.
struct CdnPurgeOptions {
  // http:// or https:// URL. With "{key}" (in the path or query): one
  // request per key, the key percent-encoded in its place. Without: one
  // request per batch of keys, named in `keys_header`. Required.
  std::string url_template{};
  // An HTTP method token. Default: "POST".
  std::string method = "POST";
  // Extra request headers, e.g. {"Fastly-Key", token}; names are HTTP
  // tokens, values have no control characters. Never logged.
  // Default: none.
  std::vector<std::pair<std::string, std::string>> headers{};
  // The batch form's header holding the keys, separated by spaces.
  // Default: "Surrogate-Key".
  std::string keys_header = "Surrogate-Key";
  // Keys per batch request; 1..10,000. Default: 256 (Fastly's limit).
  size_t max_keys_per_request = 256;
};

struct EdgePurgerOptions {
  // The store whose change feed is followed from its current version. Not
  // owned; must outlive the purger. Required.
  Store* store = nullptr;
  // Varnish instances with the xkey vmod, "host:port" ("[::1]:6081" for
  // IPv6), sent PURGE / over plain HTTP. Default: none.
  std::vector<std::string> varnish{};
  // CDN purge APIs. Default: none. At least one Varnish or CDN is required.
  std::vector<CdnPurgeOptions> cdns{};
  // The collections whose changes are purged. Default: empty, meaning
  // TaggedCollections() (surrogate_keys.h): those the Api tags answers with.
  std::vector<std::string> collections{};

  // This node's caches, which must hold a change before the edge is told
  // to refetch (see Ordering above). Not owned; must outlive the purger.
  // Default: none of each.
  const campaign::DeliveryView* delivery_view = nullptr;
  const TieredCache* read_cache = nullptr;
  // A host's own cache: returns once it has applied version v, or an error
  // after `timeout`. Called on the purger's thread. Default: none.
  std::function<absl::Status(uint64_t version, absl::Duration timeout)> wait_for_applied{};
  // The longest a purge waits for those caches; 0..1 min (0: no wait).
  // Default: 2 s.
  absl::Duration apply_timeout = absl::Seconds(2);

  // How long keys gather before they are sent (from the first change of a
  // batch); 0..10 s. Default: 20 ms.
  absl::Duration coalesce_window = absl::Milliseconds(20);
  // Record keys ("c/id") pending at most, per target; beyond, the
  // collection keys stand in for them; 1..1,000,000. Default: 10,000.
  size_t max_pending_keys = 10'000;
  // Failures in a row after which a target's pending keys are dropped;
  // 1..1,000. Default: 8.
  int max_attempts = 8;
  // The wait before the first retry, doubled at each failure up to
  // max_backoff; both 1 ms..10 min, initial <= max.
  // Default: 100 ms and 10 s.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Connecting (and the TLS handshake); 1 ms..1 min. Default: 1 s.
  absl::Duration connect_timeout = absl::Seconds(1);
  // Sending a request and reading its answer, each; 1 ms..5 min.
  // Default: 5 s.
  absl::Duration request_timeout = absl::Seconds(5);
  // https: a PEM file of trusted CA certificates; "": the system's store.
  // Default: "".
  std::string ca_file{};
  // Told about each failed request, each dropped batch and each purge
  // sent before the caches reached its changes (a message names a target
  // by scheme, host and port, never by a path, query or header value).
  // Called on the purger's thread; must not call Stop. Default: none.
  std::function<void(const absl::Status&)> on_error{};
};

struct EdgePurgerStats {
  uint64_t changes_seen = 0;         // changes of the purged collections
  uint64_t purge_requests = 0;       // requests answered 2xx
  uint64_t keys_purged = 0;          // keys in those requests (a key sent to 2 targets: 2)
  uint64_t failures = 0;             // requests that failed
  uint64_t keys_dropped = 0;         // keys given up (max_attempts, refused)
  uint64_t overflows = 0;            // pending sets that fell back to collection keys
  uint64_t apply_timeouts = 0;       // batches purged before the caches reached them
  uint64_t feed_gaps = 0;            // change feed lost: every collection purged
  uint64_t purged_version = 0;       // newest change version purged at every target
  size_t pending_keys = 0;           // keys waiting, over all targets
  // From the first change of the last purged batch being seen to the last
  // target acknowledging it.
  absl::Duration last_lag = absl::ZeroDuration();
};

// Checks `options` as Start does, except that no store is needed (a
// host's settings are checked before the store opens).
// Errors: InvalidArgument naming the option.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateEdgePurgerOptions(
    const EdgePurgerOptions& options);

class MARQUEE_EXPORT EdgePurger {
 public:
  // Validates `options`, watches the store from its current version and
  // starts the purger's thread.
  // Errors: InvalidArgument (naming the option: no store, no target, a
  // bad "host:port", URL, method, header or limit), those of Store::Watch.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EdgePurger>> Start(
      EdgePurgerOptions options);

  // Stop().
  ~EdgePurger();
  EdgePurger(const EdgePurger&) = delete;
  EdgePurger& operator=(const EdgePurger&) = delete;

  // Stops following the store, sends what is pending once (no retries, no
  // wait for the window) and joins the thread. Idempotent.
  void Stop();

  EdgePurgerStats stats() const;

 private:
  struct Impl;
  explicit EdgePurger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_EDGE_PURGER_H_
