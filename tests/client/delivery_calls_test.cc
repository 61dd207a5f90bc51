// The client's delivery calls against a live server (the Api mounted on
// cpp-httplib over 127.0.0.1): decide, features, votes and results, and
// erasing a user.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/value.h"
#include "marquee/client/client.h"
#include "mounted_server.h"

namespace marquee::client {
namespace {

using http::test::MountedServer;

struct DeliveryServer {
  MountedServer server{{.max_connections = 8}, {}, {.decider = true, .polls = true, .profiles = true}};
  std::unique_ptr<Client> client;

  DeliveryServer() {
    absl::StatusOr<std::unique_ptr<Client>> c =
        Client::Create({.base_url = "http://127.0.0.1:" + std::to_string(server.port())});
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    client = *std::move(c);
    http::Response poll = server.fixture().SendJson(
        "POST", "/v1/polls",
        R"({"id":"colour","question":"?","options":[{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}]})");
    REQUIRE_MESSAGE(poll.status == 201, poll.body);
  }
};

TEST_SUITE("client.delivery") {
  TEST_CASE("votes are created then unchanged and the results count them" *
            doctest::test_suite("concurrent")) {
    DeliveryServer s;
    absl::StatusOr<PollResults> empty = s.client->GetPollResults("colour");
    REQUIRE_MESSAGE(empty.ok(), empty.status().ToString());
    CHECK(empty->total == 0);
    CHECK(s.client->Vote({.poll = "colour", .user = "u1", .option = "red"}).value() ==
          VoteOutcome::kCreated);
    CHECK(s.client->Vote({.poll = "colour", .user = "u1", .option = "red"}).value() ==
          VoteOutcome::kUnchanged);
    // This poll does not allow changing a vote: 409, FailedPrecondition.
    CHECK(s.client->Vote({.poll = "colour", .user = "u1", .option = "blue"}).status().code() ==
          absl::StatusCode::kFailedPrecondition);
    CHECK(s.client->Vote({.poll = "colour", .user = "u2", .option = "blue"}).value() ==
          VoteOutcome::kCreated);
    s.server.fixture().Sync();
    absl::StatusOr<PollResults> results = s.client->GetPollResults("colour");
    REQUIRE_MESSAGE(results.ok(), results.status().ToString());
    CHECK(results->poll == "colour");
    CHECK(results->total == 2);
    CHECK(results->counts ==
          std::vector<std::pair<std::string, int64_t>>{{"blue", 1}, {"red", 1}});
    CHECK(results->version > 0);
  }

  TEST_CASE("refused votes and unknown polls are errors" * doctest::test_suite("concurrent")) {
    DeliveryServer s;
    CHECK(s.client->Vote({.poll = "colour", .user = "u1", .option = "green"}).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(s.client->Vote({.poll = "nope", .user = "u1", .option = "red"}).status().code() ==
          absl::StatusCode::kNotFound);
    CHECK(s.client->GetPollResults("nope").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("decide answers the user's flags and features the payload" *
            doctest::test_suite("concurrent")) {
    DeliveryServer s;
    s.server.fixture().PutRecord(campaign::kFeaturesCollection, "banner",
                                 R"({"defaultValue":"hello"})");
    s.server.fixture().Sync();
    absl::StatusOr<Json> features = s.client->Features();
    REQUIRE_MESSAGE(features.ok(), features.status().ToString());
    CHECK(features->text().find(R"("banner":{"defaultValue":"hello"})") != std::string::npos);
    absl::StatusOr<Json> decision =
        s.client->Decide({.user = "u42", .attributes_json = R"({"country":"DE"})"});
    REQUIRE_MESSAGE(decision.ok(), decision.status().ToString());
    absl::StatusOr<campaign::Value> value = campaign::Value::Parse(decision->text());
    REQUIRE(value.ok());
    REQUIRE(value->Find("flags") != nullptr);
    CHECK(value->Find("flags")->Find("banner") != nullptr);
    CHECK(s.client->Decide({.user = "u42", .attributes_json = "[1]"}).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(s.client->Decide({}).status().code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("EraseUser removes the user's votes" * doctest::test_suite("concurrent")) {
    DeliveryServer s;
    REQUIRE(s.client->Vote({.poll = "colour", .user = "gone", .option = "red"}).ok());
    CHECK(s.client->EraseUser("gone").ok());
    s.server.fixture().Sync();
    absl::StatusOr<PollResults> results = s.client->GetPollResults("colour");
    REQUIRE(results.ok());
    CHECK(results->total == 0);
    CHECK(s.client->EraseUser("gone").ok());  // idempotent
  }
}

}  // namespace
}  // namespace marquee::client
