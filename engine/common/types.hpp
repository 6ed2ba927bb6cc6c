#pragma once
// Strong types for identifiers and units shared by every subsystem.
//
// Money is in fen (1/100 yuan) and points are whole points, both int64. Time is
// nanoseconds since the Unix epoch (UTC); calendar periods are computed in China
// Standard Time by engine/common/time.hpp. Business logic never reads a clock: every
// TimeNs it sees comes from the sequencer's stamp.

#include <compare>
#include <cstdint>
#include <functional>

namespace jubian {

template <class Tag, class Rep>
struct Strong {
  Rep value{};

  constexpr Strong() = default;
  constexpr explicit Strong(Rep v) : value(v) {}
  constexpr auto operator<=>(const Strong&) const = default;
};

struct AccountTag {};
struct ListingTag {};
struct TradeTag {};
struct LotTag {};
struct HoldTag {};
struct TransferTag {};
struct CategoryTag {};
struct RequestTag {};

using AccountId = Strong<AccountTag, uint64_t>;
using ListingId = Strong<ListingTag, uint64_t>;
using TradeId = Strong<TradeTag, uint64_t>;
using LotId = Strong<LotTag, uint64_t>;
using HoldId = Strong<HoldTag, uint64_t>;
using TransferId = Strong<TransferTag, uint64_t>;
using CategoryId = Strong<CategoryTag, uint32_t>;
using RequestId = Strong<RequestTag, uint64_t>;

using Seq = uint64_t;       // global sequence number stamped by the sequencer, from 1
using TimeNs = int64_t;     // nanoseconds since 1970-01-01T00:00:00Z
using PriceFen = int64_t;   // money in fen
using Points = int64_t;     // innovation points, whole points (1 point redeems for 1 yuan)
using Quantity = int64_t;   // units of a listing

inline constexpr AccountId kNoAccount{0};

// The stamp every sequenced command carries: its position and its time.
struct Stamp {
  Seq seq = 0;
  TimeNs time_ns = 0;
};

}  // namespace jubian

template <class Tag, class Rep>
struct std::hash<jubian::Strong<Tag, Rep>> {
  size_t operator()(const jubian::Strong<Tag, Rep>& id) const noexcept { return std::hash<Rep>{}(id.value); }
};
