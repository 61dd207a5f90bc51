// Experiment fields beyond GrowthBook's conformance cases (status, url,
// groups, include) and the order of runExperiment's steps that decides
// between them: forced variations beat a draft status, coverage 0 keeps
// everybody out before `force` applies, QA mode and a stopped status come
// after `force`.
#include <doctest/doctest.h>

#include <string>

#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/value.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {


Experiment ExperimentOf(std::string_view json) {
  absl::StatusOr<Experiment> e = ExperimentFromValue(test::MustParse(json));
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return *std::move(e);
}

// Two equal variations, full coverage: every user with an id is included.
constexpr std::string_view kBase = R"("key": "exp", "variations": ["a", "b"])";

Experiment With(std::string_view fields) {
  return ExperimentOf(std::string("{") + std::string(kBase) +
                      (fields.empty() ? "" : ", ") + std::string(fields) + "}");
}

Context User() {
  Context c;
  c.attributes = test::MustParse(R"({"id": "u1"})");
  return c;
}

TEST_SUITE("campaign.experiment") {
  TEST_CASE("a plain experiment includes a user with an id") {
    Context c = User();
    const ExperimentResult r = Run(c, With(""));
    CHECK(r.in_experiment);
    CHECK(r.hash_used);
  }

  TEST_CASE("a draft experiment includes nobody by hash") {
    Context c = User();
    const ExperimentResult r = Run(c, With(R"("status": "draft")"));
    CHECK_FALSE(r.in_experiment);
    CHECK(r.variation_id == 0);
  }

  TEST_CASE("a forced variation beats a draft status") {
    Context c = User();
    c.forced_variations["exp"] = 1;
    const ExperimentResult forced = Run(c, With(R"("status": "draft")"));
    CHECK(forced.in_experiment);
    CHECK(forced.variation_id == 1);
    CHECK_FALSE(forced.hash_used);

    Context q = User();
    q.url = "https://example.com/?exp=1";
    const ExperimentResult by_url = Run(q, With(R"("status": "draft")"));
    CHECK(by_url.in_experiment);
    CHECK(by_url.variation_id == 1);
  }

  TEST_CASE("QA mode keeps draft and running experiments out unless forced") {
    Context c = User();
    c.qa_mode = true;
    CHECK_FALSE(Run(c, With(R"("status": "running")")).in_experiment);
    CHECK_FALSE(Run(c, With(R"("status": "draft")")).in_experiment);
    c.forced_variations["exp"] = 0;
    CHECK(Run(c, With(R"("status": "draft")")).in_experiment);
  }

  TEST_CASE("a stopped experiment gives its forced variation or nothing") {
    Context c = User();
    const ExperimentResult stopped = Run(c, With(R"("status": "stopped")"));
    CHECK_FALSE(stopped.in_experiment);
    CHECK_FALSE(stopped.hash_used);

    const ExperimentResult forced = Run(c, With(R"("status": "stopped", "force": 1)"));
    CHECK(forced.in_experiment);
    CHECK(forced.variation_id == 1);
    CHECK_FALSE(forced.hash_used);
  }

  TEST_CASE("coverage 0 keeps everybody out before force applies") {
    Context c = User();
    CHECK_FALSE(Run(c, With(R"("coverage": 0)")).in_experiment);
    CHECK_FALSE(Run(c, With(R"("coverage": 0, "force": 1, "status": "stopped")")).in_experiment);
    c.forced_variations["exp"] = 1;
    CHECK(Run(c, With(R"("coverage": 0)")).variation_id == 1);
  }

  TEST_CASE("the hash callback does not fire for stopped or draft experiments") {
    Context c = User();
    int fired = 0;
    c.on_experiment_viewed = [&](const Experiment&, const ExperimentResult&) { ++fired; };
    (void)Run(c, With(R"("status": "stopped")"));
    (void)Run(c, With(R"("status": "draft")"));
    CHECK(fired == 0);
    (void)Run(c, With(R"("status": "running")"));
    CHECK(fired == 1);
  }

  TEST_CASE("url must match the context URL or its path") {
    const Experiment e = With(R"j("url": "^/checkout(/|$)")j");
    Context c = User();
    CHECK_FALSE(Run(c, e).in_experiment);  // no URL: never matches
    c.url = "https://shop.example.com/checkout/step1?x=1";
    CHECK(Run(c, e).in_experiment);  // the path matches
    c.url = "https://shop.example.com/cart";
    CHECK_FALSE(Run(c, e).in_experiment);
    const Experiment full = With(R"("url": "^https://shop\\.example\\.com/")");
    CHECK(Run(c, full).in_experiment);  // the whole URL matches
  }

  TEST_CASE("a url that is not a regular expression is rejected when read") {
    absl::StatusOr<Experiment> e = ExperimentFromValue(
        test::MustParse(R"({"key": "k", "variations": [0, 1], "url": "(unclosed"})"));
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(e.status().message()) == "experiment.url: not a valid regular expression");
  }

  TEST_CASE("groups need one enabled group of the context") {
    const Experiment e = With(R"("groups": ["beta", "staff"])");
    Context c = User();
    CHECK_FALSE(Run(c, e).in_experiment);
    c.groups["staff"] = false;
    CHECK_FALSE(Run(c, e).in_experiment);
    c.groups["beta"] = true;
    CHECK(Run(c, e).in_experiment);
    absl::StatusOr<Experiment> bad = ExperimentFromValue(
        test::MustParse(R"({"key": "k", "variations": [0, 1], "groups": ["a", 2]})"));
    REQUIRE_FALSE(bad.ok());
    CHECK(std::string(bad.status().message()) == "experiment.groups[1]: expected a string, got number");
  }

  TEST_CASE("include decides after filters and before the condition") {
    Experiment e = With(R"("condition": {"country": "US"})");
    int calls = 0;
    bool answer = false;
    e.include = [&] {
      ++calls;
      return answer;
    };
    Context c = User();
    c.attributes = test::MustParse(R"({"id": "u1", "country": "US"})");
    CHECK_FALSE(Run(c, e).in_experiment);
    CHECK(calls == 1);
    answer = true;
    CHECK(Run(c, e).in_experiment);
    CHECK(calls == 2);
    // Not called when an earlier step decided (a forced variation).
    c.forced_variations["exp"] = 0;
    CHECK(Run(c, e).in_experiment);
    CHECK(calls == 2);
  }

  TEST_CASE("status, url and groups round-trip, urlPatterns is kept but not applied") {
    const std::string text =
        R"({"key":"k","status":"stopped","variations":[0,1],"url":"^/a","groups":["g"],)"
        R"("urlPatterns":[{"include":false,"type":"regex","pattern":".*"}],"force":1})";
    const Experiment e = ExperimentOf(text);
    CHECK(e.status == "stopped");
    CHECK(e.url == "^/a");
    REQUIRE(e.groups.has_value());
    CHECK(*e.groups == std::vector<std::string>{"g"});
    CHECK(ExperimentToValue(e).ToJsonText() == text);
    // The pattern excludes every URL, yet the experiment runs (see experiment.h).
    Context c = User();
    c.url = "https://x.test/a";
    c.groups["g"] = true;
    CHECK(Run(c, e).in_experiment);
  }

  TEST_CASE("absent fields stay absent") {
    const std::string text = R"({"variations":["a","b"],"key":"exp"})";
    CHECK(ExperimentToValue(ExperimentOf(text)).ToJsonText() == text);
    Experiment built;
    built.key = "x";
    built.variations = {Value::Number(0), Value::Number(1)};
    CHECK(ExperimentToValue(built).ToJsonText() == R"({"key":"x","variations":[0,1]})");
  }
}

}  // namespace
}  // namespace marquee::campaign
