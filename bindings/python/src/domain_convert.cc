#include "domain_convert.h"

#include <utility>

#include "errors.h"
#include "json_convert.h"
#include "time_convert.h"

namespace py = pybind11;

namespace marquee::python {
namespace {

// The body dict with "id" and "version" in front.
py::dict Join(const std::string& id, uint64_t version, const Json& body) {
  py::dict out;
  out["id"] = id;
  out["version"] = version;
  py::object members = FromJson(body);
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(members)) out[key] = value;
  return out;
}

}  // namespace

SplitDocument Split(py::handle doc, std::optional<std::string> id) {
  if (!PyDict_Check(doc.ptr())) throw py::type_error("expected a dict");
  py::dict body = py::reinterpret_borrow<py::dict>(doc).attr("copy")();
  SplitDocument out;
  py::object doc_id = body.attr("pop")("id", py::none());
  if (id) {
    out.id = std::move(*id);
  } else if (PyUnicode_Check(doc_id.ptr())) {
    out.id = doc_id.cast<std::string>();
  } else if (doc_id.is_none()) {
    throw py::value_error("the dict has no \"id\" and no id was given");
  } else {
    throw py::type_error("\"id\" must be a str");
  }
  py::object version = body.attr("pop")("version", py::none());
  if (!version.is_none()) {
    if (!PyLong_Check(version.ptr()) || PyBool_Check(version.ptr())) {
      throw py::type_error("\"version\" must be an int or None");
    }
    out.version = version.cast<uint64_t>();
  }
  out.body = ToJson(body);
  return out;
}

campaign::Campaign ToCampaign(py::handle doc, std::optional<std::string> id) {
  SplitDocument split = Split(doc, std::move(id));
  campaign::Campaign campaign = Unwrap(campaign::CampaignFromJson(split.id, split.body));
  campaign.version = split.version.value_or(0);
  return campaign;
}

py::dict FromCampaign(const campaign::Campaign& campaign) {
  return Join(campaign.id, campaign.version, Unwrap(campaign::CampaignToJson(campaign)));
}

campaign::Segment ToSegment(py::handle doc, std::optional<std::string> id) {
  SplitDocument split = Split(doc, std::move(id));
  campaign::Segment segment = Unwrap(campaign::SegmentFromJson(split.id, split.body));
  segment.version = split.version.value_or(0);
  return segment;
}

py::dict FromSegment(const campaign::Segment& segment) {
  return Join(segment.id, segment.version, Unwrap(campaign::SegmentToJson(segment)));
}

campaign::Poll ToPoll(py::handle doc, std::optional<std::string> id) {
  SplitDocument split = Split(doc, std::move(id));
  campaign::Poll poll = Unwrap(campaign::PollFromJson(split.id, split.body));
  poll.version = split.version.value_or(0);
  return poll;
}

py::dict FromPoll(const campaign::Poll& poll) {
  return Join(poll.id, poll.version, Unwrap(campaign::PollToJson(poll)));
}

py::dict FromProfile(const campaign::Profile& profile) {
  py::dict out;
  out["id"] = profile.id;
  out["attributes"] = FromJson(profile.attributes);
  out["version"] = profile.version;
  out["created"] = ToDatetime(profile.created);
  out["updated"] = ToDatetime(profile.updated);
  return out;
}

py::dict FromFeature(const campaign::StoredFeature& feature) {
  py::dict out;
  out["key"] = feature.key;
  out["definition"] = FromJson(feature.definition);
  out["version"] = feature.version;
  return out;
}

}  // namespace marquee::python
