// marquee/json_writer.h — streaming JSON output without a DOM, and records as JSON.
//
// A JsonWriter appends one JSON document (RFC 8259) to a std::string as the
// caller walks its own data: BeginObject, Key, values, EndObject, and so on.
// Nothing is built in between, so writing costs about what the bytes cost.
// The output is minified and always valid JSON, or the writer has failed:
//   - strings are escaped per RFC 8259 §7 ('"', '\\' and U+0000..U+001F;
//     \b \f \n \r \t where a short form exists, \u00XX otherwise); '/' and
//     non-ASCII characters are copied as they are;
//   - invalid UTF-8 in a string or key is an error by default (InvalidArgument
//     naming the byte); JsonWriterOptions::invalid_utf8 can replace it with
//     U+FFFD instead, one per maximal ill-formed subpart (Unicode §3.9, as
//     browsers and Python decode), so a caller can write text from outside
//     that it does not want to reject;
//   - doubles are written in the shortest form that reads back to the same
//     double (std::to_chars); NaN and infinity have no JSON form and are an
//     error (InvalidArgument), never a silent null;
//   - a marquee::Json is spliced in as its minified text (already validated).
// An error message names the object member being written, if any.
// The first error sticks: later calls do nothing, status() reports it, and
// the string is cut back to the length it had when the writer was made, so a
// failed writer never leaves a partial document behind. Calls out of order
// (a Key outside an object, a value where a key is due, an End that does not
// match, a second top-level value) are misuse: FailedPrecondition, and in
// builds of Marquee without NDEBUG an assert() as well (see
// JsonWriterOptions::assert_on_misuse).
//
// WriteRecordJson / AppendRecordJson write a Record as the wire object
//   {"id":"spring","collection":"campaigns","version":"42","schema":2,
//    "created_at":"2024-03-01T09:30:00.000Z","updated_at":"...","body":{...}}
// with these decisions:
//   - "version" is a decimal string: versions are uint64 and JSON numbers
//     above 2^53 do not survive JavaScript's JSON.parse. It is also the ETag
//     value. To order two versions, compare lengths first, then the strings
//     (no leading zeros are ever written), or use BigInt.
//   - "schema" (the body's shape version, a uint32) is a number.
//   - timestamps are RFC 3339 in UTC with exactly three fractional digits,
//     truncated toward the past to the millisecond; a time outside the years
//     0000..9999 (including absl's infinite times) is an error.
//
// WritePageJson / AppendPageJson write a Page (marquee/page.h), as the HTTP
// API serves one, as the object
//   {"items":[...],"next":"<cursor>","prev":null,"has_more":true,"limit":50,
//    "limit_clamped":false,"scan_budget_exhausted":false}
// in that member order: each item as WriteRecordJson writes it, or as a
// caller's item writer renders it (an API version's view); "next" and
// "prev" are the page's cursors or null, never left out, so a client tests
// `page.next !== null`; "limit" is a number (at most PaginatorOptions'
// max_limit, far below 2^53). Page::scanned is internal and not written.
//   std::string body;
//   absl::Status s =
//       marquee::AppendPageJson(*page, &body, {.record = {.include_collection = false}});
// Thread-safety: a JsonWriter is not thread-safe; the free functions are.
//
//   std::string out;
//   marquee::JsonWriter w(&out);
//   w.BeginObject().Key("name").String("spring").Key("priority").Int(5);
//   w.Key("tags").BeginArray().String("sale").String("spring").EndArray();
//   w.EndObject();
//   if (absl::Status s = w.Finish(); !s.ok()) return s;
//   // out == R"({"name":"spring","priority":5,"tags":["sale","spring"]})"
#ifndef MARQUEE_JSON_WRITER_H_
#define MARQUEE_JSON_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/record.h"

