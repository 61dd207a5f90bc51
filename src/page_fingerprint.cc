#include "internal/page_fingerprint.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "internal/cursor_format.h"
#include "internal/hmac_sha256.h"
#include "marquee/page.h"
#include "marquee/status.h"

namespace marquee::internal {
namespace {

void AppendText(std::string_view text, std::string* out) {
  AppendVarint(text.size(), out);
  out->append(text);
}

absl::StatusOr<std::string> Digest(const std::string& canonical) {
  MARQUEE_ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(canonical));
  return std::string(reinterpret_cast<const char*>(digest.data()), kCursorFingerprintBytes);
}

std::string EncodeValue(const IndexValue& value) {
  std::string out;
  AppendCursorValue(value, &out);
  return out;
}

}  // namespace

absl::StatusOr<std::string> SortFingerprint(std::string_view index,
                                            const std::vector<IndexField>& fields) {
  std::string canonical = "marquee.cursor.sort.v1";
  AppendText(index, &canonical);
  AppendVarint(fields.size(), &canonical);
  for (const IndexField& field : fields) {
    AppendText(field.pointer, &canonical);
    canonical.push_back(static_cast<char>(field.order));
  }
  return Digest(canonical);
}

absl::StatusOr<std::string> FilterFingerprint(const Filter& filter) {
  std::vector<std::string> predicates;
  predicates.reserve(filter.all_of.size());
  for (const Predicate& predicate : filter.all_of) {
    std::vector<std::string> operands;
    operands.reserve(predicate.operands.size());
    for (const IndexValue& operand : predicate.operands) operands.push_back(EncodeValue(operand));
    if (predicate.op == PredicateOp::kIn) {  // a set: order and repeats do not matter
      std::sort(operands.begin(), operands.end());
      operands.erase(std::unique(operands.begin(), operands.end()), operands.end());
    }
    std::string encoded;
    AppendText(predicate.pointer, &encoded);
    encoded.push_back(static_cast<char>(predicate.op));
    AppendVarint(operands.size(), &encoded);
    for (const std::string& operand : operands) encoded.append(operand);
    predicates.push_back(std::move(encoded));
  }
  // A conjunction is a set of predicates.
  std::sort(predicates.begin(), predicates.end());
  predicates.erase(std::unique(predicates.begin(), predicates.end()), predicates.end());
  std::string canonical = "marquee.cursor.filter.v1";
  AppendVarint(predicates.size(), &canonical);
  for (const std::string& predicate : predicates) AppendText(predicate, &canonical);
  return Digest(canonical);
}

}  // namespace marquee::internal
