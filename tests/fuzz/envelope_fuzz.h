// The codec the envelope fuzz target decodes with, shared with the tool that
// wrote its seed corpus: a raw-content dictionary (id 7, for collection
// "campaigns") and an AES-256-GCM key (id 3), both fixed, so seeds made once
// keep decoding.
#ifndef MARQUEE_TESTS_FUZZ_ENVELOPE_FUZZ_H_
#define MARQUEE_TESTS_FUZZ_ENVELOPE_FUZZ_H_

#include <memory>
#include <string>

#include "marquee/codec.h"

namespace marquee::fuzz {

inline std::unique_ptr<Codec> MakeEnvelopeFuzzCodec(bool encrypt) {
  CodecOptions options{.compress_min_bytes = 16, .max_payload_bytes = 1 << 20,
                       .keys = {{.id = 3, .key = std::string(32, '\x5a')}}};
  if (encrypt) options.active_key_id = 3;
  absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create(options);
  if (!codec.ok()) return nullptr;
  std::string dictionary;
  while (dictionary.size() < 2048) {
    dictionary += R"({"name":"spring sale","status":"live","priority":5,"variants":[{"weight":50,"content":{"headline":"Free shipping"}}]})";
  }
  if (!(*codec)->AddDictionary("campaigns", {.id = 7, .bytes = dictionary}).ok()) return nullptr;
  return *std::move(codec);
}

}  // namespace marquee::fuzz

#endif  // MARQUEE_TESTS_FUZZ_ENVELOPE_FUZZ_H_
