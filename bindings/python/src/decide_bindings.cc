// marquee.Decider: for one user and page view, the campaigns, variants and
// flags to show (decide.h).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/time/time.h"
#include "errors.h"
#include "json_convert.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/delivery_view.h"
#include "registrations.h"
#include "service_holder.h"
#include "value_convert.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using campaign::Decider;
using Deciders = ServiceHolder<Decider>;

py::dict DecisionDict(const campaign::Decision& decision) {
  py::list campaigns;
  for (const campaign::CampaignDecision& c : decision.campaigns) {
    py::dict d;
    d["campaign_id"] = c.campaign_id;
    d["name"] = c.name;
    d["priority"] = c.priority;
    d["placements"] = c.placements;
    d["variant_key"] = c.variant_key;
    d["variant_index"] = c.variant_index;
    d["content"] = FromJson(c.content);
    d["in_experiment"] = c.in_experiment;
    d["sticky_used"] = c.sticky_used;
    d["explain"] = c.explain;
    campaigns.append(d);
  }
  py::dict flags;
  for (const campaign::FlagDecision& f : decision.flags) {
    py::dict d;
    d["value"] = FromValue(f.value);
    d["on"] = f.on;
    d["source"] = std::string(campaign::FeatureSourceName(f.source));
    d["rule_id"] = f.rule_id;
    flags[py::str(f.key)] = d;
  }
  py::list skipped;
  for (const campaign::SkippedCampaign& s : decision.skipped) {
    py::dict d;
    d["campaign_id"] = s.campaign_id;
    d["reason"] = s.reason;
    skipped.append(d);
  }
  py::dict out;
  out["campaigns"] = campaigns;
  out["flags"] = flags;
  out["skipped"] = skipped;
  out["view_version"] = decision.view_version;
  return out;
}

void WaitForVersion(const Decider& decider, uint64_t version, double timeout_seconds) {
  Check(WithoutGil(
      [&] { return decider.view().WaitForVersion(version, absl::Seconds(timeout_seconds)); }));
}

}  // namespace

void RegisterDecider(py::module_& m) {
  py::class_<Deciders, std::shared_ptr<Deciders>>(
      m, "Decider",
      "Decide: which campaigns (and variants) and flag values one user sees. It reads "
      "from a view of the store fed by its change feed: after a write, pass "
      "min_version=<the write's version> (or call wait_for_version) to see it. "
      "Thread-safe; decide() releases the GIL.")
      .def(py::init([](std::shared_ptr<StoreHandle> store, bool evaluate_flags) {
             return Deciders::Open(std::move(store), [&](Store* s) {
               return Decider::Open(s, {.evaluate_flags = evaluate_flags});
             });
           }),
           py::arg("store"), py::kw_only(), py::arg("evaluate_flags") = true)
      .def(
          "decide",
          [](const Deciders& self, std::string user, py::handle context,
             std::optional<std::string> placement, bool explain,
             std::optional<uint64_t> min_version, double timeout) {
            campaign::DecideRequest request{.user = std::move(user),
                                            .context = ToValue(context),
                                            .placement = std::move(placement),
                                            .explain = explain};
            const Decider& decider = self.Get();
            if (min_version) WaitForVersion(decider, *min_version, timeout);
            auto decision = WithoutGil([&] { return decider.Decide(request); });
            return DecisionDict(Unwrap(std::move(decision)));
          },
          py::arg("user"), py::arg("context") = py::none(), py::kw_only(),
          py::arg("placement") = py::none(), py::arg("explain") = false,
          py::arg("min_version") = py::none(), py::arg("timeout") = 5.0,
          "The decision: {'campaigns': [{'campaign_id', 'name', 'priority', 'placements', "
          "'variant_key', 'variant_index', 'content', 'in_experiment', 'sticky_used', "
          "'explain'}], 'flags': {key: {'value', 'on', 'source', 'rule_id'}}, 'skipped': "
          "[{'campaign_id', 'reason'}] (with explain), 'view_version'}. context: this "
          "request's attributes (a dict), over the profile's. Raises "
          "InvalidArgumentError, DeadlineExceededError (min_version not reached).")
      .def(
          "wait_for_version",
          [](const Deciders& self, uint64_t version, double timeout) {
            WaitForVersion(self.Get(), version, timeout);
          },
          py::arg("version"), py::kw_only(), py::arg("timeout") = 5.0,
          "Waits until the view reflects the store at `version`. Raises "
          "DeadlineExceededError (a TimeoutError) after timeout seconds.")
      .def_property_readonly(
          "view_version", [](const Deciders& self) { return self.Get().view().version(); },
          "The store version the decisions currently come from.");
}

}  // namespace marquee::python
