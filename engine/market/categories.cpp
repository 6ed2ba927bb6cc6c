#include <charconv>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include "engine/market/market.hpp"

namespace jubian::market {

std::vector<uint32_t> load_categories(const std::filesystem::path& tsv) {
  std::ifstream in(tsv);
  if (!in) throw std::runtime_error("cannot read category table " + tsv.string());

  std::vector<uint32_t> categories;
  std::set<uint32_t> seen;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const std::string code = line.substr(0, line.find('\t'));
    const bool numeric = !code.empty() && code.find_first_not_of("0123456789") == std::string::npos;
    // A header line ("code<TAB>name_zh<TAB>name_en") has a first field that is not a number.
    if (!numeric && categories.empty() && code.find_first_of("0123456789") == std::string::npos) continue;

    uint32_t value = 0;
    const auto [end, error] = std::from_chars(code.data(), code.data() + code.size(), value);
    const auto where = tsv.string() + ":" + std::to_string(number);
    if (!numeric || error != std::errc{} || end != code.data() + code.size() || value == 0)
      throw std::runtime_error(where + ": category code '" + code + "' is not a positive integer");
    if (!seen.insert(value).second) throw std::runtime_error(where + ": category code " + code + " is repeated");
    categories.push_back(value);
  }
  return categories;
}

}  // namespace jubian::market
