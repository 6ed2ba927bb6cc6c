#include "api/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <fmt/format.h>

#include <array>

namespace jubian::api {

namespace asio = boost::asio;
using asio::ip::tcp;
using protocol::MessageType;

namespace {

// Request ids start at the wall-clock nanoseconds of construction, so that two runs of a
// tool with the same actor do not reuse ids and receive each other's idempotent results.
uint64_t initial_request_id() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

}  // namespace

Client::Client(ClientOptions options)
    : options_(options), socket_(io_), decoder_(options.frame_body_bytes_max), next_request_id_(initial_request_id()) {
  read_buffer_.resize(64 * 1024);
  outgoing_.reserve(options_.send_buffer_bytes * 2);
}

Client::~Client() { close(); }

std::chrono::steady_clock::time_point Client::deadline() const {
  return std::chrono::steady_clock::now() + options_.timeout;
}

void Client::connect(const std::string& host, uint16_t port) {
  tcp::resolver resolver(io_);
  boost::system::error_code error;
  const auto endpoints = resolver.resolve(host, std::to_string(port), error);
  if (error) throw ClientError(fmt::format("cannot resolve {}: {}", host, error.message()));

  bool done = false;
  asio::async_connect(socket_, endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) {
    error = e;
    done = true;
  });
  io_.restart();
  io_.run_for(options_.timeout);
  if (!done) {
    close();
    throw ClientError(fmt::format("connect to {}:{} timed out after {} ms", host, port, options_.timeout.count()));
  }
  if (error) throw ClientError(fmt::format("cannot connect to {}:{}: {}", host, port, error.message()));
  socket_.set_option(tcp::no_delay(true));
}

void Client::close() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

bool Client::connected() const { return socket_.is_open(); }

protocol::LoginReply Client::login(const std::string& token) {
  if (token.size() > protocol::kTokenBytesMax)
    throw ClientError(fmt::format("token too long: {} bytes, at most {}", token.size(), protocol::kTokenBytesMax));
  const uint64_t request_id = next_request_id_++;
  protocol::append_login(outgoing_, request_id, token);
  flush();

  const auto until = deadline();
  while (!login_replies_.contains(request_id)) {
    if (!read_some(until)) throw ClientError("login timed out");
  }
  auto reply = std::move(login_replies_[request_id]);
  login_replies_.erase(request_id);
  if (reply.code != ResultCode::ok)
    throw ClientError(fmt::format("login rejected: {}", result_code_name(reply.code)), reply.code);
  return reply;
}

uint64_t Client::send(Command command) {
  if (command.request_id.value == 0) command.request_id = RequestId{next_request_id_++};
  protocol::append_command(outgoing_, command);
  if (outgoing_.size() >= options_.send_buffer_bytes) flush();
  return command.request_id.value;
}

void Client::flush() {
  if (outgoing_.empty()) return;
  write_all(outgoing_);
  outgoing_.clear();
}

void Client::send_raw(std::span<const uint8_t> bytes) {
  flush();
  write_all(bytes);
}

void Client::write_all(std::span<const uint8_t> bytes) {
  boost::system::error_code error;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), error);
  if (error) throw ClientError(fmt::format("write failed: {}", error.message()));
}

protocol::ResponseMessage Client::await(uint64_t request_id) {
  flush();
  const auto until = deadline();
  for (;;) {
    if (auto found = responses_.find(request_id); found != responses_.end()) {
      auto response = std::move(found->second);
      responses_.erase(found);
      return response;
    }
    if (!read_some(until)) throw ClientError(fmt::format("no response to request {} in time", request_id));
  }
}

protocol::Status Client::await_status(uint64_t request_id) {
  flush();
  const auto until = deadline();
  while (!statuses_.contains(request_id)) {
    if (!read_some(until)) throw ClientError(fmt::format("no status for request {} in time", request_id));
  }
  auto status = std::move(statuses_[request_id]);
  statuses_.erase(request_id);
  return status;
}

ResultCode Client::subscribe(protocol::SubscriptionKind kind, uint64_t key) {
  const uint64_t request_id = next_request_id_++;
  protocol::append_subscription(outgoing_, MessageType::subscribe, request_id, {kind, key});
  return await_status(request_id).code;
}

ResultCode Client::unsubscribe(protocol::SubscriptionKind kind, uint64_t key) {
  const uint64_t request_id = next_request_id_++;
  protocol::append_subscription(outgoing_, MessageType::unsubscribe, request_id, {kind, key});
  return await_status(request_id).code;
}

