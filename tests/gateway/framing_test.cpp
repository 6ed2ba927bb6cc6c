// The frame decoder against the byte streams a real network delivers: frames split at
// every byte, several frames in one read, absurd lengths, unknown types and truncation.

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "api/codes.hpp"
#include "api/protocol.hpp"
#include "engine/core/system_commands.hpp"

namespace jubian::protocol {
namespace {

constexpr uint32_t kBodyMax = 4096;

struct Collected {
  std::vector<Header> headers;
  std::vector<std::vector<uint8_t>> bodies;
};

// Feeds `stream` in chunks of `chunk` bytes and collects every frame.
Collected feed_in_chunks(FrameDecoder& decoder, const std::vector<uint8_t>& stream, size_t chunk) {
  Collected collected;
  for (size_t offset = 0; offset < stream.size(); offset += chunk) {
    std::span<const uint8_t> input(stream.data() + offset, std::min(chunk, stream.size() - offset));
    while (auto frame = decoder.next(input)) {
      collected.headers.push_back(frame->header);
      collected.bodies.emplace_back(frame->body.begin(), frame->body.end());
    }
    if (decoder.failed()) break;
  }
  return collected;
}

std::vector<uint8_t> sample_stream() {
  std::vector<uint8_t> stream;
  append_login(stream, 1, "secret-token");
  Command query{AccountId{7}, RequestId{2}, system::StateHashQuery{}};
  append_command(stream, query);
  append_heartbeat(stream, 3);
  append_status(stream, 4, ResultCode::ok, "done");
  append_subscription(stream, MessageType::subscribe, 5, Subscription{SubscriptionKind::lot, 99});
  return stream;
}

std::vector<uint8_t> header_bytes(uint32_t body_bytes, uint16_t type = 0x0002) {
  std::vector<uint8_t> bytes;
  Header header;
  header.type = type;
  header.body_bytes = body_bytes;
  codec::encode(header, bytes);
  return bytes;
}

TEST(FrameDecoder, HeaderIsTwentyBytes) {
  EXPECT_EQ(codec::encoded_size<Header>(), kHeaderBytes);
}

TEST(FrameDecoder, SplitAtEveryByteYieldsSameFrames) {
  const auto stream = sample_stream();
  FrameDecoder whole(kBodyMax);
  const auto expected = feed_in_chunks(whole, stream, stream.size());
  ASSERT_EQ(expected.headers.size(), 5u);

  for (size_t chunk = 1; chunk <= 32; ++chunk) {
    FrameDecoder decoder(kBodyMax);
    const auto got = feed_in_chunks(decoder, stream, chunk);
    ASSERT_FALSE(decoder.failed()) << "chunk=" << chunk;
    ASSERT_EQ(got.headers.size(), expected.headers.size()) << "chunk=" << chunk;
    for (size_t i = 0; i < got.headers.size(); ++i) {
      EXPECT_EQ(got.headers[i].type, expected.headers[i].type) << "chunk=" << chunk << " frame=" << i;
      EXPECT_EQ(got.headers[i].request_id, expected.headers[i].request_id);
      EXPECT_EQ(got.bodies[i], expected.bodies[i]) << "chunk=" << chunk << " frame=" << i;
    }
    EXPECT_EQ(decoder.buffered_bytes(), 0u);
  }
}

TEST(FrameDecoder, SeveralFramesInOneRead) {
  const auto stream = sample_stream();
  FrameDecoder decoder(kBodyMax);
  std::span<const uint8_t> input(stream);
  int frames = 0;
  while (decoder.next(input)) ++frames;
  EXPECT_EQ(frames, 5);
  EXPECT_TRUE(input.empty());
  EXPECT_FALSE(decoder.failed());
}

TEST(FrameDecoder, ZeroLengthBodyIsAFrame) {
  std::vector<uint8_t> stream;
  append_heartbeat(stream, 42);
  ASSERT_EQ(stream.size(), kHeaderBytes);
  FrameDecoder decoder(kBodyMax);
  std::span<const uint8_t> input(stream);
  auto frame = decoder.next(input);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->header.request_id, 42u);
  EXPECT_TRUE(frame->body.empty());
}

TEST(FrameDecoder, HugeClaimedLengthFailsBeforeBuffering) {
  for (const uint32_t claimed : {kBodyMax + 1, 1u << 31, UINT32_MAX}) {
    const auto bytes = header_bytes(claimed);
    FrameDecoder decoder(kBodyMax);
    // Byte by byte, so the slow path that buffers is the one under test.
    for (const uint8_t byte : bytes) {
      std::span<const uint8_t> input(&byte, 1);
      EXPECT_FALSE(decoder.next(input).has_value());
    }
    EXPECT_EQ(decoder.error(), gateway::frame_too_large) << "claimed=" << claimed;
    EXPECT_LE(decoder.buffered_bytes(), kHeaderBytes);
  }
}

TEST(FrameDecoder, LengthAtLimitIsAccepted) {
  auto stream = header_bytes(kBodyMax);
  stream.resize(stream.size() + kBodyMax, 0xAB);
  FrameDecoder decoder(kBodyMax);
  std::span<const uint8_t> input(stream);
  auto frame = decoder.next(input);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->body.size(), kBodyMax);
}

