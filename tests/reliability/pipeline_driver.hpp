#pragma once
// Drives a Pipeline in process for the reliability tests: pipelined submits through one
// session port, and the journal's log lines captured for assertions.

#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "engine/common/log.hpp"
#include "engine/ledger/commands.hpp"
#include "engine/pipeline/pipeline.hpp"

namespace jubian::reliability {

inline constexpr AccountId kOperator{16};

inline std::filesystem::path config_file(const char* name) {
  return std::filesystem::path(JUBIAN_SOURCE_DIR) / "config" / name;
}

inline pipeline::Options pipeline_options(const std::filesystem::path& data_dir) {
  pipeline::Options o;
  o.data_dir = data_dir;
  o.rules_file = config_file("rules.toml");
  o.categories_file = config_file("categories.tsv");
  o.segment_bytes = 1 << 20;
  o.tick_interval_ms = 0;
  return o;
}

inline Command register_unit(uint64_t account, uint64_t request) {
  return Command{kOperator, RequestId{request}, ledger::RegisterUnit{AccountId{account}, ledger::UnitKind::enterprise}};
}

inline Command award_contract(uint64_t recipient, PriceFen base_fen, uint64_t request) {
  ledger::Award award;
  award.rule = ledger::RuleId::contract_rnd;
  award.recipient = AccountId{recipient};
  award.base_fen = base_fen;
  award.reference = request;
  return Command{kOperator, RequestId{request}, award};
}

// Submits through one port and keeps every reply by request id.
class Driver {
 public:
  explicit Driver(pipeline::Pipeline& pipeline) : pipeline_(pipeline), port_(1 << 16) {}
  // Commands still unanswered (a failed journal) are never let go, so only a driver that
  // has every reply waits for the port's release.
  ~Driver() {
    if (in_flight_ == 0) (void)port_.wait_released(std::chrono::seconds(5));
  }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  bool send(const Command& command) {
    if (!pipeline_.submit(&port_, command)) return false;
    ++in_flight_;
    return true;
  }

  // Collects replies until none is in flight or none arrives for `quiet`.
  void drain(std::chrono::milliseconds quiet) { drain_below(1, quiet); }

  // Collects replies until fewer than `limit` are in flight or none arrives for `quiet`.
  void drain_below(uint64_t limit, std::chrono::milliseconds quiet) {
    auto last = std::chrono::steady_clock::now();
    while (in_flight_ >= limit) {
      pipeline::Response response;
      if (port_.responses.pop(response)) {
        replies[response.request_id.value] = response.reply;
        --in_flight_;
        last = std::chrono::steady_clock::now();
        continue;
      }
      if (std::chrono::steady_clock::now() - last >= quiet) return;
      std::this_thread::yield();
    }
  }

  Reply call(const Command& command) {
    send(command);
    drain(std::chrono::seconds(30));
    return replies.at(command.request_id.value);
  }

  std::map<uint64_t, Reply> replies;

 private:
  pipeline::Pipeline& pipeline_;
  pipeline::SessionPort port_;
  uint64_t in_flight_ = 0;
};

// Copies every line of one subsystem's logger into a string while it lives.
class LogCapture {
 public:
  explicit LogCapture(const std::string& subsystem)
      : logger_(logger(subsystem)), sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)) {
    logger_->sinks().push_back(sink_);
  }
  ~LogCapture() { std::erase(logger_->sinks(), sink_); }

  std::string text() {
    logger_->flush();
    return text_.str();
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

// Returns the number after `key=` in the first line containing `event`, or -1.
inline int64_t log_field(const std::string& text, const std::string& event, const std::string& key) {
  const auto line = text.find(event);
  if (line == std::string::npos) return -1;
  const auto at = text.find(" " + key + "=", line);
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size() + 2));
}

}  // namespace jubian::reliability
