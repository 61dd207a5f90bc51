// ListCursors: CursorCodec with the fingerprints of the campaign listings.
#include "http/list_cursor.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"
#include "marquee/campaign/collections.h"

namespace marquee::http::internal {
namespace {

// `text` cut or padded with NULs to kCursorFingerprintBytes. The texts used
// here are distinct within their first 16 bytes.
std::string Fingerprint(std::string_view text) {
  std::string out(text.substr(0, kCursorFingerprintBytes));
  out.resize(kCursorFingerprintBytes, '\0');
  return out;
}

std::string IndexOf(std::optional<campaign::CampaignStatus> status) {
  return status.has_value() ? std::string(campaign::kCampaignsByStatusIndex) : std::string();
}

// "s=<status>" (at most 11 bytes) or "s*" for no filter.
std::string FilterFingerprint(std::optional<campaign::CampaignStatus> status) {
  if (!status.has_value()) return Fingerprint("s*");
  return Fingerprint(absl::StrCat("s=", Sv(campaign::CampaignStatusName(*status))));
}

std::string SortFingerprint(std::optional<campaign::CampaignStatus> status) {
  return Fingerprint(status.has_value() ? "priority-desc,id" : "id");
}

}  // namespace

absl::StatusOr<ListCursors> ListCursors::Create(CursorCodecOptions options) {
  absl::StatusOr<CursorCodec> codec = CursorCodec::Create(std::move(options));
  if (!codec.ok()) return codec.status();
  return ListCursors(*std::move(codec));
}

absl::StatusOr<std::string> ListCursors::EncodeCampaigns(
    std::optional<campaign::CampaignStatus> status, const ScanPosition& position) const {
  Cursor cursor{.collection = std::string(campaign::kCampaignsCollection),
                .index = IndexOf(status),
                .direction = CursorDirection::kAfter,
                .position = position,
                .sort_fingerprint = SortFingerprint(status),
                .filter_fingerprint = FilterFingerprint(status)};
  return codec_.Encode(cursor);
}

absl::StatusOr<ScanPosition> ListCursors::DecodeCampaigns(
    std::optional<campaign::CampaignStatus> status, std::string_view text) const {
  absl::StatusOr<Cursor> cursor = codec_.Decode(text);
  if (!cursor.ok()) return cursor.status();
  if (cursor->collection != campaign::kCampaignsCollection || cursor->index != IndexOf(status) ||
      cursor->sort_fingerprint != SortFingerprint(status)) {
    return absl::InvalidArgumentError("cursor was issued for another listing");
  }
  if (cursor->filter_fingerprint != FilterFingerprint(status)) {
    return absl::InvalidArgumentError("cursor was issued for another status filter");
  }
  if (cursor->direction != CursorDirection::kAfter || cursor->inclusive) {
    return absl::InvalidArgumentError("cursor is not an 'after' cursor");
  }
  return std::move(cursor->position);
}

}  // namespace marquee::http::internal
