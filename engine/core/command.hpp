#pragma once
// The command envelope and the registry of every command the engine accepts.
//
// Each subsystem lists its commands as `using Commands = std::tuple<...>` in its
// commands.hpp. A command struct has:
//   static constexpr uint16_t kType;          unique; ranges: system 0x00xx, ledger 0x01xx,
//                                             market 0x02xx, auction 0x03xx
//   static constexpr std::string_view kName;  snake_case, the CLI's verb
//   static constexpr Access kAccess;          who may send it
//   static constexpr bool kJournaled;         false only for read-only queries
//   template <class V> void visit(V&);        its fields, in wire order (engine/common/codec.hpp)
//
// Grammar of an encoded command (the journal record payload and the protocol body):
//   command := actor:u64 request_id:u64 body
//   body    := the command struct's fields, as engine/common/codec.hpp encodes them

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include "engine/auction/commands.hpp"
#include "engine/common/codec.hpp"
#include "engine/common/context.hpp"
#include "engine/core/system_commands.hpp"
#include "engine/ledger/commands.hpp"
#include "engine/market/commands.hpp"

namespace jubian {

namespace detail {
template <class... Lists>
struct VariantOf;
template <class... A>
struct VariantOf<std::tuple<A...>> {
  using type = std::variant<std::monostate, A...>;
};
template <class... A, class... B, class... Rest>
struct VariantOf<std::tuple<A...>, std::tuple<B...>, Rest...> : VariantOf<std::tuple<A..., B...>, Rest...> {};
}  // namespace detail

using AllCommands = decltype(std::tuple_cat(system::Commands{}, ledger::Commands{}, market::Commands{}, auction::Commands{}));
using CommandBody = detail::VariantOf<AllCommands>::type;

struct Command {
  AccountId actor;       // the account the command acts for (checked against the session's token)
  RequestId request_id;  // client-chosen; with the actor, the idempotency key
  CommandBody body;

  uint16_t type() const;
  std::string_view name() const;
  Access access() const;
  bool journaled() const;
};

// Encodes the payload (actor, request id, body); the type travels beside it.
void encode_command(const Command& command, std::vector<uint8_t>& out);

// Decodes a payload of the given type. Returns unknown_command for a type this build does
// not know, malformed for a short or over-long body.
[[nodiscard]] ResultCode decode_command(uint16_t type, std::span<const uint8_t> payload, Command& out);

// Looks a command type up by its kName; nullopt when there is none.
std::optional<uint16_t> command_type_by_name(std::string_view name);
std::string_view command_name(uint16_t type);

// Calls f(T{}) once for every registered command struct T, in registry order.
template <class F>
void for_each_command(F&& f) {
  std::apply([&](auto... samples) { (f(samples), ...); }, AllCommands{});
}

}  // namespace jubian
