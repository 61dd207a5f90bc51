// POST /v1/events (campaign::EventIngestor) and GET
// /v1/campaigns/{id}/stats (campaign::Stats over ApiOptions::aggregates, or
// the store's aggregate records).
//
// POST /v1/events takes a JSON array of event objects as EventFromJson reads
// them ({"type","campaign","variant","user","time","value"}). The batch is
// all or nothing: an invalid event is a 400 naming its index and field
// ("[3].campaign: missing", "events[3].time: ... in the future") and
// nothing of the batch is queued. Accepted: 202 {"accepted": n} (the
// aggregates are written in the background). A full queue is 429 with
// Retry-After; an ingestor shutting down 503.
//
// GET /v1/campaigns/{id}/stats, query parameters (each at most once):
//   from, to   RFC 3339 instants; default: to = now, from = to - 24 hours
//   bucket     minute | hour | day (default hour)
//   control    the control variant (default: "control" when it has events)
// The answer:
//   {"campaign","bucket","from","to","control","recordsRead",
//    "variants":[{"variant","totals":{"impression":{"count","valueSum"},
//                 "click":...,"conversion":...,"custom":...},
//                 "conversionRate": r|null,
//                 "test": {"z","pValue","pooledRate","standardError"}|null,
//                 "noTestReason": "...",
//                 "series":[{"start","totals":{...}}]}]}
// A campaign without events (or unknown) has no variants. Cache-Control
// no-cache: the numbers move while events arrive; a weak ETag hashed from
// the body answers If-None-Match with 304 while they have not.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "http/api_internal.h"
#include "http/conditional.h"
#include "http/text_internal.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/http/problem.h"
#include "marquee/json_writer.h"
#include "marquee/status.h"

namespace marquee::http::internal {
namespace {

using campaign::Bucket;
using campaign::EventTotalsByType;

constexpr absl::Duration kDefaultStatsRange = absl::Hours(24);

Response PostEvents(const ApiContext& context, const RouteContext& route) {
  BodyOrProblem body = ReadJsonBody(context, route.request);
  if (!body.body.has_value()) return std::move(body.problem);
  absl::StatusOr<std::vector<campaign::Event>> events = campaign::EventsFromJson(*body.body);
  if (!events.ok()) return context.Error(route.request, events.status());
  if (route.principal != nullptr && route.principal->user.has_value()) {
    // An end user reports events as themself only: a missing user is
    // theirs, another user's refuses the batch.
    for (size_t i = 0; i < events->size(); ++i) {
      campaign::Event& event = (*events)[i];
      if (event.user.empty()) {
        event.user = *route.principal->user;
      } else if (event.user != *route.principal->user) {
        return context.Error(route.request,
                             absl::PermissionDeniedError(absl::StrCat(
                                 "[", i, "].user: differs from the end-user token's subject")));
      }
    }
  }
  absl::Status ingested = context.options.events->Ingest(*events);
  if (absl::IsFailedPrecondition(ingested)) {
    // Shutting down: the client should retry elsewhere or later.
    return context.Error(route.request, absl::UnavailableError(ingested.message()));
  }
  if (!ingested.ok()) return context.Error(route.request, ingested);
  std::string text;
  JsonWriter writer(&text, {.assert_on_misuse = false});
  writer.BeginObject().Key("accepted").Uint(events->size()).EndObject();
  if (absl::Status written = writer.Finish(); !written.ok()) {
    return context.Error(route.request, absl::InternalError(written.message()));
  }
  Response response = JsonResponse(202, std::move(text));
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

struct StatsQuery {
  absl::Time from;
  absl::Time to;
  Bucket bucket = Bucket::kHour;
  std::string control;
};

absl::StatusOr<absl::Time> ParseInstant(std::string_view name, const std::string& text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(name), ": not an RFC 3339 time such as 2026-03-01T09:00:00Z"));
  }
  return t;
}

