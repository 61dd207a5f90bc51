// Python values -> index values, filters and index fields (marquee/index.h).
//
//   index value: None, bool, int or float (compared as doubles), str, or a
//                list / dict (compared by their minified JSON text)
//   filter:      a list of predicates, each a tuple (pointer, op[, operand]):
//                ("/status", "==", "live"), ("/priority", ">=", 5),
//                ("/country", "in", ["FR", "BE"]), ("/email", "exists"),
//                ("/name", "prefix", "Spr"), ("/tags", "contains", "sale");
//                ops: == != < <= > >= in exists prefix contains
//   index field: a JSON pointer ("/priority", ascending) or a tuple
//                (pointer, "asc" | "desc")
// Wrong shapes raise TypeError or ValueError naming the position.
// REQUIRES: the GIL is held.
#ifndef MARQUEE_BINDINGS_PYTHON_INDEX_CONVERT_H_
#define MARQUEE_BINDINGS_PYTHON_INDEX_CONVERT_H_

#include <vector>

#include <pybind11/pybind11.h>

#include "marquee/index.h"

namespace marquee::python {

IndexValue ToIndexValue(pybind11::handle value);
std::vector<IndexValue> ToIndexValues(pybind11::handle sequence);
// None or an empty list: everything.
Filter ToFilter(pybind11::handle predicates);
std::vector<IndexField> ToIndexFields(pybind11::handle fields);

// The Python value of an index value (Missing is None too).
pybind11::object FromIndexValue(const IndexValue& value);

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_INDEX_CONVERT_H_