TEST(FrameDecoder, BadMagicVersionFlagsFail) {
  struct Case {
    size_t offset;
    uint8_t value;
    ResultCode expected;
  };
  const Case cases[] = {
      {0, 0x00, gateway::frame_magic_invalid},
      {2, 9, gateway::frame_version_unsupported},
      {3, 0x80, gateway::frame_header_invalid},
      {6, 1, gateway::frame_header_invalid},
  };
  for (const auto& c : cases) {
    auto bytes = header_bytes(0);
    bytes[c.offset] = c.value;
    FrameDecoder decoder(kBodyMax);
    std::span<const uint8_t> input(bytes);
    EXPECT_FALSE(decoder.next(input).has_value());
    EXPECT_EQ(decoder.error(), c.expected) << "offset=" << c.offset;
  }
}

TEST(FrameDecoder, TruncatedBodyYieldsNothing) {
  std::vector<uint8_t> stream;
  append_status(stream, 1, ResultCode::ok, "a status text long enough to cut");
  stream.resize(stream.size() - 5);
  FrameDecoder decoder(kBodyMax);
  std::span<const uint8_t> input(stream);
  EXPECT_FALSE(decoder.next(input).has_value());
  EXPECT_FALSE(decoder.failed());
  EXPECT_EQ(decoder.buffered_bytes(), stream.size());
}

TEST(FrameDecoder, StaysFailedAfterError) {
  auto stream = header_bytes(0);
  stream[0] = 0;
  append_heartbeat(stream, 1);
  FrameDecoder decoder(kBodyMax);
  std::span<const uint8_t> input(stream);
  EXPECT_FALSE(decoder.next(input).has_value());
  EXPECT_FALSE(decoder.next(input).has_value());
  EXPECT_EQ(decoder.error(), gateway::frame_magic_invalid);
}

TEST(FrameDecoder, UnknownTypeIsFramedForTheSessionToReject) {
  auto stream = header_bytes(16, 0x7ABC);
  stream.resize(stream.size() + 16, 0);
  FrameDecoder decoder(kBodyMax);
  std::span<const uint8_t> input(stream);
  auto frame = decoder.next(input);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->header.type, 0x7ABC);
  Command command;
  EXPECT_EQ(decode_command(frame->header.type, frame->body, command), ResultCode::unknown_command);
}

TEST(SessionMessages, DecodersRejectWrongLengths) {
  std::string token;
  const uint8_t long_claim[] = {10, 0, 'a', 'b'};
  EXPECT_FALSE(decode_login(long_claim, token));
  const uint8_t short_claim[] = {1, 0, 'a', 'b'};
  EXPECT_FALSE(decode_login(short_claim, token));
  const uint8_t over_max[] = {0xFF, 0xFF};
  EXPECT_FALSE(decode_login(over_max, token));

  Subscription subscription;
  const uint8_t short_subscription[] = {1, 0, 0};
  EXPECT_FALSE(decode_subscription(short_subscription, subscription));

  Status status;
  const uint8_t status_claim[] = {0, 0, 5, 0, 'x'};
  EXPECT_FALSE(decode_status(status_claim, status));

  ResponseMessage response;
  const uint8_t short_response[] = {1, 0};
  EXPECT_FALSE(decode_response(short_response, 0, response));
}

}  // namespace
}  // namespace jubian::protocol
