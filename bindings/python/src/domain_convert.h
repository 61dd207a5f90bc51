// Campaign-domain values <-> Python dicts, shared by the embedded bindings
// and the client's.
//
// A campaign, segment or poll is its record body (the camelCase layout of
// campaign.h, segment.h, poll.h) as a dict, plus two members: "id" and
// "version" (the record version, the expected version of a later update).
// Reading a dict takes "id" and "version" out (an explicit id argument
// wins), and the rest must be a valid body: unknown members raise
// InvalidArgumentError naming them, as in C++.
// Profiles:  {"id", "attributes", "version", "created", "updated"}.
// Features:  {"key", "definition", "version"}.
// REQUIRES: the GIL is held.
#ifndef MARQUEE_BINDINGS_PYTHON_DOMAIN_CONVERT_H_
#define MARQUEE_BINDINGS_PYTHON_DOMAIN_CONVERT_H_

#include <cstdint>
#include <optional>
#include <string>

#include <pybind11/pybind11.h>

#include "marquee/campaign/campaign.h"
#include "marquee/campaign/feature_repository.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/profile.h"
#include "marquee/campaign/segment.h"
#include "marquee/json.h"

namespace marquee::python {

// `doc` without "id" and "version", and those two.
struct SplitDocument {
  std::string id;
  std::optional<uint64_t> version;
  Json body;
};
// Raises TypeError (not a dict, id not a str, version not an int) and
// ValueError (no id at all).
SplitDocument Split(pybind11::handle doc, std::optional<std::string> id = std::nullopt);

campaign::Campaign ToCampaign(pybind11::handle doc, std::optional<std::string> id = std::nullopt);
pybind11::dict FromCampaign(const campaign::Campaign& campaign);
campaign::Segment ToSegment(pybind11::handle doc, std::optional<std::string> id = std::nullopt);
pybind11::dict FromSegment(const campaign::Segment& segment);
campaign::Poll ToPoll(pybind11::handle doc, std::optional<std::string> id = std::nullopt);
pybind11::dict FromPoll(const campaign::Poll& poll);
pybind11::dict FromProfile(const campaign::Profile& profile);
pybind11::dict FromFeature(const campaign::StoredFeature& feature);

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_DOMAIN_CONVERT_H_
