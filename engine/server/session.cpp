#include "engine/server/session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

#include "api/codes.hpp"

namespace jubian::server {

namespace asio = boost::asio;
using protocol::MessageType;

namespace {

std::string peer_of(const asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) return "unknown";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, SessionServices& services, uint64_t id)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      services_(services),
      id_(id),
      peer_(peer_of(socket_)),
      decoder_(services.limits.frame_body_bytes_max) {}

void Session::start() {
  const auto& limits = services_.limits;
  // The queue never fills: it contains at most in_flight_max responses, because the
  // session never has more commands unanswered (submitted_ - answered_).
  port_ = std::make_unique<pipeline::SessionPort>(limits.in_flight_max + 1);
  std::weak_ptr<Session> weak = weak_from_this();
  port_->notify = [weak] {
    if (auto self = weak.lock()) self->notify_responses();
  };
  mailbox_ = std::make_shared<EventMailbox>(limits.event_pending_max);
  mailbox_->wake = [weak] {
    if (auto self = weak.lock()) asio::post(self->socket_.get_executor(), [self] { self->drain_events(); });
  };
  read_buffer_.resize(limits.read_buffer_bytes);

  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  timer_.expires_after(std::chrono::milliseconds(limits.login_timeout_ms));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error && self->grant_ == nullptr && !self->closing_) self->fail(gateway::login_timed_out, "no login in time");
  });
  read_more();
}

void Session::start_refused(ResultCode code, std::string_view reason) {
  retired_ = true;  // it never had a port or subscriptions
  asio::post(socket_.get_executor(), [self = shared_from_this(), code, why = std::string(reason)] {
    protocol::append_status(self->queued_, 0, code, why);
    self->log_rejection(code, why);
    self->services_.metrics.sessions_rejected.fetch_add(1, std::memory_order_relaxed);
    self->begin_close();
  });
}

void Session::close_gracefully() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (!self->closing_) self->begin_close();
  });
}

void Session::read_more() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const boost::system::error_code& error, size_t bytes) {
                            self->on_read(error, bytes);
                          });
}

void Session::on_read(const boost::system::error_code& error, size_t bytes) {
  if (closing_) return;
  if (error) {
    // A peer that disconnects in the middle of a frame leaves it unapplied: only whole
    // frames ever reach handle_frame().
    services_.log->debug("session_closed: peer={} session={} reason={} partial_bytes={}", peer_, id_,
                         error.message(), decoder_.buffered_bytes());
    close_now();
    return;
  }
  services_.metrics.bytes_received.fetch_add(bytes, std::memory_order_relaxed);

  std::span<const uint8_t> input(read_buffer_.data(), bytes);
  while (auto frame = decoder_.next(input)) {
    if (!handle_frame(*frame)) break;
  }
  submit_pending();
  if (decoder_.failed() && !closing_) {
    fail(decoder_.error(), "invalid frame header");
  }
  if (closing_) return;

  flush();
  read_more();
}

bool Session::handle_frame(const protocol::Frame& frame) {
  const uint16_t type = frame.header.type;
  if (protocol::is_command_type(type)) {
    handle_command(frame);
    return !closing_;
  }
  switch (static_cast<MessageType>(type)) {
    case MessageType::login:
      handle_login(frame);
      break;
    case MessageType::heartbeat:
      protocol::append_heartbeat(queued_, frame.header.request_id);
      break;
    case MessageType::subscribe:
    case MessageType::unsubscribe:
      handle_subscription(frame, static_cast<MessageType>(type) == MessageType::subscribe);
      break;
    case MessageType::login_reply:
    case MessageType::status:
    case MessageType::conflated:
    case MessageType::response:
    case MessageType::event:
      fail(gateway::message_unexpected, "server-to-client message type from a client");
      break;
    default:
      if (grant_ == nullptr) {
        fail(gateway::not_logged_in, "unknown message type before login");
        break;
      }
      protocol::append_status(queued_, frame.header.request_id, ResultCode::unknown_command, "unknown message type");
      services_.metrics.count_rejection(ResultCode::unknown_command);
      break;
  }
  return !closing_;
}

