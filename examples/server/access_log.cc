#include "access_log.h"

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace marquee_server {
namespace {

bool NeedsEscape(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x7F; }

void AppendEscaped(std::string& out, std::string_view text) {
  size_t clean_from = 0;  // runs of plain bytes are appended whole
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!NeedsEscape(c)) continue;
    out.append(text.substr(clean_from, i - clean_from));
    clean_from = i + 1;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    }
  }
  out.append(text.substr(clean_from));
}

// "2026-12-01T10:41:07.123456Z". The part up to the seconds is formatted
// once per second and thread (absl::FormatTime cost about a tenth of a
// small GET's instructions when it ran for every line).
void AppendTime(std::string& out, absl::Time now) {
  struct SecondCache {
    int64_t second = -1;
    std::string text;
  };
  thread_local SecondCache cache;
  const int64_t micros = absl::ToUnixMicros(now);
  int64_t second = micros / 1'000'000;
  int64_t fraction = micros % 1'000'000;
  if (fraction < 0) {  // before 1970: floor, not truncation
    --second;
    fraction += 1'000'000;
  }
  if (second != cache.second) {
    cache.second = second;
    cache.text = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                  absl::UTCTimeZone());
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06lldZ", static_cast<long long>(fraction));
  out += cache.text;
  out += buf;
}

}  // namespace

std::string RedactedTarget(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return std::string(target);
  constexpr std::string_view kName = "access_token=";
  std::string out(target.substr(0, query + 1));
  std::string_view rest = target.substr(query + 1);
  // Parameter by parameter, so "xaccess_token=" is not mistaken for it.
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    if (param.substr(0, kName.size()) == kName) {
      out.append(kName);
      out.append("REDACTED");
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    out.push_back('&');
    rest = rest.substr(amp + 1);
  }
  return out;
}

std::string AccessLogLine(const marquee::http::AccessLogEntry& e, absl::Time now) {
  std::string line;
  line.reserve(160 + e.target.size());
  line += "{\"time\":\"";
  AppendTime(line, now);
  line += "\",\"method\":\"";
  AppendEscaped(line, e.method);
  line += "\",\"target\":\"";
  AppendEscaped(line, RedactedTarget(e.target));
  absl::StrAppend(&line, "\",\"status\":", e.status,
                  ",\"latency_us\":", absl::ToInt64Microseconds(e.latency),
                  ",\"bytes_in\":", e.bytes_in, ",\"bytes_out\":", e.bytes_out,
                  ",\"remote\":\"");
  AppendEscaped(line, e.remote_address);
  line += "\"}\n";
  return line;
}

void LogRequest(const marquee::http::AccessLogEntry& e) {
  static std::mutex mu;
  const std::string line = AccessLogLine(e, absl::Now());
  std::lock_guard lock(mu);
  std::cout << line << std::flush;
}

}  // namespace marquee_server
