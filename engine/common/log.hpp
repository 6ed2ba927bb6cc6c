#pragma once
// One spdlog logger per subsystem ("journal", "ledger", "pipeline", "gateway", ...).
// Messages read "event: key=value key=value". Log lifecycle, recovery, rejected
// sessions and every caught error; never one line per order or bid.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace jubian {

// Returns the logger of a subsystem, creating it on first use (thread-safe).
std::shared_ptr<spdlog::logger> logger(const std::string& subsystem);

// Sets the level of every logger, existing and future ("info", "warn", "debug", ...).
void set_log_level(const std::string& level);

// Names the allocator that serves malloc in this process ("jemalloc 5.3.0-..." or
// "glibc malloc"), for the start-up log line.
std::string allocator_name();

}  // namespace jubian
