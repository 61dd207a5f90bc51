// marquee.Campaigns: campaigns and segments through the CampaignRepository
// (validated, compare-and-set writes; campaign.h, segment.h).
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
#include "iterator_guard.h"
#include "marquee/campaign/campaign_repository.h"
#include "registrations.h"
#include "service_holder.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using campaign::CampaignRepository;
using Campaigns = ServiceHolder<CampaignRepository>;

// Every campaign of a listing, a page of the repository at a time.
class CampaignIterator {
 public:
  CampaignIterator(std::shared_ptr<Campaigns> campaigns, campaign::CampaignListRequest request)
      : campaigns_(std::move(campaigns)), request_(std::move(request)) {}

  py::dict Next() {
    IteratorGuard guard(running_);
    while (next_ == rows_.size()) {
      if (done_) throw py::stop_iteration();
      CampaignRepository& repo = campaigns_->Get();
      auto page = WithoutGil([&] { return repo.List(request_); });
      campaign::CampaignPage got = Unwrap(std::move(page));
      rows_ = std::move(got.campaigns);
      next_ = 0;
      done_ = !got.next.has_value();
      request_.after = std::move(got.next);
    }
    return FromCampaign(rows_[next_++]);
  }

 private:
  std::shared_ptr<Campaigns> campaigns_;
  campaign::CampaignListRequest request_;
  std::vector<campaign::Campaign> rows_;
  size_t next_ = 0;
  bool done_ = false;
  bool running_ = false;  // IteratorGuard
};

campaign::CampaignStatus ToStatus(const std::string& name) {
  return Unwrap(campaign::ParseCampaignStatus(name));
}

}  // namespace

void RegisterCampaigns(py::module_& m) {
  py::class_<CampaignIterator>(m, "CampaignIterator", "Campaigns of a listing, paged lazily.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &CampaignIterator::Next);

  py::class_<Campaigns, std::shared_ptr<Campaigns>>(
      m, "Campaigns",
      "Campaigns and segments in a store. A campaign is its record body as a dict "
      "(name, status, schedule, priority, placements, targeting, variants, experiment, "
      "tags, attributes) plus 'id' and 'version'. Every write is validated and a "
      "compare-and-set on the version.")
      .def(py::init([](std::shared_ptr<StoreHandle> store, int max_retries) {
             return Campaigns::Open(std::move(store), [&](Store* s) {
               return CampaignRepository::Open(s, {.max_retries = max_retries});
             });
           }),
           py::arg("store"), py::kw_only(), py::arg("max_retries") = 16)
      .def(
          "create",
          [](const Campaigns& self, py::handle campaign, std::optional<std::string> id) {
            campaign::Campaign value = ToCampaign(campaign, std::move(id));
            CampaignRepository& repo = self.Get();
            auto created = WithoutGil([&] { return repo.Create(value); });
            return FromCampaign(Unwrap(std::move(created)));
          },
          py::arg("campaign"), py::kw_only(), py::arg("id") = py::none(),
          "Stores a new campaign; returns it with its version. Raises "
          "InvalidArgumentError (naming the field), AlreadyExistsError, NotFoundError "
          "(an unknown segment).")
      .def(
          "get",
          [](const Campaigns& self, const std::string& id) {
            CampaignRepository& repo = self.Get();
            auto got = WithoutGil([&] { return repo.Get(id); });
            return FromCampaign(Unwrap(std::move(got)));
          },
          py::arg("id"), "Raises NotFoundError.")
      .def(
          "update",
          [](const Campaigns& self, py::handle campaign) {
            campaign::Campaign value = ToCampaign(campaign);
            CampaignRepository& repo = self.Get();
            auto updated = WithoutGil([&] { return repo.Update(value); });
            return FromCampaign(Unwrap(std::move(updated)));
          },
          py::arg("campaign"),
          "Replaces a campaign read at campaign['version']. Raises "
          "FailedPreconditionError (changed since; a refused status transition), "
          "NotFoundError, InvalidArgumentError.")
      .def(
          "set_status",
          [](const Campaigns& self, const std::string& id, const std::string& status,
             std::optional<uint64_t> expected_version) {
            const campaign::CampaignStatus to = ToStatus(status);
            CampaignRepository& repo = self.Get();
            auto updated = WithoutGil([&] { return repo.SetStatus(id, to, expected_version); });
            return FromCampaign(Unwrap(std::move(updated)));
          },
          py::arg("id"), py::arg("status"), py::kw_only(),
          py::arg("expected_version") = py::none(),
          "Changes the status (draft, scheduled, live, paused, ended).")
      .def(
          "set_variant_weights",
          [](const Campaigns& self, const std::string& id, std::vector<double> weights,
             std::optional<uint64_t> expected_version) {
            CampaignRepository& repo = self.Get();
            auto updated = WithoutGil(
                [&] { return repo.SetVariantWeights(id, weights, expected_version); });
            return FromCampaign(Unwrap(std::move(updated)));
          },
          py::arg("id"), py::arg("weights"), py::kw_only(),
          py::arg("expected_version") = py::none(), "Replaces the variants' weights, in order.")
      .def(
          "delete",
          [](const Campaigns& self, const std::string& id,
             std::optional<uint64_t> expected_version) {
            CampaignRepository& repo = self.Get();
            Check(WithoutGil([&] { return repo.Delete(id, expected_version); }));
          },
          py::arg("id"), py::kw_only(), py::arg("expected_version") = py::none(),
          "Removes a draft or ended campaign (FailedPreconditionError otherwise).")
      .def(
          "list",
          [](std::shared_ptr<Campaigns> self, std::optional<std::string> status,
             size_t page_size) {
            campaign::CampaignListRequest request{.limit = page_size};
            if (status) request.status = ToStatus(*status);
            self->Get();
            return CampaignIterator(std::move(self), std::move(request));
          },
          py::arg("status") = py::none(), py::kw_only(), py::arg("page_size") = size_t{100},
          "Every campaign (by id), or those of one status (highest priority first), as "
          "an iterator that reads page_size campaigns at a time.")
      .def(
          "put_segment",
          [](const Campaigns& self, py::handle segment, std::optional<uint64_t> expected_version,
             std::optional<std::string> id) {
            campaign::Segment value = ToSegment(segment, std::move(id));
            CampaignRepository& repo = self.Get();
            auto put = WithoutGil([&] { return repo.PutSegment(value, expected_version); });
            return FromSegment(Unwrap(std::move(put)));
          },
          py::arg("segment"), py::kw_only(), py::arg("expected_version") = py::none(),
          py::arg("id") = py::none(),
          "Creates or replaces a segment {'id', 'name', 'condition'}; expected_version 0: "
          "create only.")
      .def(
          "get_segment",
          [](const Campaigns& self, const std::string& id) {
            CampaignRepository& repo = self.Get();
            auto got = WithoutGil([&] { return repo.GetSegment(id); });
            return FromSegment(Unwrap(std::move(got)));
          },
          py::arg("id"))
      .def(
          "delete_segment",
          [](const Campaigns& self, const std::string& id,
             std::optional<uint64_t> expected_version) {
            CampaignRepository& repo = self.Get();
            Check(WithoutGil([&] { return repo.DeleteSegment(id, expected_version); }));
          },
          py::arg("id"), py::kw_only(), py::arg("expected_version") = py::none(),
          "Removes a segment no campaign references (FailedPreconditionError otherwise).");
}

}  // namespace marquee::python
