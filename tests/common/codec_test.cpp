#include <gtest/gtest.h>

#include "engine/common/codec.hpp"
#include "engine/common/crc32c.hpp"
#include "engine/common/sha256.hpp"
#include "engine/common/time.hpp"
#include "engine/core/command.hpp"

namespace jubian {
namespace {

struct Sample {
  AccountId account;
  int64_t price = 0;
  uint8_t mode = 0;
  std::array<uint64_t, 2> tags{};

  template <class V>
  void visit(V& v) {
    v("account", account);
    v("price", price);
    v("mode", mode);
    v("tags", tags);
  }
};

TEST(Codec, EncodesLittleEndianWithoutPadding) {
  Sample sample{AccountId{0x0102030405060708ull}, -2, 7, {1, 2}};
  std::vector<uint8_t> bytes;
  codec::encode(sample, bytes);
  ASSERT_EQ(bytes.size(), 8u + 8u + 1u + 16u);
  EXPECT_EQ(bytes[0], 0x08);
  EXPECT_EQ(bytes[7], 0x01);
  EXPECT_EQ(bytes[8], 0xFE);
  EXPECT_EQ(bytes[15], 0xFF);
  EXPECT_EQ(bytes[16], 7);
  EXPECT_EQ(codec::encoded_size<Sample>(), bytes.size());
}

TEST(Codec, DecodeRejectsShortAndLongBodies) {
  Sample sample{AccountId{9}, 10, 1, {3, 4}};
  std::vector<uint8_t> bytes;
  codec::encode(sample, bytes);
  Sample decoded{};
  ASSERT_TRUE(codec::decode(bytes, decoded));
  EXPECT_EQ(decoded.account, sample.account);
  EXPECT_EQ(decoded.tags[1], 4u);

  std::vector<uint8_t> shorter(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(codec::decode(shorter, decoded));
  bytes.push_back(0);
  EXPECT_FALSE(codec::decode(bytes, decoded));
}

TEST(Crc32c, MatchesKnownVector) {
  // RFC 3720 appendix B.4: 32 bytes of zeros.
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  const std::string text = "123456789";
  EXPECT_EQ(crc32c({reinterpret_cast<const uint8_t*>(text.data()), text.size()}), 0xE3069283u);
}

TEST(Sha256, MatchesKnownVector) {
  const std::string text = "abc";
  auto digest = Sha256::of({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  EXPECT_EQ(to_hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChinaStandardTime, BusinessDayTurnsAt1600Utc) {
  // 2026-12-04T15:59:59Z is 23:59:59 in Beijing; one second later is the next day.
  const TimeNs before = cst::year_start(2026) + 338 * cst::kNsPerDay - cst::kNsPerSecond;
  EXPECT_EQ(cst::civil_date(before), std::chrono::year_month_day{std::chrono::year{2026} / 12 / 4});
  EXPECT_EQ(cst::day_number(before) + 1, cst::day_number(before + cst::kNsPerSecond));
  EXPECT_EQ(cst::year(cst::year_start(2027) - 1), 2026);
  EXPECT_EQ(cst::year(cst::year_start(2027)), 2027);
  EXPECT_EQ(cst::quarter(cst::year_start(2027) - 1), 4);
}

TEST(CommandRegistry, RoundTripsEveryCommandType) {
  for_each_command([](auto sample) {
    using T = decltype(sample);
    Command command{AccountId{42}, RequestId{7}, T{}};
    std::vector<uint8_t> payload;
    encode_command(command, payload);
    Command decoded;
    ASSERT_EQ(decode_command(T::kType, payload, decoded), ResultCode::ok) << T::kName;
    EXPECT_EQ(decoded.type(), T::kType);
    EXPECT_EQ(decoded.actor, AccountId{42});
    EXPECT_EQ(command_type_by_name(T::kName), T::kType);
  });
}

TEST(CommandRegistry, TypesAreUnique) {
  std::vector<uint16_t> types;
  for_each_command([&](auto sample) { types.push_back(decltype(sample)::kType); });
  std::sort(types.begin(), types.end());
  EXPECT_EQ(std::adjacent_find(types.begin(), types.end()), types.end());
}

}  // namespace
}  // namespace jubian
