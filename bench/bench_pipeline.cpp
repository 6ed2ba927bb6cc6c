// Award commands through the whole pipeline in one process: ingress queue, sequencer,
// journal with group commit and fdatasync (`sync` durability), engine stages, responder.
// No sockets: bench-gateway measures TCP on top of this.
//
//   build/bin/bench-pipeline --benchmark_min_time=1

// cmake-link: jubian_pipeline
#include <benchmark/benchmark.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "engine/common/log.hpp"
#include "engine/pipeline/pipeline.hpp"

namespace jubian {
namespace {

namespace fs = std::filesystem;

constexpr AccountId kOperator{16};
constexpr uint64_t kAccounts = 1000;
constexpr uint32_t kWindowPerProducer = 4096;  // commands in flight per producer

fs::path config_file(const char* name) { return fs::path(JUBIAN_SOURCE_DIR) / "config" / name; }

Command award(uint64_t recipient, uint64_t request) {
  ledger::Award body;
  body.rule = ledger::RuleId::contract_rnd;
  body.recipient = AccountId{recipient};
  body.base_fen = 10'000'00;
  body.reference = request;
  return Command{kOperator, RequestId{request}, body};
}

// Waits for one response on the port and frees it; returns its code.
ResultCode take(pipeline::SessionPort& port) {
  pipeline::Response response;
  while (!port.responses.pop(response)) std::this_thread::yield();
  return response.reply.code;
}

// Args: producers, ledger shards, stage threads (0: fused), sync (1) or async (0).
void BM_PipelineAwards(benchmark::State& state) {
  const auto producers = static_cast<uint32_t>(state.range(0));
  set_log_level("warn");
  const fs::path dir = fs::temp_directory_path() / ("jubian-bench-pipeline-" + std::to_string(::getpid()));
  fs::remove_all(dir);

  pipeline::Options options;
  options.data_dir = dir;
  options.rules_file = config_file("rules.toml");
  options.categories_file = config_file("categories.tsv");
  options.ledger_shards = static_cast<uint32_t>(state.range(1));
  options.stage_threads = static_cast<uint32_t>(state.range(2));
  options.durability_sync = state.range(3) == 1;
  options.tick_interval_ms = 0;
  options.snapshot_at_stop = false;
  pipeline::Pipeline pipeline(options);

  pipeline::SessionPort setup(1 << 12);
  for (uint64_t account = 100; account < 100 + kAccounts; ++account) {
    (void)pipeline.submit(&setup, Command{kOperator, RequestId{0}, ledger::RegisterUnit{AccountId{account}, ledger::UnitKind::enterprise}});
    (void)take(setup);
  }

  const uint64_t per_producer = 200'000 / producers;
  uint64_t next_request = 1;
  std::atomic<uint64_t> rejected{0};
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (uint32_t p = 0; p < producers; ++p) {
      const uint64_t first = next_request + p * per_producer;
      threads.emplace_back([&, first] {
        pipeline::SessionPort port(kWindowPerProducer * 2);
        uint64_t sent = 0, received = 0;
        while (received < per_producer) {
          while (sent < per_producer && sent - received < kWindowPerProducer) {
            (void)pipeline.submit(&port, award(100 + (first + sent) % kAccounts, first + sent));
            ++sent;
          }
          if (take(port) != ResultCode::ok) rejected.fetch_add(1);
          ++received;
        }
        (void)port.wait_released(std::chrono::seconds(30));
      });
    }
    for (auto& thread : threads) thread.join();
    next_request += per_producer * producers;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * per_producer * producers));
  state.counters["rejected"] = static_cast<double>(rejected.load());
  pipeline.stop();
  fs::remove_all(dir);
}

BENCHMARK(BM_PipelineAwards)
    ->ArgNames({"producers", "ledger_shards", "stage_threads", "sync"})
    ->Args({1, 1, 0, 1})
    ->Args({4, 1, 0, 1})
    ->Args({1, 1, 1, 1})
    ->Args({4, 1, 1, 1})
    ->Args({4, 2, 2, 1})
    ->Args({4, 1, 1, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace
}  // namespace jubian

BENCHMARK_MAIN();
