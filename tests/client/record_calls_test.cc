// The client's typed calls for segments, features, polls, profiles, events
// and webhooks against a live server (the Api mounted on cpp-httplib over
// 127.0.0.1): each round-trips the domain type with its version, stale
// versions are FailedPrecondition, creates of an existing id AlreadyExists,
// unknown ids NotFound.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "marquee/campaign/value.h"
#include "marquee/client/client.h"
#include "mounted_server.h"

namespace marquee::client {
namespace {

using http::test::MountedServer;

struct RecordServer {
  MountedServer server{{.max_connections = 8},
                       {},
                       {.decider = true, .polls = true, .events = true, .profiles = true,
                        .webhooks = true, .features = true}};
  std::unique_ptr<Client> client;

  RecordServer() {
    absl::StatusOr<std::unique_ptr<Client>> c =
        Client::Create({.base_url = "http://127.0.0.1:" + std::to_string(server.port())});
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    client = *std::move(c);
  }
};

Json J(std::string_view text) {
  absl::StatusOr<Json> j = Json::Parse(text);
  REQUIRE_MESSAGE(j.ok(), j.status().ToString());
  return *j;
}

TEST_SUITE("client.records") {
  TEST_CASE("segments: create / get / update with its version / delete" *
            doctest::test_suite("concurrent")) {
    RecordServer s;
    absl::StatusOr<campaign::Segment> vip =
        campaign::SegmentFromJson("vip", J(R"({"name":"VIP","condition":{"tier":"vip"}})"));
    REQUIRE(vip.ok());
    absl::StatusOr<campaign::Segment> created = s.client->CreateSegment(*vip);
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    CHECK(created->version > 0);
    CHECK(s.client->CreateSegment(*vip).status().code() == absl::StatusCode::kAlreadyExists);
    absl::StatusOr<campaign::Segment> read = s.client->GetSegment("vip");
    REQUIRE(read.ok());
    CHECK(read->name == "VIP");
    CHECK(read->version == created->version);
    campaign::Segment renamed = *read;
    renamed.name = "Very important";
    absl::StatusOr<campaign::Segment> updated = s.client->UpdateSegment(renamed);
    REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
    CHECK(updated->version > read->version);
    CHECK(s.client->UpdateSegment(renamed).status().code() ==
          absl::StatusCode::kFailedPrecondition);  // read->version is stale now
    CHECK(s.client->DeleteSegment("vip", read->version).code() ==
          absl::StatusCode::kFailedPrecondition);
    CHECK(s.client->DeleteSegment("vip", updated->version).ok());
    CHECK(s.client->GetSegment("vip").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("features: create / get / replace / delete and a bad definition is refused" *
            doctest::test_suite("concurrent")) {
    RecordServer s;
    auto created = s.client->CreateFeature("dark-mode", J(R"({"defaultValue":false})"));
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    CHECK(created->key == "dark-mode");
    CHECK(created->definition.text() == R"({"defaultValue":false})");
    CHECK(s.client->CreateFeature("bad", J(R"({"rules":"x"})")).status().code() ==
          absl::StatusCode::kInvalidArgument);
    campaign::StoredFeature next = *s.client->GetFeature("dark-mode");
    next.definition = J(R"({"defaultValue":true})");
    auto replaced = s.client->ReplaceFeature(next);
    REQUIRE_MESSAGE(replaced.ok(), replaced.status().ToString());
    CHECK(replaced->definition.text() == R"({"defaultValue":true})");
    CHECK(s.client->ReplaceFeature(next).status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(s.client->DeleteFeature("dark-mode").ok());
    CHECK(s.client->GetFeature("dark-mode").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("polls: create / get / update / close / delete" * doctest::test_suite("concurrent")) {
    RecordServer s;
    campaign::Poll poll;
    poll.id = "colour";
    poll.question = "Colour?";
    poll.options = {{.key = "red", .label = "Red"}, {.key = "blue", .label = "Blue"}};
    auto created = s.client->CreatePoll(poll);
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    CHECK(created->version > 0);
    CHECK(s.client->GetPoll("colour")->options.size() == 2);
    campaign::Poll edited = *s.client->GetPoll("colour");
    edited.question = "Which colour?";
    auto updated = s.client->UpdatePoll(edited);
    REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
    CHECK(updated->question == "Which colour?");
    CHECK(s.client->UpdatePoll(edited).status().code() == absl::StatusCode::kFailedPrecondition);
    auto closed = s.client->ClosePoll("colour");
    REQUIRE_MESSAGE(closed.ok(), closed.status().ToString());
    CHECK(closed->closes_at.has_value());
    CHECK(s.client->GetPoll("nope").status().code() == absl::StatusCode::kNotFound);
    CHECK(s.client->DeletePoll("colour", closed->version).ok());
    CHECK(s.client->GetPoll("colour").status().code() == absl::StatusCode::kNotFound);
  }

  TEST_CASE("profiles: put / patch / get / export and events and stats" *
            doctest::test_suite("concurrent")) {
    RecordServer s;
    auto put = s.client->PutProfile("u42", J(R"({"plan":"free","country":"DE"})"));
    REQUIRE_MESSAGE(put.ok(), put.status().ToString());
    auto patched = s.client->PatchProfile("u42", J(R"({"plan":"pro","country":null})"));
    REQUIRE_MESSAGE(patched.ok(), patched.status().ToString());
    CHECK(patched->attributes.text() == R"({"plan":"pro"})");
    CHECK(patched->version > put->version);
    CHECK(s.client->GetProfile("u42")->attributes.text() == R"({"plan":"pro"})");
    auto exported = s.client->ExportUser("u42");
    REQUIRE(exported.ok());
    CHECK(exported->text().find("\"plan\":\"pro\"") != std::string_view::npos);
    CHECK(s.client->PutProfile("u42", J("[1]")).status().code() ==
          absl::StatusCode::kInvalidArgument);

    auto accepted = s.client->SendEvents(
        J(R"([{"type":"impression","campaign":"c1","variant":"a","user":"u42","time":"2026-02-28T23:30:00Z"},)"
          R"({"type":"click","campaign":"c1","variant":"a","user":"u42","time":"2026-02-28T23:31:00Z"}])"));
    REQUIRE_MESSAGE(accepted.ok(), accepted.status().ToString());
    CHECK(*accepted == 2);
    CHECK(s.client->SendEvents(J(R"([{"type":"impression"}])")).status().code() ==
          absl::StatusCode::kInvalidArgument);
    auto stats = s.client->GetCampaignStats("c1", "bucket=day");
    REQUIRE_MESSAGE(stats.ok(), stats.status().ToString());
    CHECK(stats->text().find("\"campaign\":\"c1\"") != std::string_view::npos);
  }

  TEST_CASE("webhooks: create (with its secret) / get / update / the log / delete" *
            doctest::test_suite("concurrent")) {
    RecordServer s;
    auto created = s.client->CreateWebhook(
        {.id = "ops", .url = "http://127.0.0.1:9/h", .events = {"campaign.changed"}});
    REQUIRE_MESSAGE(created.ok(), created.status().ToString());
    CHECK(created->secret.starts_with("whsec_"));
    CHECK(created->version > 0);
    auto read = s.client->GetWebhook("ops");
    REQUIRE(read.ok());
    CHECK(read->secret.empty());  // shown only when created
    CHECK(read->url == "http://127.0.0.1:9/h");
    campaign::WebhookSubscription paused = *read;
    paused.paused = true;
    paused.paused_reason = "maintenance";
    auto updated = s.client->UpdateWebhook(paused);
    REQUIRE_MESSAGE(updated.ok(), updated.status().ToString());
    CHECK(updated->paused);
    CHECK(updated->paused_reason == "maintenance");
    CHECK(s.client->UpdateWebhook(paused).status().code() == absl::StatusCode::kFailedPrecondition);
    auto log = s.client->ListWebhookDeliveries("ops", 10);
    REQUIRE_MESSAGE(log.ok(), log.status().ToString());
    CHECK(log->deliveries.empty());
    CHECK(log->next_after.empty());
    CHECK(s.client->DeleteWebhook("ops", updated->version).ok());
    CHECK(s.client->GetWebhook("ops").status().code() == absl::StatusCode::kNotFound);
  }
}

}  // namespace
}  // namespace marquee::client
