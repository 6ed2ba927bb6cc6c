#include "engine/server/metrics.hpp"

#include <fmt/format.h>

#include <iterator>

namespace jubian::server {
namespace {

void counter(std::string& out, const char* name, const char* help, uint64_t value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
}

void gauge(std::string& out, const char* name, const char* help, uint64_t value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} gauge\n{0} {2}\n", name, help, value);
}

void by_code(std::string& out, const char* name, const char* help,
             const std::array<std::atomic<uint64_t>, kResultCodesMax>& counts) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n", name, help);
  for (size_t number = 0; number < counts.size(); ++number) {
    const uint64_t value = counts[number].load(std::memory_order_relaxed);
    if (value == 0) continue;
    const auto code = ResultCode{static_cast<uint16_t>(number)};
    fmt::format_to(std::back_inserter(out), "{}{{code=\"{}\",name=\"{}\"}} {}\n", name, number, result_code_name(code),
                   value);
  }
}

void histogram(std::string& out, const char* name, const char* help, const LatencyHistogram::Snapshot& h) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBoundsUs.size(); ++i) {
    cumulative += h.buckets[i];
    fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name,
                   static_cast<double>(LatencyHistogram::kBoundsUs[i]) / 1e6, cumulative);
  }
  fmt::format_to(std::back_inserter(out), "{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2}\n{0}_count {1}\n", name, h.count,
                 static_cast<double>(h.sum_ns) / 1e9);
}

}  // namespace

void Metrics::count_response(ResultCode code) {
  const auto number = code_number(code);
  if (number < kResultCodesMax) responses_by_code[number].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::count_rejection(ResultCode code) {
  const auto number = code_number(code);
  if (number < kResultCodesMax) rejections_by_code[number].fetch_add(1, std::memory_order_relaxed);
}

std::string render_prometheus(const Metrics& m, const PipelineGauges& gauges) {
  std::string out;
  out.reserve(4096);
  const auto load = [](const std::atomic<uint64_t>& value) { return value.load(std::memory_order_relaxed); };

  gauge(out, "jubian_sessions_open", "Connections currently open.", load(m.sessions_open));
  counter(out, "jubian_sessions_accepted_total", "Connections accepted.", load(m.sessions_accepted));
  counter(out, "jubian_sessions_rejected_total", "Connections closed by the server for an error or a limit.",
          load(m.sessions_rejected));
  counter(out, "jubian_bytes_received_total", "Bytes read from clients.", load(m.bytes_received));
  counter(out, "jubian_bytes_sent_total", "Bytes written to clients.", load(m.bytes_sent));
  counter(out, "jubian_commands_submitted_total", "Commands passed to the pipeline.", load(m.commands_submitted));
  counter(out, "jubian_events_delivered_total", "Events placed in session mailboxes.", load(m.events_delivered));
  counter(out, "jubian_conflated_notices_total", "Conflation notices sent to slow subscribers.",
          load(m.events_conflated_notices));
  by_code(out, "jubian_responses_total", "Command responses sent, by result code.", m.responses_by_code);
  by_code(out, "jubian_gateway_rejections_total", "Requests the gateway rejected itself, by result code.",
          m.rejections_by_code);
  gauge(out, "jubian_pipeline_queue_depth", "Commands submitted and not yet sequenced.", gauges.queue_depth);
  gauge(out, "jubian_pipeline_last_applied_seq", "Sequence number of the last applied command.", gauges.last_applied);
  gauge(out, "jubian_pipeline_failed", "1 when the journal has failed and the server is stopping.",
        gauges.failed ? 1 : 0);

  const journal::Stats& j = gauges.journal;
  counter(out, "jubian_journal_groups_total", "Journal commits written (one fdatasync each in sync mode).", j.groups);
  counter(out, "jubian_journal_bytes_written_total", "Bytes written to journal segments.", j.bytes_written);
  histogram(out, "jubian_journal_sync_seconds", "fdatasync latency of the journal writer.", j.sync);
  histogram(out, "jubian_ack_seconds",
            "Time from a command's submission to the pipeline until its response reaches the session's queue.",
            gauges.ack_latency);
  return out;
}

}  // namespace jubian::server
