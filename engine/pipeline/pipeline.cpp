#include "engine/pipeline/pipeline.hpp"

#include <concurrentqueue/concurrentqueue.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "engine/common/log.hpp"
#include "engine/core/engine.hpp"
#include "engine/core/precheck.hpp"
#include "engine/journal/journal.hpp"
#include "engine/pipeline/doorbell.hpp"
#include "engine/pipeline/wait.hpp"

namespace jubian::pipeline {
namespace {

struct Ingress {
  SessionPort* port = nullptr;
  Command command;
  uint64_t submitted_ns = 0;  // steady clock, for the acknowledgement latency
};

uint64_t steady_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

TimeNs wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A cursor on its own cache line: the next ring position its owner has not finished.
struct alignas(64) Cursor {
  std::atomic<uint64_t> next{0};
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The rule table and categories are part of what the journal means: replaying it with
// other rules would give other awards. The first start copies them into the data
// directory, and every later start uses that copy.
// TODO: a journaled rules-change command, so operators can change rules without a new data directory.
std::filesystem::path kept_config(const std::filesystem::path& data_dir, const std::filesystem::path& given,
                                  const char* name, spdlog::logger& log) {
  const auto kept = data_dir / "config" / name;
  if (!std::filesystem::exists(kept)) {
    std::filesystem::create_directories(kept.parent_path());
    std::filesystem::copy_file(given, kept);
    log.info("config_kept: file={} copy={}", given.string(), kept.string());
  } else if (read_file(kept) != read_file(given)) {
    log.warn("config_differs: given={} used={} reason=\"the journal was written under the kept copy\"", given.string(),
             kept.string());
  }
  return kept;
}

// Takes an exclusive lock on DATA/lock for the life of the process: two servers appending
// to one journal would interleave batches and break the hash chain.
int lock_data_dir(const std::filesystem::path& data_dir) {
  const auto path = data_dir / "lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw std::runtime_error(fmt::format("data directory {} is in use by another process (lock {} is held); "
                                         "stop that process or choose another --data-dir",
                                         data_dir.string(), path.string()));
  }
  return fd;
}

}  // namespace

// Fused mode: commands taken from the ingress queue per pass, and positions applied
// between two looks at the journal's durable seq.
constexpr uint64_t kFusedTakeMax = 512;
constexpr uint64_t kFusedApplyChunk = 128;
// Positions between a slot's prefetch and its apply: enough to hide a memory access.
constexpr uint64_t kPrefetchDistance = 8;
// A fused pass at least this long is logged (engine_pass_slow).
constexpr uint64_t kSlowPassNs = 20'000'000;

struct Pipeline::Impl {
  Options options;
  std::shared_ptr<spdlog::logger> log = logger("pipeline");
  std::unique_ptr<Engine> engine;
  std::unique_ptr<journal::Journal> journal;
  RecoveryReport recovery;

  moodycamel::ConcurrentQueue<Ingress> ingress;
  std::unique_ptr<Slot[]> ring;  // Slot contains atomics, so the ring is allocated once and never moved
  uint64_t ring_size = 0;
  uint64_t ring_mask = 0;

  Cursor sequenced;                  // positions [0, sequenced) are filled and visible
  std::vector<Cursor> unit_cursors;  // one per engine unit
  Cursor responded;                  // positions [0, responded) have their responses sent and are free

  // Sequencer-thread state.
  Seq last_seq = 0;
  TimeNs last_time_ns = 0;
  TimeNs last_tick_ns = 0;
  std::vector<uint8_t> encode_buffer;

  std::atomic<bool> stopping{false};
  std::atomic<bool> sequencer_done{false};
  std::atomic<EventListener*> listener{nullptr};
  std::atomic<Seq> applied{0};
  std::atomic<uint64_t> submitted{0};
  std::atomic<uint64_t> taken{0};
  LatencyHistogram ack_latency;  // recorded by the thread that responds
  std::vector<std::thread> threads;

