// IndexValue, and reading index values out of JSON bodies with simdjson's
// on-demand API (ValueAt, ValuesAt, JsonBodyReader).
//
// Lookups walk the document themselves instead of using on-demand's
// at_pointer, for two reasons: at_pointer compares object keys without
// unescaping them (so "caf\u00e9" would not match the pointer "/café"), and
// it stops at the first of duplicate keys, where jsonb, which a PostgreSQL
// store indexes, keeps the last.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "internal/json_text.h"
#include "internal/json_values.h"
#include "marquee/index.h"

namespace marquee {
namespace {

namespace od = simdjson::ondemand;

// Bodies larger than this release the thread's parser memory afterwards.
constexpr size_t kRetainedBytes = size_t{1} << 20;

std::string_view Trim(std::string_view token) {
  while (!token.empty() && internal::IsJsonWhitespace(token.back())) token.remove_suffix(1);
  return token;
}

// The decimal order of magnitude of a valid JSON number whose digits are
// not all zero: floor(log10(|x|)), saturated. Only used to tell overflow
// from underflow when the number is outside the range of a double.
int64_t DecimalMagnitude(std::string_view text) {
  size_t i = text.front() == '-' ? 1 : 0;
  int64_t integer_digits = 0;
  int64_t first_significant = -1;  // index among all mantissa digits
  int64_t digit_index = 0;
  bool in_fraction = false;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      in_fraction = true;
      continue;
    }
    if (!in_fraction) ++integer_digits;
    if (text[i] != '0' && first_significant < 0) first_significant = digit_index;
    ++digit_index;
  }
  int64_t exponent = 0;
  if (i < text.size()) {
    ++i;
    bool negative = false;
    if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
    for (; i < text.size(); ++i) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (text[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  return integer_digits - first_significant - 1 + exponent;
}

// The double nearest to the valid JSON number `text`. Numbers beyond the
// range of a double become +-infinity, as IEEE rounding makes them, and
// numbers too small become zero.
double NumberFromText(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc()) return value;
  if (error == std::errc::result_out_of_range) {
    const bool negative = text.front() == '-';
    if (DecimalMagnitude(text) > 0) return negative ? -HUGE_VAL : HUGE_VAL;
    return 0;
  }
  return std::nan("");  // unreachable for validated text; Number() maps NaN to null
}

// The value of a JSON array or object element, scalar or container.
absl::StatusOr<IndexValue> ValueOf(od::value value) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) {
    return absl::InternalError("unreadable JSON value in a stored body");
  }
  switch (type) {
    case od::json_type::object: {
      od::object object;
      std::string_view raw;
      if (value.get_object().get(object) != simdjson::SUCCESS ||
          object.raw_json().get(raw) != simdjson::SUCCESS) {
        break;
      }
      return IndexValue::Object(std::string(Trim(raw)));
    }
    case od::json_type::array: {
      od::array array;
      std::string_view raw;
      if (value.get_array().get(array) != simdjson::SUCCESS ||
          array.raw_json().get(raw) != simdjson::SUCCESS) {
        break;
      }
      return IndexValue::Array(std::string(Trim(raw)));
    }
    case od::json_type::string: {
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) break;
      return IndexValue::String(std::string(text));
    }
    case od::json_type::number:
      return IndexValue::Number(NumberFromText(Trim(value.raw_json_token())));
    case od::json_type::boolean:
      return IndexValue::Bool(value.raw_json_token().front() == 't');
    case od::json_type::null:
      return IndexValue::Null();
  }
  return absl::InternalError("unreadable JSON value in a stored body");
}

// An RFC 6901 array index: "0" or digits without a leading zero.
bool ParseArrayIndex(std::string_view token, size_t* index) {
  if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) return false;
  size_t value = 0;
  for (const char c : token) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  *index = value;
  return true;
}

