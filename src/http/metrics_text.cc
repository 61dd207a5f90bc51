// PrometheusText: the text exposition format's lines and escaping.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "marquee/http/metrics.h"

namespace marquee::http {
namespace {

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Label values escape '\\', '"' and newlines; HELP text '\\' and newlines.
void AppendEscaped(std::string* out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

void AppendNumber(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
    out->append(std::to_string(static_cast<int64_t>(value)));
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    out->append(buffer);
  }
}

}  // namespace

void PrometheusText::Describe(std::string_view name, std::string_view type,
                              std::string_view help) {
  if (!IsMetricName(name) || described_ == name) return;
  described_ = std::string(name);
  out_->append("# HELP ").append(name).push_back(' ');
  AppendEscaped(out_, help, /*quote=*/false);
  out_->append("\n# TYPE ").append(name).push_back(' ');
  out_->append(type).push_back('\n');
}

void PrometheusText::Sample(std::string_view name, double value, Labels labels) {
  if (!IsMetricName(name)) return;
  out_->append(name);
  if (labels.size() > 0) {
    out_->push_back('{');
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!IsMetricName(label)) continue;  // label names have the same grammar, minus ':'
      if (!first) out_->push_back(',');
      first = false;
      out_->append(label).append("=\"");
      AppendEscaped(out_, label_value, /*quote=*/true);
      out_->push_back('"');
    }
    out_->push_back('}');
  }
  out_->push_back(' ');
  AppendNumber(out_, value);
  out_->push_back('\n');
}

void PrometheusText::Counter(std::string_view name, std::string_view help, double value,
                             Labels labels) {
  Describe(name, "counter", help);
  Sample(name, value, labels);
}

void PrometheusText::Gauge(std::string_view name, std::string_view help, double value,
                           Labels labels) {
  Describe(name, "gauge", help);
  Sample(name, value, labels);
}

}  // namespace marquee::http
