// Python objects <-> Marquee's JSON documents.
//
// To JSON: None, bool, int (any size, written exactly), float (finite only,
// written in Python's shortest round-trip form), str, list and tuple, and
// dict with str keys, nested at most 64 deep (Json's default limit). Anything
// else raises TypeError (a set, bytes, a datetime, a dict key that is not a
// str); NaN and infinities raise ValueError, as json.dumps(allow_nan=False)
// does; a str with lone surrogates raises UnicodeEncodeError. The text is
// then validated by Json::Parse.
// From JSON: json.loads, so integers of any size stay exact ints, other
// numbers become floats, and strings are str.
// REQUIRES: the GIL is held.
#ifndef MARQUEE_BINDINGS_PYTHON_JSON_CONVERT_H_
#define MARQUEE_BINDINGS_PYTHON_JSON_CONVERT_H_

#include <string>
#include <string_view>

#include <pybind11/pybind11.h>

#include "marquee/json.h"

namespace marquee::python {

// Minified JSON text of `value`; raises as the file comment says.
std::string ToJsonText(pybind11::handle value);

// ToJsonText, validated into a Json (InvalidArgumentError when the result
// breaks Json's limits).
Json ToJson(pybind11::handle value);

// The Python object of a JSON text.
pybind11::object FromJsonText(std::string_view text);
// Looks up what FromJsonText needs; called once when the module is imported,
// before any other function of this file.
void InitJsonConvert();
inline pybind11::object FromJson(const Json& json) { return FromJsonText(json.text()); }

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_JSON_CONVERT_H_
