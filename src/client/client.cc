// Client: connections, the revalidation cache, retries with backoff and the
// circuit breaker around every call (typed calls are in campaign_calls.cc).
#include "marquee/client/client.h"

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/backoff.h"
#include "client/circuit_breaker.h"
#include "client/client_impl.h"
#include "client/response_cache.h"

namespace marquee::client {
namespace {

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool WholeMillisecondsInRange(absl::Duration d) {
  return d >= absl::Milliseconds(1) && d <= absl::Hours(1) &&
         d == absl::Milliseconds(absl::ToInt64Milliseconds(d));
}

absl::Status Validate(const ClientOptions& o) {
  if (o.base_url.rfind("http://", 0) != 0 && o.base_url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ClientOptions.base_url must start with http:// or https://, got '",
                     o.base_url, "'"));
  }
  const size_t host_start = o.base_url.find("//") + 2;
  if (host_start >= o.base_url.size() || o.base_url.find('/', host_start) != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ClientOptions.base_url must be scheme://host[:port] without a path, got '", o.base_url,
        "'"));
  }
  if (!WholeMillisecondsInRange(o.connect_timeout) || !WholeMillisecondsInRange(o.io_timeout)) {
    return absl::InvalidArgumentError(
        "ClientOptions.connect_timeout and io_timeout must be whole milliseconds in 1ms..1h");
  }
  const RetryPolicy& r = o.retry;
  if (r.max_attempts < 1 || r.max_attempts > 10) {
    return absl::InvalidArgumentError("RetryPolicy.max_attempts must be in 1..10");
  }
  if (r.initial_backoff < absl::ZeroDuration() || r.max_backoff < r.initial_backoff ||
      !(r.multiplier >= 1.0) || !(r.jitter >= 0.0 && r.jitter <= 1.0)) {
    return absl::InvalidArgumentError(
        "RetryPolicy needs 0 <= initial_backoff <= max_backoff, multiplier >= 1 and jitter in "
        "[0, 1]");
  }
  if (o.breaker.failure_threshold < 0 || o.breaker.open_for < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "CircuitBreakerOptions needs failure_threshold >= 0 and open_for >= 0");
  }
  return absl::OkStatus();
}

void SetTimeout(absl::Duration d, void (httplib::Client::*set)(time_t, time_t),
                httplib::Client& c) {
  const int64_t ms = absl::ToInt64Milliseconds(d);
  (c.*set)(static_cast<time_t>(ms / 1000), static_cast<time_t>((ms % 1000) * 1000));
}

}  // namespace

Client::Impl::Impl(ClientOptions o)
    : options(std::move(o)),
      clock(options.clock != nullptr ? options.clock : Clock::Real()),
      breaker(options.breaker),
      cache(options.cache_entries, options.cache_max_body_bytes),
      random(std::random_device{}()) {}

