// The iterators (ScanIterator, PageIterator, ItemIterator, CampaignIterator,
// RemoteCampaignIterator) fetch their next page without the GIL, so a
// second Python thread could call next() on the same iterator meanwhile and
// race on its state. Like a generator, an iterator refuses that:
// ValueError("iterator already executing").
//
//   py::dict Next() {
//     IteratorGuard guard(running_);  // first line of next()
//     ...
//
// The flag is only read and written with the GIL held (before the fetch
// releases it and after it is taken back), so it needs no lock.
#ifndef MARQUEE_BINDINGS_PYTHON_ITERATOR_GUARD_H_
#define MARQUEE_BINDINGS_PYTHON_ITERATOR_GUARD_H_

#include <pybind11/pybind11.h>

namespace marquee::python {

class IteratorGuard {
 public:
  explicit IteratorGuard(bool& running) : running_(running) {
    if (running_) throw pybind11::value_error("iterator already executing");
    running_ = true;
  }
  ~IteratorGuard() { running_ = false; }
  IteratorGuard(const IteratorGuard&) = delete;
  IteratorGuard& operator=(const IteratorGuard&) = delete;

 private:
  bool& running_;
};

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_ITERATOR_GUARD_H_
