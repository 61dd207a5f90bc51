#include <utility>

#include "marquee/store.h"

namespace marquee {

WriteBatch& WriteBatch::Put(std::string collection, std::string id, Json body,
                            WriteCondition condition, uint32_t schema) {
  ops_.push_back(Op{.kind = OpKind::kPut,
                    .collection = std::move(collection),
                    .id = std::move(id),
                    .body = std::move(body),
                    .schema = schema,
                    .expected_version = condition.expected_version});
  return *this;
}

WriteBatch& WriteBatch::Erase(std::string collection, std::string id, WriteCondition condition) {
  ops_.push_back(Op{.kind = OpKind::kErase,
                    .collection = std::move(collection),
                    .id = std::move(id),
                    .body = Json(),
                    .schema = 1,
                    .expected_version = condition.expected_version});
  return *this;
}

}  // namespace marquee
