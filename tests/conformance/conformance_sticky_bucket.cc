// stickyBucket: [name, context, documents in the service, feature key,
// expected experimentResult (null: none), expected documents of the
// context]. As GrowthBook's runner: the documents are saved into a fresh
// in-memory service, the context loads the user's documents from it, the
// feature is evaluated, and the result and the context's documents compared.
#include <doctest/doctest.h>

#include <string>

#include "campaign/growthbook_context.h"
#include "conformance_cases.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/sticky_bucket.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("stickyBucket") {
  RunSection("stickyBucket", [](const Value& c) {
    campaign::InMemoryStickyBucketService service;
    for (const Value& doc_json : c.At(2).elements()) {
      absl::StatusOr<campaign::StickyAssignmentsDoc> doc =
          campaign::StickyAssignmentsDocFromValue(doc_json);
      REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
      REQUIRE(service.SaveAssignments(*doc).ok());
    }
    absl::StatusOr<campaign::Context> context = campaign::testing::ContextFromCaseJson(c.At(1));
    REQUIRE_MESSAGE(context.ok(), context.status().ToString());
    context->sticky_bucket_service = &service;
    REQUIRE(campaign::LoadStickyBuckets(*context).ok());
    const campaign::FeatureResult result = campaign::EvalFeature(*context, c.At(3).as_string());
    const Value got_result = result.experiment_result
                                 ? campaign::ExperimentResultToValue(*result.experiment_result)
                                 : Value();
    const Value got_docs =
        campaign::testing::StickyDocsToValue(context->sticky_bucket_assignment_docs);
    const bool result_ok = campaign::testing::JsonEquivalent(got_result, c.At(4));
    const bool docs_ok = campaign::testing::JsonEquivalent(got_docs, c.At(5));
    CHECK_MESSAGE(result_ok, "result   " << got_result.ToJsonText() << "\nexpected "
                                        << c.At(4).ToJsonText());
    CHECK_MESSAGE(docs_ok, "docs     " << got_docs.ToJsonText() << "\nexpected "
                                      << c.At(5).ToJsonText());
    CHECK(context->sticky_bucket_save_status.ok());
    return result_ok && docs_ok;
  });
}

}  // namespace
}  // namespace marquee::conformance
