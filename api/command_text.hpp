#pragma once
// Commands and results as text, for the `jubian` CLI and tools: builds a command from
// "field=value" arguments named as in each command struct's visit(), and prints
// responses and events as text (Chinese or English) or JSON.

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/protocol.hpp"
#include "api/protocol_doc.hpp"
#include "engine/core/command.hpp"

namespace jubian::api {

// Builds `command_name` from "field=value" arguments. `actor` and `request_id` set the
// envelope; arrays take comma-separated numbers; enums take their number. Returns an
// error message naming the bad argument, or nullopt on success.
std::optional<std::string> build_command(std::string_view command_name, std::span<const std::string> arguments,
                                         Command& command);

// A short human message for a result code ("成功" / "succeeded"), falling back to the
// code's stable name for codes without a translation.
std::string result_message(ResultCode code, Language language);

// The name of an event type ("lot_bid"), or its number.
std::string event_type_name(EventType type);

// "2026-12-04T20:30:08.123+08:00" for a time in China Standard Time.
std::string format_time_cst(TimeNs time_ns);

std::string format_response(const protocol::ResponseMessage& response, Language language);
nlohmann::json response_json(const protocol::ResponseMessage& response, Language language);

std::string format_event(const Event& event);
nlohmann::json event_json(const Event& event);

}  // namespace jubian::api
