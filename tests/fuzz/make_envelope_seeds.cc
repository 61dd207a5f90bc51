// Writes the envelope fuzz target's seed corpus: one envelope of each kind
// (raw, zstd, zstd + dictionary, each also encrypted; an empty payload; a
// record). Run by hand when the envelope format changes:
//   build/default/tests/fuzz/make_envelope_seeds tests/fuzz/corpus/envelope
#include <cstdio>
#include <fstream>
#include <string>

#include "envelope_fuzz.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_envelope_seeds <dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::string body =
      R"({"name":"spring sale","status":"live","priority":5,"variants":[{"weight":50,"content":{"headline":"Free shipping today"}},{"weight":50,"content":{"headline":"Ten percent off"}}]})";
  int written = 0;
  for (bool encrypt : {false, true}) {
    auto codec = marquee::fuzz::MakeEnvelopeFuzzCodec(encrypt);
    if (codec == nullptr) return 1;
    struct Seed {
      const char* name;
      std::string collection, payload;
    };
    for (const Seed& seed : {Seed{"raw", "other", "{}"}, Seed{"empty", "other", ""},
                             Seed{"zstd", "other", body}, Seed{"dictionary", "campaigns", body}}) {
      auto envelope = codec->Encode(seed.collection, seed.payload, {.schema = 2, .record_version = 41});
      if (!envelope.ok()) return 1;
      // The target's first byte: 0 uses the envelope as it is, 1 re-stamps
      // its CRC (the same bytes here, which is where mutations start).
      for (char mode : {'\0', '\1'}) {
        std::ofstream(dir + "/" + seed.name + (encrypt ? "_aes" : "") + (mode != 0 ? "_crc" : ""),
                      std::ios::binary)
            << mode << *envelope;
        ++written;
      }
    }
  }
  std::printf("%d seeds written\n", written);
  return 0;
}
