#include "internal/write_batch_rules.h"

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::internal {

std::string KeyName(std::string_view collection, std::string_view id) {
  return absl::StrCat("'", Sv(collection), "/", Sv(id), "'");
}

size_t BatchBytes(const WriteBatch& batch) {
  size_t bytes = 0;
  for (const auto& op : batch.ops()) bytes += op.collection.size() + op.id.size() + op.body.size() + 32;
  return bytes;
}

absl::Status ValidateWriteBatch(const WriteBatch& batch, size_t max_batch_bytes) {
  if (batch.empty()) return absl::InvalidArgumentError("the write batch is empty");
  for (const auto& op : batch.ops()) {
    MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(op.collection));
    MARQUEE_RETURN_IF_ERROR(ValidateRecordId(op.id));
    if (op.kind == WriteBatch::OpKind::kPut && op.schema == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("schema version of ", KeyName(op.collection, op.id), " must be at least 1"));
    }
  }
  if (size_t bytes = BatchBytes(batch); bytes > max_batch_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the write batch holds ", bytes, " bytes; the limit is ", max_batch_bytes));
  }
  return absl::OkStatus();
}

}  // namespace marquee::internal
