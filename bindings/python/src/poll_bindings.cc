// marquee.Polls: live polls, one vote per user, tallies (poll_service.h).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "domain_convert.h"
#include "errors.h"
#include "marquee/campaign/poll_service.h"
#include "registrations.h"
#include "service_holder.h"
#include "time_convert.h"
#include "value_convert.h"
#include "without_gil.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

using campaign::PollService;
using Polls = ServiceHolder<PollService>;

const char* VoteKindName(campaign::VoteKind kind) {
  switch (kind) {
    case campaign::VoteKind::kCreated: return "created";
    case campaign::VoteKind::kUnchanged: return "unchanged";
    case campaign::VoteKind::kChanged: return "changed";
  }
  return "created";
}

py::dict VoteDict(const campaign::PollVote& vote) {
  py::dict out;
  out["poll"] = vote.poll;
  out["user"] = vote.user;
  out["option"] = vote.option;
  out["at"] = ToDatetime(vote.at);
  out["version"] = vote.version;
  return out;
}

py::dict TallyDict(const campaign::PollTally& tally) {
  py::dict out;
  out["poll"] = tally.poll;
  out["counts"] = tally.counts;
  out["total"] = tally.total;
  out["version"] = tally.version;
  return out;
}

py::dict StatsDict(const campaign::PollServiceStats& stats) {
  py::dict out;
  out["votes_committed"] = stats.votes_committed;
  out["votes_unchanged"] = stats.votes_unchanged;
  out["batches"] = stats.batches;
  out["fallbacks"] = stats.fallbacks;
  out["rules_fired"] = stats.rules_fired;
  out["rule_errors"] = stats.rule_errors;
  return out;
}

}  // namespace

void RegisterPolls(py::module_& m) {
  py::class_<Polls, std::shared_ptr<Polls>>(
      m, "Polls",
      "Live polls. A poll is its record body as a dict (question, options, opensAt, "
      "closesAt, targeting, allowVoteChange, rules) plus 'id' and 'version'. Votes are "
      "group-committed by a background thread; vote() waits for its commit with the GIL "
      "released.")
      .def(py::init([](std::shared_ptr<StoreHandle> store, int tally_shards) {
             return Polls::Open(std::move(store), [&](Store* s) {
               return PollService::Open(s, {.tally_shards = tally_shards});
             });
           }),
           py::arg("store"), py::kw_only(), py::arg("tally_shards") = 1)
      .def(
          "create",
          [](const Polls& self, py::handle poll, std::optional<std::string> id) {
            campaign::Poll value = ToPoll(poll, std::move(id));
            PollService& polls = self.Get();
            auto created = WithoutGil([&] { return polls.CreatePoll(value); });
            return FromPoll(Unwrap(std::move(created)));
          },
          py::arg("poll"), py::kw_only(), py::arg("id") = py::none(),
          "Stores a new poll. Raises InvalidArgumentError, AlreadyExistsError.")
      .def(
          "get",
          [](const Polls& self, const std::string& id) {
            PollService& polls = self.Get();
            auto got = WithoutGil([&] { return polls.GetPoll(id); });
            return FromPoll(Unwrap(std::move(got)));
          },
          py::arg("id"))
      .def(
          "update",
          [](const Polls& self, py::handle poll, std::optional<uint64_t> expected_version) {
            campaign::Poll value = ToPoll(poll);
            PollService& polls = self.Get();
            auto updated = WithoutGil([&] { return polls.UpdatePoll(value, expected_version); });
            return FromPoll(Unwrap(std::move(updated)));
          },
          py::arg("poll"), py::kw_only(), py::arg("expected_version") = py::none(),
          "Replaces the definition; votes and tallies stay.")
      .def(
          "close",
          [](const Polls& self, const std::string& id) {
            PollService& polls = self.Get();
            auto closed = WithoutGil([&] { return polls.ClosePoll(id); });
            return FromPoll(Unwrap(std::move(closed)));
          },
          py::arg("id"), "Closes the poll now; later votes raise FailedPreconditionError.")
      .def(
          "delete",
          [](const Polls& self, const std::string& id, std::optional<uint64_t> expected_version) {
            PollService& polls = self.Get();
            Check(WithoutGil([&] { return polls.DeletePoll(id, expected_version); }));
          },
          py::arg("id"), py::kw_only(), py::arg("expected_version") = py::none(),
          "Erases the poll, its votes and its tally.")
      .def(
          "vote",
          [](const Polls& self, const std::string& poll, const std::string& user,
             const std::string& option, py::handle attributes) {
            const campaign::Value attrs = ToValue(attributes);
            PollService& polls = self.Get();
            auto result = WithoutGil([&] { return polls.Vote(poll, user, option, attrs); });
            campaign::VoteResult vote = Unwrap(std::move(result));
            py::dict out;
            out["kind"] = VoteKindName(vote.kind);
            out["vote"] = VoteDict(vote.vote);
            return out;
          },
          py::arg("poll"), py::arg("user"), py::arg("option"), py::arg("attributes") = py::none(),
          "Records the user's vote; returns {'kind': 'created'|'unchanged'|'changed', "
          "'vote': {...}}. Raises NotFoundError, FailedPreconditionError (closed, already "
          "voted), PermissionDeniedError (targeting), InvalidArgumentError.")
      .def(
          "get_vote",
          [](const Polls& self, const std::string& poll, const std::string& user) {
            PollService& polls = self.Get();
            auto vote = WithoutGil([&] { return polls.GetVote(poll, user); });
            return VoteDict(Unwrap(std::move(vote)));
          },
          py::arg("poll"), py::arg("user"), "Raises NotFoundError when the user has not voted.")
      .def(
          "tally",
          [](const Polls& self, const std::string& poll) {
            PollService& polls = self.Get();
            auto tally = WithoutGil([&] { return polls.Tally(poll); });
            return TallyDict(Unwrap(std::move(tally)));
          },
          py::arg("poll"), "{'poll', 'counts': {option: n}, 'total', 'version'}.")
      .def(
          "stats", [](const Polls& self) { return StatsDict(self.Get().stats()); },
          "Counters of this service: votes_committed, votes_unchanged, batches, ...");
}

}  // namespace marquee::python
