// Bridges std::string_view and absl::string_view.
//
// Debian 12's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is its own type and std::string_view does not convert to
// it implicitly (absl::StrCat, absl::Status messages). Wrap with Sv().
#ifndef MARQUEE_SRC_INTERNAL_ABSL_STRINGS_H_
#define MARQUEE_SRC_INTERNAL_ABSL_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace marquee::internal {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view StdSv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_ABSL_STRINGS_H_