// The reference token with ~1 and ~0 decoded into `out`.
void DecodeToken(std::string_view token, std::string* out) {
  out->clear();
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out->push_back(token[i + 1] == '1' ? '/' : '~');
      ++i;
    } else {
      out->push_back(token[i]);
    }
  }
}

// Whether the field's key, unescaped, is `name`. Compares the raw bytes
// and unescapes only keys that contain an escape.
bool KeyEquals(od::field& field, std::string_view name) {
  const char* raw = field.key().raw();  // just after the opening quote
  size_t i = 0;
  for (; i < name.size(); ++i) {
    if (raw[i] == '\\') break;
    if (raw[i] == '"' || raw[i] != name[i]) return false;
  }
  if (i == name.size() && raw[i] == '"') return true;
  if (raw[i] != '\\') return false;
  std::string_view unescaped;
  return field.unescaped_key().get(unescaped) == simdjson::SUCCESS && unescaped == name;
}

// An object on the path of a lookup, still being scanned for its key.
struct LookupFrame {
  od::object_iterator it;
  bool started = false;
  bool escaped = false;     // the token has ~0 or ~1
  std::string_view token;  // the raw reference token, in the pointer
  std::string decoded;     // the token with ~1 and ~0 decoded, when escaped
  size_t next = 0;         // offset in the pointer of the token after this one

  std::string_view name() const { return escaped ? std::string_view(decoded) : token; }
};

absl::Status Unreadable() { return absl::InternalError("unreadable JSON value in a stored body"); }

// The value at `pointer` (non-empty) below `root`. Iterative, with an
// explicit stack of the objects on the path, so a long pointer into a deep
// body cannot overflow the C++ stack. An object is scanned to its end even
// after its key matched, because a later duplicate of the key wins.
absl::StatusOr<IndexValue> Lookup(od::value root, std::string_view pointer,
                                  std::vector<LookupFrame>* frames) {
  frames->clear();
  IndexValue result;
  od::value current = root;
  size_t position = 0;  // offset of the next "/token" in the pointer
  bool descending = true;
  for (;;) {
    if (descending) {
      descending = false;
      if (position == pointer.size()) {
        absl::StatusOr<IndexValue> found = ValueOf(current);
        if (!found.ok()) return found.status();
        result = *std::move(found);
        continue;
      }
      const size_t slash = pointer.find('/', position + 1);
      const size_t next = slash == std::string_view::npos ? pointer.size() : slash;
      const std::string_view token = pointer.substr(position + 1, next - position - 1);
      od::json_type type;
      if (current.type().get(type) != simdjson::SUCCESS) return Unreadable();
      if (type == od::json_type::object) {
        od::object object;
        LookupFrame& frame = frames->emplace_back();
        if (current.get_object().get(object) != simdjson::SUCCESS ||
            object.begin().get(frame.it) != simdjson::SUCCESS) {
          return Unreadable();
        }
        frame.token = token;
        frame.escaped = token.find('~') != std::string_view::npos;
        if (frame.escaped) DecodeToken(token, &frame.decoded);
        frame.next = next;
      } else if (type == od::json_type::array) {
        size_t index = 0;
        od::array array;
        if (!ParseArrayIndex(token, &index)) continue;  // result stays Missing
        if (current.get_array().get(array) != simdjson::SUCCESS) return Unreadable();
        size_t i = 0;
        for (auto element : array) {
          if (std::move(element).get(current) != simdjson::SUCCESS) return Unreadable();
          if (i++ == index) {
            position = next;
            descending = true;
            break;
          }
        }
      }
      continue;
    }
    // Scan the innermost open object for the next field with its key.
    if (frames->empty()) return result;
    LookupFrame& frame = frames->back();
    if (frame.started) ++frame.it;
    frame.started = true;
    if (!(frame.it != frame.it)) {  // reached its '}'
      frames->pop_back();
      continue;
    }
    od::field field;
    if ((*frame.it).get(field) != simdjson::SUCCESS) return Unreadable();
    if (!KeyEquals(field, frame.name())) continue;
    result = IndexValue::Missing();  // what an earlier duplicate gave is replaced
    current = field.value();
    position = frame.next;
    descending = true;
  }
}

}  // namespace

