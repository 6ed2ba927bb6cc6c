#pragma once
// Calendar periods in China Standard Time (UTC+8, no daylight saving). Business days,
// quarters and years of the award rules, redemption and expiry are these periods,
// never UTC ones: 2026-12-31T16:00:00Z is already 2027-01-01 in Beijing.

#include <chrono>
#include <cstdint>

#include "engine/common/types.hpp"

namespace jubian::cst {

inline constexpr int64_t kNsPerSecond = 1'000'000'000;
inline constexpr int64_t kNsPerDay = 86'400 * kNsPerSecond;
inline constexpr int64_t kOffsetNs = 8 * 3'600 * kNsPerSecond;

// Days since 1970-01-01 in UTC+8: the business-day number of the daily limits. Valid for
// every TimeNs, including the INT64_MAX ends of open report periods: the offset is added
// to the remainder, never to t itself, so nothing can overflow.
constexpr int64_t day_number(TimeNs t) {
  int64_t day = t / kNsPerDay;
  int64_t rest = t % kNsPerDay;
  if (rest < 0) {
    rest += kNsPerDay;
    --day;
  }
  return rest + kOffsetNs >= kNsPerDay ? day + 1 : day;
}

constexpr std::chrono::year_month_day civil_date(TimeNs t) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day_number(t)}}};
}

constexpr int year(TimeNs t) { return static_cast<int>(civil_date(t).year()); }

// Quarter 1-4 of the calendar year in UTC+8.
constexpr int quarter(TimeNs t) { return (static_cast<int>(static_cast<unsigned>(civil_date(t).month())) - 1) / 3 + 1; }

// The instant (UTC ns) at which the given CST calendar year begins.
constexpr TimeNs year_start(int y) {
  const auto days = std::chrono::sys_days{std::chrono::year{y} / std::chrono::January / 1}.time_since_epoch().count();
  return static_cast<TimeNs>(days) * kNsPerDay - kOffsetNs;
}

static_assert(year(year_start(2027)) == 2027);
static_assert(day_number(kOffsetNs * -1) == 0);
static_assert(day_number(kOffsetNs * -1 - 1) == -1);
static_assert(day_number(INT64_MAX) > 0 && day_number(INT64_MIN) < 0);
static_assert(year(year_start(2027) - 1) == 2026);

}  // namespace jubian::cst
