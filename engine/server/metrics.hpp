#pragma once
// Gateway counters, updated with relaxed atomics from the I/O and responder threads,
// and their rendering in the Prometheus text exposition format (version 0.0.4).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "engine/common/result.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::server {

inline constexpr size_t kResultCodesMax = 1000;   // result codes are numbered 0-999
inline constexpr size_t kCommandTypesMax = 0x8000;  // command types are below the session range

struct Metrics {
  std::atomic<uint64_t> sessions_open{0};
  std::atomic<uint64_t> sessions_accepted{0};
  std::atomic<uint64_t> sessions_rejected{0};  // closed by the server for a protocol, login or limit error
  std::atomic<uint64_t> bytes_received{0};
  std::atomic<uint64_t> bytes_sent{0};
  std::atomic<uint64_t> commands_submitted{0};
  std::atomic<uint64_t> events_delivered{0};
  std::atomic<uint64_t> events_conflated_notices{0};
  std::array<std::atomic<uint64_t>, kResultCodesMax> responses_by_code{};   // codes from the pipeline and the gateway
  std::array<std::atomic<uint64_t>, kResultCodesMax> rejections_by_code{};  // rejected by the gateway itself

  void count_response(ResultCode code);
  void count_rejection(ResultCode code);
};

// Figures read from outside the gateway when the endpoint is scraped.
struct PipelineGauges {
  uint64_t queue_depth = 0;
  uint64_t last_applied = 0;
  bool failed = false;
  journal::Stats journal;
  LatencyHistogram::Snapshot ack_latency;
};

// Renders every counter; `gauges` is called once per scrape.
std::string render_prometheus(const Metrics& metrics, const PipelineGauges& gauges);

}  // namespace jubian::server
