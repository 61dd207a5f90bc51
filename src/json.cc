// Json: validation with simdjson's on-demand API, minification and escaping.
//
// Parse copies the input into a thread-local buffer as "[" + input + "]"
// followed by zeroed padding. The wrapper lets the on-demand iterator treat
// every document, scalars included, as an ordinary array element, and makes
// the position of the added ']' the one place the document may end: any
// other token found there is trailing content, and an inner container that
// swallows the added ']' was never closed. Offsets reported to callers are
// positions in this buffer minus one.
//
// simdjson's stage 1 checks UTF-8, string boundaries and unescaped control
// characters but cannot say where they failed; a small scan of our own finds
// the offset for those. The walk then visits every value without recursion
// (an explicit stack of iterators, so max_depth is not bounded by the C++
// stack) and checks strings, numbers and literals itself, because on-demand
// parses scalars lazily and rejects valid numbers it cannot represent.
#include "marquee/json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/json_grammar.h"
#include "internal/json_text.h"
#include "internal/json_trusted.h"
#include "internal/json_writer_escape.h"

namespace marquee {
namespace {

namespace od = simdjson::ondemand;

static_assert(simdjson::SIMDJSON_PADDING <= Json::kPadding,
              "Json::kPadding must satisfy simdjson's padding requirement");

// Buffers larger than this are released after use so that one huge document
// does not pin its memory in every thread that ever parsed one.
constexpr size_t kRetainedBytes = size_t{1} << 20;
// Likewise for the walk's stack after an unusually deep document.
constexpr size_t kRetainedFrames = 1024;

// One open array or object of the walk.
struct Frame {
  od::array_iterator array_it;
  od::object_iterator object_it;
  bool is_object = false;
  // False until the first element has been read: the iterator must not be
  // advanced before its first element.
  bool started = false;
};

// Per-thread state reused across calls so that Parse allocates only the
// result in the steady state.
struct ParseScratch {
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t buffer_capacity = 0;
  std::vector<Frame> frames;
};

ParseScratch& Scratch() {
  thread_local ParseScratch scratch;
  return scratch;
}

// The first defect found: a position in the wrapped buffer and why.
struct ParseError : internal::JsonSyntaxError {
  bool too_deep = false;
};

bool Fail(ParseError* error, const char* at, const char* reason) {
  return internal::FailJsonSyntax(error, at, reason);
}

using internal::CheckJsonNumber;
using internal::ScanJsonString;

// Checks that [p, end) is exactly `literal`.
bool CheckLiteral(const char* p, const char* end, std::string_view literal,
                  const char* reason, ParseError* error) {
  const auto length = static_cast<size_t>(end - p);
  for (size_t i = 0; i < literal.size(); ++i) {
    if (i == length || p[i] != literal[i]) return Fail(error, p + i, reason);
  }
  if (length != literal.size()) return Fail(error, p + literal.size(), reason);
  return true;
}

std::string_view TrimTrailingWhitespace(std::string_view token) {
  while (!token.empty() && internal::IsJsonWhitespace(token.back())) token.remove_suffix(1);
  return token;
}

// Walks one wrapped document, checking every value.
class Validator {
 public:
  Validator(const char* buffer, size_t input_size, uint32_t max_depth, std::vector<Frame>* frames)
      : buffer_(buffer), input_end_(buffer + 1 + input_size), max_depth_(max_depth),
        frames_(*frames) {}

  // True when the document is valid; otherwise error() says where and why.
  bool Run(od::document& doc);
  const ParseError& error() const { return error_; }

 private:
  bool Visit(od::value value);
  bool Next(od::value* value, bool* has_value);
  bool FailAt(const char* at, const char* reason);
  bool FailValue(const char* at);
  bool FailIteration(bool in_object);
  const char* SkipWhitespace(const char* p) const;
  char PreviousNonWhitespace(const char* p) const;
  const char* KeyBefore(const char* p) const;