void Session::handle_login(const protocol::Frame& frame) {
  const uint64_t request_id = frame.header.request_id;
  std::string token;
  if (!protocol::decode_login(frame.body, token)) return fail(gateway::message_malformed, "login body malformed");

  if (grant_ != nullptr) {
    protocol::append_login_reply(queued_, request_id, gateway::already_logged_in, grant_->role, {});
    log_rejection(gateway::already_logged_in, "second login");
    return;
  }
  const Grant* grant = services_.tokens.find(token);
  if (grant == nullptr) {
    protocol::append_login_reply(queued_, request_id, gateway::token_invalid, protocol::Role::none, {});
    return fail(gateway::token_invalid, "unknown token");
  }

  grant_ = grant;
  timer_.cancel();
  const auto shown = std::span<const AccountId>(grant->accounts)
                         .first(std::min(grant->accounts.size(), protocol::kLoginAccountsMax));
  protocol::append_login_reply(queued_, request_id, ResultCode::ok, grant->role, shown);
  services_.log->info("session_login: peer={} session={} role={} grant={}", peer_, id_,
                      protocol::role_name(grant->role), grant->name);
}

void Session::handle_command(const protocol::Frame& frame) {
  if (grant_ == nullptr) return fail(gateway::not_logged_in, "command before login");

  Command command;
  const ResultCode decoded = decode_command(frame.header.type, frame.body, command);
  if (decoded != ResultCode::ok) return reject_command(frame.header, decoded, "command body invalid");
  if (command.request_id.value != frame.header.request_id)
    return reject_command(frame.header, gateway::request_id_mismatch, "header and envelope request ids differ");

  const ResultCode allowed = authorize_command(*grant_, command.access(), command.actor);
  if (allowed != ResultCode::ok) return reject_command(frame.header, allowed, command.name());

  if (submitted_ - answered_ + pending_.size() >= services_.limits.in_flight_max)
    return fail(gateway::in_flight_exceeded, "too many unanswered commands");
  pending_.push_back(std::move(command));
}

// Passes the commands of one read to the pipeline in one call. Also called before the
// session closes, so that commands accepted before an error are still applied.
void Session::submit_pending() {
  if (pending_.empty() || port_ == nullptr) return;
  const size_t count = pending_.size();
  if (services_.sink->submit_batch(port_.get(), pending_)) {
    submitted_ += count;
    services_.metrics.commands_submitted.fetch_add(count, std::memory_order_relaxed);
  } else {
    for (const Command& command : pending_) {
      const protocol::Header header{.type = command.type(), .request_id = command.request_id.value};
      reject_command(header, gateway::server_unavailable, "pipeline stopping or failed");
    }
  }
  pending_.clear();
}

void Session::handle_subscription(const protocol::Frame& frame, bool subscribe) {
  if (grant_ == nullptr) return fail(gateway::not_logged_in, "subscription before login");
  protocol::Subscription subscription;
  if (!protocol::decode_subscription(frame.body, subscription))
    return fail(gateway::message_malformed, "subscription body malformed");
  const uint64_t request_id = frame.header.request_id;

  const auto same = [&](const protocol::Subscription& s) { return s.kind == subscription.kind && s.key == subscription.key; };
  const auto existing = std::find_if(subscriptions_.begin(), subscriptions_.end(), same);
  if (!subscribe) {
    if (existing == subscriptions_.end()) return protocol::append_status(queued_, request_id, gateway::subscription_not_found, "");
    services_.registry.remove(subscription, mailbox_.get());
    subscriptions_.erase(existing);
    return protocol::append_status(queued_, request_id, ResultCode::ok, "");
  }

  const ResultCode allowed = authorize_subscription(*grant_, subscription);
  if (allowed != ResultCode::ok) {
    log_rejection(allowed, "subscription");
    services_.metrics.count_rejection(allowed);
    return protocol::append_status(queued_, request_id, allowed, "subscription not allowed");
  }
  if (existing == subscriptions_.end()) {
    if (subscriptions_.size() >= services_.limits.subscriptions_max)
      return fail(gateway::subscriptions_exceeded, "too many subscriptions");
    services_.registry.add(subscription, mailbox_);
    subscriptions_.push_back(subscription);
  }
  protocol::append_status(queued_, request_id, ResultCode::ok, "");
}

void Session::reject_command(const protocol::Header& header, ResultCode code, std::string_view reason) {
  protocol::append_response(queued_, header.type, RequestId{header.request_id}, reject(code), "", 0);
  services_.metrics.count_rejection(code);
  services_.metrics.count_response(code);
  log_rejection(code, reason);
}

void Session::log_rejection(ResultCode code, std::string_view reason) {
  const uint32_t logged_max = services_.limits.rejections_logged_max;
  if (rejections_logged_ > logged_max) return;
  ++rejections_logged_;
  if (rejections_logged_ > logged_max) {
    services_.log->warn("session_rejected: peer={} session={} reason=further rejections counted in metrics only",
                        peer_, id_);
    return;
  }
  services_.log->warn("session_rejected: peer={} session={} reason={} code={} detail={}", peer_, id_,
                      result_code_name(code), code_number(code), reason);
}

}  // namespace jubian::server
