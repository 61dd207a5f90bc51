// marquee.Profiles: user profiles (profile.h) and the GDPR calls on one
// user's data, erase and export (privacy.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "domain_convert.h"
#include "errors.h"
#include "json_convert.h"
#include "marquee/campaign/privacy.h"
#include "marquee/campaign/profile.h"
#include "registrations.h"
#include "service_holder.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using campaign::ProfileRepository;
using Profiles = ServiceHolder<ProfileRepository>;

// (collection, index) pairs, or bare collection names keyed by record id.
std::vector<campaign::UserKeyedCollection> ToUserKeyed(py::handle collections) {
  std::vector<campaign::UserKeyedCollection> out;
  if (collections.is_none()) return out;
  for (py::handle item : collections) {
    if (PyUnicode_Check(item.ptr())) {
      out.push_back({.collection = item.cast<std::string>()});
    } else if (PyTuple_Check(item.ptr()) && py::len(item) == 2) {
      py::tuple parts = py::reinterpret_borrow<py::tuple>(item);
      out.push_back({.collection = parts[0].cast<std::string>(),
                     .index = parts[1].cast<std::string>()});
    } else {
      throw py::type_error("extra_collections: each is a collection name or a "
                           "(collection, index) tuple");
    }
  }
  return out;
}

py::dict ReportDict(const campaign::ErasureReport& report) {
  py::dict removed;
  for (const auto& [collection, ids] : report.removed) removed[py::str(collection)] = ids;
  py::dict decrements;
  for (const auto& [tally, n] : report.tally_decrements) decrements[py::str(tally)] = n;
  py::dict out;
  out["removed"] = removed;
  out["tally_decrements"] = decrements;
  out["total"] = report.total;
  out["batches"] = report.batches;
  return out;
}

}  // namespace

void RegisterProfiles(py::module_& m) {
  py::class_<Profiles, std::shared_ptr<Profiles>>(
      m, "Profiles",
      "User profiles: a dict of attributes per user, read by Decide. A profile is "
      "returned as {'id', 'attributes', 'version', 'created', 'updated'}. erase_user and "
      "export_user cover everything stored about a user (GDPR).")
      .def(py::init([](std::shared_ptr<StoreHandle> store, int max_retries) {
             return Profiles::Open(std::move(store), [&](Store* s) {
               return ProfileRepository::Open(s, {.max_retries = max_retries});
             });
           }),
           py::arg("store"), py::kw_only(), py::arg("max_retries") = 16)
      .def(
          "get",
          [](const Profiles& self, const std::string& user) {
            ProfileRepository& repo = self.Get();
            auto got = WithoutGil([&] { return repo.Get(user); });
            return FromProfile(Unwrap(std::move(got)));
          },
          py::arg("user"), "Raises NotFoundError.")
      .def(
          "put",
          [](const Profiles& self, const std::string& user, py::handle attributes,
             std::optional<uint64_t> expected_version) {
            const Json json = ToJson(attributes);
            ProfileRepository& repo = self.Get();
            auto put = WithoutGil([&] { return repo.Put(user, json, expected_version); });
            return FromProfile(Unwrap(std::move(put)));
          },
          py::arg("user"), py::arg("attributes"), py::kw_only(),
          py::arg("expected_version") = py::none(),
          "Replaces the attributes (a dict), creating the profile when absent.")
      .def(
          "patch",
          [](const Profiles& self, const std::string& user, py::handle patch,
             std::optional<uint64_t> expected_version) {
            const Json json = ToJson(patch);
            ProfileRepository& repo = self.Get();
            auto patched = WithoutGil([&] { return repo.Patch(user, json, expected_version); });
            return FromProfile(Unwrap(std::move(patched)));
          },
          py::arg("user"), py::arg("patch"), py::kw_only(),
          py::arg("expected_version") = py::none(),
          "Applies an RFC 7396 merge patch (None removes a member); creates the profile "
          "when absent.")
      .def(
          "delete",
          [](const Profiles& self, const std::string& user,
             std::optional<uint64_t> expected_version) {
            ProfileRepository& repo = self.Get();
            Check(WithoutGil([&] { return repo.Delete(user, expected_version); }));
          },
          py::arg("user"), py::kw_only(), py::arg("expected_version") = py::none(),
          "Removes the profile only (erase_user removes everything).")
      .def(
          "erase_user",
          [](const Profiles& self, const std::string& user, py::handle extra_collections,
             size_t max_batch_ops) {
            campaign::EraseOptions options{.extra_collections = ToUserKeyed(extra_collections),
                                           .max_batch_ops = max_batch_ops};
            self.Get();
            MemoryStore& store = *self.store();
            auto report = WithoutGil([&] { return campaign::EraseUser(store, user, options); });
            return ReportDict(Unwrap(std::move(report)));
          },
          py::arg("user"), py::kw_only(), py::arg("extra_collections") = py::none(),
          py::arg("max_batch_ops") = size_t{500},
          "Erases everything held about the user: profile, votes (tallies adjusted), "
          "sticky buckets, and records of extra_collections. Returns a report {'removed': "
          "{collection: [ids]}, 'tally_decrements', 'total', 'batches'}. Idempotent.")
      .def(
          "export_user",
          [](const Profiles& self, const std::string& user, py::handle extra_collections) {
            campaign::ExportOptions options{.extra_collections = ToUserKeyed(extra_collections)};
            self.Get();
            const MemoryStore& store = *self.store();
            auto data = WithoutGil([&] { return campaign::ExportUser(store, user, options); });
            return FromJson(Unwrap(std::move(data)));
          },
          py::arg("user"), py::kw_only(), py::arg("extra_collections") = py::none(),
          "Everything held about the user as one dict: {'user', 'profile', 'votes', "
          "'stickyBuckets', ...}.");
}

}  // namespace marquee::python