  const char* buffer_;     // '[' + input + ']' + zeroed padding
  const char* input_end_;  // the added ']'
  uint32_t max_depth_;
  std::vector<Frame>& frames_;
  od::document* doc_ = nullptr;
  ParseError error_;
};

bool Validator::Run(od::document& doc) {
  doc_ = &doc;
  frames_.clear();
  od::array outer;
  od::array_iterator it;
  if (doc.get_array().get(outer) != simdjson::SUCCESS ||
      outer.begin().get(it) != simdjson::SUCCESS) {
    return FailAt(buffer_ + 1, "expected a value");
  }
  if (!(it != it)) {
    // The wrapper closed at once: only whitespace, or a stray ']'.
    const char* first = SkipWhitespace(buffer_ + 1);
    if (first >= input_end_) return Fail(&error_, input_end_, "document is empty");
    return FailAt(first, "expected a value");
  }
  od::value root;
  if ((*it).get(root) != simdjson::SUCCESS) return FailIteration(false);
  const std::string_view root_token = TrimTrailingWhitespace(root.raw_json_token());
  const bool root_is_container = root_token.front() == '[' || root_token.front() == '{';
  if (!Visit(root)) return false;
  while (!frames_.empty()) {
    od::value value;
    bool has_value = false;
    if (!Next(&value, &has_value)) return false;
    if (has_value && !Visit(value)) return false;
  }
  // Only whitespace may follow the root value, up to the added ']'.
  const char* after = nullptr;
  if (root_is_container) {
    auto location = doc.current_location();
    after = location.error() ? input_end_ + 1 : location.value_unsafe();
  } else {
    after = SkipWhitespace(root_token.data() + root_token.size());
  }
  if (after == input_end_) return true;
  return FailAt(after, "unexpected content after the document");
}

bool Validator::Visit(od::value value) {
  const char* start = value.raw_json_token().data();
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return FailValue(start);
  switch (type) {
    case od::json_type::array:
    case od::json_type::object: {
      if (frames_.size() >= max_depth_) {
        error_.too_deep = true;
        return FailAt(start, "nesting too deep");
      }
      Frame& frame = frames_.emplace_back();
      frame.is_object = type == od::json_type::object;
      if (frame.is_object) {
        od::object object;
        if (value.get_object().get(object) != simdjson::SUCCESS ||
            object.begin().get(frame.object_it) != simdjson::SUCCESS) {
          return FailIteration(true);
        }
      } else {
        od::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS ||
            array.begin().get(frame.array_it) != simdjson::SUCCESS) {
          return FailIteration(false);
        }
      }
      return true;
    }
    case od::json_type::string: {
      // Consume the string: left in place, simdjson's skip logic would take
      // a string followed by ':' for a key and skip past the defect.
      od::raw_json_string raw;
      if (value.get_raw_json_string().get(raw) != simdjson::SUCCESS) return FailValue(start);
      return ScanJsonString(raw.raw(), &error_) != nullptr || FailAt(error_.at, error_.reason);
    }
    case od::json_type::number:
    case od::json_type::boolean:
    case od::json_type::null:
      break;
  }
  const std::string_view token = TrimTrailingWhitespace(value.raw_json_token());
  const char* end = token.data() + token.size();
  bool ok = false;
  if (type == od::json_type::number) {
    ok = CheckJsonNumber(start, end, &error_);
  } else if (type == od::json_type::null) {
    ok = CheckLiteral(start, end, "null", "invalid literal, expected null", &error_);
  } else if (*start == 't') {
    ok = CheckLiteral(start, end, "true", "invalid literal, expected true", &error_);
  } else {
    ok = CheckLiteral(start, end, "false", "invalid literal, expected false", &error_);
  }
  return ok || FailAt(error_.at, error_.reason);
}

bool Validator::Next(od::value* value, bool* has_value) {
  while (!frames_.empty()) {
    Frame& frame = frames_.back();
    if (frame.is_object) {
      if (frame.started) ++frame.object_it;
      frame.started = true;
      if (!(frame.object_it != frame.object_it)) {  // closed by '}'
        frames_.pop_back();
        continue;
      }
      od::field field;
      if ((*frame.object_it).get(field) != simdjson::SUCCESS) return FailIteration(true);
      if (ScanJsonString(field.key().raw(), &error_) == nullptr) {
        return FailAt(error_.at, error_.reason);
      }
      *value = field.value();
    } else {
      if (frame.started) ++frame.array_it;
      frame.started = true;
      if (!(frame.array_it != frame.array_it)) {  // closed by ']'
        frames_.pop_back();
        continue;
      }
      if ((*frame.array_it).get(*value) != simdjson::SUCCESS) return FailIteration(false);
    }
    *has_value = true;
    return true;
  }
  *has_value = false;
  return true;
}

// Records a defect; a position at or past the added ']' means the input
// ended where more was needed.
bool Validator::FailAt(const char* at, const char* reason) {
  if (at >= input_end_) return Fail(&error_, input_end_, "unexpected end of input");
  return Fail(&error_, at, reason);
}

// A token that cannot start a value, at `at`.
bool Validator::FailValue(const char* at) {
  const char c = at < input_end_ ? *at : '\0';
  if ((c == ']' || c == '}') && PreviousNonWhitespace(at) == ',') {
    return FailAt(at, "trailing comma");
  }
  if (c == '\'') return FailAt(at, "strings must use double quotes");
  if (c == '/') return FailAt(at, "comments are not allowed");
  return FailAt(at, "expected a value");
}

// simdjson reported a structural error while iterating the innermost
// container. After such an error its iterator has been abandoned and
// current_location() is the offending token.
bool Validator::FailIteration(bool in_object) {
  auto location = doc_->current_location();
  const char* at = location.error() ? input_end_ : std::min(location.value_unsafe(), input_end_);
  if (in_object) {
    if (const char* key = KeyBefore(at); key != nullptr) {
      // simdjson looks for the ':' before we see the key: a defect inside
      // the key comes first.
      if (ScanJsonString(key + 1, &error_) == nullptr) return FailAt(error_.at, error_.reason);
      return FailAt(at, "expected ':'");
    }
  }
  if (at >= input_end_) return FailAt(at, nullptr);
  if (*at == '/') return FailAt(at, "comments are not allowed");
  if (!in_object) return FailAt(at, "expected ',' or ']'");
  const char previous = PreviousNonWhitespace(at);
  if (previous == '{' || previous == ',') {
    if (*at == '}' && previous == ',') return FailAt(at, "trailing comma");
    if (*at == '\'') return FailAt(at, "strings must use double quotes");
    return FailAt(at, "expected a string key");
  }
  return FailAt(at, "expected ',' or '}'");
}

const char* Validator::SkipWhitespace(const char* p) const {
  while (p < input_end_ && internal::IsJsonWhitespace(*p)) ++p;
  return p;
}

char Validator::PreviousNonWhitespace(const char* p) const {
  while (p > buffer_) {
    --p;
    if (!internal::IsJsonWhitespace(*p)) return *p;
  }
  return '\0';
}

// Inside an object, the opening quote of the token before `p` when that
// token is a string that follows '{' or ',', that is, a key still waiting
// for its ':'; otherwise nullptr.
const char* Validator::KeyBefore(const char* p) const {
  while (p > buffer_ && internal::IsJsonWhitespace(p[-1])) --p;
  if (p <= buffer_ || p[-1] != '"') return nullptr;
  const char* q = p - 1;  // the closing quote
  while (q > buffer_) {
    --q;
    if (*q != '"') continue;
    size_t backslashes = 0;
    for (const char* b = q; b > buffer_ && b[-1] == '\\'; --b) ++backslashes;
    if (backslashes % 2 == 0) break;  // an unescaped quote opens the string
  }
  const char previous = PreviousNonWhitespace(q);
  return previous == '{' || previous == ',' ? q : nullptr;
}

// Where stage 1 found a string problem: the first unescaped control
// character inside a string, and the opening quote of a string that never
// closes.
struct StringDefects {
  size_t control = std::string_view::npos;
  size_t unclosed = std::string_view::npos;
};

StringDefects FindStringDefects(std::string_view text) {
  StringDefects defects;
  bool in_string = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        start = i;
      }
    } else if (c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = false;
    } else if (c < 0x20 && defects.control == std::string_view::npos) {
      defects.control = i;
    }
  }
  if (in_string) defects.unclosed = start;
  return defects;
}