  // Fused mode: the one engine thread sleeps on the doorbell, which submit(), the journal
  // writer (a batch became durable) and stop() ring.
  bool fused = false;
  Doorbell doorbell;
  uint64_t fused_applied = 0;  // positions [0, fused_applied) have run through every unit
  std::vector<Ingress> fused_batch;

  // Sessions that got responses since the last notify_sessions(), each listed once.
  std::vector<SessionPort*> answered_ports;
  uint64_t slow_pass_logged_ns = 0;
  uint64_t slow_passes_unlogged = 0;

  int lock_fd = -1;

  explicit Impl(const Options& opts) : options(opts) {}
  ~Impl() {
    if (lock_fd >= 0) ::close(lock_fd);
  }

  void recover();
  void start_threads();
  void sequencer_loop();
  void stage_loop(std::vector<size_t> units);
  void responder_loop();
  void fused_loop();
  bool fused_step();
  void fused_apply(uint64_t until);
  void fused_drain();
  void apply_position(uint64_t position, const std::vector<size_t>& units, std::vector<size_t>& order, Waiter& waiter);
  bool respond_position(uint64_t position, uint64_t now_ns);
  void notify_sessions();
  void log_slow_pass(uint64_t ns, uint64_t responses);
  bool take_and_sequence(std::vector<Ingress>& batch, size_t limit);
  void write_payout_file(const Slot& slot);
  bool sequence_one(SessionPort* port, Command& command, TimeNs now, uint64_t submitted_ns = 0);
  bool wait_position(const Cursor& cursor, uint64_t position, Waiter& waiter) const;
};

// Loads the newest snapshot, replays the journal after it through the engine, and
// leaves the sequencer's counters where the log ends.
void Pipeline::Impl::recover() {
  const auto started = std::chrono::steady_clock::now();
  const auto journal_dir = options.data_dir / "journal";
  std::filesystem::create_directories(journal_dir);

  if (auto snapshot = journal::Journal::load_latest_snapshot(journal_dir)) {
    if (!engine->load(snapshot->state))
      throw std::runtime_error("recovery failed: snapshot " + snapshot->path.string() + " does not decode");
    recovery.snapshot_seq = snapshot->seq;
    log->info("snapshot_loaded: path={} seq={}", snapshot->path.string(), snapshot->seq);
  }

  journal::Options journal_options;
  journal_options.dir = journal_dir;
  journal_options.segment_bytes = options.segment_bytes;
  journal_options.durability = options.durability_sync ? journal::Durability::sync : journal::Durability::async;
  journal_options.async_sync_interval_ms = options.async_sync_interval_ms;
  journal_options.truncate_damaged = options.truncate_damaged_journal;
  journal_options.fdatasync_fn = options.fdatasync_fn;
  journal = std::make_unique<journal::Journal>(journal_options);

  if (journal->last_seq() < recovery.snapshot_seq)
    throw std::runtime_error(fmt::format("recovery failed: snapshot covers seq {} but the journal ends at seq {}",
                                         recovery.snapshot_seq, journal->last_seq()));

  Slot slot;
  journal->replay(recovery.snapshot_seq, [&](const journal::RecordView& record, const journal::BatchInfo&) {
    slot.reset(engine->unit_count());
    const ResultCode decoded = decode_command(record.type, record.payload, slot.command);
    if (decoded != ResultCode::ok)
      throw std::runtime_error(fmt::format("recovery failed: record seq {} type {} does not decode ({})", record.seq,
                                           record.type, result_code_name(decoded)));
    slot.stamp = Stamp{record.seq, record.time_ns};
    slot.body_digest = Precheck::body_digest(slot.command, record.payload);
    engine->apply(slot);
    last_time_ns = record.time_ns;
    ++recovery.records_replayed;
  });

  last_seq = journal->last_seq();
  last_tick_ns = last_time_ns;
  applied.store(last_seq);
  recovery.last_seq = last_seq;
  recovery.state_hash = engine->state_hash();
  recovery.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log->info("recovered: snapshot_seq={} last_seq={} records_replayed={} seconds={:.3f} state_hash={}",
            recovery.snapshot_seq, recovery.last_seq, recovery.records_replayed, recovery.seconds,
            to_hex(recovery.state_hash));
}

