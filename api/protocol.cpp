#include "api/protocol.hpp"

#include <algorithm>
#include <cassert>

#include "api/codes.hpp"
#include "engine/common/codec.hpp"

namespace jubian::protocol {
namespace {

static_assert(sizeof(MessageType) == sizeof(uint16_t));

// Reserves the header and returns its offset; finish_frame() fills in the body length.
size_t begin_frame(std::vector<uint8_t>& out, uint16_t type, uint64_t request_id, uint8_t flags) {
  const size_t start = out.size();
  Header header;
  header.type = type;
  header.flags = flags;
  header.request_id = request_id;
  codec::encode(header, out);
  return start;
}

void finish_frame(std::vector<uint8_t>& out, size_t start) {
  const size_t body_bytes = out.size() - start - kHeaderBytes;
  assert(body_bytes <= UINT32_MAX);
  constexpr size_t kLengthOffset = 8;
  for (size_t i = 0; i < 4; ++i) out[start + kLengthOffset + i] = static_cast<uint8_t>(body_bytes >> (8 * i));
}

uint16_t type_number(MessageType type) { return static_cast<uint16_t>(type); }

template <class I>
void put(std::vector<uint8_t>& out, I value) {
  codec::Writer writer(out);
  writer("", value);
}

void put_bytes(std::vector<uint8_t>& out, std::string_view bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

std::string_view take_bytes(std::span<const uint8_t> body, size_t offset, size_t count) {
  return {reinterpret_cast<const char*>(body.data() + offset), count};
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::trader: return "trader";
    case Role::admin: return "admin";
    case Role::market_data: return "market_data";
    case Role::none: break;
  }
  return "none";
}

std::optional<Role> role_by_name(std::string_view name) {
  if (name == "trader") return Role::trader;
  if (name == "admin") return Role::admin;
  if (name == "market_data") return Role::market_data;
  return std::nullopt;
}

std::string_view subscription_kind_name(SubscriptionKind kind) {
  switch (kind) {
    case SubscriptionKind::lot: return "lot";
    case SubscriptionKind::category: return "category";
    case SubscriptionKind::account: return "account";
  }
  return "unknown";
}

void append_command(std::vector<uint8_t>& out, const Command& command) {
  const size_t start = begin_frame(out, command.type(), command.request_id.value, 0);
  encode_command(command, out);
  finish_frame(out, start);
}

void append_login(std::vector<uint8_t>& out, uint64_t request_id, std::string_view token) {
  assert(token.size() <= kTokenBytesMax);
  const size_t start = begin_frame(out, type_number(MessageType::login), request_id, 0);
  put(out, static_cast<uint16_t>(token.size()));
  put_bytes(out, token);
  finish_frame(out, start);
}

void append_login_reply(std::vector<uint8_t>& out, uint64_t request_id, ResultCode code, Role role,
                        std::span<const AccountId> accounts) {
  assert(accounts.size() <= kLoginAccountsMax);
  const size_t start = begin_frame(out, type_number(MessageType::login_reply), request_id, 0);
  put(out, code_number(code));
  put(out, static_cast<uint8_t>(role));
  put(out, static_cast<uint16_t>(accounts.size()));
  for (const AccountId account : accounts) put(out, account.value);
  finish_frame(out, start);
}

void append_subscription(std::vector<uint8_t>& out, MessageType type, uint64_t request_id, Subscription subscription) {
  assert(type == MessageType::subscribe || type == MessageType::unsubscribe);
  const size_t start = begin_frame(out, type_number(type), request_id, 0);
  codec::encode(subscription, out);
  finish_frame(out, start);
}

void append_heartbeat(std::vector<uint8_t>& out, uint64_t request_id) {
  const size_t start = begin_frame(out, type_number(MessageType::heartbeat), request_id, 0);
  finish_frame(out, start);
}

void append_status(std::vector<uint8_t>& out, uint64_t request_id, ResultCode code, std::string_view text) {
  const auto kept = text.substr(0, kStatusTextBytesMax);
  const size_t start = begin_frame(out, type_number(MessageType::status), request_id, 0);
  put(out, code_number(code));
  put(out, static_cast<uint16_t>(kept.size()));
  put_bytes(out, kept);
  finish_frame(out, start);
}

void append_conflated(std::vector<uint8_t>& out, ConflatedNotice notice) {
  const size_t start = begin_frame(out, type_number(MessageType::conflated), 0, 0);
  codec::encode(notice, out);
  finish_frame(out, start);
}

void append_response(std::vector<uint8_t>& out, uint16_t command_type, RequestId request_id, const Reply& reply,
                     std::string_view detail, uint8_t flags) {
  assert(detail.size() <= UINT32_MAX);
  const size_t start = begin_frame(out, type_number(MessageType::response), request_id.value, flags);
  put(out, command_type);
  put(out, request_id.value);
  codec::encode(reply, out);
  put(out, static_cast<uint32_t>(detail.size()));
  put_bytes(out, detail);
  finish_frame(out, start);
}

void append_event(std::vector<uint8_t>& out, const Event& event) {
  const size_t start = begin_frame(out, type_number(MessageType::event), 0, 0);
  codec::encode(event, out);
  finish_frame(out, start);
}

bool decode_login(std::span<const uint8_t> body, std::string& token) {
  codec::Reader reader(body);
  uint16_t token_bytes = 0;
  reader("token_bytes", token_bytes);
  if (!reader.ok() || token_bytes > kTokenBytesMax || body.size() - reader.consumed() != token_bytes) return false;
  token.assign(take_bytes(body, reader.consumed(), token_bytes));
  return true;
}

bool decode_login_reply(std::span<const uint8_t> body, LoginReply& reply) {
  codec::Reader reader(body);
  uint16_t code = 0;
  uint16_t account_count = 0;
  reader("code", code);
  reader("role", reply.role);
  reader("account_count", account_count);
  if (!reader.ok() || account_count > kLoginAccountsMax) return false;
  if (body.size() - reader.consumed() != size_t{account_count} * sizeof(uint64_t)) return false;

  reply.code = ResultCode{code};
  reply.accounts.resize(account_count);
  for (auto& account : reply.accounts) reader("account", account);
  return reader.ok() && reader.at_end();
}

bool decode_subscription(std::span<const uint8_t> body, Subscription& subscription) {
  return codec::decode(body, subscription);
}

bool decode_status(std::span<const uint8_t> body, Status& status) {
  codec::Reader reader(body);
  uint16_t code = 0;
  uint16_t text_bytes = 0;
  reader("code", code);
  reader("text_bytes", text_bytes);
  if (!reader.ok() || body.size() - reader.consumed() != text_bytes) return false;
  status.code = ResultCode{code};
  status.text.assign(take_bytes(body, reader.consumed(), text_bytes));
  return true;
}

bool decode_conflated(std::span<const uint8_t> body, ConflatedNotice& notice) { return codec::decode(body, notice); }

bool decode_response(std::span<const uint8_t> body, uint8_t flags, ResponseMessage& response) {
  codec::Reader reader(body);
  uint32_t detail_bytes = 0;
  reader("command_type", response.command_type);
  reader("request_id", response.request_id);
  response.reply.visit(reader);
  reader("detail_bytes", detail_bytes);
  if (!reader.ok() || body.size() - reader.consumed() != detail_bytes) return false;
  response.detail.assign(take_bytes(body, reader.consumed(), detail_bytes));
  response.flags = flags;
  return true;
}

bool decode_event(std::span<const uint8_t> body, Event& event) { return codec::decode(body, event); }

Header decode_header(std::span<const uint8_t> bytes) {
  assert(bytes.size() >= kHeaderBytes);
  Header header;
  codec::Reader reader(bytes.first(kHeaderBytes));
  header.visit(reader);
  return header;
}

ResultCode FrameDecoder::check_header(const Header& header) {
  if (header.magic != kMagic) return gateway::frame_magic_invalid;
  if (header.version != kVersion) return gateway::frame_version_unsupported;
  if ((header.flags & ~kKnownFlags) != 0 || header.reserved != 0) return gateway::frame_header_invalid;
  if (header.body_bytes > body_bytes_max_) return gateway::frame_too_large;
  return ResultCode::ok;
}

std::optional<Frame> FrameDecoder::next(std::span<const uint8_t>& input) {
  if (failed()) return std::nullopt;
  if (completed_) {
    partial_.clear();
    completed_ = false;
  }

  // Fast path: nothing buffered and a whole frame at the front of the input.
  if (partial_.empty() && input.size() >= kHeaderBytes) {
    const Header header = decode_header(input);
    error_ = check_header(header);
    if (failed()) return std::nullopt;
    const size_t frame_bytes = kHeaderBytes + header.body_bytes;
    if (input.size() >= frame_bytes) {
      Frame frame{header, input.subspan(kHeaderBytes, header.body_bytes)};
      input = input.subspan(frame_bytes);
      return frame;
    }
  }

  // Slow path: collect the header, check it, then collect exactly its body.
  while (!input.empty()) {
    const size_t wanted = partial_header_ready_ ? kHeaderBytes + partial_header_.body_bytes : kHeaderBytes;
    const size_t take = std::min(wanted - partial_.size(), input.size());
    partial_.insert(partial_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
    input = input.subspan(take);

    if (!partial_header_ready_ && partial_.size() == kHeaderBytes) {
      partial_header_ = decode_header(partial_);
      error_ = check_header(partial_header_);
      if (failed()) return std::nullopt;
      partial_header_ready_ = true;
    }
    if (partial_header_ready_ && partial_.size() == kHeaderBytes + partial_header_.body_bytes) {
      // The body stays in partial_ until the next call, which clears it first.
      partial_header_ready_ = false;
      Frame frame{partial_header_, std::span<const uint8_t>(partial_).subspan(kHeaderBytes)};
      completed_ = true;
      return frame;
    }
  }
  return std::nullopt;
}

}  // namespace jubian::protocol
