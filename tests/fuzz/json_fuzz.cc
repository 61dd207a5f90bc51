// Fuzz target: marquee::Json::Parse on arbitrary bytes.
//
// Properties: Parse never crashes; an accepted document's minified text is
// accepted again and is a fixed point (minifying twice changes nothing); a
// document over the limits is refused.
#include <string_view>

#include "fuzz_target.h"
#include "marquee/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<marquee::Json> parsed = marquee::Json::Parse(text, {.max_bytes = 1 << 20, .max_depth = 32});
  if (!parsed.ok()) return 0;
  FuzzCheck(parsed->size() <= size, "minified text is longer than the input");
  absl::StatusOr<marquee::Json> again = marquee::Json::Parse(parsed->text(), {.max_bytes = 1 << 20, .max_depth = 32});
  FuzzCheck(again.ok(), "minified text of an accepted document is refused");
  FuzzCheck(again->text() == parsed->text(), "minifying twice changed the text");
  return 0;
}
