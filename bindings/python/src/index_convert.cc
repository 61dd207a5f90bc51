#include "index_convert.h"

#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "json_convert.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

PredicateOp ToOp(const std::string& op) {
  if (op == "==") return PredicateOp::kEq;
  if (op == "!=") return PredicateOp::kNe;
  if (op == "<") return PredicateOp::kLt;
  if (op == "<=") return PredicateOp::kLe;
  if (op == ">") return PredicateOp::kGt;
  if (op == ">=") return PredicateOp::kGe;
  if (op == "in") return PredicateOp::kIn;
  if (op == "exists") return PredicateOp::kExists;
  if (op == "prefix") return PredicateOp::kPrefix;
  if (op == "contains") return PredicateOp::kContains;
  throw py::value_error(absl::StrCat("unknown filter op '", op,
                                     "' (== != < <= > >= in exists prefix contains)"));
}

}  // namespace

IndexValue ToIndexValue(py::handle value) {
  if (value.is_none()) return IndexValue::Null();
  if (PyBool_Check(value.ptr())) return IndexValue::Bool(value.ptr() == Py_True);
  if (PyLong_Check(value.ptr()) || PyFloat_Check(value.ptr())) {
    return IndexValue::Number(value.cast<double>());
  }
  if (PyUnicode_Check(value.ptr())) return IndexValue::String(value.cast<std::string>());
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    return IndexValue::Array(ToJsonText(value));
  }
  if (PyDict_Check(value.ptr())) return IndexValue::Object(ToJsonText(value));
  throw py::type_error(absl::StrCat(
      "an index value is None, bool, int, float, str, list or dict, not ",
      std::string(py::str(py::type::handle_of(value).attr("__name__")))));
}

std::vector<IndexValue> ToIndexValues(py::handle sequence) {
  std::vector<IndexValue> values;
  if (sequence.is_none()) return values;
  if (!PyList_Check(sequence.ptr()) && !PyTuple_Check(sequence.ptr())) {
    throw py::type_error("expected a list or tuple of index values");
  }
  for (py::handle value : sequence) values.push_back(ToIndexValue(value));
  return values;
}

Filter ToFilter(py::handle predicates) {
  Filter filter;
  if (predicates.is_none()) return filter;
  if (!PyList_Check(predicates.ptr()) && !PyTuple_Check(predicates.ptr())) {
    throw py::type_error("a filter is a list of (pointer, op[, operand]) tuples");
  }
  size_t i = 0;
  for (py::handle item : predicates) {
    if (!PyTuple_Check(item.ptr()) && !PyList_Check(item.ptr())) {
      throw py::type_error(absl::StrCat("filter[", i, "]: expected a (pointer, op[, operand]) tuple"));
    }
    py::sequence parts = py::reinterpret_borrow<py::sequence>(item);
    const size_t n = parts.size();
    if (n < 2 || n > 3 || !PyUnicode_Check(parts[0].ptr()) || !PyUnicode_Check(parts[1].ptr())) {
      throw py::type_error(absl::StrCat(
          "filter[", i, "]: expected (pointer: str, op: str) or (pointer, op, operand)"));
    }
    Predicate predicate{.pointer = parts[0].cast<std::string>(),
                        .op = ToOp(parts[1].cast<std::string>())};
    if (n == 3) {
      if (predicate.op == PredicateOp::kIn) {
        predicate.operands = ToIndexValues(parts[2]);
      } else {
        predicate.operands.push_back(ToIndexValue(parts[2]));
      }
    }
    filter.all_of.push_back(std::move(predicate));
    ++i;
  }
  return filter;
}

std::vector<IndexField> ToIndexFields(py::handle fields) {
  std::vector<IndexField> out;
  if (!PyList_Check(fields.ptr()) && !PyTuple_Check(fields.ptr())) {
    throw py::type_error("index fields are a list of pointers or (pointer, 'asc'|'desc')");
  }
  for (py::handle field : fields) {
    if (PyUnicode_Check(field.ptr())) {
      out.push_back({.pointer = field.cast<std::string>()});
      continue;
    }
    if (!PyTuple_Check(field.ptr()) || py::len(field) != 2) {
      throw py::type_error("an index field is a pointer or a (pointer, 'asc'|'desc') tuple");
    }
    py::tuple parts = py::reinterpret_borrow<py::tuple>(field);
    const std::string order = parts[1].cast<std::string>();
    if (order != "asc" && order != "desc") {
      throw py::value_error(absl::StrCat("index field order '", order, "': use 'asc' or 'desc'"));
    }
    out.push_back({.pointer = parts[0].cast<std::string>(),
                   .order = order == "asc" ? SortOrder::kAscending : SortOrder::kDescending});
  }
  return out;
}

py::object FromIndexValue(const IndexValue& value) {
  switch (value.type()) {
    case IndexValue::Type::kMissing:
    case IndexValue::Type::kNull: return py::none();
    case IndexValue::Type::kFalse: return py::bool_(false);
    case IndexValue::Type::kTrue: return py::bool_(true);
    case IndexValue::Type::kNumber: return py::float_(value.number());
    case IndexValue::Type::kString: return py::str(value.text());
    case IndexValue::Type::kArray:
    case IndexValue::Type::kObject: return FromJsonText(value.text());
  }
  return py::none();
}

}  // namespace marquee::python
