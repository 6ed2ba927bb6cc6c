// jubiand: recovers the journal, then serves the gateway protocol until SIGTERM or
// SIGINT (exit 0 after draining) or a journal failure (exit 3).
//
// Prints exactly one line to stdout once it accepts connections:
//   listening: address=127.0.0.1 port=N metrics_port=M
// so that scripts and tests can start it with --port 0 and read the real port.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <functional>

#include "engine/common/log.hpp"
#include "engine/pipeline/pipeline.hpp"
#include "engine/server/config.hpp"
#include "engine/server/server.hpp"

namespace {

using namespace jubian;

constexpr auto kFailurePollInterval = std::chrono::milliseconds(50);
constexpr int kExitConfig = 2;
constexpr int kExitJournalFailed = 3;
constexpr int kExitStartFailed = 1;

class PipelineSink final : public server::CommandSink {
 public:
  explicit PipelineSink(pipeline::Pipeline& pipeline) : pipeline_(pipeline) {}

  bool submit(pipeline::SessionPort* port, Command command) override { return pipeline_.submit(port, std::move(command)); }
  bool submit_batch(pipeline::SessionPort* port, std::span<Command> commands) override {
    return pipeline_.submit_batch(port, commands);
  }

  server::PipelineGauges gauges() const override {
    return {pipeline_.queue_depth(), pipeline_.last_applied(), pipeline_.failed(), pipeline_.journal_stats(),
            pipeline_.ack_latency()};
  }

 private:
  pipeline::Pipeline& pipeline_;
};

// Blocks until a stop signal (returns false) or a journal failure (returns true).
bool wait_for_stop(pipeline::Pipeline& pipeline) {
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  boost::asio::steady_timer poll(io);
  bool failed = false;

  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error) return;
    logger("jubiand")->info("stopping: signal={}", signal);
    poll.cancel();
  });
  std::function<void()> check = [&] {
    poll.expires_after(kFailurePollInterval);
    poll.async_wait([&](const boost::system::error_code& error) {
      if (error) return;
      if (pipeline.failed()) {
        failed = true;
        signals.cancel();
        return;
      }
      check();
    });
  };
  check();
  io.run();
  return failed;
}

int run(const server::DaemonConfig& config) {
  auto log = logger("jubiand");
  log->info("starting: allocator={} {}", allocator_name(), server::describe(config));

  std::unique_ptr<pipeline::Pipeline> pipeline;
  try {
    pipeline = std::make_unique<pipeline::Pipeline>(config.pipeline);
  } catch (const std::exception& error) {
    log->critical("recovery_failed: data_dir={} error={}", config.pipeline.data_dir.string(), error.what());
    return kExitStartFailed;
  }
  const auto& recovery = pipeline->recovery();
  log->info("recovered: snapshot_seq={} last_seq={} records_replayed={} seconds={:.3f} state_hash={}",
            recovery.snapshot_seq, recovery.last_seq, recovery.records_replayed, recovery.seconds,
            to_hex(recovery.state_hash));

  PipelineSink sink(*pipeline);
  server::Server gateway(config.server, server::make_token_table(config), sink);
  pipeline->set_event_listener(&gateway);
  try {
    gateway.start();
  } catch (const std::exception& error) {
    log->critical("listen_failed: address={} port={} error={}", config.server.address, config.server.port, error.what());
    pipeline->set_event_listener(nullptr);
    pipeline->stop();
    return kExitStartFailed;
  }
  fmt::print("listening: address={} port={} metrics_port={}\n", config.server.address, gateway.port(),
             gateway.metrics_port());
  std::fflush(stdout);

  const bool failed = wait_for_stop(*pipeline);
  gateway.stop_accepting();
  if (failed) log->critical("journal_failed: stopped accepting; acknowledged commands are durable, later ones are not");

  // Drain: the pipeline responds to everything submitted, then the sessions write it out.
  pipeline->stop();
  gateway.stop();
  pipeline->set_event_listener(nullptr);
  log->info("stopped: last_applied={} sessions_accepted={}", pipeline->last_applied(),
            gateway.metrics().sessions_accepted.load());
  return failed ? kExitJournalFailed : 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto config = server::default_config();
  if (auto exit_code = server::parse_command_line(argc, argv, config)) return *exit_code;
  jubian::set_log_level(config.log_level);
  try {
    return run(config);
  } catch (const std::exception& error) {
    logger("jubiand")->critical("fatal: error={}", error.what());
    return kExitConfig;
  }
}