bool Pipeline::Impl::wait_position(const Cursor& cursor, uint64_t position, Waiter& waiter) const {
  waiter.reset();
  while (cursor.next.load(std::memory_order_acquire) <= position) {
    if (sequencer_done.load(std::memory_order_acquire) && sequenced.next.load(std::memory_order_acquire) <= position)
      return false;
    waiter.idle();
  }
  return true;
}

// Stamps one command into the next ring slot and appends it to the open journal batch.
// Returns false when the journal has failed: the responder stopped releasing slots, and
// nothing more may be sequenced.
bool Pipeline::Impl::sequence_one(SessionPort* port, Command& command, TimeNs now, uint64_t submitted_ns) {
  const uint64_t position = sequenced.next.load(std::memory_order_relaxed);
  Waiter waiter(options.wait);
  if (position - responded.next.load(std::memory_order_acquire) >= ring_size) {
    // The ring is full. The oldest slots may belong to the open batch, which must be
    // committed before the responder can release them.
    journal->commit();
    while (position - responded.next.load(std::memory_order_acquire) >= ring_size) {
      if (journal->failed()) return false;
      if (fused) fused_drain();  // this thread is the one that frees slots
      else waiter.idle();
    }
  }

  Slot& slot = ring[position & ring_mask];
  slot.reset(engine->unit_count());
  slot.port = port;
  slot.submitted_ns = submitted_ns;
  if (std::holds_alternative<system::StateHashQuery>(command.body)) {
    // The hash needs every unit at rest: drain the ring, then compute it here while the
    // stage threads wait for the next position.
    journal->commit();
    if (fused) fused_drain();
    while (responded.next.load(std::memory_order_acquire) < position) {
      if (journal->failed()) return false;
      waiter.idle();
    }
    slot.presolved = true;
    slot.reply.values = digest_words(engine->state_hash());
  }
  slot.journaled = command.journaled();
  last_time_ns = std::max(last_time_ns, now);
  if (slot.journaled) {
    ++last_seq;
    encode_buffer.clear();
    encode_command(command, encode_buffer);
    journal->append(command.type(), last_seq, last_time_ns, encode_buffer);
    slot.body_digest = Precheck::body_digest(command, encode_buffer);
  }
  slot.stamp = Stamp{last_seq, last_time_ns};
  slot.command = std::move(command);
  sequenced.next.store(position + 1, std::memory_order_release);
  return true;
}

// Takes up to `limit` submitted commands, sequences them and a due tick, and commits the
// journal batch. Returns true when it sequenced anything; false also when the journal
// has failed, which the caller checks.
bool Pipeline::Impl::take_and_sequence(std::vector<Ingress>& batch, size_t limit) {
  const size_t count = limit == 0 ? 0 : ingress.try_dequeue_bulk(batch.begin(), std::min(limit, batch.size()));
  const TimeNs now = wall_clock_ns();
  bool sequenced_all = true;
  for (size_t i = 0; i < count && sequenced_all; ++i) sequenced_all = sequence_one(batch[i].port, batch[i].command, now, batch[i].submitted_ns);
  taken.fetch_add(count, std::memory_order_relaxed);
  if (!sequenced_all) return false;

  bool ticked = false;
  const TimeNs tick_interval_ns = options.tick_interval_ms * 1'000'000;
  if (tick_interval_ns > 0 && now - last_tick_ns >= tick_interval_ns && !stopping.load()) {
    Command tick{kNoAccount, RequestId{0}, system::Tick{}};
    if (!sequence_one(nullptr, tick, now)) return false;
    last_tick_ns = now;
    ticked = true;
  }
  if (count == 0 && !ticked) return false;
  journal->commit();
  return true;
}

void Pipeline::Impl::sequencer_loop() {
  std::vector<Ingress> batch(options.batch_commands_max);
  Waiter waiter(options.wait);
  for (;;) {
    if (journal->failed()) {
      log->critical("sequencer_stopped: reason=\"journal failed\" last_seq={}", last_seq);
      break;
    }
    if (take_and_sequence(batch, batch.size())) {
      waiter.reset();
      continue;
    }
    if (stopping.load(std::memory_order_acquire) && taken.load() == submitted.load()) break;
    waiter.idle();
  }
  sequencer_done.store(true, std::memory_order_release);
}