// ---- IndexValue -----------------------------------------------------------

IndexValue IndexValue::Number(double d) {
  if (std::isnan(d)) return Null();
  IndexValue value(Type::kNumber);
  value.number_ = d == 0 ? 0.0 : d;  // -0.0 == 0.0, so this also folds -0 into 0
  return value;
}

IndexValue IndexValue::String(std::string s) {
  IndexValue value(Type::kString);
  value.text_ = std::move(s);
  return value;
}

IndexValue IndexValue::Array(std::string minified_json) {
  IndexValue value(Type::kArray);
  value.text_ = std::move(minified_json);
  return value;
}

IndexValue IndexValue::Object(std::string minified_json) {
  IndexValue value(Type::kObject);
  value.text_ = std::move(minified_json);
  return value;
}

absl::StatusOr<IndexValue> IndexValue::FromJson(std::string_view json_text) {
  absl::StatusOr<Json> json = Json::Parse(json_text);
  if (!json.ok()) return json.status();
  internal::JsonBodyReader reader(*json);
  return reader.ValueAt("");
}

std::string IndexValue::ToJson() const {
  switch (type_) {
    case Type::kMissing: return "";
    case Type::kNull: return "null";
    case Type::kFalse: return "false";
    case Type::kTrue: return "true";
    case Type::kNumber: {
      // JSON has no infinity; 1e999 parses back to it.
      if (std::isinf(number_)) return number_ > 0 ? "1e999" : "-1e999";
      char buffer[32];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, number_);
      return std::string(buffer, result.ptr);
    }
    case Type::kString: {
      std::string out;
      out.reserve(text_.size() + 2);
      internal::AppendJsonString(text_, &out);
      return out;
    }
    case Type::kArray:
    case Type::kObject:
      return text_;
  }
  return "";
}

std::strong_ordering operator<=>(const IndexValue& a, const IndexValue& b) {
  if (a.type_ != b.type_) return a.type_ <=> b.type_;
  switch (a.type_) {
    case IndexValue::Type::kNumber:
      // Never NaN (Number() maps it to null), so the order is total.
      if (a.number_ < b.number_) return std::strong_ordering::less;
      if (a.number_ > b.number_) return std::strong_ordering::greater;
      return std::strong_ordering::equal;
    case IndexValue::Type::kString:
    case IndexValue::Type::kArray:
    case IndexValue::Type::kObject:
      return std::string_view(a.text_).compare(b.text_) <=> 0;
    default:
      return std::strong_ordering::equal;
  }
}

// ---- reading bodies ---------------------------------------------------------

