// Python objects -> campaign::Value (the in-memory JSON of targeting:
// attributes, conditions), through json_convert.h's rules; and back.
// REQUIRES: the GIL is held.
#ifndef MARQUEE_BINDINGS_PYTHON_VALUE_CONVERT_H_
#define MARQUEE_BINDINGS_PYTHON_VALUE_CONVERT_H_

#include <pybind11/pybind11.h>

#include "errors.h"
#include "json_convert.h"
#include "marquee/campaign/value.h"

namespace marquee::python {

// None gives null.
inline campaign::Value ToValue(pybind11::handle value) {
  if (value.is_none()) return campaign::Value();
  return Unwrap(campaign::Value::FromJson(ToJson(value)));
}

inline pybind11::object FromValue(const campaign::Value& value) {
  return FromJsonText(value.ToJsonText());
}

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_VALUE_CONVERT_H_