// Runs the given units over every position in order; a unit waits for the units of the
// earlier stages to finish the same position first.
void Pipeline::Impl::stage_loop(std::vector<size_t> units) {
  Waiter waiter(options.wait);
  std::vector<size_t> order;
  order.reserve(units.size());
  for (uint64_t position = 0;; ++position) {
    if (!wait_position(sequenced, position, waiter)) return;
    apply_position(position, units, order, waiter);
  }
}

void Pipeline::Impl::apply_position(uint64_t position, const std::vector<size_t>& units, std::vector<size_t>& order,
                                    Waiter& waiter) {
  Slot& slot = ring[position & ring_mask];

  // Units stay in stage order. A cross-shard transfer's deciding shard moves to the
  // front of this thread's ledger units, because the other shards wait for it.
  order.assign(units.begin(), units.end());
  const size_t leading = engine->leading_unit(slot);
  if (auto found = std::find(order.begin(), order.end(), leading); found != order.end()) {
    auto first_ledger = std::find_if(order.begin(), order.end(),
                                     [&](size_t unit) { return engine->unit_stage(unit) == Stage::ledger; });
    std::rotate(first_ledger, found, found + 1);
  }

  for (size_t unit : order) {
    const Stage stage = engine->unit_stage(unit);
    for (size_t other = 0; other < engine->unit_count(); ++other) {
      if (engine->unit_stage(other) < stage) wait_position(unit_cursors[other], position, waiter);
    }
    engine->apply_unit(unit, slot);
    unit_cursors[unit].next.store(position + 1, std::memory_order_release);
  }
}

void Pipeline::Impl::responder_loop() {
  Waiter waiter(options.wait);
  for (uint64_t position = 0;; ++position) {
    if (!wait_position(sequenced, position, waiter)) return;
    for (auto& cursor : unit_cursors) wait_position(cursor, position, waiter);
    const Slot& slot = ring[position & ring_mask];

    waiter.reset();
    while (journal->durable_seq() < slot.stamp.seq) {
      if (journal->failed()) return;  // nothing after a failed sync is ever acknowledged
      waiter.idle();
    }
    respond_position(position, steady_ns());
    notify_sessions();
  }
}

// Finishes a slot whose batch is durable: merges the units' outputs, pushes the response
// to its session, hands its events to the listener and frees the slot. Returns false
// when the slot's batch is not durable yet.
bool Pipeline::Impl::respond_position(uint64_t position, uint64_t now_ns) {
  Slot& slot = ring[position & ring_mask];
  if (journal->durable_seq() < slot.stamp.seq) return false;
  engine->finish(slot);
  applied.store(slot.stamp.seq, std::memory_order_release);
  if (std::holds_alternative<ledger::RedemptionSettle>(slot.command.body) && slot.reply.code == ResultCode::ok)
    write_payout_file(slot);
  if (SessionPort* port = slot.port; port != nullptr) {
    // Recorded before the push, so the histogram already counts any response a thread pops.
    if (slot.submitted_ns != 0) ack_latency.record(now_ns > slot.submitted_ns ? now_ns - slot.submitted_ns : 0);
    if (!port->closed.load(std::memory_order_acquire)) {
      const Response response{slot.command.type(), slot.command.request_id, slot.reply, std::move(slot.detail)};
      Waiter full(options.wait);
      while (!port->responses.push(response)) {
        if (port->closed.load(std::memory_order_acquire)) break;
        if (port->answered != 0) notify_sessions();  // a session pops only after its wake-up
        full.idle();
      }
    }
    if (port->answered++ == 0) answered_ports.push_back(port);
  }
  if (auto* target = listener.load(std::memory_order_acquire); target != nullptr && !slot.events.empty())
    target->on_events(slot.events);
  responded.next.store(position + 1, std::memory_order_release);
  return true;
}

