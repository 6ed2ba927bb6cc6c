#pragma once
// The TCP gateway: accepts connections on I/O threads (Boost.Asio), authenticates each
// session, submits its commands to the pipeline, writes responses and subscribed events
// back in batched writes, and serves Prometheus metrics over HTTP on loopback.
//
// Threads: `io_threads` threads run the io_context; each session runs on its own strand.
// The pipeline's responder thread calls SessionPort::notify and on_events(); neither
// blocks.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "engine/common/context.hpp"
#include "engine/core/command.hpp"
#include "engine/pipeline/port.hpp"
#include "engine/server/auth.hpp"
#include "engine/server/metrics.hpp"

namespace jubian::server {

// What the gateway needs from the pipeline. jubiand adapts pipeline::Pipeline to it;
// tests use a fake that replies ok to every command.
class CommandSink {
 public:
  virtual ~CommandSink() = default;
  // As Pipeline::submit: false once stopping or failed. A sink that accepts increments
  // port->in_flight; the responder decrements it after pushing the response and waking
  // the session, as its last access to the port.
  virtual bool submit(pipeline::SessionPort* port, Command command) = 0;
  // Submits every command of one read at once, in order; all or none are accepted.
  virtual bool submit_batch(pipeline::SessionPort* port, std::span<Command> commands) {
    for (Command& command : commands) {
      if (!submit(port, std::move(command))) return false;  // NOTE: a partial batch only at a stop
    }
    return true;
  }
  virtual PipelineGauges gauges() const = 0;
};

// Every bound is per session unless its comment names another scope.
struct Limits {
  uint32_t frame_body_bytes_max = 64 * 1024;     // larger frames close the connection
  uint32_t connections_max = 16384;              // whole server
  uint32_t in_flight_max = 1024;                 // unanswered commands
  uint64_t outbound_bytes_max = 16ull << 20;     // bytes queued for a peer that does not read
  uint64_t conflate_bytes = 1ull << 20;          // queued bytes above which events conflate
  uint32_t event_pending_max = 4096;             // events queued before they conflate
  uint32_t login_timeout_ms = 5000;
  uint32_t subscriptions_max = 1024;
  uint32_t read_buffer_bytes = 16 * 1024;
  uint32_t close_linger_ms = 1000;               // time to write the last status before closing
  uint32_t rejections_logged_max = 10;           // log lines for rejected commands; more are counted only
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                     // 0: the kernel picks one; see Server::port()
  uint32_t io_threads = 1;
  std::optional<uint16_t> metrics_port;  // unset: no metrics endpoint; 0: the kernel picks one
  bool async_ack = false;                // mark responses with kFlagAsyncAck (async durability)
  Limits limits;
};

class Server final : public pipeline::EventListener {
 public:
  Server(ServerOptions options, TokenTable tokens, CommandSink& sink);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listeners and starts the I/O threads. Throws boost::system::system_error
  // when an address cannot be bound.
  void start();
  uint16_t port() const;
  uint16_t metrics_port() const;  // 0 when there is no metrics endpoint

  void stop_accepting();
  // Writes what each session has queued (at most close_linger_ms), closes every session
  // and joins the I/O threads. Call after the pipeline has stopped, so that every
  // in-flight command's response has been queued.
  void stop();

  // Routes events to subscribed sessions; called on the pipeline's responder thread.
  void on_events(std::span<const Event> events) override;

  const Metrics& metrics() const;
  size_t session_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jubian::server
