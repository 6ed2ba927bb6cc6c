// Golden bytes for every message type: a change here breaks every deployed client, so
// each expected string was checked field by field against the layout in docs/protocol.md.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/codes.hpp"
#include "api/protocol.hpp"
#include "engine/core/system_commands.hpp"

namespace jubian::protocol {
namespace {

std::string hex(const std::vector<uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (const uint8_t byte : bytes) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0xF]);
  }
  return text;
}

// Joins the space-separated groups the expectations are written in.
std::string joined(std::string grouped) {
  std::erase(grouped, ' ');
  return grouped;
}

TEST(GoldenBytes, Heartbeat) {
  std::vector<uint8_t> out;
  append_heartbeat(out, 0x0102030405060708);
  EXPECT_EQ(hex(out), joined("4a42 01 00 0580 0000 00000000 0807060504030201"));
}

TEST(GoldenBytes, Login) {
  std::vector<uint8_t> out;
  append_login(out, 1, "ab");
  EXPECT_EQ(hex(out), joined("4a42 01 00 0180 0000 04000000 0100000000000000  0200 6162"));
}

TEST(GoldenBytes, LoginReply) {
  std::vector<uint8_t> out;
  const AccountId accounts[] = {AccountId{7}, AccountId{0x100}};
  append_login_reply(out, 1, ResultCode::ok, Role::trader, accounts);
  EXPECT_EQ(hex(out), joined("4a42 01 00 0280 0000 15000000 0100000000000000"
                             "  0000 01 0200 0700000000000000 0001000000000000"));
}

TEST(GoldenBytes, SubscribeAndUnsubscribe) {
  std::vector<uint8_t> out;
  append_subscription(out, MessageType::subscribe, 5, Subscription{SubscriptionKind::lot, 99});
  EXPECT_EQ(hex(out), joined("4a42 01 00 0380 0000 09000000 0500000000000000  01 6300000000000000"));
  out.clear();
  append_subscription(out, MessageType::unsubscribe, 6, Subscription{SubscriptionKind::category, 101});
  EXPECT_EQ(hex(out), joined("4a42 01 00 0480 0000 09000000 0600000000000000  02 6500000000000000"));
}

TEST(GoldenBytes, Status) {
  std::vector<uint8_t> out;
  append_status(out, 4, gateway::token_invalid, "no");
  EXPECT_EQ(hex(out), joined("4a42 01 00 0680 0000 06000000 0400000000000000  9b01 0200 6e6f"));
}

TEST(GoldenBytes, Conflated) {
  std::vector<uint8_t> out;
  append_conflated(out, ConflatedNotice{3, 2});
  EXPECT_EQ(hex(out), joined("4a42 01 00 0780 0000 0c000000 0000000000000000  0300000000000000 02000000"));
}

TEST(GoldenBytes, Response) {
  std::vector<uint8_t> out;
  const Reply reply{ResultCode::ok, 5, 6, {1, -1, 0, 0}};
  append_response(out, 0x0002, RequestId{9}, reply, "x", kFlagAsyncAck);
  EXPECT_EQ(hex(out), joined("4a42 01 01 1080 0000 41000000 0900000000000000"
                             "  0200 0900000000000000"
                             "  0000 0500000000000000 0600000000000000"
                             "  0100000000000000 ffffffffffffffff 0000000000000000 0000000000000000"
                             "  01000000 78"));
}

TEST(GoldenBytes, Event) {
  std::vector<uint8_t> out;
  Event event;
  event.type = EventType::lot_bid;
  event.reason = 2;
  event.category = CategoryId{101};
  event.lot = LotId{7};
  event.account = AccountId{8};
  event.subject = 7;
  event.price = 1000;
  event.quantity = 1;
  event.aux = -1;
  event.seq = 10;
  event.time_ns = 11;
  append_event(out, event);
  EXPECT_EQ(hex(out), joined("4a42 01 00 1180 0000 50000000 0000000000000000"
                             "  1500 0200 65000000 0700000000000000 0800000000000000 0000000000000000"
                             "  0700000000000000 e803000000000000 0100000000000000 ffffffffffffffff"
                             "  0a00000000000000 0b00000000000000"));
}

TEST(GoldenBytes, CommandEnvelope) {
  std::vector<uint8_t> out;
  append_command(out, Command{AccountId{7}, RequestId{2}, system::StateHashQuery{}});
  EXPECT_EQ(hex(out), joined("4a42 01 00 0200 0000 10000000 0200000000000000"
                             "  0700000000000000 0200000000000000"));
}

TEST(GoldenBytes, RoundTripsThroughDecoders) {
  std::vector<uint8_t> out;
  const Reply reply{ResultCode{212}, 5, 6, {1, 2, 3, 4}};
  append_response(out, 0x0201, RequestId{77}, reply, "detail text", 0);
  FrameDecoder decoder(1024);
  std::span<const uint8_t> input(out);
  auto frame = decoder.next(input);
  ASSERT_TRUE(frame.has_value());
  ResponseMessage response;
  ASSERT_TRUE(decode_response(frame->body, frame->header.flags, response));
  EXPECT_EQ(response.command_type, 0x0201);
  EXPECT_EQ(response.request_id.value, 77u);
  EXPECT_EQ(code_number(response.reply.code), 212);
  EXPECT_EQ(response.reply.values[3], 4);
  EXPECT_EQ(response.detail, "detail text");
}

}  // namespace
}  // namespace jubian::protocol
