// The typed campaign calls of Client and the CampaignPager.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/client_impl.h"
#include "client/reply_status.h"
#include "marquee/client/client.h"
#include "marquee/http/message.h"
#include "marquee/http/representation.h"
#include "marquee/json.h"

namespace marquee::client {
namespace {

constexpr char kCampaigns[] = "/v1/campaigns";

std::string CampaignTarget(std::string_view id) {
  return absl::StrCat(kCampaigns, "/", http::EncodePathSegment(id));
}

absl::StatusOr<campaign::Campaign> CampaignOfText(std::string_view text) {
  absl::StatusOr<Json> json = Json::Parse(text);
  if (!json.ok()) return absl::DataLossError(absl::StrCat("campaign answer: ", json.status().message()));
  absl::StatusOr<campaign::Campaign> c = http::CampaignFromRepresentation(*json);
  if (!c.ok()) return absl::DataLossError(absl::StrCat("campaign answer: ", c.status().message()));
  return c;
}

// The campaign a 200 or 201 answer carries, with its ETag as version.
absl::StatusOr<campaign::Campaign> CampaignOfReply(const Reply& reply) {
  absl::StatusOr<campaign::Campaign> c = CampaignOfText(reply.body);
  if (!c.ok()) return c.status();
  absl::StatusOr<uint64_t> version = internal::VersionOfETag(reply);
  if (!version.ok()) return version.status();
  c->version = *version;
  return c;
}

absl::StatusOr<Call> WriteCall(std::string method, std::string target,
                               const campaign::Campaign& campaign) {
  absl::StatusOr<std::string> body = http::CampaignToRepresentation(campaign);
  if (!body.ok()) return body.status();
  return Call{.method = std::move(method), .target = std::move(target), .body = *std::move(body)};
}

}  // namespace

absl::StatusOr<campaign::Campaign> Client::GetCampaign(std::string_view id) {
  absl::StatusOr<Reply> reply = Send({.method = "GET", .target = CampaignTarget(id)});
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;
  return CampaignOfReply(*reply);
}

absl::StatusOr<campaign::Campaign> Client::CreateCampaign(const campaign::Campaign& campaign) {
  absl::StatusOr<Call> call = WriteCall("POST", std::string(kCampaigns), campaign);
  if (!call.ok()) return call.status();
  absl::StatusOr<Reply> reply = Send(*call);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply, /*creating=*/true); !s.ok()) return s;
  return CampaignOfReply(*reply);
}

absl::StatusOr<campaign::Campaign> Client::UpdateCampaign(const campaign::Campaign& campaign) {
  if (campaign.version == 0) {
    return absl::InvalidArgumentError(
        "UpdateCampaign needs the version the campaign was read at (version is 0)");
  }
  absl::StatusOr<Call> call = WriteCall("PUT", CampaignTarget(campaign.id), campaign);
  if (!call.ok()) return call.status();
  call->headers.Add("If-Match", absl::StrCat("\"", campaign.version, "\""));
  absl::StatusOr<Reply> reply = Send(*call);
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;
  return CampaignOfReply(*reply);
}

absl::Status Client::DeleteCampaign(std::string_view id, std::optional<uint64_t> version) {
  Call call{.method = "DELETE", .target = CampaignTarget(id)};
  if (version) call.headers.Add("If-Match", absl::StrCat("\"", *version, "\""));
  absl::StatusOr<Reply> reply = Send(call);
  if (!reply.ok()) return reply.status();
  return internal::StatusOfReply(*reply);
}

CampaignPager Client::ListCampaigns(const ListCampaignsOptions& options) {
  std::string target(kCampaigns);
  char separator = '?';
  const auto add = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    absl::StrAppend(&target, std::string(1, separator), std::string(name), "=",
                    http::EncodeQueryComponent(value));
    separator = '&';
  };
  add("status", options.status);
  add("tag", options.tag);
  add("placement", options.placement);
  add("sort", options.sort);
  if (options.page_size > 0) add("limit", std::to_string(options.page_size));
  return CampaignPager(this, std::move(target));
}

absl::StatusOr<std::vector<campaign::Campaign>> CampaignPager::Next() {
  if (done_) return absl::FailedPreconditionError("the listing has no more pages");
  done_ = true;  // until this page is read completely
  absl::StatusOr<Reply> reply = client_->Send({.method = "GET", .target = next_target_});
  if (!reply.ok()) return reply.status();
  if (absl::Status s = internal::StatusOfReply(*reply); !s.ok()) return s;

  simdjson::dom::parser parser;
  simdjson::dom::element page;
  if (parser.parse(reply->body).get(page) != simdjson::SUCCESS) {
    return absl::DataLossError("campaign page: not JSON");
  }
  simdjson::dom::array data;
  if (page["data"].get_array().get(data) != simdjson::SUCCESS) {
    return absl::DataLossError("campaign page: no \"data\" array");
  }
  std::vector<campaign::Campaign> campaigns;
  for (simdjson::dom::element item : data) {
    absl::StatusOr<campaign::Campaign> c = CampaignOfText(simdjson::minify(item));
    if (!c.ok()) return c.status();
    campaigns.push_back(*std::move(c));
  }
  simdjson::dom::element next;
  if (page["page"]["next"].get(next) != simdjson::SUCCESS) {
    return absl::DataLossError("campaign page: no \"page.next\"");
  }
  if (next.is_null()) return campaigns;
  std::string_view cursor;
  if (next.get_string().get(cursor) != simdjson::SUCCESS) {
    return absl::DataLossError("campaign page: \"page.next\" is not a string or null");
  }
  // The server's next cursor goes back as "after", with the same filters.
  next_target_ = absl::StrCat(base_target_,
                              base_target_.find('?') == std::string::npos ? "?" : "&",
                              "after=", http::EncodeQueryComponent(cursor));
  done_ = false;
  return campaigns;
}

}  // namespace marquee::client
