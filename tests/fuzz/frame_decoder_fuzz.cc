// libFuzzer target for the gateway's frame decoder and message decoders.
//
// The first input byte picks a chunk size; the rest is fed to a FrameDecoder in chunks of
// that size and, separately, in one piece. Both must yield the same frames and the same
// error, no frame may exceed the body limit, and the buffered bytes stay within one
// frame. Every frame's body then goes through every body decoder.
//
// The file is named .cc so that tests/CMakeLists.txt, which makes a GoogleTest program of
// every .cpp in a folder, does not pick it up; tests/fuzz/CMakeLists.txt builds it.

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "api/protocol.hpp"

namespace {

using namespace jubian;

constexpr uint32_t kBodyMax = 4096;

struct Seen {
  std::vector<uint16_t> types;
  std::vector<std::vector<uint8_t>> bodies;
  ResultCode error = ResultCode::ok;
};

void check(bool condition) {
  if (!condition) std::abort();
}

void decode_bodies(const protocol::Frame& frame) {
  std::string token;
  protocol::LoginReply login_reply;
  protocol::Subscription subscription;
  protocol::Status status;
  protocol::ConflatedNotice notice;
  protocol::ResponseMessage response;
  Event event;
  Command command;
  (void)protocol::decode_login(frame.body, token);
  (void)protocol::decode_login_reply(frame.body, login_reply);
  (void)protocol::decode_subscription(frame.body, subscription);
  (void)protocol::decode_status(frame.body, status);
  (void)protocol::decode_conflated(frame.body, notice);
  (void)protocol::decode_response(frame.body, frame.header.flags, response);
  (void)protocol::decode_event(frame.body, event);
  (void)decode_command(frame.header.type, frame.body, command);
  check(token.size() <= protocol::kTokenBytesMax);
  check(response.detail.size() <= frame.body.size());
}

Seen run(std::span<const uint8_t> stream, size_t chunk) {
  Seen seen;
  protocol::FrameDecoder decoder(kBodyMax);
  for (size_t offset = 0; offset < stream.size() && !decoder.failed(); offset += chunk) {
    auto input = stream.subspan(offset, std::min(chunk, stream.size() - offset));
    while (auto frame = decoder.next(input)) {
      check(frame->body.size() == frame->header.body_bytes);
      check(frame->body.size() <= kBodyMax);
      decode_bodies(*frame);
      seen.types.push_back(frame->header.type);
      seen.bodies.emplace_back(frame->body.begin(), frame->body.end());
    }
    check(decoder.buffered_bytes() <= protocol::kHeaderBytes + kBodyMax);
  }
  seen.error = decoder.error();
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = size_t{data[0]} % 64 + 1;
  const std::span<const uint8_t> stream(data + 1, size - 1);

  const Seen chunked = run(stream, chunk);
  const Seen whole = run(stream, stream.size() + 1);
  check(chunked.types == whole.types);
  check(chunked.bodies == whole.bodies);
  check(chunked.error == whole.error);
  return 0;
}
