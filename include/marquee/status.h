// marquee/status.h — the error model of the whole API.
//
// Marquee reports every failure as an absl::Status with one of Abseil's
// canonical codes; no exception crosses the API. Functions that produce a
// value return absl::StatusOr<T>. Each function's comment lists the codes it
// can return. Thread-safety: values.
//
//   absl::StatusOr<marquee::Record> r = store->Get("campaigns", "spring");
//   if (absl::IsNotFound(r.status())) { ... }
#ifndef MARQUEE_STATUS_H_
#define MARQUEE_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns early from the enclosing function when `expr` is not OK.
#define MARQUEE_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status marquee_status_ = (expr);          \
    if (!marquee_status_.ok()) return marquee_status_; \
  } while (false)

#define MARQUEE_STATUS_CONCAT_INNER_(a, b) a##b
#define MARQUEE_STATUS_CONCAT_(a, b) MARQUEE_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (a StatusOr); returns its status on error, else moves its
// value into `lhs`, which may be a declaration (`auto x`).
#define MARQUEE_ASSIGN_OR_RETURN(lhs, rexpr)                                  \
  MARQUEE_ASSIGN_OR_RETURN_IMPL_(                                              \
      MARQUEE_STATUS_CONCAT_(marquee_statusor_, __LINE__), lhs, rexpr)

#define MARQUEE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();   \
  lhs = std::move(statusor).value()

#endif  // MARQUEE_STATUS_H_