std::unique_ptr<httplib::Client> Client::Impl::AcquireConnection() {
  {
    std::lock_guard lock(pool_mu);
    if (!idle.empty()) {
      std::unique_ptr<httplib::Client> c = std::move(idle.back());
      idle.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::Client>(options.base_url);
  c->set_keep_alive(true);
  SetTimeout(options.connect_timeout, &httplib::Client::set_connection_timeout, *c);
  SetTimeout(options.io_timeout, &httplib::Client::set_read_timeout, *c);
  SetTimeout(options.io_timeout, &httplib::Client::set_write_timeout, *c);
  return c;
}

void Client::Impl::ReleaseConnection(std::unique_ptr<httplib::Client> c) {
  std::lock_guard lock(pool_mu);
  if (idle.size() < options.max_idle_connections) idle.push_back(std::move(c));
}

double Client::Impl::Uniform() {
  std::lock_guard lock(random_mu);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

absl::StatusOr<Reply> Client::Impl::Attempt(const Call& call, const std::string* if_none_match) {
  httplib::Request request;
  request.method = call.method;
  request.path = call.target;
  for (const auto& [name, value] : call.headers.fields()) request.headers.emplace(name, value);
  if (!options.api_key.empty() && !call.headers.Has("Authorization")) {
    request.headers.emplace("Authorization", absl::StrCat("Bearer ", options.api_key));
  }
  if (if_none_match != nullptr) request.headers.emplace("If-None-Match", *if_none_match);
  if (!call.body.empty()) {
    if (!call.headers.Has("Content-Type")) {
      request.headers.emplace("Content-Type", "application/json");
    }
    request.body = call.body;
  }
  // cpp-httplib 0.11 (Debian 12's) reads a 304 without Content-Length as a
  // body that ends at the connection's close, so a revalidation against a
  // server that (rightly, RFC 9110 §15.4.5) sends none, as marquee-server
  // does, waited for the read timeout. A 304 has no body: stop after its
  // header, keep what it said, and drop the connection (its state is
  // cpp-httplib's to know).
  std::optional<httplib::Response> not_modified;
  request.response_handler = [&not_modified](const httplib::Response& head) {
    if (head.status != 304) return true;
    not_modified = head;
    return false;
  };
  std::unique_ptr<httplib::Client> connection = AcquireConnection();
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool sent = connection->send(request, response, error);
  if (!sent && not_modified && error == httplib::Error::Canceled) {
    Reply reply{.status = 304};
    for (const auto& [name, value] : not_modified->headers) reply.headers.Add(name, value);
    return reply;
  }
  if (!sent) {
    // The connection's state is unknown: drop it rather than reuse it.
    const std::string what = httplib::to_string(error);
    if (error == httplib::Error::ConnectionTimeout) {
      return absl::DeadlineExceededError(absl::StrCat("connecting to ", options.base_url, ": ", what));
    }
    return absl::UnavailableError(absl::StrCat(call.method, " ", options.base_url, call.target,
                                               ": ", what));
  }
  ReleaseConnection(std::move(connection));
  Reply reply{.status = response.status, .body = std::move(response.body)};
  for (const auto& [name, value] : response.headers) reply.headers.Add(name, value);
  return reply;
}

absl::StatusOr<Reply> Client::Impl::Send(const Call& call) {
  if (call.target.empty() || call.target.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("a call's target must start with '/', got '", call.target, "'"));
  }
  const bool is_get = call.method == "GET";
  const int attempts = IsIdempotent(call.method) ? options.retry.max_attempts : 1;
  std::optional<Reply> cached;
  std::optional<std::string> cached_etag;
  if (is_get) {
    cached = cache.Get(call.target);
    if (cached) {
      if (std::optional<std::string_view> etag = cached->headers.Get("ETag")) {
        cached_etag = std::string(*etag);
      }
    }
  }
  absl::Status last_error;
  std::optional<Reply> last_reply;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) absl::SleepFor(internal::BackoffDelay(options.retry, attempt - 1, Uniform()));
    if (!breaker.Allow(clock->Now())) {
      fast_failures.fetch_add(1, std::memory_order_relaxed);
      return absl::UnavailableError(absl::StrCat(
          "circuit breaker open: ", options.base_url,
          " failed repeatedly; failing fast until a trial call succeeds"));
    }
    absl::StatusOr<Reply> reply = Attempt(call, cached_etag ? &*cached_etag : nullptr);
    if (!reply.ok()) {
      breaker.Record(false, clock->Now());
      last_error = reply.status();
      last_reply.reset();
      continue;
    }
    if (reply->status >= 500) {
      breaker.Record(false, clock->Now());
      last_reply = *std::move(reply);
      continue;
    }
    breaker.Record(true, clock->Now());
    if (is_get) {
      if (reply->status == 304 && cached) {
        cached->from_cache = true;
        return *std::move(cached);
      }
      // Only identity bodies are kept: the cache is keyed by target alone,
      // and a later call may not accept the coding a caller asked for.
      if (reply->status == 200 && reply->headers.Has("ETag") &&
          !reply->headers.Has("Content-Encoding")) {
        cache.Put(call.target, *reply);
      } else {
        cache.Erase(call.target);
      }
    } else if (reply->status < 400) {
      // A write to a resource makes its cached GET stale.
      cache.Erase(call.target);
    }
    return reply;
  }
  if (last_reply) return *std::move(last_reply);
  return last_error;
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

absl::StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
  {
    httplib::Client probe(options.base_url);
    if (!probe.is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ClientOptions.base_url '", options.base_url, "' is not a valid URL"));
    }
  }
  return std::unique_ptr<Client>(new Client(std::make_unique<Impl>(std::move(options))));
}

absl::StatusOr<Reply> Client::Send(const Call& call) { return impl_->Send(call); }

uint64_t Client::fast_failures() const {
  return impl_->fast_failures.load(std::memory_order_relaxed);
}

}  // namespace marquee::client
