// Api: option checks, the route table, and Handle's outer rules (the
// request-target, the method token, no exception escapes).
#include "marquee/http/api.h"

#include <exception>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/api_internal.h"
#include "http/router.h"
#include "http/text_internal.h"
#include "marquee/http/problem.h"
#include "marquee/status.h"

namespace marquee::http {

struct Api::Impl {
  explicit Impl(internal::ApiContext c) : context(std::move(c)) {}
  internal::ApiContext context;
  internal::Router router;
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
  if (options.target_limits.max_target_bytes == 0 || options.target_limits.max_query_params == 0) {
    return absl::InvalidArgumentError("target_limits: must be positive");
  }
  return absl::OkStatus();
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
  CursorCodecOptions codec_options{.ttl = options.cursor_ttl, .clock = options.clock};
  if (options.cursor_key.has_value()) {
    codec_options.current_key = *options.cursor_key;
  } else {
    MARQUEE_ASSIGN_OR_RETURN(codec_options.current_key, EphemeralCursorKey());
  }
  absl::StatusOr<internal::ListCursors> cursors =
      internal::ListCursors::Create(std::move(codec_options));
  if (!cursors.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor_key or cursor_ttl: ", cursors.status().message()));
  }
  auto impl = std::make_unique<Impl>(
      internal::ApiContext{.options = std::move(options), .cursors = *std::move(cursors)});
  MARQUEE_RETURN_IF_ERROR(internal::AddHealthRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddCampaignRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddSegmentRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddDecideRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddFeatureRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddPollRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddEventRoutes(&impl->context, &impl->router));
  MARQUEE_RETURN_IF_ERROR(internal::AddProfileRoutes(&impl->context, &impl->router));
  return std::unique_ptr<Api>(new Api(std::move(impl)));
}

Api::Api(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Api::~Api() = default;

Response Api::Handle(const Request& request) const {
  try {
    if (!IsToken(request.method)) {
      return ProblemResponse(MakeProblem(400, "The method is not a valid token."));
    }
    absl::StatusOr<Target> target =
        ParseTarget(request.target, impl_->context.options.target_limits);
    if (!target.ok()) {
      if (absl::IsOutOfRange(target.status())) {
        return ProblemResponse(MakeProblem(414, internal::StdSv(target.status().message())));
      }
      return ProblemResponse(target.status());
    }
    return impl_->router.Dispatch(request, *target);
  } catch (const std::exception& e) {
    // bad_alloc and the like: what() goes to on_server_error, never out.
    return impl_->context.Error(request, absl::InternalError(e.what()));
  }
}

}  // namespace marquee::http
