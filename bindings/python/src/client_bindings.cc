// marquee.Client: the HTTP client of a Marquee server (client/client.h):
// typed calls with JSON bodies as dicts, a campaign iterator that follows
// the server's cursors, retries, a revalidating cache and a circuit breaker.
// Every call releases the GIL while it waits on the network.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/time/time.h"
#include "domain_convert.h"
#include "errors.h"
#include "iterator_guard.h"
#include "json_convert.h"
#include "marquee/client/client.h"
#include "registrations.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using client::Client;

// Runs `call(client)` without the GIL and raises its error.
template <typename Call>
auto Run(Client& c, Call&& call) {
  auto result = WithoutGil([&] { return call(c); });
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    Check(result);
  } else {
    return Unwrap(std::move(result));
  }
}

py::str DecodeBody(const std::string& body) {
  PyObject* text = PyUnicode_DecodeUTF8(body.data(), static_cast<Py_ssize_t>(body.size()),
                                        "replace");
  if (text == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(text);
}

py::dict ReplyDict(const client::Reply& reply) {
  py::list headers;
  for (const auto& [name, value] : reply.headers.fields()) {
    headers.append(py::make_tuple(name, value));
  }
  py::dict out;
  out["status"] = reply.status;
  out["headers"] = headers;
  out["body"] = DecodeBody(reply.body);
  out["from_cache"] = reply.from_cache;
  return out;
}

const char* OutcomeName(client::VoteOutcome outcome) {
  switch (outcome) {
    case client::VoteOutcome::kCreated: return "created";
    case client::VoteOutcome::kUnchanged: return "unchanged";
    case client::VoteOutcome::kChanged: return "changed";
  }
  return "created";
}

// The campaigns of every page of a listing. Keeps the client alive.
class RemoteCampaignIterator {
 public:
  RemoteCampaignIterator(std::shared_ptr<Client> client, client::CampaignPager pager)
      : client_(std::move(client)), pager_(std::move(pager)) {}

  py::dict Next() {
    IteratorGuard guard(running_);
    while (next_ == rows_.size()) {
      if (pager_.done()) throw py::stop_iteration();
      auto page = WithoutGil([&] { return pager_.Next(); });
      rows_ = Unwrap(std::move(page));
      next_ = 0;
    }
    return FromCampaign(rows_[next_++]);
  }

 private:
  std::shared_ptr<Client> client_;
  client::CampaignPager pager_;
  std::vector<campaign::Campaign> rows_;
  size_t next_ = 0;
  bool running_ = false;  // IteratorGuard
};

std::shared_ptr<Client> Create(std::string base_url, std::string api_key,
                               double connect_timeout, double io_timeout, int max_attempts,
                               size_t cache_entries, int breaker_failures) {
  client::ClientOptions options{.base_url = std::move(base_url),
                                .api_key = std::move(api_key),
                                .connect_timeout = absl::Seconds(connect_timeout),
                                .io_timeout = absl::Seconds(io_timeout),
                                .retry = {.max_attempts = max_attempts},
                                .breaker = {.failure_threshold = breaker_failures},
                                .cache_entries = cache_entries};
  return std::shared_ptr<Client>(Unwrap(Client::Create(std::move(options))));
}

}  // namespace

