// CheckJsonContentType: media type and parameters, case-insensitively.
#include "http/media_type.h"

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"

namespace marquee::http::internal {

absl::Status CheckJsonContentType(const Headers& headers, std::string_view media_type) {
  std::vector<std::string_view> fields = headers.GetAll("Content-Type");
  if (fields.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Content-Type: missing; send ", Sv(media_type)));
  }
  if (fields.size() > 1) {
    return absl::InvalidArgumentError("Content-Type: sent more than once");
  }
  std::string_view value = fields.front();
  const size_t semicolon = value.find(';');
  if (!EqualsIgnoreCase(TrimOws(value.substr(0, semicolon)), media_type)) {
    return absl::InvalidArgumentError(absl::StrCat("Content-Type: must be ", Sv(media_type)));
  }
  std::string_view params =
      semicolon == std::string_view::npos ? std::string_view() : value.substr(semicolon + 1);
  while (!params.empty()) {
    const size_t next = params.find(';');
    std::string_view param = TrimOws(params.substr(0, next));
    params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
    if (param.empty()) continue;
    const size_t equals = param.find('=');
    std::string_view key = TrimOws(param.substr(0, equals));
    std::string_view val =
        equals == std::string_view::npos ? std::string_view() : TrimOws(param.substr(equals + 1));
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
      val = val.substr(1, val.size() - 2);
    }
    if (EqualsIgnoreCase(key, "charset") && !EqualsIgnoreCase(val, "utf-8")) {
      return absl::InvalidArgumentError("Content-Type: charset must be utf-8");
    }
  }
  return absl::OkStatus();
}

}  // namespace marquee::http::internal
