// Store.scan (one bounded scan of an index) and Store.scan_iter (every row
// of a range, as a Python iterator that scans a page at a time).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/strings/str_cat.h"
#include "errors.h"
#include "index_convert.h"
#include "iterator_guard.h"
#include "marquee/store.h"
#include "registrations.h"
#include "store_handle.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

std::optional<RangeBound> ToBound(py::handle value, bool inclusive) {
  if (value.is_none()) return std::nullopt;
  return RangeBound{.value = ToIndexValue(value), .inclusive = inclusive};
}

ScanRequest ToScanRequest(std::string collection, std::string index, py::handle prefix,
                          py::handle lower, bool lower_inclusive, py::handle upper,
                          bool upper_inclusive, py::handle filter, size_t limit,
                          size_t max_scanned) {
  return ScanRequest{.collection = std::move(collection),
                     .index = std::move(index),
                     .prefix = ToIndexValues(prefix),
                     .lower = ToBound(lower, lower_inclusive),
                     .upper = ToBound(upper, upper_inclusive),
                     .filter = ToFilter(filter),
                     .limit = limit,
                     .max_scanned = max_scanned};
}

ScanResult RunScan(const StoreHandle& handle, const ScanRequest& request) {
  std::shared_ptr<MemoryStore> store = handle.Get();
  auto result = WithoutGil([&] { return store->Scan(request); });
  return Unwrap(std::move(result));
}

// The iterator of Store.scan_iter: scans `request.limit` rows at a time,
// continuing after the last position examined while the range may hold more.
class ScanIterator {
 public:
  ScanIterator(std::shared_ptr<StoreHandle> handle, ScanRequest request)
      : handle_(std::move(handle)), request_(std::move(request)) {}

  Record Next() {
    IteratorGuard guard(running_);
    while (next_ == rows_.size()) {
      if (done_) throw py::stop_iteration();
      ScanResult page = RunScan(*handle_, request_);
      rows_ = std::move(page.records);
      next_ = 0;
      done_ = !page.more || !page.end.has_value();
      if (page.end) request_.after = std::move(*page.end);
    }
    return std::move(rows_[next_++]);
  }

 private:
  std::shared_ptr<StoreHandle> handle_;
  ScanRequest request_;
  std::vector<Record> rows_;
  size_t next_ = 0;
  bool done_ = false;
  bool running_ = false;  // IteratorGuard
};

}  // namespace

void RegisterScan(py::module_& m) {
  py::class_<ScanPosition>(m, "ScanPosition",
                           "A position in an index (its values and id): pass a scan's end "
                           "as after= (or before=) to continue.")
      .def_property_readonly("values",
                             [](const ScanPosition& p) {
                               py::list values;
                               for (const IndexValue& v : p.values) values.append(FromIndexValue(v));
                               return values;
                             })
      .def_readonly("id", &ScanPosition::id)
      .def("__eq__", [](const ScanPosition& a, const ScanPosition& b) { return a == b; })
      .def("__repr__", [](const ScanPosition& p) {
        return absl::StrCat("ScanPosition(id=", p.id, ", ", p.values.size(), " values)");
      });

  py::class_<ScanResult>(m, "ScanResult", "One bounded scan of an index.")
      .def_readonly("records", &ScanResult::records, "Matching rows in index order.")
      .def_readonly("end", &ScanResult::end,
                    "Position of the last row examined (None when none was): continue "
                    "with after=end.")
      .def_readonly("more", &ScanResult::more, "The range may hold more rows.")
      .def_readonly("scanned", &ScanResult::scanned, "Rows examined, matching or not.");

  py::class_<ScanIterator>(m, "ScanIterator", "Rows of a Store.scan_iter, scanned lazily.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &ScanIterator::Next);

  auto store = py::reinterpret_borrow<py::class_<StoreHandle, std::shared_ptr<StoreHandle>>>(
      m.attr("Store"));
  store
      .def(
          "scan",
          [](const StoreHandle& handle, std::string collection, std::string index,
             py::handle prefix, py::handle lower, bool lower_inclusive, py::handle upper,
             bool upper_inclusive, py::handle filter, size_t limit, size_t max_scanned,
             std::optional<ScanPosition> after, std::optional<ScanPosition> before) {
            ScanRequest request =
                ToScanRequest(std::move(collection), std::move(index), prefix, lower,
                              lower_inclusive, upper, upper_inclusive, filter, limit, max_scanned);
            request.after = std::move(after);
            request.before = std::move(before);
            return RunScan(handle, request);
          },
          py::arg("collection"), py::arg("index") = "", py::kw_only(),
          py::arg("prefix") = py::none(), py::arg("lower") = py::none(),
          py::arg("lower_inclusive") = true, py::arg("upper") = py::none(),
          py::arg("upper_inclusive") = true, py::arg("filter") = py::none(),
          py::arg("limit") = size_t{100}, py::arg("max_scanned") = size_t{10'000},
          py::arg("after") = py::none(), py::arg("before") = py::none(),
          "Rows of one index ('' : id order) in order: equality on the leading fields "
          "(prefix), a range on the next (lower / upper), a filter, at most `limit` rows "
          "and `max_scanned` rows examined. Continue with after=result.end while "
          "result.more. Raises InvalidArgumentError (unknown index, bad request).")
      .def(
          "scan_iter",
          [](std::shared_ptr<StoreHandle> handle, std::string collection, std::string index,
             py::handle prefix, py::handle lower, bool lower_inclusive, py::handle upper,
             bool upper_inclusive, py::handle filter, size_t page_size) {
            ScanRequest request =
                ToScanRequest(std::move(collection), std::move(index), prefix, lower,
                              lower_inclusive, upper, upper_inclusive, filter, page_size,
                              size_t{10'000});
            handle->Get();  // raises now, not at the first next(), when closed
            return ScanIterator(std::move(handle), std::move(request));
          },
          py::arg("collection"), py::arg("index") = "", py::kw_only(),
          py::arg("prefix") = py::none(), py::arg("lower") = py::none(),
          py::arg("lower_inclusive") = true, py::arg("upper") = py::none(),
          py::arg("upper_inclusive") = true, py::arg("filter") = py::none(),
          py::arg("page_size") = size_t{100},
          "Every row of the range (see scan), as an iterator that scans page_size rows "
          "at a time, each scan with the GIL released.");
}

}  // namespace marquee::python
