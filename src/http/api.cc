// Api: option checks, the route table, and Handle's outer rules (the
// request-target, the method token, auth, rate limits, content codings,
// CORS, metrics; no exception escapes).
#include "marquee/http/api.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/authorizer.h"
#include "http/campaign_shape.h"
#include "http/content_coding.h"
#include "http/cors.h"
#include "http/rate_limiter.h"
#include "http/request_metrics.h"
#include "http/poll_stream.h"
#include "http/router.h"
#include "http/surrogate_keys.h"
#include "http/text_internal.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http {

struct Api::Impl {
  Impl(internal::ApiContext c, internal::Authorizer a)
      : context(std::move(c)), authorizer(std::move(a)) {
    const RateLimitOptions& limits = context.options.rate_limits;
    if (limits.per_key_per_second > 0) {
      per_key.emplace(limits.per_key_per_second, limits.per_key_burst, limits.max_tracked_keys);
    }
    if (limits.per_address_per_second > 0) {
      per_address.emplace(limits.per_address_per_second, limits.per_address_burst,
                          limits.max_tracked_keys);
    }
  }

  // Everything between a parsed target and the route's answer.
  Response Serve(const Request& request, const Target& target, internal::RouteClass route_class,
                 std::string_view* matched_pattern) const;
  // 429 when a delivery request finds its bucket empty.
  std::optional<Response> RateLimit(const Request& request,
                                    const internal::Principal& principal) const;

  internal::ApiContext context;
  internal::Authorizer authorizer;
  internal::Router router;
  mutable internal::RequestMetrics metrics;
  mutable std::optional<internal::RateLimiter> per_key;
  mutable std::optional<internal::RateLimiter> per_address;
};

namespace {

constexpr size_t kMaxMethodBytes = 32;

absl::Status CheckOptions(const ApiOptions& options) {
  if (options.store == nullptr) return absl::InvalidArgumentError("store: required");
  if (options.campaigns == nullptr) return absl::InvalidArgumentError("campaigns: required");
  if (options.max_body_bytes == 0 || options.max_body_bytes > (size_t{1} << 30)) {
    return absl::InvalidArgumentError("max_body_bytes: must be within [1, 1 GiB]");
  }
  if (options.max_json_depth == 0 || options.max_json_depth > 1024) {
    return absl::InvalidArgumentError("max_json_depth: must be within [1, 1024]");
  }
  if (options.max_page_size == 0 || options.max_page_size > 1000) {
    return absl::InvalidArgumentError("max_page_size: must be within [1, 1000]");
  }
  if (options.default_page_size == 0 || options.default_page_size > options.max_page_size) {
    return absl::InvalidArgumentError("default_page_size: must be within [1, max_page_size]");
  }
  for (const auto& [name, value] :
       {std::pair<std::string_view, const std::string*>{"campaign_cache_control",
                                                        &options.campaign_cache_control},
        {"decide_cache_control", &options.decide_cache_control},
        {"features_cache_control", &options.features_cache_control}}) {
    for (char c : *value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        return absl::InvalidArgumentError(absl::StrCat(internal::Sv(name), ": control characters"));
      }
    }
  }
  if (options.strong_read_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("strong_read_timeout: must be > 0");
  }
  if (options.target_limits.max_target_bytes == 0 || options.target_limits.max_query_params == 0) {
    return absl::InvalidArgumentError("target_limits: must be positive");
  }
  const RateLimitOptions& limits = options.rate_limits;
  auto valid_rate = [](double rate, double burst) {
    return rate >= 0 && rate <= 1e9 && burst >= 1 && burst <= 1e9;
  };
  if (!valid_rate(limits.per_key_per_second, limits.per_key_burst) ||
      !valid_rate(limits.per_address_per_second, limits.per_address_burst) ||
      limits.max_tracked_keys < 16 || limits.max_tracked_keys > 10'000'000) {
    return absl::InvalidArgumentError(
        "rate_limits: rates must be within [0, 1e9], bursts within [1, 1e9], "
        "max_tracked_keys within [16, 10,000,000]");
  }
  if (options.cors_max_age < absl::ZeroDuration() || options.cors_max_age > absl::Hours(24)) {
    return absl::InvalidArgumentError("cors_max_age: must be within [0, 1 day]");
  }
  for (const std::string& origin : options.cors_origins) {
    for (char c : origin) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) {
        return absl::InvalidArgumentError("cors_origins: no spaces or control characters");
      }
    }
  }
  return absl::OkStatus();
}

