// What consistency a GET asks for (marquee/read_consistency.h), and the
// strong read of the delivery view.
//
// Eventual is the default: campaigns and segments come through the record
// cache (ApiOptions::read_cache), features and decisions from the
// DeliveryView's current snapshot. A request asks for strong with
// ?consistency=strong, or with the request directives HTTP already has for
// "do not answer from a cache": Cache-Control no-cache or max-age=0, or
// Pragma: no-cache (RFC 9111 §5.2.1, §5.4). ?consistency=eventual overrides
// the headers (a browser's reload sends max-age=0).
// Thread-safety: functions of their arguments.
#ifndef MARQUEE_SRC_HTTP_READ_CONSISTENCY_H_
#define MARQUEE_SRC_HTTP_READ_CONSISTENCY_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/router.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/read_consistency.h"

namespace marquee::http::internal {

struct ApiContext;

// The query parameter a route declares to take ?consistency=.
inline constexpr char kConsistencyParam[] = "consistency";

// The consistency `route`'s request asks for.
// Errors: InvalidArgument ("consistency: expected strong or eventual";
// given more than once).
[[nodiscard]] absl::StatusOr<ReadConsistency> RequestedConsistency(const RouteContext& route);

// Waits until `view` reflects every write the store had
// committed when this was called: what a strong read of features or of a
// decision needs. The store is asked first with a read, so a store that
// cannot answer fails the read instead of serving the view as it is.
// Errors: Unavailable (the store cannot be read), DeadlineExceeded (the
// view did not catch up within ApiOptions::strong_read_timeout), those of
// DeliveryView::WaitForVersion.
[[nodiscard]] absl::Status CatchUpDeliveryView(const ApiContext& context,
                                               const campaign::DeliveryView& view);

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_READ_CONSISTENCY_H_
