#pragma once
// Result codes of the gateway, numbers 400-499. Numbers are stable once released.
// A frame or limit error (400-405, 420-423) is sent in a `status` message, and then the
// server closes the connection. A rejected command (410-419, 430) comes back as its
// `response`, and the session stays open. Login failures close the session too.
//
// code_name() is defined here, inline, because engine/core/result_names.cpp names every
// code and jubian_core cannot link against jubian_api without a cycle.

#include <string_view>

#include "engine/common/result.hpp"

namespace jubian::gateway {

// Framing: the connection is closed after the status message.
inline constexpr ResultCode frame_magic_invalid{400};      // the first two header bytes are not "JB"
inline constexpr ResultCode frame_version_unsupported{401}; // header version other than protocol::kVersion
inline constexpr ResultCode frame_too_large{402};          // body length above the server's frame limit
inline constexpr ResultCode frame_header_invalid{403};     // unknown flag bits or a non-zero reserved field
inline constexpr ResultCode message_malformed{404};        // a session message's body does not match its layout
inline constexpr ResultCode message_unexpected{405};       // a server-to-client type sent by a client

// Sessions and roles.
inline constexpr ResultCode not_logged_in{410};            // anything but login or heartbeat before login
inline constexpr ResultCode token_invalid{411};            // the login token is not configured
inline constexpr ResultCode already_logged_in{412};        // a second login on one connection
inline constexpr ResultCode login_timed_out{413};          // no login within the configured time
inline constexpr ResultCode role_forbidden{414};           // the session's role may not send this command
inline constexpr ResultCode actor_forbidden{415};          // a trader acting for an account its token does not list
inline constexpr ResultCode request_id_mismatch{416};      // header request id differs from the command envelope's
inline constexpr ResultCode subscription_invalid{417};     // unknown subscription kind, or key 0
inline constexpr ResultCode subscription_not_found{418};   // unsubscribe from something not subscribed

// Limits: the connection is closed after the status message.
inline constexpr ResultCode connections_exhausted{420};    // the server is at its connection limit
inline constexpr ResultCode in_flight_exceeded{421};       // more unanswered requests than the session limit
inline constexpr ResultCode outbound_exceeded{422};        // the peer reads too slowly: outbound bytes over the limit
inline constexpr ResultCode subscriptions_exceeded{423};   // more subscriptions than the session limit

// Server state: the command was not submitted.
inline constexpr ResultCode server_unavailable{430};       // the server is stopping or its journal has failed

// The stable name of one of the gateway's codes, or "unknown".
constexpr std::string_view code_name(ResultCode code) {
  switch (code_number(code)) {
    case 400: return "frame_magic_invalid";
    case 401: return "frame_version_unsupported";
    case 402: return "frame_too_large";
    case 403: return "frame_header_invalid";
    case 404: return "message_malformed";
    case 405: return "message_unexpected";
    case 410: return "not_logged_in";
    case 411: return "token_invalid";
    case 412: return "already_logged_in";
    case 413: return "login_timed_out";
    case 414: return "role_forbidden";
    case 415: return "actor_forbidden";
    case 416: return "request_id_mismatch";
    case 417: return "subscription_invalid";
    case 418: return "subscription_not_found";
    case 420: return "connections_exhausted";
    case 421: return "in_flight_exceeded";
    case 422: return "outbound_exceeded";
    case 423: return "subscriptions_exceeded";
    case 430: return "server_unavailable";
    default: return "unknown";
  }
}

}  // namespace jubian::gateway
