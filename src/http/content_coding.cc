#include "http/content_coding.h"

#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "http/text_internal.h"

namespace marquee::http::internal {
namespace {

constexpr std::string_view kGzipSuffix = "-gzip";
constexpr std::string_view kZstdSuffix = "-zstd";

// The q-value of one Accept-Encoding element's parameters ("q=0.5");
// 1 when absent, 0 when malformed (so a garbled entry never selects).
double QValue(std::string_view params) {
  while (!params.empty()) {
    const size_t semicolon = params.find(';');
    std::string_view param = TrimOws(params.substr(0, semicolon));
    params = semicolon == params.npos ? std::string_view() : params.substr(semicolon + 1);
    if (param.size() >= 2 && AsciiLower(param[0]) == 'q' && param[1] == '=') {
      const std::string_view v = param.substr(2);
      if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return 0;
      double q = v[0] - '0';
      if (v.size() > 1) {
        if (v[1] != '.') return 0;
        double scale = 0.1;
        for (char c : v.substr(2)) {
          if (c < '0' || c > '9') return 0;
          q += (c - '0') * scale;
          scale /= 10;
        }
      }
      return q > 1 ? 0 : q;
    }
  }
  return 1;
}

std::string Gzip(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; level 6 is zlib's own default.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

std::string Zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  // Level 3 is zstd's default: fast, and better than gzip -6 on JSON.
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

absl::StatusOr<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return absl::InternalError("zlib inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16384];
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof chunk - z.avail_out;
    if (produced > max_bytes - out.size()) {
      return absl::OutOfRangeError(
          absl::StrCat("the body inflates to more than ", max_bytes, " bytes"));
    }
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in != 0) return absl::InvalidArgumentError("data after the end of the gzip body");
      return out;
    }
    if (rc != Z_OK || (produced == 0 && z.avail_in == 0)) {
      return absl::InvalidArgumentError("the gzip body is corrupt or truncated");
    }
  }
}

absl::StatusOr<std::string> Unzstd(std::string_view data, size_t max_bytes) {
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> stream(ZSTD_createDStream(),
                                                                  ZSTD_freeDStream);
  if (stream == nullptr) return absl::InternalError("ZSTD_createDStream failed");
  // Bound the window too, so a frame cannot make the decoder allocate a
  // huge history buffer before the output bound is reached.
  ZSTD_DCtx_setParameter(stream.get(), ZSTD_d_windowLogMax, 23);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  char chunk[16384];
  size_t rc = 1;
  while (true) {
    ZSTD_outBuffer o{chunk, sizeof chunk, 0};
    rc = ZSTD_decompressStream(stream.get(), &o, &in);
    if (ZSTD_isError(rc)) return absl::InvalidArgumentError("the zstd body is corrupt");
    if (o.pos > max_bytes - out.size()) {
      return absl::OutOfRangeError(
          absl::StrCat("the body inflates to more than ", max_bytes, " bytes"));
    }
    out.append(chunk, o.pos);
    if (rc == 0 && in.pos == in.size) return out;
    if (o.pos == 0 && in.pos == in.size) {
      return absl::InvalidArgumentError("the zstd body is truncated");
    }
  }
}

// `tag` without a coding suffix: "\"42-gzip\"" -> "\"42\"" (W/ kept).
std::string StripTag(std::string_view tag) {
  for (std::string_view suffix : {kGzipSuffix, kZstdSuffix}) {
    if (tag.size() > suffix.size() + 1 && tag.back() == '"' &&
        tag.substr(tag.size() - 1 - suffix.size(), suffix.size()) == suffix) {
      return absl::StrCat(Sv(tag.substr(0, tag.size() - 1 - suffix.size())), "\"");
    }
  }
  return std::string(tag);
}

}  // namespace

