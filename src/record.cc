// Validation of collection names and record ids.
#include "marquee/record.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/json_text.h"

namespace marquee {
namespace {

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

}  // namespace

absl::Status ValidateCollectionName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("collection name is empty");
  if (name.size() > kMaxCollectionNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("collection name is ", name.size(),
                                                   " bytes; the limit is ",
                                                   kMaxCollectionNameBytes));
  }
  const auto bad = std::find_if_not(name.begin(), name.end(), IsNameChar);
  if (bad != name.end()) {
    // The name is short and known to be printable up to `bad`; escape it
    // anyway so that a control character cannot garble a log line.
    return absl::InvalidArgumentError(absl::StrCat(
        "collection name '", absl::CHexEscape(internal::Sv(name)),
        "' has a character outside [A-Za-z0-9_.-] at byte ", bad - name.begin()));
  }
  return absl::OkStatus();
}

absl::Status ValidateRecordId(std::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("record id is empty");
  if (id.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("record id is ", id.size(), " bytes; the limit is ", kMaxIdBytes));
  }
  // Fast path: most ids are printable ASCII, which needs no UTF-8 decoding
  // (Get validates its id on every call).
  if (std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c < 0x7F; })) {
    return absl::OkStatus();
  }
  if (const size_t bad = internal::FindInvalidUtf8(id); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("record id is not valid UTF-8 at byte ", bad));
  }
  // In valid UTF-8 every byte below 0x80 is a whole character, so a byte
  // test finds exactly U+0000..U+001F and U+007F.
  const auto control = std::find_if(id.begin(), id.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
  if (control != id.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record id has a control character at byte ", control - id.begin()));
  }
  return absl::OkStatus();
}

}  // namespace marquee
