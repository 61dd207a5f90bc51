// The parts of the marquee module, each registered by its own file.
#ifndef MARQUEE_BINDINGS_PYTHON_REGISTRATIONS_H_
#define MARQUEE_BINDINGS_PYTHON_REGISTRATIONS_H_

#include <pybind11/pybind11.h>

namespace marquee::python {

void RegisterErrors(pybind11::module_& module);        // errors.cc
void RegisterRecord(pybind11::module_& module);        // record_bindings.cc
void RegisterStore(pybind11::module_& module);         // store_bindings.cc
void RegisterScan(pybind11::module_& module);          // scan_bindings.cc
void RegisterPaginator(pybind11::module_& module);     // page_bindings.cc
void RegisterCampaigns(pybind11::module_& module);     // campaign_bindings.cc
void RegisterProfiles(pybind11::module_& module);      // profile_bindings.cc
void RegisterPolls(pybind11::module_& module);         // poll_bindings.cc
void RegisterDecider(pybind11::module_& module);       // decide_bindings.cc
void RegisterEvents(pybind11::module_& module);        // event_bindings.cc
void RegisterFeatures(pybind11::module_& module);      // feature_bindings.cc
void RegisterClient(pybind11::module_& module);        // client_bindings.cc

}  // namespace marquee::python

#endif  // MARQUEE_BINDINGS_PYTHON_REGISTRATIONS_H_
