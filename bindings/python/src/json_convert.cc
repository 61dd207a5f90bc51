#include "json_convert.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "errors.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

// Json's default JsonLimits::max_depth; deeper input (or a cycle) is
// refused before it could exhaust the C++ stack.
constexpr int kMaxDepth = 64;

[[noreturn]] void RaiseType(py::handle value, std::string_view where) {
  throw py::type_error(absl::StrFormat(
      "%sobject of type %s is not JSON serializable (use None, bool, int, float, str, "
      "list, tuple or dict with str keys)",
      where, std::string(py::str(py::type::handle_of(value).attr("__name__")))));
}

std::string_view Utf8Of(py::handle str) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();  // lone surrogates
  return {data, static_cast<size_t>(size)};
}

void AppendString(std::string_view utf8, std::string& out) {
  out.push_back('"');
  for (const char c : utf8) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void Append(py::handle value, int depth, std::string& out) {
  if (value.is_none()) {
    out += "null";
  } else if (PyBool_Check(value.ptr())) {
    out += value.ptr() == Py_True ? "true" : "false";
  } else if (PyLong_Check(value.ptr())) {
    // int's own repr, also for subclasses (an IntEnum's str() is its name).
    py::object as_int = py::reinterpret_steal<py::object>(PyNumber_Long(value.ptr()));
    if (!as_int) throw py::error_already_set();
    out += Utf8Of(py::repr(as_int));
  } else if (PyFloat_Check(value.ptr())) {
    const double d = PyFloat_AsDouble(value.ptr());
    if (!std::isfinite(d)) {
      throw py::value_error(absl::StrFormat(
          "%f is not JSON compliant: JSON has no NaN or infinity", d));
    }
    // Python's repr is the shortest text that reads back to the same double
    // ("0.1", "1e+16"), and every such text is a valid JSON number.
    py::object as_float = py::float_(d);
    out += Utf8Of(py::repr(as_float));
  } else if (PyUnicode_Check(value.ptr())) {
    AppendString(Utf8Of(value), out);
  } else if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    if (depth >= kMaxDepth) {
      throw py::value_error(absl::StrFormat(
          "JSON nests deeper than %d levels (or contains itself)", kMaxDepth));
    }
    out.push_back('[');
    bool first = true;
    for (py::handle element : value) {
      if (!first) out.push_back(',');
      first = false;
      Append(element, depth + 1, out);
    }
    out.push_back(']');
  } else if (PyDict_Check(value.ptr())) {
    if (depth >= kMaxDepth) {
      throw py::value_error(absl::StrFormat(
          "JSON nests deeper than %d levels (or contains itself)", kMaxDepth));
    }
    out.push_back('{');
    bool first = true;
    for (auto [key, member] : py::reinterpret_borrow<py::dict>(value)) {
      if (!PyUnicode_Check(key.ptr())) RaiseType(key, "dict key: ");
      if (!first) out.push_back(',');
      first = false;
      AppendString(Utf8Of(key), out);
      out.push_back(':');
      Append(member, depth + 1, out);
    }
    out.push_back('}');
  } else {
    RaiseType(value, "");
  }
}

}  // namespace

std::string ToJsonText(py::handle value) {
  std::string out;
  Append(value, 0, out);
  return out;
}

Json ToJson(py::handle value) { return Unwrap(Json::Parse(ToJsonText(value))); }

namespace {
// json.loads, looked up once at import (InitJsonConvert). Not a function-
// local static: its first use would import under the GIL inside a static
// initializer, which deadlocks when two threads get there at once (the
// first waits for the GIL, the second for the initializer). Leaked on
// purpose: destroying it after the interpreter finalized would touch a dead
// interpreter.
py::object* json_loads = nullptr;
}  // namespace

void InitJsonConvert() {
  if (json_loads == nullptr) json_loads = new py::object(py::module_::import("json").attr("loads"));
}

py::object FromJsonText(std::string_view text) {
  return (*json_loads)(py::str(text.data(), text.size()));
}

}  // namespace marquee::python