namespace internal {

struct JsonBodyReader::State {
  od::parser parser;
  od::document document;
  std::vector<LookupFrame> frames;  // reused by every lookup on the thread
  bool in_use = false;
};

namespace {

JsonBodyReader::State& ThreadState() {
  thread_local JsonBodyReader::State state;
  return state;
}

}  // namespace

JsonBodyReader::JsonBodyReader(const Json& body) : body_(body), state_(&ThreadState()) {
  if (state_->in_use) {
    owned_ = std::make_unique<State>();
    state_ = owned_.get();
  }
  state_->in_use = true;
  const std::string& bytes = body.padded_bytes();
  parsed_ = state_->parser.iterate(bytes.data(), bytes.size(), bytes.capacity())
                .get(state_->document) == simdjson::SUCCESS;
}

JsonBodyReader::~JsonBodyReader() {
  state_->in_use = false;
  if (owned_ == nullptr && (body_.size() > kRetainedBytes ||
                            state_->parser.max_depth() > simdjson::DEFAULT_MAX_DEPTH)) {
    state_->document = od::document();
    state_->parser = od::parser();
  }
  if (owned_ == nullptr && state_->frames.capacity() > 1024) state_->frames = {};
}

absl::StatusOr<IndexValue> JsonBodyReader::ValueAt(std::string_view pointer) {
  if (!parsed_) return absl::InternalError("stored JSON body could not be parsed");
  od::document& document = state_->document;
  document.rewind();
  const std::string_view text = body_.text();
  if (pointer.empty()) {
    // The body is minified, so a container's text is the whole body.
    switch (text.front()) {
      case '{': return IndexValue::Object(std::string(text));
      case '[': return IndexValue::Array(std::string(text));
      case '"': {
        std::string_view value;
        if (document.get_string().get(value) != simdjson::SUCCESS) {
          return absl::InternalError("unreadable JSON string in a stored body");
        }
        return IndexValue::String(std::string(value));
      }
      case 't': return IndexValue::Bool(true);
      case 'f': return IndexValue::Bool(false);
      case 'n': return IndexValue::Null();
      default: return IndexValue::Number(NumberFromText(text));
    }
  }
  if (text.front() != '{' && text.front() != '[') return IndexValue::Missing();
  // simdjson's development checks (unoptimized builds) assert that the
  // containers opened along the path stay below the parser's max_depth.
  // Raising it means parsing the body again, which only pointers with more
  // than about a thousand tokens need.
  if (pointer.size() + 2 > state_->parser.max_depth()) {
    const size_t depth = static_cast<size_t>(std::count(pointer.begin(), pointer.end(), '/')) + 2;
    if (depth > state_->parser.max_depth()) {
      od::parser& parser = state_->parser;
      if (parser.allocate(std::max(parser.capacity(), body_.size()), depth) != simdjson::SUCCESS) {
        return absl::ResourceExhaustedError("out of memory while reading a JSON body");
      }
      const std::string& bytes = body_.padded_bytes();
      parsed_ = parser.iterate(bytes.data(), bytes.size(), bytes.capacity()).get(document) ==
                simdjson::SUCCESS;
      if (!parsed_) return absl::InternalError("stored JSON body could not be parsed");
    }
  }
  od::value root;
  if (document.get_value().get(root) != simdjson::SUCCESS) {
    return absl::InternalError("unreadable JSON body");
  }
  return Lookup(root, pointer, &state_->frames);
}

bool ArrayHasElement(std::string_view array_json, const IndexValue& wanted) {
  // A parser of its own: this runs while the row's JsonBodyReader holds the
  // thread's. Element arrays are small (tags, placements), so the copy into
  // padded memory costs little.
  thread_local od::parser parser;
  const simdjson::padded_string padded(array_json);
  od::document document;
  od::array array;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS ||
      document.get_array().get(array) != simdjson::SUCCESS) {
    return false;
  }
  for (auto element : array) {
    od::value value;
    if (std::move(element).get(value) != simdjson::SUCCESS) return false;
    absl::StatusOr<IndexValue> item = ValueOf(value);
    if (!item.ok()) return false;
    if (*item == wanted) return true;
  }
  return false;
}

absl::Status ValuesAt(const Json& body, const std::vector<std::string>& pointers,
                      std::vector<IndexValue>* out) {
  out->clear();
  for (const std::string& pointer : pointers) {
    if (absl::Status status = ValidateJsonPointer(pointer); !status.ok()) return status;
  }
  out->reserve(pointers.size());
  JsonBodyReader reader(body);
  for (const std::string& pointer : pointers) {
    absl::StatusOr<IndexValue> value = reader.ValueAt(pointer);
    if (!value.ok()) return value.status();
    out->push_back(*std::move(value));
  }
  return absl::OkStatus();
}

}  // namespace internal

absl::StatusOr<IndexValue> ValueAt(const Json& body, std::string_view pointer) {
  if (absl::Status status = internal::ValidateJsonPointer(pointer); !status.ok()) return status;
  internal::JsonBodyReader reader(body);
  return reader.ValueAt(pointer);
}

}  // namespace marquee