// Fused mode: applies positions up to `until` (at most the sequenced end), prefetching
// for the slot kPrefetchDistance positions ahead.
void Pipeline::Impl::fused_apply(uint64_t until) {
  // This thread runs every unit, so no unit waits for another and the stage cursors
  // stay unused.
  const uint64_t end = sequenced.next.load(std::memory_order_relaxed);
  for (; fused_applied < until; ++fused_applied) {
    if (fused_applied + kPrefetchDistance < end) engine->prefetch(ring[(fused_applied + kPrefetchDistance) & ring_mask]);
    engine->apply_units(ring[fused_applied & ring_mask]);
  }
}

// Wakes each session that got responses, once, then lowers its in-flight count. The
// decrement is the responder's last access to a port, because the gateway may free a
// closed port as soon as in_flight reads zero.
void Pipeline::Impl::notify_sessions() {
  for (SessionPort* port : answered_ports) {
    const uint32_t answered = port->answered;
    port->answered = 0;
    if (port->notify && !port->closed.load(std::memory_order_acquire)) port->notify();
    port->in_flight.fetch_sub(answered, std::memory_order_acq_rel);
  }
  answered_ports.clear();
}

// Fused mode: one pass of the engine thread. Sequences what was submitted, applies what
// was sequenced and responds to what became durable, each in order. Returns true when
// any of the three made progress. While the journal writer syncs one batch, this thread
// already sequences and applies the next, and only acknowledgements wait for the sync.
bool Pipeline::Impl::fused_step() {
  // One ring slot stays free for a tick. Small takes commit the journal sooner, so the
  // writer syncs one group while this thread applies the next.
  const uint64_t in_ring = sequenced.next.load(std::memory_order_relaxed) - responded.next.load(std::memory_order_relaxed);
  const uint64_t room = ring_size - in_ring;
  bool progressed = take_and_sequence(fused_batch, std::min<uint64_t>(room > 1 ? room - 1 : 0, kFusedTakeMax));

  // Applies in chunks and responds between them, so that a group the writer has made
  // durable is acknowledged without waiting for a long apply.
  const uint64_t end = sequenced.next.load(std::memory_order_relaxed);
  for (;;) {
    const uint64_t now = steady_ns();
    for (uint64_t position = responded.next.load(std::memory_order_relaxed); position < fused_applied; ++position) {
      if (!respond_position(position, now)) break;
      progressed = true;
    }
    notify_sessions();
    if (fused_applied == end) break;
    fused_apply(std::min(end, fused_applied + kFusedApplyChunk));
    progressed = true;
  }
  return progressed;
}

// Fused mode: applies and acknowledges everything sequenced so far, waiting for the
// journal. For the state-hash barrier and a full ring.
void Pipeline::Impl::fused_drain() {
  journal->commit();
  const uint64_t end = sequenced.next.load(std::memory_order_relaxed);
  fused_apply(end);
  Waiter waiter(WaitStrategy::block);
  while (responded.next.load(std::memory_order_relaxed) < end && !journal->failed()) {
    if (respond_position(responded.next.load(std::memory_order_relaxed), steady_ns())) {
      waiter.reset();
      continue;
    }
    notify_sessions();
    waiter.idle();
  }
  notify_sessions();
}

// A pass of the engine thread that takes kSlowPassNs or more holds back every
// acknowledgement behind it. At most one warning a second, with a count of the others.
void Pipeline::Impl::log_slow_pass(uint64_t ns, uint64_t responses) {
  const uint64_t now = steady_ns();
  if (slow_pass_logged_ns != 0 && now - slow_pass_logged_ns < 1'000'000'000) {
    ++slow_passes_unlogged;
    return;
  }
  log->warn("engine_pass_slow: ms={:.1f} responses={} sequenced={} applied={} responded={} threshold_ms={} "
            "earlier_slow_passes_not_logged={}",
            static_cast<double>(ns) / 1e6, responses, sequenced.next.load(std::memory_order_relaxed), fused_applied,
            responded.next.load(std::memory_order_relaxed), kSlowPassNs / 1'000'000, slow_passes_unlogged);
  slow_pass_logged_ns = now;
  slow_passes_unlogged = 0;
}

