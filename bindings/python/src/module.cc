// The Python module `marquee`: Marquee's embedded store, campaign domain,
// feature evaluator and HTTP client. Each part is registered by its own file
// (registrations.h); the order matters only where a file adds methods to a
// class another one created (scan_bindings.cc extends marquee.Store).
#include <pybind11/pybind11.h>

#include "json_convert.h"
#include "registrations.h"
#include "time_convert.h"

PYBIND11_MODULE(marquee, m) {
  m.doc() =
      "Marquee: an embeddable campaign data layer. marquee.open() gives the store; "
      "Campaigns, Profiles, Polls, Decider, Events and Features build the campaign domain "
      "on it; FeatureSet evaluates GrowthBook features; Client talks to a marquee-server. "
      "Failures raise marquee.Error subclasses; blocking calls release the GIL.";
  namespace python = marquee::python;
  // The Python objects the converters use, looked up now, once, while the
  // import holds the GIL (see json_convert.cc).
  python::InitJsonConvert();
  python::InitTimeConvert();
  python::RegisterErrors(m);
  python::RegisterRecord(m);
  python::RegisterStore(m);
  python::RegisterScan(m);
  python::RegisterPaginator(m);
  python::RegisterCampaigns(m);
  python::RegisterProfiles(m);
  python::RegisterPolls(m);
  python::RegisterDecider(m);
  python::RegisterEvents(m);
  python::RegisterFeatures(m);
  python::RegisterClient(m);
}
