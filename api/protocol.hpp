#pragma once
// The gateway's wire protocol: length-prefixed little-endian frames over TCP.
//
// Grammar (every integer little-endian, no padding; docs/protocol.md has the tables):
//   stream     := frame*
//   frame      := header body
//   header     := magic:u16 version:u8 flags:u8 type:u16 reserved:u16
//                 body_bytes:u32 request_id:u64                      (20 bytes)
//   magic      := 0x424A ("JB" on the wire)      version := 1        reserved := 0
//   flags      := bit 0 (kFlagAsyncAck) on a response acknowledged before fdatasync;
//                 every other bit is 0
//   body       := command | login | login_reply | subscription | heartbeat | status
//               | conflated | response | event
//   command    := actor:u64 request_id:u64 fields     type = the command's kType
//                 (exactly jubian::encode_command's payload; its request_id equals the
//                 header's)
//   login      := token_bytes:u16 token[token_bytes]
//   login_reply:= code:u16 role:u8 account_count:u16 account:u64[account_count]
//   subscription := kind:u8 key:u64                 (subscribe and unsubscribe)
//   heartbeat  := (empty)
//   status     := code:u16 text_bytes:u16 text[text_bytes]
//   conflated  := events_replaced:u64 latest_count:u32
//   response   := command_type:u16 request_id:u64 reply detail_bytes:u32 detail[detail_bytes]
//   reply      := code:u16 seq:u64 time_ns:i64 values:i64[4]        (Reply::visit)
//   event      := Event::visit's fields                               (80 bytes)

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/context.hpp"
#include "engine/core/command.hpp"

namespace jubian::protocol {

inline constexpr uint16_t kMagic = 0x424A;
inline constexpr uint8_t kVersion = 1;
inline constexpr size_t kHeaderBytes = 20;
inline constexpr uint8_t kFlagAsyncAck = 0x01;
inline constexpr uint8_t kKnownFlags = kFlagAsyncAck;
inline constexpr size_t kTokenBytesMax = 256;
inline constexpr size_t kStatusTextBytesMax = 1024;
inline constexpr size_t kLoginAccountsMax = 1024;

// Message types. Commands use their registry kType (0x0001-0x7FFF); session messages
// live at 0x8000 and above so the two ranges never meet.
enum class MessageType : uint16_t {
  login = 0x8001,        // client -> server
  login_reply = 0x8002,  // server -> client
  subscribe = 0x8003,    // client -> server, answered by status
  unsubscribe = 0x8004,  // client -> server, answered by status
  heartbeat = 0x8005,    // both ways; the server echoes the client's request id
  status = 0x8006,       // server -> client: a session request's result, or the error before a close
  conflated = 0x8007,    // server -> client: events were replaced by the latest state
  response = 0x8010,     // server -> client: a command's reply
  event = 0x8011,        // server -> client: a subscribed event
};

inline constexpr uint16_t kSessionTypeFirst = 0x8000;
constexpr bool is_command_type(uint16_t type) { return type != 0 && type < kSessionTypeFirst; }

enum class Role : uint8_t { none = 0, trader = 1, admin = 2, market_data = 3 };
std::string_view role_name(Role role);
std::optional<Role> role_by_name(std::string_view name);

enum class SubscriptionKind : uint8_t { lot = 1, category = 2, account = 3 };
std::string_view subscription_kind_name(SubscriptionKind kind);

struct Header {
  uint16_t magic = kMagic;
  uint8_t version = kVersion;
  uint8_t flags = 0;
  uint16_t type = 0;
  uint16_t reserved = 0;
  uint32_t body_bytes = 0;
  uint64_t request_id = 0;

  template <class V>
  void visit(V& v) {
    v("magic", magic); v("version", version); v("flags", flags); v("type", type);
    v("reserved", reserved); v("body_bytes", body_bytes); v("request_id", request_id);
  }
};

// Fixed parts of the session messages; variable-length tails are written beside them.
struct Subscription {
  SubscriptionKind kind = SubscriptionKind::lot;
  uint64_t key = 0;