// The method label of a metric: arbitrary client tokens would make
// unbounded series.
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

// "203.0.113.7:51234" -> "203.0.113.7"; "[2001:db8::1]:443" -> "2001:db8::1".
std::string_view AddressWithoutPort(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    const size_t close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  const size_t colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

Response TooManyRequests(absl::Duration wait) {
  Response response = ProblemResponse(
      MakeProblem(429, "Too many requests from this client; retry after the given delay."));
  const int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  response.headers.Set("Retry-After", std::to_string(seconds));
  return response;
}

// A random per-process key: cursors from it die with the process.
absl::StatusOr<CursorKey> EphemeralCursorKey() {
  CursorKey key{.id = "ephemeral"};
  try {
    std::random_device random;
    key.secret.reserve(32);
    for (int i = 0; i < 8; ++i) {
      const uint32_t word = random();
      for (int b = 0; b < 4; ++b) key.secret.push_back(static_cast<char>((word >> (8 * b)) & 0xFF));
    }
  } catch (const std::exception&) {
    return absl::InternalError("no source of randomness for the cursor key");
  }
  return key;
}

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  if (text.empty() || text.size() > kMaxMethodBytes) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Api>> Api::Create(ApiOptions options) {
  MARQUEE_RETURN_IF_ERROR(CheckOptions(options));
  CursorKey cursor_key;
  if (options.cursor_key.has_value()) {
    cursor_key = *options.cursor_key;
  } else {
    MARQUEE_ASSIGN_OR_RETURN(cursor_key, EphemeralCursorKey());
  }
  absl::StatusOr<std::unique_ptr<Paginator>> paginator =
      Paginator::Create(options.store, {.current_key = cursor_key,
                                        .default_limit = options.default_page_size,
                                        .max_limit = options.max_page_size,
                                        .cursor_ttl = options.cursor_ttl,
                                        .clock = options.clock});
  if (!paginator.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor_key, page sizes or cursor_ttl: ", paginator.status().message()));
  }
  absl::StatusOr<ApiViews> campaign_views = internal::CampaignApiViews();
  if (!campaign_views.ok()) return campaign_views.status();
  absl::StatusOr<std::unique_ptr<Cache<internal::RenderedBody>>> campaign_bodies =
      Cache<internal::RenderedBody>::Create({.capacity_bytes = size_t{16} << 20});
  if (!campaign_bodies.ok()) return campaign_bodies.status();
  absl::StatusOr<internal::Authorizer> authorizer =
      internal::Authorizer::Create(options.auth, options.clock);
  if (!authorizer.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("auth: ", authorizer.status().message()));
  }
  auto impl = std::make_unique<Impl>(
      internal::ApiContext{.options = std::move(options),
                           .paginator = *std::move(paginator),
                           .campaign_views = *std::move(campaign_views),
                           .campaign_bodies = *std::move(campaign_bodies)},
      *std::move(authorizer));
  MARQUEE_RETURN_IF_ERROR(internal::AddHealthRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(
      internal::AddMetricsRoute(&impl->context, &impl->metrics, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddCampaignRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddSegmentRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddDecideRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddFeatureRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddFeatureDefinitionRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddPollRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddEventRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddProfileRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddWebhookRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddOpenApiRoutes(&impl->context, &impl->router));
  return std::unique_ptr<Api>(new Api(std::move(impl)));
}

Api::Api(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Api::~Api() = default;

std::optional<Response> Api::Impl::RateLimit(const Request& request,
                                             const internal::Principal& principal) const {
  const Clock* clock = context.options.clock != nullptr ? context.options.clock : Clock::Real();
  const absl::Time now = clock->Now();
  std::optional<absl::Duration> wait;
  if (per_address) wait = per_address->Acquire(AddressWithoutPort(request.remote_address), now);
  if (!wait && per_key) wait = per_key->Acquire(principal.key_name, now);
  if (!wait) return std::nullopt;
  return TooManyRequests(*wait);
}

Response Api::Impl::Serve(const Request& request, const Target& target,
                          internal::RouteClass route_class,
                          std::string_view* matched_pattern) const {
  absl::StatusOr<internal::Principal> principal = authorizer.Authorize(request, target);
  if (!principal.ok()) {
    return absl::IsPermissionDenied(principal.status()) ? internal::Authorizer::Forbidden()
                                                        : internal::Authorizer::Unauthorized();
  }
  if (route_class == internal::RouteClass::kDelivery) {
    if (std::optional<Response> limited = RateLimit(request, *principal)) return *limited;
  }
  // Most requests are served as they came; a coded body or a suffixed
  // entity-tag needs a rewritten copy.
  const std::optional<std::string_view> coding = request.headers.Get("Content-Encoding");
  const bool conditional = request.headers.Has("If-Match") || request.headers.Has("If-None-Match");
  if (!coding && !conditional) {
    return router.Dispatch(request, target, &*principal, matched_pattern);
  }
  Request rewritten = request;
  if (coding) {
    absl::StatusOr<std::string> body =
        internal::InflateBody(request.body, *coding, context.options.max_body_bytes);
    if (!body.ok()) {
      const int status = absl::IsOutOfRange(body.status())      ? 413
                         : absl::IsUnimplemented(body.status()) ? 415
                                                                : 400;
      return ProblemResponse(MakeProblem(status, internal::StdSv(body.status().message())));
    }
    rewritten.body = *std::move(body);
    rewritten.headers.Remove("Content-Encoding");
  }
  internal::StripCodingSuffixes(rewritten.headers);
  return router.Dispatch(rewritten, target, &*principal, matched_pattern);
}

size_t Api::live_streams() const {
  return impl_->context.streams ? internal::LiveStreams(*impl_->context.streams) : 0;
}

std::vector<RouteInfo> Api::Routes() const {
  std::vector<RouteInfo> routes;
  for (auto& [method, pattern] : impl_->router.Routes()) {
    routes.push_back({.method = std::move(method), .pattern = std::move(pattern)});
  }
  return routes;
}

Response Api::Handle(const Request& request) const {
  const absl::Time start = absl::Now();
  std::string_view matched_pattern;
  Response response;
  try {
    if (!IsToken(request.method)) {
      response = ProblemResponse(MakeProblem(400, "The method is not a valid token."));
    } else if (absl::StatusOr<Target> target =
                   ParseTarget(request.target, impl_->context.options.target_limits);
               !target.ok()) {
      response = absl::IsOutOfRange(target.status())
                     ? ProblemResponse(
                           MakeProblem(414, internal::StdSv(target.status().message())))
                     : ProblemResponse(target.status());
    } else {
      const internal::RouteClass route_class = internal::ClassifyRoute(request.method, *target);
      response = impl_->Serve(request, *target, route_class, &matched_pattern);
      internal::AddSurrogateKeys(request.method, matched_pattern, *target, response);
      if (internal::IsDeliveryPath(*target)) {
        internal::ApplyCors(impl_->context.options.cors_origins,
                            impl_->context.options.cors_max_age, request, response);
      }
    }
    if (impl_->context.options.compress_responses && request.method != "HEAD") {
      internal::CompressResponse(internal::NegotiateCoding(request.headers.Get("Accept-Encoding")),
                                 response);
    }
  } catch (const std::exception& e) {
    // bad_alloc and the like: what() goes to on_server_error, never out.
    response = impl_->context.Error(request, absl::InternalError(e.what()));
  }
  impl_->metrics.Observe(matched_pattern.empty() ? std::string_view("unmatched") : matched_pattern,
                         MethodLabel(request.method), response.status, absl::Now() - start);
  return response;
}

}  // namespace marquee::http
