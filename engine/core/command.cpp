#include "engine/core/command.hpp"

namespace jubian {

uint16_t Command::type() const {
  return std::visit(
      [](const auto& body) -> uint16_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(body)>, std::monostate>) return 0;
        else return std::decay_t<decltype(body)>::kType;
      },
      body);
}

std::string_view Command::name() const { return command_name(type()); }

Access Command::access() const {
  return std::visit(
      [](const auto& body) -> Access {
        if constexpr (std::is_same_v<std::decay_t<decltype(body)>, std::monostate>) return Access::system;
        else return std::decay_t<decltype(body)>::kAccess;
      },
      body);
}

bool Command::journaled() const {
  return std::visit(
      [](const auto& body) -> bool {
        if constexpr (std::is_same_v<std::decay_t<decltype(body)>, std::monostate>) return false;
        else return std::decay_t<decltype(body)>::kJournaled;
      },
      body);
}

void encode_command(const Command& command, std::vector<uint8_t>& out) {
  codec::Writer writer(out);
  writer("actor", command.actor);
  writer("request_id", command.request_id);
  std::visit(
      [&](const auto& body) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(body)>, std::monostate>) codec::encode(body, out);
      },
      command.body);
}

ResultCode decode_command(uint16_t type, std::span<const uint8_t> payload, Command& out) {
  constexpr size_t kEnvelopeBytes = 16;
  if (payload.size() < kEnvelopeBytes) return ResultCode::malformed;
  codec::Reader envelope(payload.first(kEnvelopeBytes));
  envelope("actor", out.actor);
  envelope("request_id", out.request_id);

  const auto body_bytes = payload.subspan(kEnvelopeBytes);
  ResultCode result = ResultCode::unknown_command;
  for_each_command([&](auto sample) {
    using T = decltype(sample);
    if (T::kType != type) return;
    T body{};
    result = codec::decode(body_bytes, body) ? ResultCode::ok : ResultCode::malformed;
    if (result == ResultCode::ok) out.body = body;
  });
  return result;
}

std::optional<uint16_t> command_type_by_name(std::string_view name) {
  std::optional<uint16_t> found;
  for_each_command([&](auto sample) {
    if (decltype(sample)::kName == name) found = decltype(sample)::kType;
  });
  return found;
}

std::string_view command_name(uint16_t type) {
  std::string_view found = "unknown";
  for_each_command([&](auto sample) {
    if (decltype(sample)::kType == type) found = decltype(sample)::kName;
  });
  return found;
}

}  // namespace jubian