absl::Status InvalidAt(size_t offset, std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid JSON at byte ", offset, ": ", absl::string_view(reason.data(), reason.size())));
}

// Turns a stage-1 failure into a status with an offset of our own finding.
absl::Status Stage1Error(std::string_view text, simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR: {
      const size_t at = internal::FindInvalidUtf8(text);
      return InvalidAt(at == std::string_view::npos ? 0 : at, "invalid UTF-8");
    }
    case simdjson::UNESCAPED_CHARS: {
      const size_t at = FindStringDefects(text).control;
      return InvalidAt(at == std::string_view::npos ? 0 : at,
                       "control character in string must be escaped");
    }
    case simdjson::UNCLOSED_STRING: {
      const size_t at = FindStringDefects(text).unclosed;
      return InvalidAt(at == std::string_view::npos ? text.size() : at, "unterminated string");
    }
    case simdjson::MEMALLOC:
      return absl::ResourceExhaustedError("out of memory while parsing JSON");
    case simdjson::CAPACITY:
      return absl::OutOfRangeError("JSON document too large for the parser");
    default:
      return InvalidAt(0, simdjson::error_message(code));
  }
}

std::shared_ptr<const std::string> PaddedCopy(std::string_view text) {
  std::string bytes;
  bytes.reserve(text.size() + Json::kPadding);
  bytes.assign(text.data(), text.size());
  internal::PadWithZeros(&bytes);
  return std::make_shared<const std::string>(std::move(bytes));
}

// The minified form of valid JSON `text`, padded.
absl::StatusOr<std::shared_ptr<const std::string>> Minify(const char* text, size_t size) {
  std::string out;
  out.resize(size + Json::kPadding);  // the minifier may write whole blocks
  size_t length = 0;
  if (simdjson::minify(text, size, out.data(), length) != simdjson::SUCCESS || length > size) {
    return absl::InternalError("JSON minification failed on a validated document");
  }
  // Return most of the capacity when whitespace made up a large part of the
  // input, so pretty-printed documents are not stored at their input size.
  const size_t slack = size - length;
  if (slack > 4096 && slack > size / 8) {
    return PaddedCopy(std::string_view(out.data(), length));
  }
  std::memset(out.data() + length, 0, out.size() - length);
  out.resize(length);
  return std::make_shared<const std::string>(std::move(out));
}

