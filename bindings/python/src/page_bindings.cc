// marquee.Paginator: keyset pages with signed cursors (marquee/page.h), and
// Python iterators over its pages and their items.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/time/time.h"
#include "errors.h"
#include "index_convert.h"
#include "iterator_guard.h"
#include "marquee/page.h"
#include "registrations.h"
#include "store_handle.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

// A Paginator and the store it reads, kept alive together.
struct PaginatorHandle {
  std::shared_ptr<StoreHandle> handle;
  std::shared_ptr<MemoryStore> store;
  std::unique_ptr<Paginator> paginator;

  Page Fetch(const PageRequest& request) const {
    handle->Get();  // raises once the store is closed
    auto page = WithoutGil([&] { return paginator->Fetch(request); });
    return Unwrap(std::move(page));
  }
};

PageRequest ToPageRequest(std::string collection, std::string index, py::handle filter,
                          size_t limit, std::optional<std::string> after,
                          std::optional<std::string> before,
                          std::optional<std::vector<std::string>> fields) {
  return PageRequest{.collection = std::move(collection),
                     .index = std::move(index),
                     .filter = ToFilter(filter),
                     .limit = limit,
                     .after = after.value_or(""),
                     .before = before.value_or(""),
                     .fields = fields.value_or(std::vector<std::string>{})};
}

// Pages of one request, following each page's `next` cursor.
class PageIterator {
 public:
  PageIterator(std::shared_ptr<PaginatorHandle> paginator, PageRequest request)
      : paginator_(std::move(paginator)), request_(std::move(request)) {}

  Page Next() {
    IteratorGuard guard(running_);
    if (done_) throw py::stop_iteration();
    Page page = paginator_->Fetch(request_);
    if (page.next) {
      request_.after = *page.next;
      request_.before.clear();
    } else {
      done_ = true;
    }
    return page;
  }

 private:
  std::shared_ptr<PaginatorHandle> paginator_;
  PageRequest request_;
  bool done_ = false;
  bool running_ = false;  // IteratorGuard
};

// The items of every page of a PageIterator.
class ItemIterator {
 public:
  explicit ItemIterator(PageIterator pages) : pages_(std::move(pages)) {}

  Record Next() {
    IteratorGuard guard(running_);
    while (next_ == items_.size()) {
      items_ = pages_.Next().items;  // StopIteration after the last page
      next_ = 0;
    }
    return std::move(items_[next_++]);
  }

 private:
  PageIterator pages_;
  std::vector<Record> items_;
  size_t next_ = 0;
  bool running_ = false;  // IteratorGuard
};

}  // namespace

void RegisterPaginator(py::module_& m) {
  py::class_<Page>(m, "Page", "One page of a Paginator.")
      .def_readonly("items", &Page::items, "Matching records in index order.")
      .def_readonly("next", &Page::next, "Cursor of the following page; None at the end.")
      .def_readonly("prev", &Page::prev, "Cursor of the preceding page; None at the start.")
      .def_readonly("has_more", &Page::has_more)
      .def_readonly("scan_budget_exhausted", &Page::scan_budget_exhausted)
      .def_readonly("limit", &Page::limit)
      .def_readonly("limit_clamped", &Page::limit_clamped)
      .def_readonly("scanned", &Page::scanned);

  py::class_<PageIterator>(m, "PageIterator", "Pages of a request, following `next` cursors.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &PageIterator::Next);
  py::class_<ItemIterator>(m, "ItemIterator", "Records of every page of a request.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &ItemIterator::Next);

  py::class_<PaginatorHandle, std::shared_ptr<PaginatorHandle>>(
      m, "Paginator",
      "Keyset pages of one index with opaque, signed cursors: a page continues strictly "
      "after its cursor's row, never at an offset. A forged, expired or foreign cursor "
      "raises InvalidArgumentError.")
      .def(py::init([](std::shared_ptr<StoreHandle> handle, std::string key_id,
                       std::string secret, size_t default_limit, size_t max_limit,
                       size_t max_scanned, double cursor_ttl_seconds) {
             std::shared_ptr<MemoryStore> store = handle->Get();
             PaginatorOptions options{
                 .current_key = {.id = std::move(key_id), .secret = std::move(secret)},
                 .default_limit = default_limit,
                 .max_limit = max_limit,
                 .max_scanned = max_scanned,
                 .cursor_ttl = absl::Seconds(cursor_ttl_seconds)};
             auto paginator = Unwrap(Paginator::Create(store.get(), std::move(options)));
             return std::make_shared<PaginatorHandle>(
                 PaginatorHandle{std::move(handle), std::move(store), std::move(paginator)});
           }),
           py::arg("store"), py::arg("key_id"), py::arg("secret"), py::kw_only(),
           py::arg("default_limit") = size_t{50}, py::arg("max_limit") = size_t{500},
           py::arg("max_scanned") = size_t{10'000}, py::arg("cursor_ttl_seconds") = 86400.0,
           "key_id: 1..64 of [A-Za-z0-9_.-]; secret: at least 32 bytes, signs the cursors.")
      .def(
          "fetch",
          [](const PaginatorHandle& self, std::string collection, std::string index,
             py::handle filter, size_t limit, std::optional<std::string> after,
             std::optional<std::string> before, std::optional<std::vector<std::string>> fields) {
            return self.Fetch(ToPageRequest(std::move(collection), std::move(index), filter,
                                            limit, std::move(after), std::move(before),
                                            std::move(fields)));
          },
          py::arg("collection"), py::arg("index") = "", py::kw_only(),
          py::arg("filter") = py::none(), py::arg("limit") = size_t{0},
          py::arg("after") = py::none(), py::arg("before") = py::none(),
          py::arg("fields") = py::none(),
          "One page. after / before: a previous page's next / prev cursor. fields: JSON "
          "pointers of a sparse fieldset. limit 0: the default limit.")
      .def(
          "pages",
          [](std::shared_ptr<PaginatorHandle> self, std::string collection, std::string index,
             py::handle filter, size_t limit, std::optional<std::string> after,
             std::optional<std::vector<std::string>> fields) {
            return PageIterator(std::move(self),
                                ToPageRequest(std::move(collection), std::move(index), filter,
                                              limit, std::move(after), std::nullopt,
                                              std::move(fields)));
          },
          py::arg("collection"), py::arg("index") = "", py::kw_only(),
          py::arg("filter") = py::none(), py::arg("limit") = size_t{0},
          py::arg("after") = py::none(), py::arg("fields") = py::none(),
          "Every page from the start (or after a cursor), following next cursors.")
      .def(
          "items",
          [](std::shared_ptr<PaginatorHandle> self, std::string collection, std::string index,
             py::handle filter, size_t limit, std::optional<std::vector<std::string>> fields) {
            return ItemIterator(PageIterator(
                std::move(self), ToPageRequest(std::move(collection), std::move(index), filter,
                                               limit, std::nullopt, std::nullopt,
                                               std::move(fields))));
          },
          py::arg("collection"), py::arg("index") = "", py::kw_only(),
          py::arg("filter") = py::none(), py::arg("limit") = size_t{0},
          py::arg("fields") = py::none(), "Every matching record, a page at a time.");
}

}  // namespace marquee::python
