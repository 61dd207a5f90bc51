#include "errors.h"

#include <array>
#include <cstddef>
#include <string>

#include "absl/status/status.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

// One row per absl::StatusCode except kOk. `builtin` names a built-in
// exception the class also derives from (nullptr: marquee.Error only).
struct ErrorClass {
  absl::StatusCode code;
  const char* name;
  const char* builtin;
  const char* doc;
};

constexpr std::array<ErrorClass, 16> kErrorClasses = {{
    {absl::StatusCode::kCancelled, "CancelledError", nullptr,
     "The operation was cancelled, e.g. by a service shutting down."},
    {absl::StatusCode::kUnknown, "UnknownError", nullptr, "An error of unknown cause."},
    {absl::StatusCode::kInvalidArgument, "InvalidArgumentError", "ValueError",
     "The input is invalid (the message names the field); also a ValueError."},
    {absl::StatusCode::kDeadlineExceeded, "DeadlineExceededError", "TimeoutError",
     "The deadline passed before the operation finished; also a TimeoutError."},
    {absl::StatusCode::kNotFound, "NotFoundError", "KeyError",
     "The record or resource does not exist; also a KeyError."},
    {absl::StatusCode::kAlreadyExists, "AlreadyExistsError", nullptr,
     "A create-only write found the id taken."},
    {absl::StatusCode::kPermissionDenied, "PermissionDeniedError", "PermissionError",
     "Not allowed (targeting, keys, a wrong encryption key); also a PermissionError."},
    {absl::StatusCode::kResourceExhausted, "ResourceExhaustedError", nullptr,
     "A queue or limit is full; retry later."},
    {absl::StatusCode::kFailedPrecondition, "FailedPreconditionError", nullptr,
     "The state does not allow it: a stale expected version, a closed store or poll."},
    {absl::StatusCode::kAborted, "AbortedError", nullptr,
     "Gave up after too many conflicting concurrent writes; retry."},
    {absl::StatusCode::kOutOfRange, "OutOfRangeError", "ValueError",
     "A size or position beyond what is allowed; also a ValueError."},
    {absl::StatusCode::kUnimplemented, "UnimplementedError", "NotImplementedError",
     "Not implemented; also a NotImplementedError."},
    {absl::StatusCode::kInternal, "InternalError", nullptr, "An internal invariant broke."},
    {absl::StatusCode::kUnavailable, "UnavailableError", nullptr,
     "The backend or server cannot be reached, or refuses writes after an I/O failure."},
    {absl::StatusCode::kDataLoss, "DataLossError", nullptr,
     "Stored data is corrupt or unreadable."},
    {absl::StatusCode::kUnauthenticated, "UnauthenticatedError", nullptr,
     "Missing or invalid credentials."},
}};

// The classes, by code; filled by RegisterErrors. The module keeps them
// alive for the life of the interpreter, so raw handles suffice.
std::array<PyObject*, 17> g_class_by_code{};
PyObject* g_base_error = nullptr;

}  // namespace

void RegisterErrors(py::module_& module) {
  py::object builtins = py::module_::import("builtins");
  py::object type = builtins.attr("type");
  py::object base = type("Error", py::make_tuple(builtins.attr("Exception")),
                         py::dict(py::arg("__module__") = "marquee",
                                  py::arg("__doc__") =
                                      "Base class of every error Marquee raises. Attributes: "
                                      "code (the status code's name, e.g. 'NOT_FOUND') and "
                                      "message.",
                                  py::arg("code") = "UNKNOWN", py::arg("message") = ""));
  module.attr("Error") = base;
  g_base_error = base.ptr();
  for (const ErrorClass& row : kErrorClasses) {
    py::tuple bases = row.builtin == nullptr
                          ? py::make_tuple(base)
                          : py::make_tuple(base, builtins.attr(row.builtin));
    py::dict members(py::arg("__module__") = "marquee", py::arg("__doc__") = row.doc,
                     py::arg("code") = std::string(absl::StatusCodeToString(row.code)));
    // KeyError's str() is the repr of its argument ("'no such record'");
    // a status message reads better as it is.
    members["__str__"] = builtins.attr("BaseException").attr("__str__");
    py::object cls = type(row.name, bases, members);
    module.attr(row.name) = cls;
    g_class_by_code[static_cast<size_t>(row.code)] = cls.ptr();
  }
}

void ThrowStatus(const absl::Status& status) {
  const auto index = static_cast<size_t>(status.code());
  PyObject* cls = index < g_class_by_code.size() && g_class_by_code[index] != nullptr
                      ? g_class_by_code[index]
                      : g_base_error;
  // Messages may quote input bytes that are not UTF-8: replace those.
  py::object message = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(
      status.message().data(), static_cast<Py_ssize_t>(status.message().size()), "replace"));
  if (!message) throw py::error_already_set();
  py::object error = py::reinterpret_borrow<py::object>(cls)(message);
  error.attr("code") = std::string(absl::StatusCodeToString(status.code()));
  error.attr("message") = message;
  PyErr_SetObject(cls, error.ptr());
  throw py::error_already_set();
}

}  // namespace marquee::python
