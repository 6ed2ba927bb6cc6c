#pragma once
// One client connection. Every member function runs on the session's strand (the
// socket's executor) except notify_responses() and the mailbox's wake, which the
// pipeline's responder thread calls and which only post work to the strand.
//
// Life cycle: start() -> login (within login_timeout_ms) -> commands, subscriptions,
// heartbeats -> close. A protocol, login or limit error sends one `status` message and
// closes the connection; a rejected command gets its `response` and the session goes on.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/protocol.hpp"
#include "engine/common/log.hpp"
#include "engine/pipeline/port.hpp"
#include "engine/server/auth.hpp"
#include "engine/server/metrics.hpp"
#include "engine/server/server.hpp"
#include "engine/server/subscriptions.hpp"

namespace jubian::server {

class Session;

// Server-wide state that every session reads; it outlives every session.
struct SessionServices {
  Limits limits;
  TokenTable tokens;
  CommandSink* sink = nullptr;
  Metrics metrics;
  SubscriptionRegistry registry;
  bool async_ack = false;
  std::shared_ptr<spdlog::logger> log = logger("gateway");
  // Called once when a session closes; takes the port, which the pipeline may still touch.
  std::function<void(uint64_t session_id, std::unique_ptr<pipeline::SessionPort> port)> retire;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, SessionServices& services, uint64_t id);

  void start();
  // Starts a connection that only receives the reason it is rejected (the connection limit).
  void start_refused(ResultCode code, std::string_view reason);
  // Writes what is queued, then closes; safe from any thread.
  void close_gracefully();

 private:
  void read_more();
  void on_read(const boost::system::error_code& error, size_t bytes);
  bool handle_frame(const protocol::Frame& frame);
  void handle_login(const protocol::Frame& frame);
  void handle_command(const protocol::Frame& frame);
  void handle_subscription(const protocol::Frame& frame, bool subscribe);
  void submit_pending();
  void reject_command(const protocol::Header& header, ResultCode code, std::string_view reason);
  void log_rejection(ResultCode code, std::string_view reason);

  void notify_responses();
  void drain_responses();
  void drain_events();
  void flush();
  void on_written(const boost::system::error_code& error, size_t bytes);
  void update_slow();
  uint64_t outbound_bytes() const { return queued_.size() + writing_.size(); }

  void fail(ResultCode code, std::string_view reason);
  void begin_close();
  void close_now();
  void retire();

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;  // login timeout, then the close linger
  SessionServices& services_;
  const uint64_t id_;
  std::string peer_;

  std::unique_ptr<pipeline::SessionPort> port_;
  std::vector<Command> pending_;  // commands of the current read, submitted together after it
  // The in-flight limit counts here, on the strand: commands submitted minus responses
  // drained. The port's atomic count decides when the port may be freed. The responder
  // lowers it a little after the push, and a client that sends again as soon as a
  // response arrives would otherwise be cut off for that lag.
  uint64_t submitted_ = 0;
  uint64_t answered_ = 0;
  std::atomic<bool> drain_posted_{false};
  std::shared_ptr<EventMailbox> mailbox_;
  EventMailbox::Batch event_batch_;
  std::vector<protocol::Subscription> subscriptions_;
  const Grant* grant_ = nullptr;

  protocol::FrameDecoder decoder_;
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> queued_;   // frames waiting for the next write
  std::vector<uint8_t> writing_;  // frames of the write in progress
  bool write_active_ = false;
  bool events_slow_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool retired_ = false;
  uint32_t rejections_logged_ = 0;
};

}  // namespace jubian::server
