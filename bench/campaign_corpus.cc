// The campaign corpus: each record is built from its own splitmix64 stream
// (seeded from the corpus seed and the index), so records do not depend on
// each other or on the order they are generated in. Word banks hold no
// character JSON would escape.
#include "campaign_corpus.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace marquee::bench {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n far below 2^64.
  uint64_t Below(uint64_t n) { return Next() % n; }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  template <typename Bank>
  const char* Pick(const Bank& bank) {
    return bank[Below(bank.size())];
  }

 private:
  uint64_t state_;
};

constexpr std::array<const char*, 24> kAdjectives = {
    "Spring", "Summer", "Autumn", "Winter", "Holiday", "Weekend", "Midnight", "Flash",
    "Exclusive", "Limited", "Early Bird", "Last Chance", "Back to School", "Black Friday",
    "Cyber Monday", "Anniversary", "Loyalty", "Welcome", "VIP", "Clearance", "Mega",
    "Seasonal", "Members Only", "Grand Opening"};
constexpr std::array<const char*, 20> kThemes = {
    "Sale", "Savings Event", "Promo", "Giveaway", "Collection Launch", "Rewards Drive",
    "Bundle Deal", "Free Shipping Week", "Trade-In Offer", "Referral Push", "Price Drop",
    "Style Edit", "Gift Guide", "Cashback Days", "Upgrade Offer", "Win-Back", "Preview",
    "Restock Alert", "Daily Deals", "Spotlight"};
constexpr std::array<const char*, 22> kProducts = {
    "running shoes", "winter jackets", "smart watches", "kitchen essentials", "home office gear",
    "skincare sets", "wireless earbuds", "kids backpacks", "camping equipment", "yoga mats",
    "coffee makers", "designer handbags", "gaming laptops", "garden tools", "pet supplies",
    "bedding and linens", "vitamins", "sunglasses", "denim", "board games", "fitness trackers",
    "travel luggage"};
constexpr std::array<const char*, 12> kVerbs = {
    "Discover", "Shop", "Explore", "Grab", "Unlock", "Save on", "Upgrade to", "Treat yourself to",
    "Stock up on", "Get ready with", "Fall in love with", "Refresh your look with"};
constexpr std::array<const char*, 16> kClosers = {
    "while supplies last", "this weekend only", "before the season ends", "for a limited time",
    "with free returns on every order", "and earn double points", "with free two-day shipping",
    "for members this week", "at our lowest prices of the year", "in stores and online",
    "plus an extra gift at checkout", "when you spend 50 dollars or more",
    "with no code needed", "starting at midnight", "only in the app", "until Sunday"};
constexpr std::array<const char*, 14> kSentences = {
    "Our biggest event of the season is finally here.",
    "Thousands of customers already picked their favorites.",
    "New arrivals land every morning, so check back often.",
    "Prices are already marked down, no coupon required.",
    "Members get early access and exclusive colors.",
    "Mix and match across categories to unlock bundle pricing.",
    "Every purchase supports our community recycling program.",
    "Sizes are selling out fast in the most popular styles.",
    "Free returns within 60 days on everything you order.",
    "Complete your set and save even more at checkout.",
    "Rated five stars by more than ten thousand shoppers.",
    "Pick up in store in as little as two hours.",
    "Tell a friend and you both get a reward.",
    "Designed in house and tested by our team."};
constexpr std::array<const char*, 12> kCtas = {
    "Shop now", "Learn more", "Claim offer", "Get started", "See the collection", "Join free",
    "Unlock deal", "Browse styles", "Start saving", "Add to cart", "View details", "Try it free"};
constexpr std::array<const char*, 7> kStatuses = {"draft", "scheduled", "active", "active",
                                                       "active", "paused", "ended"};
constexpr std::array<const char*, 18> kTags = {
    "seasonal", "email", "push", "homepage", "retargeting", "new-customers", "loyalty", "mobile",
    "desktop", "high-value", "clearance", "brand", "q3", "q4", "test", "evergreen", "social",
    "partner"};
