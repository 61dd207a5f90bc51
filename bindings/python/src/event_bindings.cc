// marquee.Events (the EventIngestor: events rolled into per-campaign,
// per-variant, per-bucket aggregates; events.h) and marquee.campaign_stats
// (results and A/B tests from those aggregates; event_stats.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "errors.h"
#include "marquee/status.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "registrations.h"
#include "service_holder.h"
#include "time_convert.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using campaign::EventIngestor;
using Events = ServiceHolder<EventIngestor>;

// {"type", "campaign", "variant", "user", "time", "value"}: type defaults
// to "impression", user to anonymous, value to 0; time is required.
campaign::Event ToEvent(py::handle item, size_t index) {
  const std::string where = absl::StrCat("events[", index, "]");
  if (!PyDict_Check(item.ptr())) throw py::type_error(where + ": expected a dict");
  campaign::Event event;
  bool has_time = false;
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(item)) {
    const std::string name = py::cast<std::string>(key);
    if (name == "type") {
      event.type = Unwrap(campaign::ParseEventType(value.cast<std::string>()));
    } else if (name == "campaign") {
      event.campaign = value.cast<std::string>();
    } else if (name == "variant") {
      event.variant = value.cast<std::string>();
    } else if (name == "user") {
      event.user = value.cast<std::string>();
    } else if (name == "time") {
      event.time = ToTime(value);
      has_time = true;
    } else if (name == "value") {
      event.value = value.cast<double>();
    } else {
      throw py::value_error(absl::StrCat(
          where, ": unknown member '", name, "' (type, campaign, variant, user, time, value)"));
    }
  }
  if (!has_time) throw py::value_error(where + ": missing 'time'");
  return event;
}

py::dict TotalsDict(const campaign::EventTotalsByType& totals) {
  py::dict out;
  for (size_t i = 0; i < campaign::kEventTypeCount; ++i) {
    py::dict t;
    t["count"] = totals[i].count;
    t["value_sum"] = totals[i].value_sum;
    out[py::str(std::string(campaign::EventTypeName(static_cast<campaign::EventType>(i))))] = t;
  }
  return out;
}

py::dict StatsDict(const campaign::CampaignStats& stats) {
  py::list variants;
  for (const campaign::VariantStats& v : stats.variants) {
    py::list series;
    for (const campaign::StatsPoint& point : v.series) {
      py::dict p;
      p["start"] = ToDatetime(point.start);
      p["totals"] = TotalsDict(point.totals);
      series.append(p);
    }
    py::dict d;
    d["variant"] = v.variant;
    d["totals"] = TotalsDict(v.totals);
    d["series"] = series;
    d["conversion_rate"] = v.conversion_rate;
    if (v.test) {
      py::dict test;
      test["z"] = v.test->z;
      test["p_value"] = v.test->p_value;
      test["pooled_rate"] = v.test->pooled_rate;
      test["standard_error"] = v.test->standard_error;
      d["test"] = test;
    } else {
      d["test"] = py::none();
    }
    d["no_test_reason"] = v.no_test_reason;
    variants.append(d);
  }
  py::dict out;
  out["campaign"] = stats.campaign;
  out["bucket"] = std::string(campaign::BucketName(stats.bucket));
  out["from"] = ToDatetime(stats.from);
  out["to"] = ToDatetime(stats.to);
  out["control_variant"] = stats.control_variant;
  out["variants"] = variants;
  out["records_read"] = stats.records_read;
  return out;
}

py::dict IngestorStatsDict(const campaign::EventIngestorStats& stats) {
  py::dict out;
  out["accepted_events"] = stats.accepted_events;
  out["written_events"] = stats.written_events;
  out["pending_events"] = stats.pending_events;
  out["rejected_full_batches"] = stats.rejected_full_batches;
  out["rejected_full_events"] = stats.rejected_full_events;
  out["records_written"] = stats.records_written;
  out["write_conflicts"] = stats.write_conflicts;
  out["write_failures"] = stats.write_failures;
  out["last_error"] = std::string(stats.last_error.ToString());
  return out;
}

}  // namespace