void Pipeline::Impl::fused_loop() {
  for (;;) {
    const uint32_t epoch = doorbell.epoch();
    if (journal->failed()) {
      log->critical("sequencer_stopped: reason=\"journal failed\" last_seq={}", last_seq);
      break;
    }
    const uint64_t pass_started = steady_ns();
    const uint64_t responded_before = responded.next.load(std::memory_order_relaxed);
    const bool progressed = fused_step();
    if (const uint64_t ns = steady_ns() - pass_started; ns >= kSlowPassNs)
      log_slow_pass(ns, responded.next.load(std::memory_order_relaxed) - responded_before);
    if (progressed) continue;
    if (stopping.load(std::memory_order_acquire) && taken.load() == submitted.load() &&
        responded.next.load(std::memory_order_relaxed) == sequenced.next.load(std::memory_order_relaxed))
      break;
    // Sleep until a submit, a durable batch or stop() rings, or the next tick is due. The
    // cap bounds the delay should a ring ever be missed.
    auto timeout = std::chrono::nanoseconds(std::chrono::milliseconds(10));
    if (options.tick_interval_ms > 0) {
      const TimeNs due = last_tick_ns + options.tick_interval_ms * 1'000'000 - wall_clock_ns();
      timeout = std::min(timeout, std::chrono::nanoseconds(std::max<TimeNs>(due, 0)));
    }
    if (timeout.count() > 0) doorbell.wait(epoch, timeout);
  }
  sequencer_done.store(true, std::memory_order_release);
}

// Writes the quarterly redemption batch's CSV (UTF-8, split by individual attribution)
// to DATA/payouts/. The file is written once, when the command is applied live. Replay
// does not rewrite it, because the journal can reproduce it.
void Pipeline::Impl::write_payout_file(const Slot& slot) {
  const auto& settle = std::get<ledger::RedemptionSettle>(slot.command.body);
  const auto dir = options.data_dir / "payouts";
  const auto path = dir / fmt::format("redemption-{}-Q{}-seq{}.csv", settle.year, settle.quarter, slot.stamp.seq);
  try {
    std::filesystem::create_directories(dir);
    const auto temp = path.string() + ".tmp";
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      out << slot.detail;
      if (!out.flush()) throw std::runtime_error("write failed");
    }
    std::filesystem::rename(temp, path);
    log->info("payout_file_written: path={} seq={} bytes={}", path.string(), slot.stamp.seq, slot.detail.size());
  } catch (const std::exception& error) {
    log->error("payout_file_failed: path={} seq={} error=\"{}\" (rerun redemption reports from the journal)",
               path.string(), slot.stamp.seq, error.what());
  }
}

void Pipeline::Impl::start_threads() {
  ring_size = 1;
  while (ring_size < options.ring_slots) ring_size <<= 1;
  ring = std::make_unique<Slot[]>(ring_size);
  ring_mask = ring_size - 1;
  unit_cursors = std::vector<Cursor>(engine->unit_count());

  if (options.stage_threads == 0) journal->set_on_durable([this](Seq, const Digest&) { doorbell.ring(); });
  journal->start();
  if (options.stage_threads == 0) {
    fused = true;
    fused_batch.resize(options.batch_commands_max);
    threads.emplace_back([this] { fused_loop(); });
    log->info("started: mode=fused units={} ring_slots={} durability={}", engine->unit_count(), ring_size,
              options.durability_sync ? "sync" : "async");
    return;
  }
  threads.emplace_back([this] { sequencer_loop(); });

  // Stage units are dealt to the stage threads round-robin; each thread keeps stage order.
  const size_t stage_threads = std::max<size_t>(1, std::min<size_t>(options.stage_threads, engine->unit_count()));
  std::vector<std::vector<size_t>> assignment(stage_threads);
  for (size_t unit = 0; unit < engine->unit_count(); ++unit) assignment[unit % stage_threads].push_back(unit);
  for (auto& units : assignment) threads.emplace_back([this, units] { stage_loop(units); });
  threads.emplace_back([this] { responder_loop(); });

  log->info("started: mode=staged stage_threads={} units={} ring_slots={} wait={} durability={}", stage_threads,
            engine->unit_count(), ring_size, static_cast<int>(options.wait), options.durability_sync ? "sync" : "async");
}

