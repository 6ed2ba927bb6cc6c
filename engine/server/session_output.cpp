// The output half of a session: draining responses and events into the write buffer,
// batched writes, conflation state, and closing.

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "api/codes.hpp"
#include "engine/server/session.hpp"

namespace jubian::server {

namespace asio = boost::asio;

void Session::notify_responses() {
  // One drain per burst: the responder may push many responses before the strand runs.
  if (drain_posted_.exchange(true, std::memory_order_acq_rel)) return;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->drain_responses(); });
}

void Session::drain_responses() {
  drain_posted_.store(false, std::memory_order_release);
  if (closing_ || port_ == nullptr) return;

  const uint8_t flags = services_.async_ack ? protocol::kFlagAsyncAck : 0;
  port_->responses.consume_all([&](const pipeline::Response& response) {
    protocol::append_response(queued_, response.type, response.request_id, response.reply, response.detail, flags);
    services_.metrics.count_response(response.reply.code);
    ++answered_;
  });
  if (outbound_bytes() > services_.limits.outbound_bytes_max)
    return fail(gateway::outbound_exceeded, "peer does not read its responses");
  flush();
}

void Session::drain_events() {
  if (closing_ || events_slow_) return;  // a slow session's events conflate in the mailbox

  mailbox_->take(event_batch_);
  if (event_batch_.events_replaced != 0) {
    protocol::append_conflated(queued_, {event_batch_.events_replaced, event_batch_.latest_count});
    services_.metrics.events_conflated_notices.fetch_add(1, std::memory_order_relaxed);
  }
  for (const Event& event : event_batch_.events) protocol::append_event(queued_, event);
  flush();
}

void Session::flush() {
  update_slow();
  if (write_active_ || queued_.empty() || closed_) return;

  write_active_ = true;
  writing_.swap(queued_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& error, size_t bytes) {
                      self->on_written(error, bytes);
                    });
}

void Session::on_written(const boost::system::error_code& error, size_t bytes) {
  write_active_ = false;
  writing_.clear();
  if (error) {
    services_.log->debug("session_closed: peer={} session={} reason=write failed: {}", peer_, id_, error.message());
    return close_now();
  }
  services_.metrics.bytes_sent.fetch_add(bytes, std::memory_order_relaxed);

  if (!queued_.empty()) return flush();
  if (closing_) return close_now();

  const bool was_slow = events_slow_;
  update_slow();
  if (was_slow && !events_slow_) drain_events();
}

// Events conflate while the peer has more than conflate_bytes unwritten.
void Session::update_slow() {
  if (mailbox_ == nullptr) return;
  const bool slow = outbound_bytes() > services_.limits.conflate_bytes;
  if (slow == events_slow_) return;
  events_slow_ = slow;
  mailbox_->set_slow(slow);
}

void Session::fail(ResultCode code, std::string_view reason) {
  if (closing_) return;
  protocol::append_status(queued_, 0, code, reason);
  services_.metrics.count_rejection(code);
  services_.metrics.sessions_rejected.fetch_add(1, std::memory_order_relaxed);
  rejections_logged_ = 0;  // the reason a connection closes is always logged
  log_rejection(code, reason);
  begin_close();
}

// Stops reading and taking work, writes what is queued, then closes; a peer that does
// not read gets close_linger_ms before the socket closes anyway.
void Session::begin_close() {
  submit_pending();
  closing_ = true;
  retire();
  timer_.cancel();
  timer_.expires_after(std::chrono::milliseconds(services_.limits.close_linger_ms));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) self->close_now();
  });
  if (write_active_ || queued_.empty()) {
    if (!write_active_) close_now();
    return;
  }
  flush();
}

void Session::close_now() {
  submit_pending();
  closing_ = true;
  retire();
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

// Leaves the registry and hands the port to the server, which frees it once the
// pipeline no longer touches it.
void Session::retire() {
  if (retired_) return;
  retired_ = true;
  for (const auto& subscription : subscriptions_) services_.registry.remove(subscription, mailbox_.get());
  subscriptions_.clear();
  if (port_ != nullptr) {
    port_->closed.store(true, std::memory_order_release);
    if (services_.retire) services_.retire(id_, std::move(port_));
  }
}

}  // namespace jubian::server
