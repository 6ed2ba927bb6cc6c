#pragma once
// The deterministic core: every business subsystem, split into units that the pipeline
// can run on separate threads, and a single-threaded apply() for replay tools and tests.
//
// A command passes the units of three stages, in order, within its Slot:
//   stage 0  precheck        idempotency (request id reuse) and account existence
//   stage 1  market shards   books of the categories each shard owns; auctions (one unit)
//   stage 2  ledger shards   ledger commands and the settlement of stage 1's trades
// Units of one stage touch disjoint state; a unit reads only its own state and the
// outputs that earlier stages wrote into the same slot. So any schedule that runs each
// unit over the slots in sequence order, and a slot's stages in order, gives the result
// of applying the commands one by one (engine/pipeline/README.md).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/common/context.hpp"
#include "engine/common/sha256.hpp"
#include "engine/core/command.hpp"

namespace jubian {

namespace pipeline {
class SessionPort;
}

struct EngineConfig {
  std::filesystem::path rules_file;
  std::filesystem::path categories_file;
  uint32_t ledger_shards = 1;
  uint32_t market_shards = 1;
  uint32_t listings_max = 1u << 20;   // preallocated listing pool, all market shards together
  uint32_t lots_max = 4096;
  uint32_t bids_per_lot_max = 1u << 16;
  uint32_t proposals_top_k = 5;
  uint64_t request_window = 1u << 20;  // newest request ids remembered for retries (about 150 bytes each)
};

// One sequenced command and everything its units write. The pipeline's ring reuses
// slots, so the vectors keep their capacity and the steady state does not allocate.
struct Slot {
  Command command;
  Stamp stamp;
  bool journaled = true;
  pipeline::SessionPort* port = nullptr;
  uint64_t submitted_ns = 0;  // steady clock at submission; 0 for ticks and replay

  // Set when the sequencer computed the reply itself (state_hash); units skip the slot.
  bool presolved = false;

  // Set by the sequencer from the journal encoding, so stage 0 need not encode again.
  std::optional<uint64_t> body_digest;

  // Written by stage 0.
  ResultCode precheck = ResultCode::ok;
  bool duplicate = false;
  uint64_t request_ordinal = 0;  // see Precheck: the key's ordinal in the reply log

  // One output area per unit, so units of one stage never share a vector.
  struct UnitOutput {
    bool decided = false;  // this unit produced the command's reply
    Reply reply;
    std::vector<Event> events;
    std::vector<Trade> trades;
    std::string detail;
  };
  std::vector<UnitOutput> outputs;
  CrossShardSlot cross;

  // Written by finish().
  Reply reply;
  std::string detail;
  std::vector<Event> events;

  void reset(size_t units);
};

// The 32 digest bytes as four little-endian words, the layout of a state_hash reply.
std::array<int64_t, 4> digest_words(const Digest& digest);
Digest digest_from_words(const std::array<int64_t, 4>& words);

enum class Stage : uint8_t { precheck = 0, market = 1, ledger = 2 };

class Engine {
 public:
  explicit Engine(const EngineConfig& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  size_t unit_count() const;
  Stage unit_stage(size_t unit) const;
  std::string unit_name(size_t unit) const;

  // Runs one unit's part of the slot's command. Thread-safe across different units.
  void apply_unit(size_t unit, Slot& slot);

  // The unit that must run before the other ledger units of the same thread: the shard
  // that decides a cross-shard transfer, which the others wait for. SIZE_MAX when none.
  size_t leading_unit(const Slot& slot) const;
  // Starts loading the memory that stage 0 will read for this slot; a hint only.
  void prefetch(const Slot& slot) const;

  // Merges the units' outputs into slot.reply, slot.detail and slot.events, and records
  // the reply for later retries of the same request id. Runs after every unit.
  void finish(Slot& slot);

  // Runs every unit on this thread, the deciding ledger shard first. finish() is left to the caller.
  void apply_units(Slot& slot);
  // Runs apply_units(), then finish().
  void apply(Slot& slot);

  // Digest of the whole business state; the same for any shard counts.
  Digest state_hash() const;

  void save(std::vector<uint8_t>& out) const;
  [[nodiscard]] bool load(std::span<const uint8_t> in);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jubian
