// absl::Time <-> Python datetime.
//
// To Python: an aware datetime in UTC, to the microsecond. From Python: an
// aware datetime (any zone), a Unix time in seconds (int or float), or an
// RFC 3339 string ("2026-03-01T09:00:00Z"). A naive datetime is refused
// (ValueError): its zone would be a guess.
// REQUIRES: the GIL is held.
#ifndef MARQUEE_BINDINGS_PYTHON_TIME_CONVERT_H_
#define MARQUEE_BINDINGS_PYTHON_TIME_CONVERT_H_

#include <pybind11/pybind11.h>

#include "absl/time/time.h"

namespace marquee::python {

pybind11::object ToDatetime(absl::Time time);
// Looks up the datetime types these functions use; called once when the
// module is imported, before any other function of this file.
void InitTimeConvert();
absl::Time ToTime(pybind11::handle value);

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_TIME_CONVERT_H_
