// How GrowthBook reads the attribute an experiment hashes on, and how
// JavaScript turns that attribute into the text that is hashed or stored.
#ifndef MARQUEE_SRC_CAMPAIGN_ATTRIBUTES_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_ATTRIBUTES_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "marquee/campaign/value.h"

namespace marquee::campaign::internal {

struct HashAttribute {
  // The attribute used: the requested one (default "id"), or the fallback
  // when the requested one is falsy and the fallback is not.
  std::string_view attribute;
  // Its value; nullptr when missing (JavaScript's "").
  const Value* value = nullptr;
};

// getHashAttribute: `attribute` ("" means "id") looked up as a literal key,
// then as a dot path; then `fallback` the same way if the first is falsy.
// The returned views point into `attributes`, the arguments or a literal.
HashAttribute GetHashAttribute(const Value& attributes, std::string_view attribute,
                               std::optional<std::string_view> fallback);

// String(value) as JavaScript writes it when concatenating (what hash()
// sees): strings as they are, numbers in JavaScript's form, arrays joined
// with ",", objects as "[object Object]". May return a view of `value` or of
// `scratch`.
std::string_view HashText(const Value& value, std::string& scratch);

// The SDK's toString: strings as they are, anything else as JSON.stringify
// writes it. May return a view of `value` or of `scratch`.
std::string_view StickyText(const Value& value, std::string& scratch);

// A shared empty string Value.
const Value& EmptyString();

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_ATTRIBUTES_INTERNAL_H_