Pipeline::Pipeline(const Options& options) : impl_(std::make_unique<Impl>(options)) {
  std::filesystem::create_directories(options.data_dir);
  impl_->lock_fd = lock_data_dir(options.data_dir);
  EngineConfig config;
  config.rules_file = kept_config(options.data_dir, options.rules_file, "rules.toml", *impl_->log);
  config.categories_file = kept_config(options.data_dir, options.categories_file, "categories.tsv", *impl_->log);
  config.ledger_shards = options.ledger_shards;
  config.request_window = options.request_window;
  config.market_shards = options.market_shards;
  impl_->engine = std::make_unique<Engine>(config);
  impl_->recover();
  impl_->start_threads();
}

Pipeline::~Pipeline() { stop(); }

const RecoveryReport& Pipeline::recovery() const { return impl_->recovery; }

bool Pipeline::submit(SessionPort* port, Command command) {
  if (impl_->stopping.load(std::memory_order_acquire) || impl_->journal->failed()) return false;
  if (port != nullptr) port->in_flight.fetch_add(1, std::memory_order_acq_rel);
  impl_->submitted.fetch_add(1, std::memory_order_acq_rel);
  impl_->ingress.enqueue(Ingress{port, std::move(command), steady_ns()});
  if (impl_->fused) impl_->doorbell.ring();
  return true;
}

bool Pipeline::submit_batch(SessionPort* port, std::span<Command> commands) {
  if (impl_->stopping.load(std::memory_order_acquire) || impl_->journal->failed()) return false;
  if (commands.empty()) return true;
  thread_local std::vector<Ingress> batch;
  batch.clear();
  const uint64_t now = steady_ns();
  for (Command& command : commands) batch.push_back(Ingress{port, std::move(command), now});
  if (port != nullptr) port->in_flight.fetch_add(static_cast<uint32_t>(batch.size()), std::memory_order_acq_rel);
  impl_->submitted.fetch_add(batch.size(), std::memory_order_acq_rel);
  impl_->ingress.enqueue_bulk(std::make_move_iterator(batch.begin()), batch.size());
  if (impl_->fused) impl_->doorbell.ring();
  return true;
}

void Pipeline::set_event_listener(EventListener* listener) { impl_->listener.store(listener); }

void Pipeline::stop() {
  if (!impl_ || impl_->threads.empty()) return;
  impl_->stopping.store(true, std::memory_order_release);
  impl_->doorbell.ring();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  impl_->journal->close();

  // A snapshot only shortens the next recovery. Failing to write one (a full disk)
  // loses nothing, because the journal contains every acknowledged command.
  if (!impl_->journal->failed() && impl_->options.snapshot_at_stop) {
    try {
      std::vector<uint8_t> state;
      impl_->engine->save(state);
      impl_->journal->write_snapshot(impl_->journal->last_seq(), impl_->journal->last_hash(), state);
    } catch (const std::exception& error) {
      impl_->log->error("snapshot_failed: seq={} error=\"{}\" (recovery will replay the journal instead)",
                        impl_->journal->last_seq(), error.what());
    }
  }
  impl_->log->info("stopped: last_seq={} failed={}", impl_->journal->last_seq(), impl_->journal->failed());
}

bool Pipeline::failed() const { return impl_->journal->failed(); }

Seq Pipeline::last_applied() const { return impl_->applied.load(std::memory_order_acquire); }

journal::Stats Pipeline::journal_stats() const { return impl_->journal->stats(); }

LatencyHistogram::Snapshot Pipeline::ack_latency() const { return impl_->ack_latency.snapshot(); }

uint64_t Pipeline::queue_depth() const { return impl_->submitted.load() - impl_->taken.load(); }

Digest Pipeline::state_hash_after_stop() const { return impl_->engine->state_hash(); }

}  // namespace jubian::pipeline
