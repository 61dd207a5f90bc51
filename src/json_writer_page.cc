// Pages as JSON: the object an HTTP API serves for one page of a listing
// (see marquee/json_writer.h for the shape).
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "marquee/json_writer.h"
#include "marquee/page.h"

namespace marquee {
namespace {

void WriteCursor(std::string_view key, const std::optional<std::string>& cursor,
                 JsonWriter* writer) {
  writer->Key(key);
  if (cursor.has_value()) {
    writer->String(*cursor);
  } else {
    writer->Null();
  }
}

}  // namespace

void WritePageJson(const Page& page, const PageJsonOptions& options, JsonWriter* writer) {
  writer->BeginObject().Key("items").BeginArray();
  // Where the items array is open: an item writer must come back to it.
  const size_t items_depth = writer->depth();
  for (size_t i = 0; i < page.items.size() && writer->ok(); ++i) {
    if (options.write_item) {
      options.write_item(page.items[i], writer);
    } else {
      WriteRecordJson(page.items[i], options.record, writer);
    }
    if (writer->ok() && writer->depth() != items_depth) {
      writer->Fail(absl::FailedPreconditionError(absl::StrCat(
          "page item ", i, ": the item writer left ",
          writer->depth() > items_depth ? "containers open" : "the items array closed")));
    }
  }
  writer->EndArray();
  WriteCursor("next", page.next, writer);
  WriteCursor("prev", page.prev, writer);
  writer->Key("has_more").Bool(page.has_more);
  writer->Key("limit").Uint(page.limit);
  writer->Key("limit_clamped").Bool(page.limit_clamped);
  writer->Key("scan_budget_exhausted").Bool(page.scan_budget_exhausted);
  writer->EndObject();
}

absl::Status AppendPageJson(const Page& page, std::string* out, const PageJsonOptions& options) {
  // Most of the output is the bodies; reserving once avoids regrowing midway.
  size_t expected = 160;
  for (const Record& item : page.items) expected += item.body.size() + item.id.size() + 160;
  out->reserve(out->size() + expected);
  // Misuse by an item writer is a caller's bug reported as a status, not a
  // reason to stop the program.
  JsonWriter writer(out, {.script_safe = options.script_safe,
                          .invalid_utf8 = InvalidUtf8::kReject,
                          .assert_on_misuse = false});
  WritePageJson(page, options, &writer);
  return writer.Finish();
}

}  // namespace marquee