void Client::heartbeat() {
  const uint64_t request_id = next_request_id_++;
  protocol::append_heartbeat(outgoing_, request_id);
  flush();
  const auto until = deadline();
  while (!heartbeats_.contains(request_id)) {
    if (!read_some(until)) throw ClientError("heartbeat timed out");
  }
  heartbeats_.erase(request_id);
}

std::optional<Incoming> Client::receive(std::chrono::milliseconds timeout) {
  flush();
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (incoming_.empty()) {
    if (!read_some(until)) return std::nullopt;
  }
  Incoming next = std::move(incoming_.front());
  incoming_.pop_front();
  return next;
}

void Client::collect_responses(std::chrono::milliseconds timeout, std::vector<protocol::ResponseMessage>& out) {
  flush();
  if (responses_.empty()) read_some(std::chrono::steady_clock::now() + timeout);
  for (auto& [request_id, response] : responses_) out.push_back(std::move(response));
  responses_.clear();
}

// Reads one chunk and dispatches every whole frame in it; false on timeout.
bool Client::read_some(std::chrono::steady_clock::time_point until) {
  bool done = false;
  boost::system::error_code error;
  size_t bytes = 0;
  socket_.async_read_some(asio::buffer(read_buffer_), [&](const boost::system::error_code& e, size_t n) {
    error = e;
    bytes = n;
    done = true;
  });
  io_.restart();
  io_.run_until(until);
  if (!done) {
    socket_.cancel();
    io_.restart();
    io_.run();
    if (!done || error == asio::error::operation_aborted) return false;
  }
  if (error && close_status_)
    throw ClientError(fmt::format("connection closed by the server: {} ({}): {}", result_code_name(close_status_->code),
                                  code_number(close_status_->code), close_status_->text),
                      close_status_->code);
  if (error) throw ClientError(fmt::format("connection closed by the server: {}", error.message()));

  std::span<const uint8_t> input(read_buffer_.data(), bytes);
  while (auto frame = decoder_.next(input)) dispatch(*frame);
  if (decoder_.failed())
    throw ClientError(fmt::format("invalid frame from the server: {}", result_code_name(decoder_.error())),
                      decoder_.error());
  return true;
}

void Client::dispatch(const protocol::Frame& frame) {
  const uint64_t request_id = frame.header.request_id;
  bool ok = true;
  switch (static_cast<MessageType>(frame.header.type)) {
    case MessageType::response: {
      protocol::ResponseMessage response;
      ok = protocol::decode_response(frame.body, frame.header.flags, response);
      if (ok) responses_[response.request_id.value] = std::move(response);
      break;
    }
    case MessageType::event: {
      Event event;
      ok = protocol::decode_event(frame.body, event);
      if (ok) incoming_.emplace_back(event);
      break;
    }
    case MessageType::status: {
      protocol::Status status;
      ok = protocol::decode_status(frame.body, status);
      // Request id 0 is the server's reason for closing the connection.
      if (ok && request_id == 0) {
        if (status.code != ResultCode::ok) close_status_ = status;
        incoming_.emplace_back(status);
      }
      if (ok && request_id != 0) statuses_[request_id] = std::move(status);
      break;
    }
    case MessageType::conflated: {
      protocol::ConflatedNotice notice;
      ok = protocol::decode_conflated(frame.body, notice);
      if (ok) incoming_.emplace_back(notice);
      break;
    }
    case MessageType::login_reply: {
      protocol::LoginReply reply;
      ok = protocol::decode_login_reply(frame.body, reply);
      if (ok) login_replies_[request_id] = std::move(reply);
      break;
    }
    case MessageType::heartbeat:
      heartbeats_[request_id] = true;
      break;
    default:
      ok = false;
      break;
  }
  if (!ok) throw ClientError(fmt::format("malformed message of type {:#06x} from the server", frame.header.type));
}

std::string fetch_metrics(const std::string& host, uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address(host), port});
  const std::string request = fmt::format("GET /metrics HTTP/1.1\r\nHost: {}\r\n\r\n", host);
  boost::asio::write(socket, boost::asio::buffer(request));
  std::string response;
  boost::system::error_code error;
  std::array<char, 8192> chunk{};
  while (size_t n = socket.read_some(boost::asio::buffer(chunk), error)) response.append(chunk.data(), n);
  return response;
}

}  // namespace jubian::api