constexpr std::array<const char*, 16> kCountries = {"US", "CA", "GB", "DE", "FR", "ES",
                                                         "IT", "NL", "SE", "AU", "NZ", "JP",
                                                         "BR", "MX", "IE", "PL"};
constexpr std::array<const char*, 4> kDevices = {"ios", "android", "desktop", "tablet"};
constexpr std::array<const char*, 4> kPlans = {"free", "basic", "plus", "premium"};
constexpr std::array<const char*, 8> kTimezones = {
    "America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London",
    "Europe/Berlin",    "Europe/Paris",        "Asia/Tokyo",      "Australia/Sydney"};
constexpr std::array<const char*, 16> kFirstNames = {
    "ana", "ben", "chloe", "dmitri", "emma", "farid", "grace", "hiro",
    "isla", "jonas", "kemi", "liam", "maya", "noah", "olivia", "priya"};
constexpr std::array<const char*, 16> kLastNames = {
    "garcia", "smith", "nguyen", "muller", "rossi", "kowalski", "tanaka", "silva",
    "johnson", "okafor", "larsen", "dubois", "patel", "kim", "oconnor", "haddad"};
constexpr std::array<const char*, 4> kVariantKeys = {"control", "variant_a", "variant_b",
                                                          "variant_c"};

std::string Iso(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

// Lowercase words joined by '-', at most `max_bytes` long.
std::string Slug(std::string_view text, size_t max_bytes = 64) {
  std::string slug;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      slug.push_back(c);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  slug.resize(std::min(slug.size(), max_bytes));
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

std::string Headline(Rng& rng) {
  switch (rng.Below(3)) {
    case 0:
      return absl::StrCat(rng.Pick(kVerbs), " ", rng.Pick(kProducts), " ", rng.Pick(kClosers));
    case 1:
      return absl::StrCat("Up to ", 10 + 5 * rng.Below(13), "% off ", rng.Pick(kProducts));
    default:
      return absl::StrCat("The ", rng.Pick(kAdjectives), " ", rng.Pick(kThemes), " starts now");
  }
}

std::string BodyText(Rng& rng) {
  const char* first = rng.Pick(kProducts);
  const char* second = rng.Pick(kProducts);
  std::string text = first == second
                         ? absl::StrCat(rng.Pick(kVerbs), " ", first, " ", rng.Pick(kClosers), ".")
                         : absl::StrCat(rng.Pick(kVerbs), " ", first, " and ", second, " ",
                                        rng.Pick(kClosers), ".");
  if (rng.Chance(30)) absl::StrAppend(&text, " ", rng.Pick(kSentences));
  return text;
}

// A condition object in the MongoDB-style language of segments.
std::string Conditions(Rng& rng) {
  std::string out = "{";
  bool first = true;
  auto field = [&](const char* name, const std::string& value) {
    absl::StrAppend(&out, first ? "" : ",", "\"", name, "\":", value);
    first = false;
  };
  std::string countries = "[";
  const int n = rng.Between(1, 4);
  for (int i = 0; i < n; ++i) {
    absl::StrAppend(&countries, i ? "," : "", "\"", rng.Pick(kCountries), "\"");
  }
  countries += "]";
  field("country", absl::StrCat("{\"$in\":", countries, "}"));
  if (rng.Chance(50)) field("device", absl::StrCat("{\"$eq\":\"", rng.Pick(kDevices), "\"}"));
  if (rng.Chance(40)) field("visits", absl::StrCat("{\"$gte\":", rng.Between(1, 30), "}"));
  if (rng.Chance(30)) field("plan", absl::StrCat("{\"$ne\":\"", rng.Pick(kPlans), "\"}"));
  if (rng.Chance(30)) {
    field("lifetime_value", absl::StrCat("{\"$gt\":", rng.Between(10, 2000), ".",
                                         rng.Between(10, 99), "}"));
  }
  if (rng.Chance(25)) field("email_opt_in", "true");
  out += "}";
  return out;
}

}  // namespace

std::string CampaignRecordJson(uint64_t index, uint64_t seed) {
  Rng rng(seed * 0x100000001B3ULL ^ (index + 1) * 0x9E3779B97F4A7C15ULL);
  rng.Next();
  const std::string name = absl::StrCat(rng.Pick(kAdjectives), " ", rng.Pick(kThemes), " ",
                                        2022 + rng.Below(4));
  const std::string id =
      absl::StrCat("cmp_", absl::Hex(rng.Next() & 0xFFFFFFFFFFFF, absl::kZeroPad12));
  const int64_t created = 1640995200 + static_cast<int64_t>(rng.Below(3 * 365 * 86400));
  const int64_t updated = created + static_cast<int64_t>(rng.Below(60 * 86400));
  // Campaigns start on the hour.
  const int64_t start = (created + static_cast<int64_t>(rng.Below(30 * 86400))) / 3600 * 3600;
  const int64_t end = start + static_cast<int64_t>(rng.Between(1, 45)) * 86400 - 1;

  std::string out;
  out.reserve(2048);
  absl::StrAppend(&out, "{\"id\":\"", id, "\",\"name\":\"", name, "\",\"status\":\"",
                  rng.Pick(kStatuses), "\",\"priority\":", rng.Between(0, 100));
  if (rng.Chance(30)) {
    absl::StrAppend(&out, ",\"description\":\"", BodyText(rng), "\"");
  }
  absl::StrAppend(&out, ",\"schedule\":{\"start\":\"", Iso(start), "\",\"end\":\"", Iso(end),
                  "\",\"timezone\":\"", rng.Pick(kTimezones), "\"}");

  // Targeting: segment ids, conditions and a rollout percentage.
  absl::StrAppend(&out, ",\"targeting\":{\"segments\":[");
  const int segments = rng.Between(0, 3);
  for (int i = 0; i < segments; ++i) {
    absl::StrAppend(&out, i ? "," : "", "\"seg_",
                    absl::Hex(rng.Next() & 0xFFFFFFFF, absl::kZeroPad8), "\"");
  }
  absl::StrAppend(&out, "]");
  // One campaign in five targets everyone in its segments.
  if (rng.Chance(80)) absl::StrAppend(&out, ",\"conditions\":", Conditions(rng));
  absl::StrAppend(&out, ",\"rollout_percent\":", 5 * rng.Between(1, 20), "}");

  // 2-4 variants (mostly 2) whose weights add up to 100.
  const uint64_t roll = rng.Below(100);
  const int variants = roll < 65 ? 2 : roll < 90 ? 3 : 4;
  int remaining = 100;
  absl::StrAppend(&out, ",\"variants\":[");
  for (int v = 0; v < variants; ++v) {
    const int weight = v + 1 == variants ? remaining : remaining / (variants - v);
    remaining -= weight;
    const std::string headline = Headline(rng);
    absl::StrAppend(&out, v ? "," : "", "{\"key\":\"", kVariantKeys[v], "\",\"weight\":", weight,
                    ",\"content\":{\"headline\":\"", headline, "\",\"body\":\"", BodyText(rng),
                    "\",\"image_url\":\"https://cdn.example.com/img/", Slug(headline, 24),
                    "-", rng.Between(100, 999), ".jpg\",\"cta\":\"", rng.Pick(kCtas), "\"}}");
  }
  absl::StrAppend(&out, "]");

  absl::StrAppend(&out, ",\"tags\":[");
  const int tags = rng.Between(1, 4);
  for (int i = 0; i < tags; ++i) absl::StrAppend(&out, i ? "," : "", "\"", rng.Pick(kTags), "\"");
  absl::StrAppend(&out, "],\"owner\":\"", rng.Pick(kFirstNames), ".", rng.Pick(kLastNames),
                  "@marketing.example.com\",\"created_at\":\"", Iso(created),
                  "\",\"updated_at\":\"", Iso(updated), "\"}");
  return out;
}

std::vector<std::string> CampaignCorpus(size_t count, uint64_t first, uint64_t seed) {
  std::vector<std::string> corpus;
  corpus.reserve(count);
  for (size_t i = 0; i < count; ++i) corpus.push_back(CampaignRecordJson(first + i, seed));
  return corpus;
}

}  // namespace marquee::bench
