// Headers: an ordered field list with case-insensitive names.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "http/text_internal.h"
#include "marquee/http/message.h"

namespace marquee::http {

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const Field& field : fields_) {
    if (internal::EqualsIgnoreCase(field.first, name)) return std::string_view(field.second);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::GetAll(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const Field& field : fields_) {
    if (internal::EqualsIgnoreCase(field.first, name)) values.emplace_back(field.second);
  }
  return values;
}

void Headers::Set(std::string_view name, std::string_view value) {
  auto first = std::find_if(fields_.begin(), fields_.end(), [&](const Field& field) {
    return internal::EqualsIgnoreCase(field.first, name);
  });
  if (first == fields_.end()) {
    Add(name, value);
    return;
  }
  first->second.assign(value);
  auto rest = std::remove_if(first + 1, fields_.end(), [&](const Field& field) {
    return internal::EqualsIgnoreCase(field.first, name);
  });
  fields_.erase(rest, fields_.end());
}

void Headers::Add(std::string_view name, std::string_view value) {
  // Requests and answers carry a handful of fields: room for them at once
  // instead of growing (and moving every string) at 1, 2 and 4.
  if (fields_.capacity() == 0) fields_.reserve(8);
  fields_.emplace_back(std::string(name), std::string(value));
}

size_t Headers::Remove(std::string_view name) {
  size_t before = fields_.size();
  std::erase_if(fields_,
                [&](const Field& field) { return internal::EqualsIgnoreCase(field.first, name); });
  return before - fields_.size();
}

}  // namespace marquee::http