absl::StatusOr<StatsQuery> ParseStatsQuery(const ApiContext& context, const Target& target) {
  StatsQuery query;
  const Clock* clock = context.options.clock != nullptr ? context.options.clock : Clock::Real();
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> to, SingleQueryParam(target, "to"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> from, SingleQueryParam(target, "from"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> bucket, SingleQueryParam(target, "bucket"));
  MARQUEE_ASSIGN_OR_RETURN(std::optional<std::string> control,
                           SingleQueryParam(target, "control"));
  if (to.has_value()) {
    MARQUEE_ASSIGN_OR_RETURN(query.to, ParseInstant("to", *to));
  } else {
    query.to = clock->Now();
  }
  if (from.has_value()) {
    MARQUEE_ASSIGN_OR_RETURN(query.from, ParseInstant("from", *from));
  } else {
    query.from = query.to - kDefaultStatsRange;
  }
  if (bucket.has_value()) {
    absl::StatusOr<Bucket> parsed = campaign::ParseBucket(*bucket);
    if (!parsed.ok()) return absl::InvalidArgumentError("bucket: must be minute, hour or day");
    query.bucket = *parsed;
  }
  if (control.has_value()) query.control = *std::move(control);
  return query;
}

void WriteTotals(JsonWriter& writer, const EventTotalsByType& totals) {
  writer.BeginObject();
  for (size_t i = 0; i < campaign::kEventTypeCount; ++i) {
    writer.Key(campaign::EventTypeName(static_cast<campaign::EventType>(i)))
        .BeginObject()
        .Key("count")
        .Int(totals[i].count)
        .Key("valueSum")
        .Double(totals[i].value_sum)
        .EndObject();
  }
  writer.EndObject();
}

absl::StatusOr<std::string> StatsJson(const campaign::CampaignStats& stats) {
  std::string text;
  JsonWriter writer(&text, {.assert_on_misuse = false});
  writer.BeginObject().Key("campaign").String(stats.campaign);
  writer.Key("bucket").String(campaign::BucketName(stats.bucket));
  writer.Key("from").String(Rfc3339Utc(stats.from)).Key("to").String(Rfc3339Utc(stats.to));
  writer.Key("control").String(stats.control_variant);
  writer.Key("recordsRead").Uint(stats.records_read).Key("variants").BeginArray();
  for (const campaign::VariantStats& v : stats.variants) {
    writer.BeginObject().Key("variant").String(v.variant).Key("totals");
    WriteTotals(writer, v.totals);
    writer.Key("conversionRate");
    if (v.conversion_rate.has_value()) {
      writer.Double(*v.conversion_rate);
    } else {
      writer.Null();
    }
    writer.Key("test");
    if (v.test.has_value()) {
      writer.BeginObject()
          .Key("z")
          .Double(v.test->z)
          .Key("pValue")
          .Double(v.test->p_value)
          .Key("pooledRate")
          .Double(v.test->pooled_rate)
          .Key("standardError")
          .Double(v.test->standard_error)
          .EndObject();
    } else {
      writer.Null();
    }
    writer.Key("noTestReason").String(v.no_test_reason).Key("series").BeginArray();
    for (const campaign::StatsPoint& point : v.series) {
      writer.BeginObject().Key("start").String(Rfc3339Utc(point.start)).Key("totals");
      WriteTotals(writer, point.totals);
      writer.EndObject();
    }
    writer.EndArray().EndObject();
  }
  writer.EndArray().EndObject();
  MARQUEE_RETURN_IF_ERROR(writer.Finish());
  return text;
}

Response GetStats(const ApiContext& context, const RouteContext& route) {
  absl::StatusOr<StatsQuery> query = ParseStatsQuery(context, route.target);
  if (!query.ok()) return context.Error(route.request, query.status());
  const campaign::StatsOptions options{.control_variant = query->control};
  absl::StatusOr<campaign::CampaignStats> stats =
      context.options.aggregates != nullptr
          ? campaign::Stats(*context.options.aggregates, route.Param("id"), query->from,
                            query->to, query->bucket, options)
          : campaign::Stats(*context.options.store, route.Param("id"), query->from, query->to,
                            query->bucket, options);
  if (absl::IsFailedPrecondition(stats.status())) {
    // The store lacks the domain's indexes: the server's set-up, not the request.
    return context.Error(route.request, absl::InternalError(stats.status().message()));
  }
  if (!stats.ok()) return context.Error(route.request, stats.status());
  absl::StatusOr<std::string> text = StatsJson(*stats);
  if (!text.ok()) return context.Error(route.request, absl::InternalError(text.status().message()));
  // A weak tag hashed from the numbers: a dashboard polling an idle
  // campaign revalidates to 304 instead of downloading the same series.
  const std::string opaque = BodyTagOpaque(*text);
  return ConditionalJson(context, route.request, *std::move(text), opaque, /*weak=*/true,
                         "no-cache");
}

}  // namespace

absl::Status AddEventRoutes(const ApiContext* context, Router* router) {
  if (context->options.events == nullptr) return absl::OkStatus();
  MARQUEE_RETURN_IF_ERROR(router->Add("POST", "/v1/events", [context](const RouteContext& route) {
    return PostEvents(*context, route);
  }));
  return router->Add(
      "GET", "/v1/campaigns/{id}/stats",
      [context](const RouteContext& route) { return GetStats(*context, route); },
      {"from", "to", "bucket", "control"});
}

}  // namespace marquee::http::internal
