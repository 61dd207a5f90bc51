#include "repeated_json_key.h"

#include <functional>
#include <set>
#include <vector>

namespace marquee_server {

namespace {

// An array or object being read, and the keys its object has shown so far.
struct Container {
  bool is_object = false;
  std::string path{};  // "" for the document itself
  std::set<std::string, std::less<>> keys{};
  bool next_string_is_key = false;
  std::string last_key{};
};

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

}  // namespace

std::optional<std::string> FindRepeatedJsonKey(std::string_view minified) {
  std::vector<Container> open;
  // The path of a value starting now: the member's, or the array's plus "[]".
  const auto value_path = [&open]() -> std::string {
    if (open.empty()) return "";
    const Container& top = open.back();
    return top.is_object ? Join(top.path, top.last_key) : top.path + "[]";
  };
  size_t i = 0;
  while (i < minified.size()) {
    const char c = minified[i];
    if (c == '{' || c == '[') {
      open.push_back({.is_object = c == '{', .path = value_path(), .next_string_is_key = c == '{'});
      ++i;
    } else if (c == '}' || c == ']') {
      open.pop_back();
      ++i;
    } else if (c == ',') {
      if (!open.empty() && open.back().is_object) open.back().next_string_is_key = true;
      ++i;
    } else if (c == '"') {
      // Minified and valid: the string ends at the first quote not escaped.
      size_t end = i + 1;
      while (end < minified.size() && minified[end] != '"') end += minified[end] == '\\' ? 2 : 1;
      const std::string_view text = minified.substr(i + 1, end - i - 1);
      i = end + 1;
      if (open.empty() || !open.back().next_string_is_key) continue;
      Container& object = open.back();
      object.next_string_is_key = false;
      object.last_key = std::string(text);
      if (!object.keys.insert(object.last_key).second) return Join(object.path, object.last_key);
    } else {
      ++i;  // ':', numbers, true, false, null
    }
  }
  return std::nullopt;
}

}  // namespace marquee_server
