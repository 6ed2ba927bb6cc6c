#include "engine/market/codes.hpp"

namespace jubian::market {

std::string_view code_name(ResultCode code) {
  switch (code_number(code)) {
    case code_number(kCategoryUnknown): return "category_unknown";
    case code_number(kPriceInvalid): return "price_invalid";
    case code_number(kQuantityInvalid): return "quantity_invalid";
    case code_number(kAmountOverflow): return "amount_overflow";
    case code_number(kModesInvalid): return "modes_invalid";
    case code_number(kMaturityInvalid): return "maturity_invalid";
    case code_number(kSideInvalid): return "side_invalid";
    case code_number(kFirmnessInvalid): return "firmness_invalid";
    case code_number(kTimeInForceInvalid): return "time_in_force_invalid";
    case code_number(kExpiryInvalid): return "expiry_invalid";
    case code_number(kListingDuplicate): return "listing_duplicate";
    case code_number(kListingNotOpen): return "listing_not_open";
    case code_number(kListingNotOwner): return "listing_not_owner";
    case code_number(kListingClaimed): return "listing_claimed";
    case code_number(kBrokerNotOfRecord): return "broker_not_of_record";
    case code_number(kBrokerIsOwner): return "broker_is_owner";
    case code_number(kBookFull): return "book_full";
    case code_number(kCategoryNotOwned): return "category_not_owned";
    case code_number(kDepthInvalid): return "depth_invalid";
    default: return "unknown";
  }
}

}  // namespace jubian::market
