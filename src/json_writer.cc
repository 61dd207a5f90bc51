// JsonWriter: the state machine that keeps the output one valid JSON
// document, and the scalar forms. String escaping is in json_writer_escape.cc.
#include "marquee/json_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/json_writer_escape.h"

namespace marquee {

JsonWriter::JsonWriter(std::string* out, const JsonWriterOptions& options)
    : out_(out), start_(out->size()), options_(options) {}

void JsonWriter::Fail(absl::Status error) {
  if (error.ok() || !status_.ok()) return;
  status_ = std::move(error);
  out_->resize(start_);
}

void JsonWriter::Misuse(std::string_view what) {
  if (!status_.ok()) return;
  // The writer's whole contract is that misuse is reported; the assert only
  // makes a debug build stop where the caller's bug is.
  assert(!options_.assert_on_misuse && "JsonWriter misuse; see status()");
  Fail(absl::FailedPreconditionError(absl::StrCat("JSON writer misuse: ", internal::Sv(what))));
}

// Checks that a value may come next and writes the comma before it.
bool JsonWriter::BeforeValue() {
  if (!status_.ok()) return false;
  if (open_.empty()) {
    if (done_) {
      Misuse("a second top-level value; a JSON document holds exactly one");
      return false;
    }
    return true;
  }
  if (open_.back() == '{') {
    if (!key_ready_) {
      Misuse("a value inside an object without a Key() before it");
      return false;
    }
    key_ready_ = false;
    return true;
  }
  if (!empty_) out_->push_back(',');
  empty_ = false;
  return true;
}

// Called once a value (container or scalar) has been written whole.
void JsonWriter::AfterValue() {
  if (open_.empty()) done_ = true;
}

void JsonWriter::Begin(char kind) {
  if (!BeforeValue()) return;
  if (open_.size() >= options_.max_depth) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat("JSON nesting deeper than ", options_.max_depth, " levels")));
    return;
  }
  open_.push_back(kind);
  out_->push_back(kind);
  empty_ = true;
}

void JsonWriter::End(char kind) {
  if (!status_.ok()) return;
  const bool object = kind == '{';
  if (open_.empty()) {
    Misuse(object ? "EndObject() with no open object" : "EndArray() with no open array");
    return;
  }
  if (open_.back() != kind) {
    Misuse(object ? "EndObject() while an array is innermost"
                  : "EndArray() while an object is innermost");
    return;
  }
  if (key_ready_) {
    Misuse("EndObject() right after a Key(); the key has no value");
    return;
  }
  open_.pop_back();
  out_->push_back(object ? '}' : ']');
  empty_ = false;  // the enclosing container now holds this one
  AfterValue();
}

JsonWriter& JsonWriter::BeginObject() {
  Begin('{');
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  End('{');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Begin('[');
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  End('[');
  return *this;
}

// Writes `before` (if not '\0'), the literal of `value`, then `after` (if
// not '\0'). A plain value, the usual case, is written with one resize
// rather than an append per piece: per-call overhead is most of the cost of
// the short strings JSON is made of.
void JsonWriter::AppendString(std::string_view value, bool is_key, char before, char after) {
  if (internal::PlainPrefixLength(value, options_.script_safe) == value.size()) {
    const size_t at = out_->size();
    out_->resize(at + value.size() + 2 + (before != '\0') + (after != '\0'));
    char* p = out_->data() + at;
    if (before != '\0') *p++ = before;
    *p++ = '"';
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    p += value.size();
    *p++ = '"';
    if (after != '\0') *p = after;
    return;
  }
  if (before != '\0') out_->push_back(before);
  const internal::StringEscaping escaping{
      .script_safe = options_.script_safe,
      .replace_invalid_utf8 = options_.invalid_utf8 == InvalidUtf8::kReplace};
  const size_t bad = internal::AppendJsonStringLiteral(value, escaping, out_);
  if (bad != std::string_view::npos) {
    Fail(absl::InvalidArgumentError(absl::StrCat(is_key ? "JSON object key" : "JSON string value",
                                                 is_key ? "" : MemberName(),
                                                 " is not valid UTF-8 at byte ", bad)));
    return;
  }
  if (after != '\0') out_->push_back(after);
}

// " of member \"name\"" when the value being written belongs to an object
// member, for error messages; else "". Reads the key back from the output,
// so Key() need not copy it.
std::string JsonWriter::MemberName() const {
  if (open_.empty() || open_.back() != '{' || key_end_ <= key_begin_ || key_end_ > out_->size()) {
    return "";
  }
  constexpr size_t kShown = 64;
  std::string_view key(out_->data() + key_begin_, key_end_ - key_begin_);
  const bool cut = key.size() > kShown;
  if (cut) key = key.substr(0, kShown);
  return absl::StrCat(" of member ", internal::Sv(key), cut ? "...\"" : "");
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  if (!status_.ok()) return *this;
  if (open_.empty() || open_.back() != '{') {
    Misuse("Key() outside an object");
    return *this;
  }
  if (key_ready_) {
    Misuse("Key() after a Key(); the first key has no value");
    return *this;
  }
  const char comma = empty_ ? '\0' : ',';
  empty_ = false;
  key_begin_ = out_->size() + (comma != '\0');
  AppendString(key, /*is_key=*/true, comma, ':');
  if (!status_.ok()) return *this;
  key_end_ = out_->size() - 1;  // before the ':'
  key_ready_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
  if (!BeforeValue()) return *this;
  AppendString(value, /*is_key=*/false, '\0', '\0');
  AfterValue();
  return *this;
}

namespace {

template <class Number>
void AppendNumber(Number value, std::string* out) {
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, value);
  // 32 bytes hold any int64, uint64 or shortest double ("-1.2345678901234567e-308").
  assert(result.ec == std::errc());
  out->append(buffer, static_cast<size_t>(result.ptr - buffer));
}

}  // namespace

JsonWriter& JsonWriter::Int(int64_t value) {
  if (!BeforeValue()) return *this;
  AppendNumber(value, out_);
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t value) {
  if (!BeforeValue()) return *this;
  AppendNumber(value, out_);
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Double(double value) {
  if (!BeforeValue()) return *this;
  if (!std::isfinite(value)) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat("JSON has no number for ",
                     std::isnan(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity",
                     MemberName())));
    return *this;
  }
  // Shortest form that reads back to the same double, as 0.1, 1e+21 or
  // 5e-324: all within RFC 8259's number grammar.
  AppendNumber(value, out_);
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  if (!BeforeValue()) return *this;
  out_->append(value ? "true" : "false");
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Null() {
  if (!BeforeValue()) return *this;
  out_->append("null");
  AfterValue();
  return *this;
}

JsonWriter& JsonWriter::Raw(const Json& value) {
  if (!BeforeValue()) return *this;
  if (options_.script_safe) {
    internal::AppendScriptSafeJson(value.text(), out_);
  } else {
    out_->append(value.text());
  }
  AfterValue();
  return *this;
}

absl::Status JsonWriter::Finish() {
  if (status_.ok() && !done_) {
    Fail(absl::FailedPreconditionError(
        open_.empty() ? std::string("JSON document is empty: no value was written")
                      : absl::StrCat("JSON document is incomplete: ", open_.size(),
                                     open_.size() == 1 ? " container is" : " containers are",
                                     " still open")));
  }
  return status_;
}

}  // namespace marquee