void RegisterEvents(py::module_& m) {
  py::class_<Events, std::shared_ptr<Events>>(
      m, "Events",
      "Campaign events (impression, click, conversion, custom), queued and rolled by a "
      "background thread into per-campaign, per-variant aggregates per minute, hour and "
      "day. Raw events are never stored. flush() waits until everything ingested is in "
      "the store.")
      .def(py::init([](std::shared_ptr<StoreHandle> store, double flush_interval,
                       size_t queue_capacity, double max_event_age, double max_event_lead) {
             return Events::Open(std::move(store), [&](Store* s) {
               return EventIngestor::Open(
                   s, {.queue_capacity = queue_capacity,
                       .flush_interval = absl::Seconds(flush_interval),
                       .max_event_age = absl::Seconds(max_event_age),
                       .max_event_lead = absl::Seconds(max_event_lead)});
             });
           }),
           py::arg("store"), py::kw_only(), py::arg("flush_interval") = 0.1,
           py::arg("queue_capacity") = size_t{1'000'000},
           py::arg("max_event_age") = 30.0 * 86400, py::arg("max_event_lead") = 86400.0,
           "Times are in seconds.")
      .def(
          "ingest",
          [](const Events& self, py::handle events) {
            std::vector<campaign::Event> batch;
            size_t index = 0;
            for (py::handle item : events) batch.push_back(ToEvent(item, index++));
            EventIngestor& ingestor = self.Get();
            Check(WithoutGil([&] { return ingestor.Ingest(batch); }));
            return batch.size();
          },
          py::arg("events"),
          "Queues a list of events {'type', 'campaign', 'variant', 'user', 'time', "
          "'value'}, all or none; returns how many. Raises InvalidArgumentError naming the "
          "event and field, ResourceExhaustedError (queue full: retry later).")
      .def(
          "flush",
          [](const Events& self) {
            EventIngestor& ingestor = self.Get();
            Check(WithoutGil([&] { return ingestor.Flush(); }));
          },
          "Waits until every event ingested before the call is written to the store.")
      .def(
          "stats", [](const Events& self) { return IngestorStatsDict(self.Get().stats()); },
          "Counters: accepted_events, written_events, pending_events, records_written, ...");

  m.def(
      "campaign_stats",
      [](const std::shared_ptr<StoreHandle>& handle, const std::string& campaign,
         py::handle start, py::handle end, const std::string& bucket,
         std::string control_variant, size_t max_buckets) {
        const absl::Time from = ToTime(start);
        const absl::Time to = ToTime(end);
        const campaign::Bucket size = Unwrap(campaign::ParseBucket(bucket));
        campaign::StatsOptions options{.control_variant = std::move(control_variant),
                                       .max_buckets = max_buckets};
        std::shared_ptr<MemoryStore> store = handle->Get();
        auto stats = WithoutGil([&]() -> absl::StatusOr<campaign::CampaignStats> {
          // Stats reads through the domain's by_campaign index.
          MARQUEE_RETURN_IF_ERROR(campaign::PrepareCampaignStore(*store));
          return campaign::Stats(*store, campaign, from, to, size, options);
        });
        return StatsDict(Unwrap(std::move(stats)));
      },
      py::arg("store"), py::arg("campaign"), py::arg("start"), py::arg("end"), py::kw_only(),
      py::arg("bucket") = "hour", py::arg("control_variant") = "",
      py::arg("max_buckets") = size_t{10'000},
      "A campaign's results over [start, end) from its aggregates (declares the "
      "domain's indexes first if needed): per variant, totals "
      "per event type, a series per bucket ('minute', 'hour', 'day'), the conversion rate "
      "and a two-proportion z-test against the control variant.");
}

}  // namespace marquee::python
