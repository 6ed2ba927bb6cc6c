#pragma once
// The roadshow report: text in Simplified Chinese (default) or English, or JSON.

#include <string>

#include "tools/roadshow/load.hpp"
#include "tools/roadshow/setup.hpp"

namespace jubian::roadshow {

struct Report {
  const Plan* plan = nullptr;
  const SetupResult* setup = nullptr;
  const LoadStats* load = nullptr;
  const CheckResult* check = nullptr;

  uint64_t bids_lost() const;
  double bids_per_second() const;
  bool passed() const;
};

std::string format_json(const Report& report);
std::string format_text(const Report& report, const std::string& lang);

}  // namespace jubian::roadshow
