#include "engine/server/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "api/codes.hpp"
#include "engine/server/metrics_http.hpp"
#include "engine/server/session.hpp"

namespace jubian::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kReapInterval = std::chrono::milliseconds(200);
// The responder's decrement of in_flight is its last access to a port, also for a closed
// port whose responses it drops. A port is freed once the count has stayed at zero for
// this long, a margin kept from before that ordering was guaranteed.
constexpr auto kReapGrace = std::chrono::seconds(1);

struct RetiredPort {
  std::unique_ptr<pipeline::SessionPort> port;
  std::chrono::steady_clock::time_point idle_since{};
  bool idle = false;
};

void discard_responses(pipeline::SessionPort& port) {
  port.responses.consume_all([](const pipeline::Response&) {});
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  SessionServices services;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  tcp::acceptor acceptor{asio::make_strand(io)};
  std::unique_ptr<MetricsEndpoint> metrics_endpoint;
  asio::steady_timer reap_timer{asio::make_strand(io)};
  std::vector<std::thread> threads;
  std::atomic<bool> accepting{false};
  bool stopped = false;

  std::mutex mutex;  // guards sessions and retired
  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions;
  std::vector<RetiredPort> retired;
  uint64_t next_session_id = 1;

  void accept();
  void on_accept(const boost::system::error_code& error, tcp::socket socket);
  void retire(uint64_t session_id, std::unique_ptr<pipeline::SessionPort> port);
  void schedule_reap();
  void reap();
};

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](const boost::system::error_code& error, tcp::socket socket) {
    on_accept(error, std::move(socket));
  });
}

void Server::Impl::on_accept(const boost::system::error_code& error, tcp::socket socket) {
  if (!accepting.load()) return;
  if (error) {
    services.log->warn("accept_failed: error={}", error.message());
    return accept();
  }

  std::shared_ptr<Session> session;
  bool refused = false;
  {
    std::lock_guard lock(mutex);
    const uint64_t id = next_session_id++;
    session = std::make_shared<Session>(std::move(socket), services, id);
    refused = sessions.size() >= options.limits.connections_max;
    if (!refused) sessions.emplace(id, session);
  }
  services.metrics.sessions_accepted.fetch_add(1, std::memory_order_relaxed);
  if (refused) {
    session->start_refused(gateway::connections_exhausted, "server at its connection limit");
  } else {
    services.metrics.sessions_open.fetch_add(1, std::memory_order_relaxed);
    session->start();
  }
  accept();
}

void Server::Impl::retire(uint64_t session_id, std::unique_ptr<pipeline::SessionPort> port) {
  std::lock_guard lock(mutex);
  if (sessions.erase(session_id) != 0) services.metrics.sessions_open.fetch_sub(1, std::memory_order_relaxed);
  retired.push_back(RetiredPort{std::move(port)});
}

void Server::Impl::schedule_reap() {
  reap_timer.expires_after(kReapInterval);
  reap_timer.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    reap();
    schedule_reap();
  });
}

void Server::Impl::reap() {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex);
  std::erase_if(retired, [&](RetiredPort& entry) {
    discard_responses(*entry.port);
    if (entry.port->in_flight.load(std::memory_order_acquire) != 0) {
      entry.idle = false;
      return false;
    }
    if (!entry.idle) {
      entry.idle = true;
      entry.idle_since = now;
      return false;
    }
    if (now - entry.idle_since < kReapGrace) return false;
    discard_responses(*entry.port);
    return true;
  });
}

Server::Server(ServerOptions options, TokenTable tokens, CommandSink& sink) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  auto& services = impl_->services;
  services.limits = impl_->options.limits;
  services.tokens = std::move(tokens);
  services.sink = &sink;
  services.async_ack = impl_->options.async_ack;
  services.retire = [impl = impl_.get()](uint64_t id, std::unique_ptr<pipeline::SessionPort> port) {
    impl->retire(id, std::move(port));
  };
}

Server::~Server() {
  stop();
  for (auto& entry : impl_->retired) discard_responses(*entry.port);
}

void Server::start() {
  auto& impl = *impl_;
  const auto address = asio::ip::make_address(impl.options.address);
  const tcp::endpoint endpoint(address, impl.options.port);
  impl.acceptor.open(endpoint.protocol());
  impl.acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl.acceptor.bind(endpoint);
  impl.acceptor.listen(asio::socket_base::max_listen_connections);

  if (impl.options.metrics_port) {
    const auto gauges = [sink = impl.services.sink] { return sink->gauges(); };
    impl.metrics_endpoint = std::make_unique<MetricsEndpoint>(impl.io, tcp::endpoint(address, *impl.options.metrics_port),
                                                              impl.services.metrics, gauges);
  }

  impl.accepting = true;
  impl.accept();
  impl.schedule_reap();
  const uint32_t threads = std::max<uint32_t>(1, impl.options.io_threads);
  for (uint32_t i = 0; i < threads; ++i) impl.threads.emplace_back([&impl] { impl.io.run(); });
}

uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

uint16_t Server::metrics_port() const { return impl_->metrics_endpoint ? impl_->metrics_endpoint->port() : 0; }

void Server::stop_accepting() {
  if (!impl_->accepting.exchange(false)) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

void Server::stop() {
  auto& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  stop_accepting();

  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(impl.mutex);
    for (const auto& [id, session] : impl.sessions) open.push_back(session);
  }
  for (const auto& session : open) session->close_gracefully();

  asio::post(impl.reap_timer.get_executor(), [&impl] { impl.reap_timer.cancel(); });
  if (impl.metrics_endpoint) impl.metrics_endpoint->close();
  impl.work.reset();
  for (auto& thread : impl.threads) thread.join();
  impl.threads.clear();
}

void Server::on_events(std::span<const Event> events) {
  const uint64_t deliveries = impl_->services.registry.route(events);
  impl_->services.metrics.events_delivered.fetch_add(deliveries, std::memory_order_relaxed);
}

const Metrics& Server::metrics() const { return impl_->services.metrics; }

size_t Server::session_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sessions.size();
}

}  // namespace jubian::server