namespace marquee {

struct Page;  // marquee/page.h

// What a JsonWriter does with a string or key that is not valid UTF-8.
enum class InvalidUtf8 : uint8_t {
  kReject,   // fail the writer with InvalidArgument naming the byte
  kReplace,  // write U+FFFD for each maximal ill-formed subpart
};

struct JsonWriterOptions {
  // Also escape what would let a string end an HTML <script> element or a
  // JavaScript string literal early, so the output can be embedded in a page:
  // every '<' becomes \u003c (this covers "</script" and "<!--", and needs no
  // look-behind across calls) and U+2028 / U+2029 become \u2028 / \u2029
  // (line terminators in JavaScript before ES2019). Applies to spliced Json
  // too. The output is still plain JSON that decodes to the same strings.
  // Default: false.
  bool script_safe = false;
  // See InvalidUtf8. Default: kReject.
  InvalidUtf8 invalid_utf8 = InvalidUtf8::kReject;
  // Deepest nesting of arrays and objects the writer opens; a Begin beyond it
  // fails with InvalidArgument. A spliced Json is not counted: it is already
  // bounded by the limits it was parsed with. Default: Json::Parse's
  // default, JsonLimits{}.max_depth (64).
  uint32_t max_depth = JsonLimits{}.max_depth;
  // In builds of Marquee without NDEBUG, misuse also stops the program with
  // assert(), at the call that went wrong. Set it to false where misuse is a
  // handled outcome, such as a writer whose calls follow input from outside.
  // Either way misuse fails the writer with FailedPrecondition. Default: true.
  bool assert_on_misuse = true;
};

class MARQUEE_EXPORT JsonWriter {
 public:
  // Appends to `*out`, which must outlive the writer; what `*out` already
  // holds is kept. Nothing else may append to `*out` while the writer is
  // in use.
  explicit JsonWriter(std::string* out, const JsonWriterOptions& options = {});
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Containers. Errors (through status()): InvalidArgument (nesting deeper
  // than max_depth), FailedPrecondition (misuse, see above).
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();

  // The name of the next member of the innermost object.
  // Errors: InvalidArgument (invalid UTF-8 under kReject),
  // FailedPrecondition (not in an object, or a key already waits for its value).
  JsonWriter& Key(std::string_view key);

  // Values. Errors: as for Key; Double also InvalidArgument for NaN and
  // infinity; all FailedPrecondition where a value is not allowed.
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Splices a validated document as one value (its minified text).
  JsonWriter& Raw(const Json& value);

  // Fails the writer with `error` unless it has failed already; for
  // functions that write through a JsonWriter and find an error of their own
  // (WriteRecordJson does). An OK `error` is ignored.
  void Fail(absl::Status error);

  // The first error, or OK.
  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  // True when one whole top-level value has been written without error.
  bool complete() const { return status_.ok() && done_; }
  // Arrays and objects open now.
  size_t depth() const { return open_.size(); }
  // The options the writer was made with.
  const JsonWriterOptions& options() const { return options_; }

  // Call after the last value: the first error, else OK when the document is
  // complete. An incomplete document fails the writer (so `*out` is cut back).
  // Errors: as above; FailedPrecondition (nothing written, or containers
  // still open).
  [[nodiscard]] absl::Status Finish();

 private:
  bool BeforeValue();
  void AfterValue();
  void Begin(char kind);
  void End(char kind);
  void Misuse(std::string_view what);
  void AppendString(std::string_view value, bool is_key, char before, char after);
  std::string MemberName() const;

  std::string* out_;
  size_t start_;  // out_->size() at construction: where a failure cuts back to
  JsonWriterOptions options_;
  // '{' or '[' per open container, innermost last (a std::string: no
  // allocation up to 15 levels).
  std::string open_;
  bool empty_ = true;       // the innermost container has no element yet
  bool key_ready_ = false;  // a Key was written and waits for its value
  bool done_ = false;       // the top-level value is complete
  // Where the last key's literal is in *out_, quotes included (for messages).
  size_t key_begin_ = 0;
  size_t key_end_ = 0;
  absl::Status status_;
};

struct RecordJsonOptions {
  // Write "collection". An endpoint for one collection may leave it out.
  // Default: true.
  bool include_collection = true;
  // Write "schema", the version of the stored body's shape. Leave it out
  // when the body is rendered for an API version (marquee/api_view.h): the
  // client's shape is named by the API version, not the stored schema.
  // Default: true.
  bool include_schema = true;
  // Write "body". Default: true.
  bool include_body = true;
  // As JsonWriterOptions::script_safe; AppendRecordJson only (WriteRecordJson
  // uses its writer's options). Default: false.
  bool script_safe = false;
};

// Writes `record` as one JSON object value through `writer` (see the top of
// this file for the members and their forms). Errors go to the writer:
// InvalidArgument (a timestamp outside the years 0000..9999; collection or
// id not valid UTF-8 under kReject), FailedPrecondition (a value is not
// allowed where the writer is).
MARQUEE_EXPORT void WriteRecordJson(const Record& record, const RecordJsonOptions& options,
                                    JsonWriter* writer);

// Appends `record` to `*out` as one JSON document. On error `*out` is left
// as it was.
// Errors: InvalidArgument (a timestamp outside the years 0000..9999;
// collection or id not valid UTF-8).
[[nodiscard]] MARQUEE_EXPORT absl::Status AppendRecordJson(const Record& record, std::string* out,
                                                           const RecordJsonOptions& options = {});

// Writes one item of a page as one JSON value through `writer`. Report an
// error of its own with writer->Fail(status); it becomes the page's error.
using PageItemWriter = std::function<void(const Record& item, JsonWriter* writer)>;

struct PageJsonOptions {
  // How each item is written when write_item is empty (its script_safe is
  // ignored: see below). Default: all members.
  RecordJsonOptions record{};
  // Writes each item instead of WriteRecordJson, e.g. to render bodies for
  // an API version (marquee/api_view.h). It must write exactly one value
  // (none or several would still be valid JSON, with the wrong number of
  // items; that is not detected) and close what it opens (checked: the page
  // fails otherwise).
  // Default: empty (WriteRecordJson with `record`).
  PageItemWriter write_item{};
  // As JsonWriterOptions::script_safe; AppendPageJson only (WritePageJson
  // uses its writer's options). Default: false.
  bool script_safe = false;
};

// Writes `page` as one JSON object value through `writer` (see the top of
// this file). Errors go to the writer: InvalidArgument (an item's timestamp
// outside the years 0000..9999; collection, id or cursor not valid UTF-8
// under kReject), FailedPrecondition (a value is not allowed where the
// writer is; the item writer left containers open or closed too many),
// and whatever the item writer reports.
MARQUEE_EXPORT void WritePageJson(const Page& page, const PageJsonOptions& options,
                                  JsonWriter* writer);

// Appends `page` to `*out` as one JSON document. On error `*out` is left as
// it was.
// Errors: as WritePageJson.
[[nodiscard]] MARQUEE_EXPORT absl::Status AppendPageJson(const Page& page, std::string* out,
                                                         const PageJsonOptions& options = {});

}  // namespace marquee

#endif  // MARQUEE_JSON_WRITER_H_
