// Private helpers of marquee::campaign's Value, shared by the value and
// condition code. Private headers of the campaign target live beside its
// sources as src/campaign/*_internal.h and are included as
// "campaign/<name>_internal.h".
#ifndef MARQUEE_SRC_CAMPAIGN_VALUE_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_VALUE_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "marquee/campaign/value.h"

namespace marquee::campaign::internal {

// The index a key names when JavaScript treats it as an array index: "0" or
// a digit string without leading zero, at most 4294967294.
std::optional<uint32_t> ArrayIndexOf(std::string_view key);

// One step of a path: the member `part` of an object, the element of an
// array at the canonical index `part`; nullptr otherwise.
const Value* Step(const Value& current, std::string_view part);

// A shared null Value, for "absent" results returned by reference.
const Value& Null();

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_VALUE_INTERNAL_H_
