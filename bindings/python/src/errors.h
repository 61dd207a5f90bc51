// The marquee.Error hierarchy: one Python exception class per absl status
// code, and the helpers that turn a non-OK Status into a raised exception.
//
// The C++ API never throws; this boundary is the only place where a Status
// becomes an exception. Classes that have a natural built-in counterpart also
// derive from it, so plain Python code can catch them without knowing
// Marquee: NotFoundError is a KeyError, InvalidArgumentError and
// OutOfRangeError are ValueErrors, PermissionDeniedError a PermissionError,
// DeadlineExceededError a TimeoutError, UnimplementedError a
// NotImplementedError.
// REQUIRES: every function here is called with the GIL held.
#ifndef MARQUEE_BINDINGS_PYTHON_ERRORS_H_
#define MARQUEE_BINDINGS_PYTHON_ERRORS_H_

#include <utility>

#include <pybind11/pybind11.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::python {

// Creates marquee.Error and its subclasses in `module`.
void RegisterErrors(pybind11::module_& module);

// Raises the exception class of status.code() with status.message();
// its `code` attribute is the code's name ("NOT_FOUND").
// REQUIRES: !status.ok().
[[noreturn]] void ThrowStatus(const absl::Status& status);

// Raises unless `status` is OK.
inline void Check(const absl::Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

// The value of `result`, or raises its status.
template <typename T>
T Unwrap(absl::StatusOr<T> result) {
  if (!result.ok()) ThrowStatus(result.status());
  return *std::move(result);
}

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_ERRORS_H_