std::optional<Coding> NegotiateCoding(std::optional<std::string_view> accept_encoding) {
  if (!accept_encoding) return std::nullopt;
  double gzip = 0, zstd = 0, any = -1;
  std::string_view rest = *accept_encoding;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view element = TrimOws(rest.substr(0, comma));
    rest = comma == rest.npos ? std::string_view() : rest.substr(comma + 1);
    const size_t semicolon = element.find(';');
    const std::string_view name = TrimOws(element.substr(0, semicolon));
    const double q = semicolon == element.npos ? 1.0 : QValue(element.substr(semicolon + 1));
    if (EqualsIgnoreCase(name, "gzip") || EqualsIgnoreCase(name, "x-gzip")) {
      gzip = q;
    } else if (EqualsIgnoreCase(name, "zstd")) {
      zstd = q;
    } else if (name == "*") {
      any = q;
    }
  }
  if (any > 0) {
    // "*" covers the codings not named explicitly.
    if (accept_encoding->find("zstd") == std::string_view::npos) zstd = any;
    if (accept_encoding->find("gzip") == std::string_view::npos) gzip = any;
  }
  if (zstd > 0 && zstd >= gzip) return Coding::kZstd;
  if (gzip > 0) return Coding::kGzip;
  return std::nullopt;
}

void CompressResponse(std::optional<Coding> coding, Response& response) {
  const bool success = response.status == 200 || response.status == 201;
  const bool event_stream =
      response.headers.Get("Content-Type").value_or("").starts_with("text/event-stream");
  if (!success || event_stream || response.headers.Has("Content-Encoding")) return;
  // Any answer that could have been compressed varies with Accept-Encoding.
  std::optional<std::string_view> vary = response.headers.Get("Vary");
  if (!vary) {
    response.headers.Set("Vary", "Accept-Encoding");
  } else if (vary->find("Accept-Encoding") == std::string_view::npos) {
    response.headers.Set("Vary", absl::StrCat(Sv(*vary), ", Accept-Encoding"));
  }
  if (!coding || response.body.size() < kMinCompressBytes) return;
  std::string compressed = *coding == Coding::kZstd ? Zstd(response.body) : Gzip(response.body);
  if (compressed.empty() || compressed.size() >= response.body.size()) return;
  response.body = std::move(compressed);
  const std::string_view suffix = *coding == Coding::kZstd ? kZstdSuffix : kGzipSuffix;
  response.headers.Set("Content-Encoding", *coding == Coding::kZstd ? "zstd" : "gzip");
  if (std::optional<std::string_view> etag = response.headers.Get("ETag");
      etag && etag->size() >= 2 && etag->back() == '"') {
    response.headers.Set(
        "ETag", absl::StrCat(Sv(etag->substr(0, etag->size() - 1)), Sv(suffix), "\""));
  }
  if (response.headers.Has("Content-Length")) {
    response.headers.Set("Content-Length", std::to_string(response.body.size()));
  }
}

absl::StatusOr<std::string> InflateBody(std::string_view body, std::string_view encoding,
                                        size_t max_bytes) {
  const std::string_view coding = TrimOws(encoding);
  if (coding.empty() || EqualsIgnoreCase(coding, "identity")) {
    if (body.size() > max_bytes) {
      return absl::OutOfRangeError(absl::StrCat("the body is larger than ", max_bytes, " bytes"));
    }
    return std::string(body);
  }
  if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
    return Gunzip(body, max_bytes);
  }
  if (EqualsIgnoreCase(coding, "zstd")) return Unzstd(body, max_bytes);
  return absl::UnimplementedError(
      "Content-Encoding must be gzip, zstd or identity (one coding only)");
}

void StripCodingSuffixes(Headers& headers) {
  for (std::string_view name : {"If-Match", "If-None-Match"}) {
    std::vector<std::string_view> values = headers.GetAll(name);
    if (values.empty()) continue;
    std::string joined;
    for (std::string_view value : values) {
      std::string_view rest = value;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        std::string_view tag = TrimOws(rest.substr(0, comma));
        rest = comma == rest.npos ? std::string_view() : rest.substr(comma + 1);
        if (tag.empty()) continue;
        if (!joined.empty()) joined += ", ";
        joined += StripTag(tag);
      }
    }
    headers.Set(name, joined);
  }
}

}  // namespace marquee::http::internal
