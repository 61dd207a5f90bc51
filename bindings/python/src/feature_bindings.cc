// marquee.Features (GrowthBook feature definitions stored in the store;
// feature_repository.h) and marquee.FeatureSet (a compiled set of
// definitions, evaluated per user; features.h, evaluator.h).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "domain_convert.h"
#include "errors.h"
#include "json_convert.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/feature_repository.h"
#include "marquee/campaign/features.h"
#include "registrations.h"
#include "service_holder.h"
#include "value_convert.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using campaign::FeatureRepository;
using Features = ServiceHolder<FeatureRepository>;
using CompiledFeatures = std::shared_ptr<const campaign::FeatureSet>;

// The per-user part of an evaluation.
campaign::Context ToContext(const CompiledFeatures& features, py::handle attributes,
                            std::optional<std::map<std::string, int>> forced_variations,
                            std::string url, bool qa_mode, bool enabled) {
  campaign::Context context;
  context.attributes = ToValue(attributes);
  context.features = features;
  if (forced_variations) {
    for (auto& [key, index] : *forced_variations) context.forced_variations[key] = index;
  }
  context.url = std::move(url);
  context.qa_mode = qa_mode;
  context.enabled = enabled;
  return context;
}

}  // namespace

void RegisterFeatures(py::module_& m) {
  py::class_<Features, std::shared_ptr<Features>>(
      m, "Features",
      "GrowthBook feature definitions in the store, one record per key, validated on "
      "every write. A feature is returned as {'key', 'definition', 'version'}.")
      .def(py::init([](std::shared_ptr<StoreHandle> store) {
             return Features::Open(std::move(store),
                                   [](Store* s) { return FeatureRepository::Open(s); });
           }),
           py::arg("store"))
      .def(
          "create",
          [](const Features& self, const std::string& key, py::handle definition) {
            const Json json = ToJson(definition);
            FeatureRepository& repo = self.Get();
            auto created = WithoutGil([&] { return repo.Create(key, json); });
            return FromFeature(Unwrap(std::move(created)));
          },
          py::arg("key"), py::arg("definition"),
          "Stores a new feature. Raises InvalidArgumentError (naming the field), "
          "AlreadyExistsError.")
      .def(
          "get",
          [](const Features& self, const std::string& key) {
            FeatureRepository& repo = self.Get();
            auto got = WithoutGil([&] { return repo.Get(key); });
            return FromFeature(Unwrap(std::move(got)));
          },
          py::arg("key"))
      .def(
          "replace",
          [](const Features& self, const std::string& key, py::handle definition,
             std::optional<uint64_t> expected_version) {
            const Json json = ToJson(definition);
            FeatureRepository& repo = self.Get();
            auto replaced = WithoutGil([&] { return repo.Replace(key, json, expected_version); });
            return FromFeature(Unwrap(std::move(replaced)));
          },
          py::arg("key"), py::arg("definition"), py::kw_only(),
          py::arg("expected_version") = py::none())
      .def(
          "delete",
          [](const Features& self, const std::string& key,
             std::optional<uint64_t> expected_version) {
            FeatureRepository& repo = self.Get();
            Check(WithoutGil([&] { return repo.Delete(key, expected_version); }));
          },
          py::arg("key"), py::kw_only(), py::arg("expected_version") = py::none());

  py::class_<campaign::FeatureSet, std::shared_ptr<campaign::FeatureSet>>(
      m, "FeatureSet",
      "GrowthBook's features object ({key: definition}), compiled once; evaluate() "
      "follows GrowthBook's SDK spec (rules, rollouts, experiments, prerequisites). "
      "Immutable and thread-safe.")
      .def(py::init([](py::handle features) {
             const campaign::Value value = ToValue(features);
             return std::make_shared<campaign::FeatureSet>(
                 Unwrap(campaign::FeatureSet::FromValue(value)));
           }),
           py::arg("features"), "Raises InvalidArgumentError naming the feature and field.")
      .def(
          "evaluate",
          [](std::shared_ptr<campaign::FeatureSet> self, const std::string& key,
             py::handle attributes, std::optional<std::map<std::string, int>> forced_variations,
             std::string url, bool qa_mode, bool enabled) {
            campaign::Context context = ToContext(self, attributes, std::move(forced_variations),
                                                  std::move(url), qa_mode, enabled);
            campaign::Value result = WithoutGil([&] {
              return campaign::FeatureResultToValue(campaign::EvalFeature(context, key));
            });
            return FromValue(result);
          },
          py::arg("key"), py::arg("attributes") = py::none(), py::kw_only(),
          py::arg("forced_variations") = py::none(), py::arg("url") = "",
          py::arg("qa_mode") = false, py::arg("enabled") = true,
          "GrowthBook's result for one user: {'value', 'on', 'off', 'source', 'ruleId', "
          "and 'experiment' / 'experimentResult' when an experiment assigned it}.")
      .def(
          "run",
          [](std::shared_ptr<campaign::FeatureSet> self, py::handle experiment,
             py::handle attributes, std::optional<std::map<std::string, int>> forced_variations,
             std::string url, bool qa_mode, bool enabled) {
            const campaign::Experiment exp =
                Unwrap(campaign::ExperimentFromValue(ToValue(experiment)));
            campaign::Context context = ToContext(self, attributes, std::move(forced_variations),
                                                  std::move(url), qa_mode, enabled);
            campaign::Value result = WithoutGil(
                [&] { return campaign::ExperimentResultToValue(campaign::Run(context, exp)); });
            return FromValue(result);
          },
          py::arg("experiment"), py::arg("attributes") = py::none(), py::kw_only(),
          py::arg("forced_variations") = py::none(), py::arg("url") = "",
          py::arg("qa_mode") = false, py::arg("enabled") = true,
          "Runs an inline experiment ({'key', 'variations', ...}) for one user; returns "
          "GrowthBook's result {'inExperiment', 'variationId', 'value', ...}.")
      .def(
          "keys",
          [](const campaign::FeatureSet& self) {
            py::list keys;
            for (const auto& [key, definition] : self.definitions()) keys.append(key);
            return keys;
          },
          "The feature keys, sorted.")
      .def("to_dict", [](const campaign::FeatureSet& self) { return FromValue(self.ToValue()); },
           "The features object, as read.")
      .def("__len__", &campaign::FeatureSet::size)
      .def("__contains__", [](const campaign::FeatureSet& self, const std::string& key) {
        return self.definitions().contains(key);
      });
}

}  // namespace marquee::python
