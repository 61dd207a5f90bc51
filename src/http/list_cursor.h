// The opaque "after" cursor of GET /v1/campaigns: the repository's
// continuation position (a ScanPosition) sealed by marquee::CursorCodec, so
// it is URL-safe, signed, expires, and names the listing it belongs to.
// A cursor carries the collection, the index the listing walks ("" for all
// campaigns by id, "by_status" for one status) and a fingerprint of the
// status filter, so one issued for ?status=live is refused for
// ?status=draft or for the unfiltered list.
#ifndef MARQUEE_SRC_HTTP_LIST_CURSOR_H_
#define MARQUEE_SRC_HTTP_LIST_CURSOR_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/campaign/campaign.h"
#include "marquee/page.h"
#include "marquee/store.h"

namespace marquee::http::internal {

class ListCursors {
 public:
  // Errors: those of CursorCodec::Create.
  [[nodiscard]] static absl::StatusOr<ListCursors> Create(CursorCodecOptions options);

  // The cursor continuing the campaign listing filtered by `status` at
  // `position`.
  // Errors: those of CursorCodec::Encode.
  [[nodiscard]] absl::StatusOr<std::string> EncodeCampaigns(
      std::optional<campaign::CampaignStatus> status, const ScanPosition& position) const;

  // The position in `text`, which must have been issued for the campaign
  // listing filtered by `status`.
  // Errors: InvalidArgument (CursorCodec::Decode's reasons; issued for
  // another listing, another filter, or as a "before" cursor).
  [[nodiscard]] absl::StatusOr<ScanPosition> DecodeCampaigns(
      std::optional<campaign::CampaignStatus> status, std::string_view text) const;

 private:
  explicit ListCursors(CursorCodec codec) : codec_(std::move(codec)) {}
  CursorCodec codec_;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_LIST_CURSOR_H_
