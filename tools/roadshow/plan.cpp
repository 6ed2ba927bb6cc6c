#include "tools/roadshow/plan.hpp"

#include <algorithm>
#include <random>
#include <unordered_set>

namespace jubian::roadshow {

namespace {

using auction::LotFormat;

// Lot formats in a repeating pattern of ten: half English, one Dutch clock, one each of
// the sealed formats and two listing transactions that become auctions.
LotFormat format_of(uint32_t lot_index) {
  switch (lot_index % 10) {
    case 5: return LotFormat::dutch;
    case 6: return LotFormat::sealed_first;
    case 7: return LotFormat::sealed_second;
    case 8:
    case 9: return LotFormat::listing;
    default: return LotFormat::english;
  }
}

// Share of a lot's window spent before its last part, where half of all bids arrive.
constexpr double kBurstStart = 0.8;
// A listing's notice period, as a share of the window; intents arrive within it.
constexpr double kNoticeShare = 0.3;
constexpr uint32_t kEnglishStepsMax = 3;
constexpr uint32_t kSealedStepsMax = 200;
constexpr uint32_t kSealedRedraws = 4;
constexpr double kDropAt = 0.9;  // dropping bidders close their socket at this share of the window

std::vector<LotPlan> make_lots(const Options& options, std::mt19937_64& random) {
  std::vector<LotPlan> lots(options.lots);
  for (uint32_t i = 0; i < options.lots; ++i) {
    LotPlan& lot = lots[i];
    lot.lot = LotId{kLotBase + 1 + i};
    lot.seller = AccountId{kSellerBase + i / kLotsPerSeller};
    lot.format = format_of(i);
    // Every third lot is a non-exclusive license of three units; the rest are transfers.
    lot.quantity = i % 3 == 2 ? 3 : 1;
    if (lot.format == LotFormat::listing) lot.seller_broker = AccountId{kBrokerBase + i % kBrokers};
    // Every seventh English lot sets a hidden reserve that bidding may not reach; every
    // ninth has a cap that ends it at once, so bids race its close.
    if (lot.format == LotFormat::english && i % 7 == 3) lot.reserve_price = kStartPriceFen + 2'000 * kIncrementFen;
    if (lot.format == LotFormat::english && i % 9 == 4 && lot.reserve_price == 0) lot.cap_price = kStartPriceFen + 500 * kIncrementFen;
    if (lot.format == LotFormat::sealed_first || lot.format == LotFormat::sealed_second)
      lot.reserve_price = kStartPriceFen + (random() % 20) * kIncrementFen;
  }
  return lots;
}

void qualify_bidders(const Options& options, Plan& plan, std::mt19937_64& random) {
  const uint32_t per_bidder = std::min(options.lots_per_bidder, options.lots);
  plan.bidder_lots.resize(options.bidders);
  std::vector<uint32_t> choice(options.lots);
  for (uint32_t b = 0; b < options.bidders; ++b) {
    // A partial Fisher-Yates shuffle picks per_bidder distinct lots.
    for (uint32_t i = 0; i < options.lots; ++i) choice[i] = i;
    for (uint32_t i = 0; i < per_bidder; ++i) std::swap(choice[i], choice[i + random() % (options.lots - i)]);
    plan.bidder_lots[b].assign(choice.begin(), choice.begin() + per_bidder);
    std::sort(plan.bidder_lots[b].begin(), plan.bidder_lots[b].end());
    for (const uint32_t lot : plan.bidder_lots[b]) plan.lots[lot].bidders.push_back(b);
  }
}

int64_t pick_offset(double from, double to, int64_t window_ns, std::mt19937_64& random) {
  std::uniform_real_distribution<double> share(from, to);
  return static_cast<int64_t>(share(random) * static_cast<double>(window_ns));
}

// A burst_share of all bids falls in the window's last part, the rest uniformly over it.
int64_t bid_offset(double from, double burst_share, int64_t window_ns, std::mt19937_64& random) {
  std::bernoulli_distribution burst(burst_share);
  const double burst_from = std::max(from, kBurstStart);
  return burst(random) ? pick_offset(burst_from, 1.0, window_ns, random) : pick_offset(from, 1.0, window_ns, random);
}

void schedule_bids(const Options& options, Plan& plan, std::mt19937_64& random) {
  const auto window_ns = static_cast<int64_t>(options.duration_s * 1e9);
  std::unordered_set<uint64_t> entered;  // (bidder, lot) pairs that used their one sealed bid or intent
  plan.schedule.reserve(options.bids);

  for (uint64_t n = 0; n < options.bids; ++n) {
    ScheduledBid bid;
    bid.bidder = static_cast<uint32_t>(random() % options.bidders);
    const auto& lots = plan.bidder_lots[bid.bidder];
    bid.lot = lots[random() % lots.size()];
    LotFormat format = plan.lots[bid.lot].format;
    for (uint32_t redraw = 0; redraw < kSealedRedraws && format != LotFormat::english && format != LotFormat::listing &&
                              entered.contains((uint64_t{bid.bidder} << 32) | bid.lot);
         ++redraw) {
      bid.lot = lots[random() % lots.size()];
      format = plan.lots[bid.lot].format;
    }
    const uint64_t key = (uint64_t{bid.bidder} << 32) | bid.lot;
    const bool first_visit = entered.insert(key).second;

    switch (format) {
      case LotFormat::dutch:
        bid.kind = BidKind::dutch_accept;
        bid.offset_ns = pick_offset(0.5, 1.0, window_ns, random);
        break;
      case LotFormat::sealed_first:
      case LotFormat::sealed_second:
        bid.kind = BidKind::sealed;
        bid.steps = static_cast<uint8_t>(random() % kSealedStepsMax);
        bid.offset_ns = bid_offset(0.0, options.burst_share, window_ns, random);
        break;
      case LotFormat::listing:
        bid.kind = first_visit ? BidKind::intent : BidKind::english;
        bid.offset_ns = first_visit ? pick_offset(0.0, kNoticeShare * 0.9, window_ns, random)
                                    : bid_offset(kNoticeShare + 0.05, options.burst_share, window_ns, random);
        bid.steps = static_cast<uint8_t>(1 + random() % kEnglishStepsMax);
        break;
      default:
        bid.kind = BidKind::english;
        bid.steps = static_cast<uint8_t>(1 + random() % kEnglishStepsMax);
        bid.offset_ns = bid_offset(0.0, options.burst_share, window_ns, random);
        break;
    }
    plan.schedule.push_back(bid);
  }
  std::stable_sort(plan.schedule.begin(), plan.schedule.end(),
                   [](const ScheduledBid& a, const ScheduledBid& b) { return a.offset_ns < b.offset_ns; });
}

}  // namespace

Plan make_plan(const Options& options) {
  Plan plan;
  plan.options = options;
  std::mt19937_64 random(options.seed);
  plan.lots = make_lots(options, random);
  if (options.bidders == 0 || options.lots == 0) return plan;

  qualify_bidders(options, plan, random);
  schedule_bids(options, plan, random);

  std::vector<uint32_t> everyone(options.bidders);
  for (uint32_t b = 0; b < options.bidders; ++b) everyone[b] = b;
  std::shuffle(everyone.begin(), everyone.end(), random);
  everyone.resize(std::min(options.drop_bidders, options.bidders));
  plan.dropping_bidders = std::move(everyone);
  plan.drop_offset_ns = static_cast<int64_t>(kDropAt * options.duration_s * 1e9);
  return plan;
}

std::string plan_digest(const Plan& plan) {
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&hash](uint64_t value) {
    for (int byte = 0; byte < 8; ++byte) {
      hash ^= (value >> (8 * byte)) & 0xFF;
      hash *= 0x100000001b3ull;
    }
  };
  for (const LotPlan& lot : plan.lots) {
    mix(lot.lot.value);
    mix(static_cast<uint64_t>(lot.format));
    mix(static_cast<uint64_t>(lot.reserve_price));
    for (const uint32_t bidder : lot.bidders) mix(bidder);
  }
  for (const ScheduledBid& bid : plan.schedule) {
    mix(static_cast<uint64_t>(bid.offset_ns));
    mix((uint64_t{bid.bidder} << 32) | bid.lot);
    mix((uint64_t{static_cast<uint8_t>(bid.kind)} << 8) | bid.steps);
  }
  for (const uint32_t bidder : plan.dropping_bidders) mix(bidder);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(16, '0');
  for (int i = 0; i < 16; ++i) text[i] = kHex[(hash >> (60 - 4 * i)) & 0xF];
  return text;
}

AccountId bidder_account(uint32_t index) { return AccountId{kBidderBase + index}; }

bool bidder_is_individual(uint32_t index) { return index % kIndividualEvery == kIndividualEvery - 1; }

AccountId bidder_holder(uint32_t index) { return bidder_account(bidder_is_individual(index) ? index - 1 : index); }

uint32_t seller_count(uint32_t lots) { return (lots + kLotsPerSeller - 1) / kLotsPerSeller; }

std::vector<AccountId> trader_accounts(const Options& options) {
  std::vector<AccountId> accounts;
  for (uint64_t id : {kBrokerOrg, kServiceInstitution, kTrainingBase, kCultivationBase}) accounts.emplace_back(id);
  for (uint32_t i = 0; i < kBrokers; ++i) accounts.emplace_back(kBrokerBase + i);
  for (uint32_t i = 0; i < seller_count(options.lots); ++i) accounts.emplace_back(kSellerBase + i);
  for (uint32_t b = 0; b < options.bidders; ++b) accounts.push_back(bidder_account(b));
  return accounts;
}

}  // namespace jubian::roadshow
