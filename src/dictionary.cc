// TrainDictionary: zstd's dictionary builder (fastCover, as
// ZDICT_trainFromBuffer runs it) over a sample of payloads.
#include <zdict.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "marquee/codec.h"

namespace marquee {
namespace {

// More than zstd's builder handles well, and far more than training needs.
constexpr size_t kMaxTrainingBytes = size_t{1} << 30;

}  // namespace

absl::StatusOr<Dictionary> TrainDictionary(const std::vector<std::string>& samples, uint32_t id,
                                           size_t max_bytes) {
  if (samples.empty()) return absl::InvalidArgumentError("no samples to train a dictionary on");
  if (max_bytes < kMinDictionaryBytes || max_bytes > kMaxDictionaryBytes) {
    return absl::InvalidArgumentError(absl::StrCat("dictionary max_bytes is ", max_bytes,
                                                   "; the accepted range is ", kMinDictionaryBytes,
                                                   "..", kMaxDictionaryBytes));
  }
  if (samples.size() > (size_t{1} << 31)) {
    return absl::InvalidArgumentError(
        absl::StrCat("too many samples: ", samples.size(), "; the limit is 2^31"));
  }
  size_t total = 0;
  for (const std::string& sample : samples) {
    total += sample.size();
    if (total > kMaxTrainingBytes) {
      return absl::InvalidArgumentError(absl::StrCat("samples exceed ", kMaxTrainingBytes,
                                                     " bytes in total; train on a smaller sample"));
    }
  }
  // The builder wants the samples back to back, with their sizes.
  std::string flat;
  flat.reserve(total);
  std::vector<size_t> sizes;
  sizes.reserve(samples.size());
  for (const std::string& sample : samples) {
    flat.append(sample);
    sizes.push_back(sample.size());
  }
  Dictionary dictionary{.id = id, .bytes = std::string(max_bytes, '\0')};
  const size_t r =
      ZDICT_trainFromBuffer(dictionary.bytes.data(), dictionary.bytes.size(), flat.data(),
                            sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(r)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot train a dictionary on ", samples.size(), " samples of ", total,
        " bytes in total (too few or too small?): zstd says \"", ZDICT_getErrorName(r), "\""));
  }
  if (r < kMinDictionaryBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the samples yield a dictionary of only ", r, " bytes; the smallest accepted is ",
        kMinDictionaryBytes, " (train on more, or more varied, samples)"));
  }
  dictionary.bytes.resize(r);
  return dictionary;
}

}  // namespace marquee
