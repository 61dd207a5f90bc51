#include "postgres/index_keys.h"

#include "internal/index_key.h"

namespace marquee::postgres::internal {

std::string IdKey(std::string_view id) {
  std::string key;
  marquee::internal::AppendIdKey(id, &key);
  return key;
}

std::vector<IndexValue> IndexValuesOf(const IndexSpec& spec, const Json& body) {
  std::vector<IndexValue> values;
  values.reserve(spec.fields.size());
  for (const IndexField& field : spec.fields) {
    // Pointers were validated with the spec; one that cannot be resolved is
    // a missing value, as in the MemoryStore.
    absl::StatusOr<IndexValue> value = ValueAt(body, field.pointer);
    values.push_back(value.ok() ? *std::move(value) : IndexValue::Missing());
  }
  return values;
}

std::string IndexKeyOf(const IndexSpec& spec, const Json& body, std::string_view id) {
  return marquee::internal::EncodeIndexKey(IndexValuesOf(spec, body), spec.fields, id);
}

}  // namespace marquee::postgres::internal