const std::shared_ptr<const std::string>& NullBytes() {
  // Leaked on purpose: default Json values may outlive static destruction.
  static const auto* const bytes = new std::shared_ptr<const std::string>(PaddedCopy("null"));
  return *bytes;
}

}  // namespace

namespace internal {

size_t FindInvalidUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) return std::string_view::npos;
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = begin + text.size();
  for (const unsigned char* p = begin; p < end;) {
    const size_t length = Utf8SequenceLength(p, end);
    if (length == 0) return static_cast<size_t>(p - begin);
    p += length;
  }
  return std::string_view::npos;
}

// One escaper for the library: the writer's (json_writer_escape.cc).
void AppendJsonString(std::string_view value, std::string* out) {
  (void)AppendJsonStringLiteral(value, StringEscaping{.replace_invalid_utf8 = true}, out);
}

}  // namespace internal

Json::Json() : bytes_(NullBytes()) {}

absl::StatusOr<Json> Json::Parse(std::string_view text, const JsonLimits& limits) {
  const size_t size = text.size();
  if (size > limits.max_bytes) {
    return absl::OutOfRangeError(absl::StrCat("JSON document is ", size,
                                              " bytes; the limit is ", limits.max_bytes));
  }
  // simdjson indexes documents with 32-bit offsets.
  if (size > simdjson::SIMDJSON_MAXSIZE_BYTES - 2) {
    return absl::OutOfRangeError("JSON document too large for the parser");
  }
  ParseScratch& scratch = Scratch();
  const size_t wrapped_size = size + 2;
  const size_t needed = wrapped_size + simdjson::SIMDJSON_PADDING;
  if (scratch.buffer_capacity < needed) {
    scratch.buffer = std::make_unique_for_overwrite<char[]>(needed);
    scratch.buffer_capacity = needed;
  }
  char* buffer = scratch.buffer.get();
  buffer[0] = '[';
  // An empty view may have a null data(), which memcpy must not get even
  // for zero bytes.
  if (size > 0) std::memcpy(buffer + 1, text.data(), size);
  buffer[size + 1] = ']';
  std::memset(buffer + wrapped_size, 0, simdjson::SIMDJSON_PADDING);

  // simdjson's development checks (on in unoptimized builds) assert that
  // nesting stays below the parser's max_depth: raise it for deep limits.
  const size_t depth_needed = std::min<size_t>(limits.max_depth, size) + 3;
  if (depth_needed > scratch.parser.max_depth() &&
      scratch.parser.allocate(std::max(scratch.parser.capacity(), wrapped_size), depth_needed) !=
          simdjson::SUCCESS) {
    return absl::ResourceExhaustedError("out of memory while parsing JSON");
  }

  absl::StatusOr<std::shared_ptr<const std::string>> bytes;
  od::document doc;
  const simdjson::error_code stage1 =
      scratch.parser.iterate(buffer, wrapped_size, scratch.buffer_capacity).get(doc);
  if (stage1 != simdjson::SUCCESS) {
    bytes = Stage1Error(text, stage1);
  } else {
    Validator validator(buffer, size, limits.max_depth, &scratch.frames);
    if (validator.Run(doc)) {
      bytes = Minify(buffer + 1, size);
    } else {
      const ParseError& error = validator.error();
      const auto offset = static_cast<size_t>(error.at - buffer - 1);
      bytes = error.too_deep ? InvalidAt(offset, absl::StrCat("nesting deeper than ",
                                                             limits.max_depth, " levels"))
                             : InvalidAt(offset, error.reason);
    }
  }
  if (size > kRetainedBytes || scratch.parser.max_depth() > simdjson::DEFAULT_MAX_DEPTH) {
    scratch.parser = od::parser();
    scratch.buffer.reset();
    scratch.buffer_capacity = 0;
  }
  if (scratch.frames.capacity() > kRetainedFrames) scratch.frames = std::vector<Frame>();
  if (!bytes.ok()) return bytes.status();
  return Json(*std::move(bytes));
}

absl::StatusOr<Json> Json::FromString(std::string_view value) {
  std::string bytes;
  bytes.reserve(value.size() + 2 + kPadding);
  const size_t bad = internal::AppendJsonStringLiteral(value, internal::StringEscaping{}, &bytes);
  if (bad != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("string is not valid UTF-8 at byte ", bad));
  }
  internal::PadWithZeros(&bytes);
  return Json(std::make_shared<const std::string>(std::move(bytes)));
}

}  // namespace marquee
