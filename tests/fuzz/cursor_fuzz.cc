// Fuzz target: the cursor decoder.
//
// The first input byte picks what the rest is:
//   even  cursor text for CursorCodec::Decode (base64url, signature, age)
//   odd   the payload fields behind the signature, for ParseCursorFields,
//         which a random text almost never reaches through Decode
// Properties: nothing crashes; every refusal is InvalidArgument; a cursor
// that decodes, or whose fields parse, encodes, signs and decodes back to
// the same content. (The seeds include texts signed with the target's key,
// so mutations of valid cursors are explored too.)
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "fuzz_target.h"
#include "internal/cursor_format.h"
#include "marquee/clock.h"
#include "marquee/page.h"

namespace {

const marquee::CursorCodec& Codec() {
  static const marquee::CursorCodec* codec = [] {
    absl::StatusOr<marquee::CursorCodec> created = marquee::CursorCodec::Create(
        {.current_key = {.id = "fuzz", .secret = std::string(32, 'k')},
         .previous_key = marquee::CursorKey{.id = "old", .secret = std::string(40, 'o')},
         .ttl = absl::InfiniteDuration()});
    FuzzCheck(created.ok(), "the fuzz codec's options are refused");
    return new marquee::CursorCodec(*std::move(created));
  }();
  return *codec;
}

bool SameContent(const marquee::Cursor& a, const marquee::Cursor& b) {
  return a.collection == b.collection && a.index == b.index && a.direction == b.direction &&
         a.inclusive == b.inclusive && a.position == b.position &&
         a.sort_fingerprint == b.sort_fingerprint && a.filter_fingerprint == b.filter_fingerprint;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    absl::StatusOr<marquee::Cursor> decoded = Codec().Decode(rest);
    if (!decoded.ok()) {
      FuzzCheck(absl::IsInvalidArgument(decoded.status()), "a bad cursor gave a code other than InvalidArgument");
      return 0;
    }
    // Accepted: the seeds are cursors this codec signed. What it accepts,
    // it must reproduce.
    absl::StatusOr<std::string> again = Codec().Encode(*decoded);
    FuzzCheck(again.ok(), "an accepted cursor cannot be encoded again");
    absl::StatusOr<marquee::Cursor> back = Codec().Decode(*again);
    FuzzCheck(back.ok() && SameContent(*decoded, *back), "an accepted cursor changed in a round trip");
    return 0;
  }
  absl::StatusOr<marquee::Cursor> parsed = marquee::internal::ParseCursorFields(rest);
  if (!parsed.ok()) {
    FuzzCheck(absl::IsInvalidArgument(parsed.status()), "malformed fields gave a code other than InvalidArgument");
    return 0;
  }
  absl::StatusOr<std::string> text = Codec().Encode(*parsed);
  if (!text.ok()) {
    // Parsing is laxer than encoding in one way only: a parsed cursor may be
    // too long for max_cursor_bytes once signed and encoded.
    FuzzCheck(absl::IsOutOfRange(text.status()) || absl::IsInvalidArgument(text.status()),
              "encoding a parsed cursor failed unexpectedly");
    return 0;
  }
  absl::StatusOr<marquee::Cursor> back = Codec().Decode(*text);
  FuzzCheck(back.ok(), "a cursor the codec signed was refused");
  FuzzCheck(SameContent(*parsed, *back), "a cursor changed in an encode/decode round trip");
  return 0;
}
