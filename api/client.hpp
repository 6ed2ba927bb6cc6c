#pragma once
// A blocking client for the gateway protocol, for tests, tools and the `jubian` CLI.
//
//   Client client;
//   client.connect("127.0.0.1", port);
//   client.login(token);                      // throws ClientError unless the login succeeds
//   auto id = client.send(command);           // queues the frame; many may be in flight
//   auto response = client.await(id);         // flushes, then reads until that response
//
// One thread uses one Client. Frames that arrive while waiting for something else
// (other responses, events, notices) are kept and returned by later calls.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "api/protocol.hpp"
#include "engine/core/command.hpp"

namespace jubian::api {

// Connection failures, timeouts, a closed connection and protocol violations by the
// server. A status message that closes the session is reported with its code.
class ClientError : public std::runtime_error {
 public:
  explicit ClientError(const std::string& message, ResultCode code = ResultCode::ok)
      : std::runtime_error(message), code_(code) {}
  ResultCode code() const { return code_; }

 private:
  ResultCode code_;
};

// Any message the server sends outside a response the caller awaits.
using Incoming = std::variant<protocol::ResponseMessage, Event, protocol::Status, protocol::ConflatedNotice>;

struct ClientOptions {
  std::chrono::milliseconds timeout{5000};          // for connect and every wait
  uint32_t frame_body_bytes_max = 64u << 20;        // responses may carry large reports
  size_t send_buffer_bytes = 64 * 1024;             // queued bytes that trigger a write
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void connect(const std::string& host, uint16_t port);
  void close();
  bool connected() const;

  // Logs in; throws ClientError carrying the server's code when the token is rejected.
  protocol::LoginReply login(const std::string& token);

  // Queues a command; a zero request id is replaced by the next one of this client.
  // Returns the request id. Frames are written once send_buffer_bytes are queued or
  // by flush() and every waiting call.
  uint64_t send(Command command);
  void flush();

  // Waits for the response to `request_id`; other messages read meanwhile are kept.
  protocol::ResponseMessage await(uint64_t request_id);

  // Sends and awaits in one call.
  protocol::ResponseMessage call(Command command) { return await(send(std::move(command))); }

  // Subscribes or unsubscribes; returns the server's status code.
  ResultCode subscribe(protocol::SubscriptionKind kind, uint64_t key);
  ResultCode unsubscribe(protocol::SubscriptionKind kind, uint64_t key);
  // Sends a heartbeat and waits for its echo.
  void heartbeat();

  // Returns the next kept or arriving message that no call is waiting for, or nullopt
  // after `timeout` without one.
  std::optional<Incoming> receive(std::chrono::milliseconds timeout);

  // Reads for at most `timeout` unless responses are already waiting, then moves every
  // response received so far into `out`. For open-loop load that does not await by id.
  void collect_responses(std::chrono::milliseconds timeout, std::vector<protocol::ResponseMessage>& out);

  // Writes raw bytes, for tests that send what a broken client would.
  void send_raw(std::span<const uint8_t> bytes);

  uint64_t next_request_id() const { return next_request_id_; }

 private:
  void write_all(std::span<const uint8_t> bytes);
  bool read_some(std::chrono::steady_clock::time_point deadline);
  bool read_frame(std::chrono::steady_clock::time_point deadline);
  void dispatch(const protocol::Frame& frame);
  protocol::Status await_status(uint64_t request_id);
  std::chrono::steady_clock::time_point deadline() const;

  ClientOptions options_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  protocol::FrameDecoder decoder_;
  std::vector<uint8_t> outgoing_;
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> unread_;  // received bytes the decoder has not consumed yet
  size_t unread_offset_ = 0;

  std::unordered_map<uint64_t, protocol::ResponseMessage> responses_;
  std::unordered_map<uint64_t, protocol::Status> statuses_;
  std::unordered_map<uint64_t, protocol::LoginReply> login_replies_;
  std::unordered_map<uint64_t, bool> heartbeats_;
  std::deque<Incoming> incoming_;
  std::optional<protocol::Status> close_status_;  // the error the server sent before closing
  uint64_t next_request_id_;
};

// Fetches jubiand's metrics endpoint (GET /metrics on `host`:`port`) and returns the
// whole HTTP response, headers included. Throws boost::system::system_error when the
// endpoint cannot be reached.
std::string fetch_metrics(const std::string& host, uint16_t port);

}  // namespace jubian::api