void RegisterClient(py::module_& m) {
  py::class_<RemoteCampaignIterator>(m, "RemoteCampaignIterator",
                                     "Campaigns of a server listing, a page at a time.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &RemoteCampaignIterator::Next);

  py::class_<Client, std::shared_ptr<Client>> cls(
      m, "Client",
      "A client of a Marquee HTTP server. Answers map to marquee errors (404 "
      "NotFoundError, 400/422 InvalidArgumentError, 409 AlreadyExistsError on a create, "
      "412 FailedPreconditionError, 401 UnauthenticatedError, 403 PermissionDeniedError, "
      "5xx and refused connections UnavailableError, timeouts DeadlineExceededError). "
      "Thread-safe.");
  cls.def(py::init(&Create), py::arg("base_url"), py::kw_only(), py::arg("api_key") = "",
          py::arg("connect_timeout") = 2.0, py::arg("io_timeout") = 5.0,
          py::arg("max_attempts") = 3, py::arg("cache_entries") = size_t{1024},
          py::arg("breaker_failures") = 5,
          "base_url: 'http://host:port'. api_key: sent as a Bearer token. Timeouts in "
          "seconds. max_attempts: tries of an idempotent call. breaker_failures: failed "
          "attempts in a row that open the circuit breaker (0: never).");
  cls.def(
      "send",
      [](Client& c, std::string method, std::string target, py::handle body,
         std::optional<std::vector<std::pair<std::string, std::string>>> headers) {
        client::Call call{.method = std::move(method), .target = std::move(target)};
        if (PyUnicode_Check(body.ptr())) {
          call.body = body.cast<std::string>();
        } else if (!body.is_none()) {
          call.body = ToJsonText(body);
        }
        if (headers) {
          for (const auto& [name, value] : *headers) call.headers.Add(name, value);
        }
        return ReplyDict(Run(c, [&](Client& client) { return client.Send(call); }));
      },
      py::arg("method"), py::arg("target"), py::arg("body") = py::none(),
      py::arg("headers") = py::none(),
      "Any request; target is the path and query ('/v1/segments?limit=5'). body: a str, "
      "or a dict / list sent as JSON. Returns {'status', 'headers': [(name, value)], "
      "'body': str, 'from_cache'} whatever the status; raises only when no answer came.");

  // Campaigns.
  cls.def(
      "get_campaign",
      [](Client& c, const std::string& id) {
        return FromCampaign(Run(c, [&](Client& client) { return client.GetCampaign(id); }));
      },
      py::arg("id"));
  cls.def(
      "create_campaign",
      [](Client& c, py::handle campaign) {
        const campaign::Campaign value = ToCampaign(campaign);
        return FromCampaign(Run(c, [&](Client& client) { return client.CreateCampaign(value); }));
      },
      py::arg("campaign"), "A campaign dict with 'id'; returns it as stored.");
  cls.def(
      "update_campaign",
      [](Client& c, py::handle campaign) {
        const campaign::Campaign value = ToCampaign(campaign);
        return FromCampaign(Run(c, [&](Client& client) { return client.UpdateCampaign(value); }));
      },
      py::arg("campaign"), "Sends If-Match: campaign['version'].");
  cls.def(
      "delete_campaign",
      [](Client& c, const std::string& id, std::optional<uint64_t> version) {
        Run(c, [&](Client& client) { return client.DeleteCampaign(id, version); });
      },
      py::arg("id"), py::kw_only(), py::arg("version") = py::none());
  cls.def(
      "list_campaigns",
      [](std::shared_ptr<Client> c, std::string status, std::string tag, std::string placement,
         std::string sort, size_t page_size) {
        client::CampaignPager pager = c->ListCampaigns({.status = std::move(status),
                                                        .tag = std::move(tag),
                                                        .placement = std::move(placement),
                                                        .sort = std::move(sort),
                                                        .page_size = page_size});
        return RemoteCampaignIterator(std::move(c), std::move(pager));
      },
      py::kw_only(), py::arg("status") = "", py::arg("tag") = "", py::arg("placement") = "",
      py::arg("sort") = "", py::arg("page_size") = size_t{0},
      "Every matching campaign, following the server's page cursors.");

  // What a page makes for one end user.
  cls.def(
      "decide",
      [](Client& c, std::string user, py::handle attributes, std::string placement,
         std::string user_token) {
        client::DecideCall call{.user = std::move(user),
                                .placement = std::move(placement),
                                .user_token = std::move(user_token)};
        if (!attributes.is_none()) call.attributes_json = ToJsonText(attributes);
        return FromJson(Run(c, [&](Client& client) { return client.Decide(call); }));
      },
      py::arg("user"), py::arg("attributes") = py::none(), py::kw_only(),
      py::arg("placement") = "", py::arg("user_token") = "",
      "POST /v1/decide; the server's answer as a dict.");
  cls.def("features", [](Client& c) {
    return FromJson(Run(c, [](Client& client) { return client.Features(); }));
  }, "GET /v1/features: GrowthBook's SDK payload as a dict.");
  cls.def(
      "vote",
      [](Client& c, std::string poll, std::string user, std::string option,
         std::string user_token) {
        client::VoteCall call{.poll = std::move(poll), .user = std::move(user),
                              .option = std::move(option), .user_token = std::move(user_token)};
        return OutcomeName(Run(c, [&](Client& client) { return client.Vote(call); }));
      },
      py::arg("poll"), py::arg("user"), py::arg("option"), py::kw_only(),
      py::arg("user_token") = "", "Returns 'created', 'unchanged' or 'changed'.");
  cls.def(
      "poll_results",
      [](Client& c, const std::string& poll) {
        client::PollResults results =
            Run(c, [&](Client& client) { return client.GetPollResults(poll); });
        py::dict counts;
        for (const auto& [option, n] : results.counts) counts[py::str(option)] = n;
        py::dict out;
        out["poll"] = results.poll;
        out["counts"] = counts;
        out["total"] = results.total;
        out["version"] = results.version;
        return out;
      },
      py::arg("poll"), "{'poll', 'counts': {option: n}, 'total', 'version'}.");
  cls.def(
      "erase_user",
      [](Client& c, const std::string& user) {
        Run(c, [&](Client& client) { return client.EraseUser(user); });
      },
      py::arg("user"), "DELETE /v1/profiles/{user}: everything stored about the user.");

  // Segments, features, polls.
  cls.def("create_segment", [](Client& c, py::handle segment) {
    const campaign::Segment value = ToSegment(segment);
    return FromSegment(Run(c, [&](Client& client) { return client.CreateSegment(value); }));
  }, py::arg("segment"));
  cls.def("get_segment", [](Client& c, const std::string& id) {
    return FromSegment(Run(c, [&](Client& client) { return client.GetSegment(id); }));
  }, py::arg("id"));
  cls.def("update_segment", [](Client& c, py::handle segment) {
    const campaign::Segment value = ToSegment(segment);
    return FromSegment(Run(c, [&](Client& client) { return client.UpdateSegment(value); }));
  }, py::arg("segment"));
  cls.def(
      "delete_segment",
      [](Client& c, const std::string& id, std::optional<uint64_t> version) {
        Run(c, [&](Client& client) { return client.DeleteSegment(id, version); });
      },
      py::arg("id"), py::kw_only(), py::arg("version") = py::none());
  cls.def("create_feature", [](Client& c, const std::string& key, py::handle definition) {
    const Json json = ToJson(definition);
    return FromFeature(Run(c, [&](Client& client) { return client.CreateFeature(key, json); }));
  }, py::arg("key"), py::arg("definition"));
  cls.def("get_feature", [](Client& c, const std::string& key) {
    return FromFeature(Run(c, [&](Client& client) { return client.GetFeature(key); }));
  }, py::arg("key"));
  cls.def(
      "replace_feature",
      [](Client& c, std::string key, py::handle definition, uint64_t version) {
        const campaign::StoredFeature feature{.key = std::move(key),
                                              .definition = ToJson(definition),
                                              .version = version};
        return FromFeature(
            Run(c, [&](Client& client) { return client.ReplaceFeature(feature); }));
      },
      py::arg("key"), py::arg("definition"), py::arg("version"),
      "Sends If-Match: version.");
  cls.def(
      "delete_feature",
      [](Client& c, const std::string& key, std::optional<uint64_t> version) {
        Run(c, [&](Client& client) { return client.DeleteFeature(key, version); });
      },
      py::arg("key"), py::kw_only(), py::arg("version") = py::none());
  cls.def("create_poll", [](Client& c, py::handle poll) {
    const campaign::Poll value = ToPoll(poll);
    return FromPoll(Run(c, [&](Client& client) { return client.CreatePoll(value); }));
  }, py::arg("poll"));
  cls.def("get_poll", [](Client& c, const std::string& id) {
    return FromPoll(Run(c, [&](Client& client) { return client.GetPoll(id); }));
  }, py::arg("id"));
  cls.def("update_poll", [](Client& c, py::handle poll) {
    const campaign::Poll value = ToPoll(poll);
    return FromPoll(Run(c, [&](Client& client) { return client.UpdatePoll(value); }));
  }, py::arg("poll"));
  cls.def("close_poll", [](Client& c, const std::string& id) {
    return FromPoll(Run(c, [&](Client& client) { return client.ClosePoll(id); }));
  }, py::arg("id"));
  cls.def(
      "delete_poll",
      [](Client& c, const std::string& id, std::optional<uint64_t> version) {
        Run(c, [&](Client& client) { return client.DeletePoll(id, version); });
      },
      py::arg("id"), py::kw_only(), py::arg("version") = py::none());

  // Profiles, events, stats.
  cls.def("put_profile", [](Client& c, const std::string& user, py::handle attributes) {
    const Json json = ToJson(attributes);
    return FromProfile(Run(c, [&](Client& client) { return client.PutProfile(user, json); }));
  }, py::arg("user"), py::arg("attributes"));
  cls.def("patch_profile", [](Client& c, const std::string& user, py::handle patch) {
    const Json json = ToJson(patch);
    return FromProfile(Run(c, [&](Client& client) { return client.PatchProfile(user, json); }));
  }, py::arg("user"), py::arg("patch"));
  cls.def("get_profile", [](Client& c, const std::string& user) {
    return FromProfile(Run(c, [&](Client& client) { return client.GetProfile(user); }));
  }, py::arg("user"));
  cls.def("export_user", [](Client& c, const std::string& user) {
    return FromJson(Run(c, [&](Client& client) { return client.ExportUser(user); }));
  }, py::arg("user"));
  cls.def("send_events", [](Client& c, py::handle events) {
    const Json json = ToJson(events);
    return Run(c, [&](Client& client) { return client.SendEvents(json); });
  }, py::arg("events"),
     "POST /v1/events: a list of event dicts (times as RFC 3339 strings); returns how "
     "many were accepted.");
  cls.def(
      "campaign_stats",
      [](Client& c, const std::string& campaign, const std::string& query) {
        return FromJson(
            Run(c, [&](Client& client) { return client.GetCampaignStats(campaign, query); }));
      },
      py::arg("campaign"), py::arg("query") = "", "The server's statistics JSON as a dict.");
  cls.def_property_readonly("fast_failures", &Client::fast_failures,
                            "Calls the circuit breaker refused without a request.");
}

}  // namespace marquee::python
