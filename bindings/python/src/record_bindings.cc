// marquee.Record and marquee.WriteBatch: the values the store reads and
// writes.
#include <cstdint>
#include <optional>
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/strings/str_cat.h"
#include "json_convert.h"
#include "marquee/record.h"
#include "marquee/store.h"
#include "registrations.h"
#include "time_convert.h"

namespace py = pybind11;

namespace marquee::python {

void RegisterRecord(py::module_& m) {
  py::class_<Record>(m, "Record",
                     "One stored JSON document: collection, id, version (the store-wide "
                     "commit that last wrote it), schema, created / updated times and body.")
      .def_readonly("collection", &Record::collection)
      .def_readonly("id", &Record::id)
      .def_readonly("version", &Record::version,
                    "Commit version of the write that produced the record; the expected "
                    "version of a later compare-and-set write.")
      .def_readonly("schema", &Record::schema, "Version of the body's shape.")
      .def_property_readonly(
          "created", [](const Record& r) { return ToDatetime(r.created); },
          "When the record was first created (aware datetime, UTC).")
      .def_property_readonly(
          "updated", [](const Record& r) { return ToDatetime(r.updated); },
          "When the record was last written (aware datetime, UTC).")
      .def_property_readonly(
          "body", [](const Record& r) { return FromJson(r.body); },
          "The body as Python objects (a new copy on every access).")
      .def_property_readonly(
          "body_json", [](const Record& r) { return std::string(r.body.text()); },
          "The body as minified JSON text.")
      .def("__eq__", [](const Record& a, const Record& b) { return a == b; })
      .def("__repr__", [](const Record& r) {
        return absl::StrCat("Record(", r.collection, "/", r.id, " v", r.version, " ",
                            std::string(r.body.text().substr(0, 80)), r.body.size() > 80 ? "...)" : ")");
      });

  py::class_<WriteBatch>(m, "WriteBatch",
                         "An atomic group of puts and erases, possibly across collections. "
                         "Store.write commits all of it or none.")
      .def(py::init<>())
      .def(
          "put",
          [](WriteBatch& batch, std::string collection, std::string id, py::handle body,
             std::optional<uint64_t> expected_version, uint32_t schema) -> WriteBatch& {
            return batch.Put(std::move(collection), std::move(id), ToJson(body),
                             {.expected_version = expected_version}, schema);
          },
          py::arg("collection"), py::arg("id"), py::arg("body"), py::kw_only(),
          py::arg("expected_version") = py::none(), py::arg("schema") = 1,
          py::return_value_policy::reference_internal,
          "Creates or replaces a record. expected_version: the version the record must "
          "have now (0: must not exist); None: no condition. Returns the batch.")
      .def(
          "erase",
          [](WriteBatch& batch, std::string collection, std::string id,
             std::optional<uint64_t> expected_version) -> WriteBatch& {
            return batch.Erase(std::move(collection), std::move(id),
                               {.expected_version = expected_version});
          },
          py::arg("collection"), py::arg("id"), py::kw_only(),
          py::arg("expected_version") = py::none(), py::return_value_policy::reference_internal,
          "Removes a record (a no-op without a condition when it is absent). Returns the "
          "batch.")
      .def("clear", &WriteBatch::Clear)
      .def("__len__", &WriteBatch::size)
      .def("__bool__", [](const WriteBatch& batch) { return !batch.empty(); })
      .def("__repr__",
           [](const WriteBatch& batch) { return absl::StrCat("WriteBatch(", batch.size(), " ops)"); });
}

}  // namespace marquee::python
