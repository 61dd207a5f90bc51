#include "time_convert.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

struct DatetimeApi {
  py::object datetime_type;
  py::object timedelta;
  py::object epoch;  // 1970-01-01T00:00:00+00:00
  py::object one_microsecond;
};

// Looked up once at import (InitTimeConvert), not in a function-local
// static, for the reason json_convert.cc gives. Leaked on purpose.
const DatetimeApi* datetime_api = nullptr;

const DatetimeApi& Api() { return *datetime_api; }

}  // namespace

void InitTimeConvert() {
  if (datetime_api != nullptr) return;
  py::module_ datetime = py::module_::import("datetime");
  py::object utc = datetime.attr("timezone").attr("utc");
  auto* made = new DatetimeApi{datetime.attr("datetime"), datetime.attr("timedelta"),
                               datetime.attr("datetime")(1970, 1, 1, 0, 0, 0, 0, utc),
                               py::none()};
  made->one_microsecond = made->timedelta(py::arg("microseconds") = 1);
  datetime_api = made;
}

py::object ToDatetime(absl::Time time) {
  const DatetimeApi& api = Api();
  return api.epoch + api.timedelta(py::arg("microseconds") = absl::ToUnixMicros(time));
}

absl::Time ToTime(py::handle value) {
  const DatetimeApi& api = Api();
  if (py::isinstance(value, api.datetime_type)) {
    if (value.attr("tzinfo").is_none() || value.attr("utcoffset")().is_none()) {
      throw py::value_error("a naive datetime has no time zone: give tzinfo (e.g. "
                            "datetime.timezone.utc)");
    }
    py::object micros = (value - api.epoch).attr("__floordiv__")(api.one_microsecond);
    return absl::FromUnixMicros(micros.cast<int64_t>());
  }
  if (PyUnicode_Check(value.ptr())) {
    const std::string text = value.cast<std::string>();
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
      throw py::value_error(absl::StrCat("'", text, "' is not an RFC 3339 time: ", error));
    }
    return time;
  }
  if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
    return absl::FromUnixSeconds(value.cast<int64_t>());
  }
  if (PyFloat_Check(value.ptr())) {
    const double seconds = value.cast<double>();
    // Beyond about 31,000 years either way the microseconds overflow.
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) {
      throw py::value_error("a time in Unix seconds must be finite and within +-1e12");
    }
    return absl::FromUnixMicros(static_cast<int64_t>(std::llround(seconds * 1e6)));
  }
  throw py::type_error("a time is an aware datetime, Unix seconds or an RFC 3339 string");
}

}  // namespace marquee::python