  template <class V>
  void visit(V& v) { v("kind", kind); v("key", key); }
};

struct ConflatedNotice {
  uint64_t events_replaced = 0;  // events superseded by a later one of the same stream
  uint32_t latest_count = 0;     // latest-state events that follow this notice

  template <class V>
  void visit(V& v) { v("events_replaced", events_replaced); v("latest_count", latest_count); }
};

struct LoginReply {
  ResultCode code = ResultCode::ok;
  Role role = Role::none;
  std::vector<AccountId> accounts;
};

struct Status {
  ResultCode code = ResultCode::ok;
  std::string text;
};

struct ResponseMessage {
  uint16_t command_type = 0;
  RequestId request_id;
  Reply reply;
  std::string detail;
  uint8_t flags = 0;  // kFlagAsyncAck when the server acknowledged before fdatasync
};

// Encoders append one whole frame to `out`; they do not allocate when `out` has room.
void append_command(std::vector<uint8_t>& out, const Command& command);
void append_login(std::vector<uint8_t>& out, uint64_t request_id, std::string_view token);
void append_login_reply(std::vector<uint8_t>& out, uint64_t request_id, ResultCode code, Role role,
                        std::span<const AccountId> accounts);
void append_subscription(std::vector<uint8_t>& out, MessageType type, uint64_t request_id, Subscription subscription);
void append_heartbeat(std::vector<uint8_t>& out, uint64_t request_id);
void append_status(std::vector<uint8_t>& out, uint64_t request_id, ResultCode code, std::string_view text);
void append_conflated(std::vector<uint8_t>& out, ConflatedNotice notice);
void append_response(std::vector<uint8_t>& out, uint16_t command_type, RequestId request_id, const Reply& reply,
                     std::string_view detail, uint8_t flags);
void append_event(std::vector<uint8_t>& out, const Event& event);

// Body decoders: false when the body does not match the layout exactly.
[[nodiscard]] bool decode_login(std::span<const uint8_t> body, std::string& token);
[[nodiscard]] bool decode_login_reply(std::span<const uint8_t> body, LoginReply& reply);
[[nodiscard]] bool decode_subscription(std::span<const uint8_t> body, Subscription& subscription);
[[nodiscard]] bool decode_status(std::span<const uint8_t> body, Status& status);
[[nodiscard]] bool decode_conflated(std::span<const uint8_t> body, ConflatedNotice& notice);
[[nodiscard]] bool decode_response(std::span<const uint8_t> body, uint8_t flags, ResponseMessage& response);
[[nodiscard]] bool decode_event(std::span<const uint8_t> body, Event& event);

struct Frame {
  Header header;
  std::span<const uint8_t> body;  // valid until the next call to FrameDecoder::next
};

// Splits a byte stream into frames. Bytes may arrive in any chunking; a frame that
// straddles chunks is copied into an internal buffer, which never grows past
// kHeaderBytes + body_bytes_max because the header is checked before its body is kept.
// After the first error the decoder stays failed and returns no more frames.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint32_t body_bytes_max) : body_bytes_max_(body_bytes_max) {}

  // Consumes bytes from the front of `input` until one frame is complete and returns
  // it; returns nullopt when `input` is used up first or on an error (see error()).
  std::optional<Frame> next(std::span<const uint8_t>& input);

  ResultCode error() const { return error_; }
  bool failed() const { return error_ != ResultCode::ok; }
  size_t buffered_bytes() const { return completed_ ? 0 : partial_.size(); }  // bytes of an incomplete frame
  uint32_t body_bytes_max() const { return body_bytes_max_; }

 private:
  ResultCode check_header(const Header& header);

  uint32_t body_bytes_max_;
  std::vector<uint8_t> partial_;
  Header partial_header_{};
  bool partial_header_ready_ = false;
  bool completed_ = false;  // partial_ holds the frame returned last; cleared on the next call
  ResultCode error_ = ResultCode::ok;
};

// Decodes the 20 header bytes at the front of `bytes` (which must hold at least that many).
Header decode_header(std::span<const uint8_t> bytes);

}  // namespace jubian::protocol
