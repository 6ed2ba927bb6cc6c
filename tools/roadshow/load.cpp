#include "tools/roadshow/load.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <fmt/format.h>

#include <deque>
#include <mutex>
#include <thread>

#include "api/protocol.hpp"
#include "engine/auction/auctions.hpp"
#include "engine/core/command.hpp"

namespace jubian::roadshow {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Request ids of one bidder's connection; setup commands use ids below kLedgerLoginRequest.
constexpr uint64_t kLedgerLoginRequest = 1ull << 31;
constexpr uint64_t kBidRequestBase = 1ull << 32;
constexpr uint64_t kSessionLoginRequest = 1;
constexpr uint32_t kFrameBodyBytesMax = 1u << 20;
constexpr size_t kBidderReadBytes = 4 * 1024;
constexpr size_t kScreenReadBytes = 64 * 1024;
constexpr uint32_t kConnectsInFlightMax = 128;  // per worker, to keep pending connects well below the server's listen backlog
constexpr auto kTickInterval = std::chrono::milliseconds(1);

int64_t steady_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

enum class Role : uint8_t { bidder, screen };
enum class PeerState : uint8_t { idle, connecting, logging_in, ledger_login, subscribing, ready, closed };

struct Pending {
  uint64_t request_id = 0;
  uint32_t lot = 0;
  BidKind kind = BidKind::english;
  int64_t due_ns = 0;  // steady clock: when the plan wanted it sent
};

}  // namespace

struct Worker;

// One socket: a bidder acting for one account, or a screen watching every lot.
struct Peer {
  Peer(Worker& owner, asio::io_context& io, Role peer_role, uint32_t peer_index)
      : worker(owner), role(peer_role), index(peer_index), socket(io), decoder(kFrameBodyBytesMax),
        read_buffer(peer_role == Role::bidder ? kBidderReadBytes : kScreenReadBytes) {}

  void start_connect(const tcp::endpoint& endpoint);
  void start_read();
  void on_frame(const protocol::Frame& frame);
  void on_response(const protocol::ResponseMessage& response);
  void on_event(const Event& event);
  void on_status(const protocol::Status& status);
  void flush();
  void close(bool on_purpose);
  void become_ready();

  Worker& worker;
  Role role;
  uint32_t index;  // bidder or screen index
  tcp::socket socket;
  protocol::FrameDecoder decoder;
  std::vector<uint8_t> read_buffer;
  std::vector<uint8_t> out;
  std::vector<uint8_t> writing;
  bool write_active = false;
  bool dirty = false;
  bool stalled = false;
  PeerState state = PeerState::idle;
  std::deque<Pending> pending;
  uint64_t next_request = kBidRequestBase;
  uint32_t subscriptions_open = 0;
};

struct Load::Impl {
  Impl(const Plan& p, Progress& pr) : plan(p), progress(pr), known_high(p.lots.size()) {}

  const Plan& plan;
  Progress& progress;
  tcp::endpoint endpoint;
  std::vector<std::atomic<int64_t>> known_high;  // per lot: the highest price any bidder or screen saw
  std::atomic<int64_t> start_ns{0};              // steady clock; 0 until bidding begins
  std::atomic<uint64_t> failed{0};
  std::atomic<uint64_t> watching_screens{0};
  std::atomic<uint64_t> workers_done{0};
  int64_t late_start_ms = 0;
  std::mutex error_mutex;
  std::string first_error;
  std::vector<std::unique_ptr<Worker>> workers;

  void note_error(const std::string& text) {
    std::lock_guard lock(error_mutex);
    if (first_error.empty()) first_error = text;
  }
};

struct Worker {
  Worker(Load::Impl& shared_state, uint32_t worker_id) : shared(shared_state), id(worker_id), timer(io) {
    stats.lots.resize(shared.plan.lots.size());
  }

  void start();
  void connect_more();
  void on_tick();
  void send_due_bids(int64_t start, int64_t now);
  void send_bid(const ScheduledBid& bid, int64_t due_ns);
  void flush_dirty();
  void check_done(int64_t now);

  Load::Impl& shared;
  uint32_t id;
  asio::io_context io;
  asio::steady_timer timer;
  std::vector<std::unique_ptr<Peer>> peers;
  std::vector<Peer*> bidder_peers;   // by global bidder index; null for other workers' bidders
  std::vector<uint32_t> schedule;    // indexes into plan.schedule for this worker's bidders
  std::vector<Peer*> dirty;
  size_t next_connect = 0;
  uint32_t connects_in_flight = 0;
  size_t next_bid = 0;
  uint64_t pending_total = 0;
  bool dropped = false;
  bool done = false;
  int64_t last_answer_ns = 0;
  LoadStats stats;
  std::thread thread;
};

// ---------------------------------------------------------------------------------------
// Peer: connecting, logging in, reading and writing

void Peer::start_connect(const tcp::endpoint& endpoint) {
  state = PeerState::connecting;
  socket.async_connect(endpoint, [this](const boost::system::error_code& error) {
    if (state == PeerState::closed) return;
    if (error) {
      worker.shared.note_error(fmt::format("connect failed: {}", error.message()));
      return close(false);
    }
    socket.set_option(tcp::no_delay(true));
    state = PeerState::logging_in;
    const auto& options = worker.shared.plan.options;
    protocol::append_login(out, kSessionLoginRequest, role == Role::bidder ? options.trader_token : options.screen_token);
    flush();
    start_read();
  });
}

void Peer::start_read() {
  socket.async_read_some(asio::buffer(read_buffer), [this](const boost::system::error_code& error, size_t bytes) {
    if (state == PeerState::closed) return;
    if (error) return close(false);

    std::span<const uint8_t> input(read_buffer.data(), bytes);
    while (auto frame = decoder.next(input)) on_frame(*frame);
    if (decoder.failed()) {
      worker.shared.note_error(fmt::format("frame decoding failed: code={}", code_number(decoder.error())));
      return close(false);
    }
    worker.flush_dirty();
    if (state == PeerState::closed) return;
    if (stalled && state == PeerState::ready) return;  // a stalled screen stops reading here
    start_read();
  });
}

void Peer::on_frame(const protocol::Frame& frame) {
  using protocol::MessageType;
  switch (static_cast<MessageType>(frame.header.type)) {
    case MessageType::login_reply: {
      protocol::LoginReply reply;
      if (!protocol::decode_login_reply(frame.body, reply) || reply.code != ResultCode::ok) {
        worker.shared.note_error(fmt::format("login rejected: code={}", code_number(reply.code)));
        return close(false);
      }
      if (role == Role::bidder) {
        state = PeerState::ledger_login;
        protocol::append_command(out, Command{bidder_account(index), RequestId{kLedgerLoginRequest}, ledger::Login{}});
      } else {
        state = PeerState::subscribing;
        const auto& lots = worker.shared.plan.lots;
        subscriptions_open = static_cast<uint32_t>(lots.size());
        for (size_t i = 0; i < lots.size(); ++i)
          protocol::append_subscription(out, MessageType::subscribe, 100 + i, {protocol::SubscriptionKind::lot, lots[i].lot.value});
      }
      flush();
      return;
    }
    case MessageType::response: {
      protocol::ResponseMessage response;
      if (protocol::decode_response(frame.body, frame.header.flags, response)) on_response(response);
      return;
    }
    case MessageType::event: {
      Event event;
      if (protocol::decode_event(frame.body, event)) on_event(event);
      return;
    }
    case MessageType::status: {
      protocol::Status status;
      if (protocol::decode_status(frame.body, status)) on_status(status);
      return;
    }
    case MessageType::conflated:
      if (role == Role::screen) ++worker.stats.screens[index].conflated_notices;
      return;
    default:
      return;
  }
}

void Peer::on_status(const protocol::Status& status) {
  if (state == PeerState::subscribing) {
    if (status.code != ResultCode::ok)
      worker.shared.note_error(fmt::format("subscription rejected: code={} text={}", code_number(status.code), status.text));
    if (--subscriptions_open == 0) become_ready();
    return;
  }
  // Any other status announces that the server closes this session.
  worker.shared.note_error(fmt::format("session closed by the server: code={} text={}", code_number(status.code), status.text));
}

void Peer::become_ready() {
  state = PeerState::ready;
  worker.shared.progress.connected.fetch_add(1, std::memory_order_relaxed);
  if (role == Role::screen && !stalled) worker.shared.watching_screens.fetch_add(1, std::memory_order_relaxed);
  --worker.connects_in_flight;
  worker.connect_more();
}

void Peer::flush() {
  if (write_active || out.empty() || state == PeerState::closed) return;
  write_active = true;
  writing.swap(out);
  asio::async_write(socket, asio::buffer(writing), [this](const boost::system::error_code& error, size_t) {
    write_active = false;
    writing.clear();
    if (state == PeerState::closed) return;
    if (error) return close(false);
    flush();
  });
}

// Closes the socket once. Bids still waiting for a response are counted as unanswered
// because their connection dropped, and the final checks allow for them.
void Peer::close(bool on_purpose) {
  if (state == PeerState::closed) return;
  const PeerState before = state;
  state = PeerState::closed;
  boost::system::error_code ignored;
  socket.close(ignored);

  LoadStats& stats = worker.stats;
  for (const Pending& bid : pending) ++stats.lots[bid.lot].unanswered;
  stats.bids_unanswered_dropped += pending.size();
  worker.pending_total -= pending.size();
  pending.clear();

  if (before != PeerState::ready) {
    worker.shared.failed.fetch_add(1, std::memory_order_relaxed);
    --worker.connects_in_flight;
    worker.connect_more();
    return;
  }
  if (role == Role::screen) {
    stats.screens[index].closed_by_server = !on_purpose;
    if (!stalled) worker.shared.watching_screens.fetch_sub(1, std::memory_order_relaxed);
  } else if (on_purpose) {
    ++stats.bidders_dropped;
  } else {
    ++stats.bidders_closed_by_server;
  }
}

// ---------------------------------------------------------------------------------------
// Peer: responses and events

void Peer::on_response(const protocol::ResponseMessage& response) {
  LoadStats& stats = worker.stats;
  const uint64_t request = response.request_id.value;
  if (request == kLedgerLoginRequest) {
    if (response.reply.code == ResultCode::ok && response.reply.values[0] > 0)
      stats.login_points[bidder_holder(index).value] += response.reply.values[0];
    return become_ready();
  }

  auto found = pending.begin();
  while (found != pending.end() && found->request_id != request) ++found;
  if (found == pending.end()) return;  // not a bid of this connection
  const Pending bid = *found;
  pending.erase(found);
  --worker.pending_total;

  const int64_t now = steady_ns(Clock::now());
  worker.last_answer_ns = now;
  stats.ack_latency_us.record(static_cast<uint64_t>(std::max<int64_t>(0, now - bid.due_ns) / 1000));
  ++stats.bids_acked;
  worker.shared.progress.acked.fetch_add(1, std::memory_order_relaxed);

  if (response.reply.code != ResultCode::ok) {
    ++stats.rejected_by_code[code_number(response.reply.code)];
    return;
  }
  ++stats.bids_accepted;
  worker.shared.progress.accepted.fetch_add(1, std::memory_order_relaxed);
  LotTally& tally = stats.lots[bid.lot];
  switch (bid.kind) {
    case BidKind::english: {
      ++tally.accepted;
      const PriceFen high = response.reply.values[0];
      tally.high = std::max(tally.high, high);
      auto& known = worker.shared.known_high[bid.lot];
      int64_t seen = known.load(std::memory_order_relaxed);
      while (seen < high && !known.compare_exchange_weak(seen, high, std::memory_order_relaxed)) {}
      return;
    }
    case BidKind::dutch_accept:
      ++tally.accepted;
      tally.dutch_price = response.reply.values[0];
      tally.dutch_winner = index;
      return;
    case BidKind::sealed:
      ++tally.accepted;
      return;
    case BidKind::intent:
      ++tally.intents_accepted;
      return;
  }
}

void Peer::on_event(const Event& event) {
  if (role != Role::screen) return;
  ScreenRecord& record = worker.stats.screens[index];
  ++record.events;
  const uint64_t lot_index = event.lot.value - kLotBase - 1;
  if (lot_index >= record.results.size()) return;

  if (event.type == EventType::lot_result) {
    if (!record.results[lot_index]) worker.shared.progress.results_seen.fetch_add(1, std::memory_order_relaxed);
    record.results[lot_index] = SeenResult{event.reason, event.account, event.price, static_cast<uint64_t>(event.aux)};
    return;
  }
  const auto format = worker.shared.plan.lots[lot_index].format;
  const bool ascending = format == auction::LotFormat::english || format == auction::LotFormat::listing;
  if (event.type == EventType::lot_bid && ascending && event.price > 0) {
    auto& known = worker.shared.known_high[lot_index];
    int64_t seen = known.load(std::memory_order_relaxed);
    while (seen < event.price && !known.compare_exchange_weak(seen, event.price, std::memory_order_relaxed)) {}
  }
}

// ---------------------------------------------------------------------------------------
// Worker: connecting, the bid clock and completion

void Worker::start() {
  thread = std::thread([this] {
    auto guard = asio::make_work_guard(io);
    asio::post(io, [this] { connect_more(); });
    timer.expires_after(kTickInterval);
    timer.async_wait([this](const boost::system::error_code& error) {
      if (!error) on_tick();
    });
    io.run();
  });
}

void Worker::connect_more() {
  while (connects_in_flight < kConnectsInFlightMax && next_connect < peers.size()) {
    ++connects_in_flight;
    peers[next_connect++]->start_connect(shared.endpoint);
  }
}

void Worker::on_tick() {
  const int64_t start = shared.start_ns.load(std::memory_order_acquire);
  if (start != 0) {
    const int64_t now = steady_ns(Clock::now());
    if (!dropped && now - start >= shared.plan.drop_offset_ns) {
      dropped = true;
      for (const uint32_t bidder : shared.plan.dropping_bidders)
        if (bidder_peers[bidder] != nullptr) bidder_peers[bidder]->close(true);
    }
    send_due_bids(start, now);
    flush_dirty();
    check_done(now);
  }
  timer.expires_after(kTickInterval);
  timer.async_wait([this](const boost::system::error_code& error) {
    if (!error) on_tick();
  });
}

void Worker::send_due_bids(int64_t start, int64_t now) {
  const auto& planned = shared.plan.schedule;
  while (next_bid < schedule.size()) {
    const ScheduledBid& bid = planned[schedule[next_bid]];
    if (start + bid.offset_ns > now) break;
    send_bid(bid, start + bid.offset_ns);
    ++next_bid;
  }
}

void Worker::send_bid(const ScheduledBid& bid, int64_t due_ns) {
  Peer* peer = bidder_peers[bid.bidder];
  if (peer == nullptr || peer->state != PeerState::ready) {
    ++stats.bids_not_sent_dropped;
    return;
  }

  const LotPlan& lot = shared.plan.lots[bid.lot];
  const uint64_t request = peer->next_request++;
  Command command{bidder_account(bid.bidder), RequestId{request}, std::monostate{}};
  switch (bid.kind) {
    case BidKind::english: {
      const PriceFen high = shared.known_high[bid.lot].load(std::memory_order_relaxed);
      PriceFen price = high == 0 ? kStartPriceFen : high + bid.steps * kIncrementFen;
      if (lot.cap_price != 0) price = std::min(price, lot.cap_price);
      command.body = auction::Bid{lot.lot, price, 0};
      break;
    }
    case BidKind::dutch_accept:
      command.body = auction::DutchAccept{lot.lot};
      break;
    case BidKind::sealed:
      command.body = auction::SealedBid{lot.lot, kStartPriceFen + bid.steps * kIncrementFen};
      break;
    case BidKind::intent:
      command.body = auction::ListingIntent{lot.lot};
      break;
  }

  protocol::append_command(peer->out, command);
  peer->pending.push_back(Pending{request, bid.lot, bid.kind, due_ns});
  ++pending_total;
  ++stats.bids_sent;
  shared.progress.sent.fetch_add(1, std::memory_order_relaxed);
  if (!peer->dirty) {
    peer->dirty = true;
    dirty.push_back(peer);
  }
}

void Worker::flush_dirty() {
  for (Peer* peer : dirty) {
    peer->dirty = false;
    peer->flush();
  }
  dirty.clear();
}

void Worker::check_done(int64_t now) {
  if (done || next_bid < schedule.size() || pending_total != 0) return;
  done = true;
  stats.bidding_seconds = static_cast<double>(std::max(last_answer_ns, now) - shared.start_ns.load()) / 1e9;
  shared.workers_done.fetch_add(1, std::memory_order_release);
}

// ---------------------------------------------------------------------------------------
// Load

Load::Load(const Plan& plan, Progress& progress) : impl_(std::make_unique<Impl>(plan, progress)) {
  const Options& options = plan.options;
  impl_->endpoint = tcp::endpoint(asio::ip::make_address(options.host), options.port);
  const uint32_t threads = std::max<uint32_t>(1, options.threads);
  for (uint32_t t = 0; t < threads; ++t) impl_->workers.push_back(std::make_unique<Worker>(*impl_, t));

  for (uint32_t b = 0; b < options.bidders; ++b) {
    Worker& worker = *impl_->workers[b % threads];
    if (worker.bidder_peers.empty()) worker.bidder_peers.assign(options.bidders, nullptr);
    worker.peers.push_back(std::make_unique<Peer>(worker, worker.io, Role::bidder, b));
    worker.bidder_peers[b] = worker.peers.back().get();
  }
  for (uint32_t s = 0; s < options.screens; ++s) {
    Worker& worker = *impl_->workers[s % threads];
    if (worker.bidder_peers.empty()) worker.bidder_peers.assign(options.bidders, nullptr);
    auto peer = std::make_unique<Peer>(worker, worker.io, Role::screen, s);
    peer->stalled = s < options.stalled_screens;
    worker.peers.push_back(std::move(peer));
  }
  for (auto& worker : impl_->workers) {
    worker->stats.screens.resize(options.screens);
    for (uint32_t s = 0; s < options.screens; ++s) {
      worker->stats.screens[s].stalled = s < options.stalled_screens;
      worker->stats.screens[s].results.resize(plan.lots.size());
    }
  }
  for (uint32_t i = 0; i < plan.schedule.size(); ++i)
    impl_->workers[plan.schedule[i].bidder % threads]->schedule.push_back(i);
}

Load::~Load() {
  if (!impl_->workers.empty() && impl_->workers.front()->thread.joinable()) (void)finish();
}

bool Load::connect(std::chrono::seconds timeout, std::string& error) {
  for (auto& worker : impl_->workers) worker->start();
  const uint64_t total = uint64_t{impl_->plan.options.bidders} + impl_->plan.options.screens;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const uint64_t connected = impl_->progress.connected.load();
    const uint64_t failed = impl_->failed.load();
    if (failed != 0) {
      std::lock_guard lock(impl_->error_mutex);
      error = fmt::format("{} of {} connections failed; first error: {}", failed, total, impl_->first_error);
      return false;
    }
    if (connected == total) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error = fmt::format("timed out after {} s with {} of {} connections logged in", timeout.count(),
                      impl_->progress.connected.load(), total);
  return false;
}

void Load::run(Clock::time_point start, std::chrono::milliseconds settle_timeout) {
  impl_->late_start_ms = std::max<int64_t>(0, steady_ns(Clock::now()) - steady_ns(start)) / 1'000'000;
  impl_->start_ns.store(steady_ns(start), std::memory_order_release);
  const auto workers = impl_->workers.size();
  const uint64_t lots = impl_->plan.lots.size();
  const int64_t last_offset = impl_->plan.schedule.empty() ? 0 : impl_->plan.schedule.back().offset_ns;
  const auto schedule_end = start + std::chrono::nanoseconds(last_offset);

  std::this_thread::sleep_until(schedule_end);
  const auto deadline = Clock::now() + settle_timeout;
  while (Clock::now() < deadline) {
    const bool answered = impl_->workers_done.load(std::memory_order_acquire) == workers;
    const bool results = impl_->progress.results_seen.load() >= impl_->watching_screens.load() * lots;
    if (answered && results) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace {


void merge_into(LoadStats& total, const LoadStats& part) {
  total.bids_sent += part.bids_sent;
  total.bids_acked += part.bids_acked;
  total.bids_accepted += part.bids_accepted;
  total.bids_unanswered_dropped += part.bids_unanswered_dropped;
  total.bids_unanswered_live += part.bids_unanswered_live;
  total.bids_not_sent_dropped += part.bids_not_sent_dropped;
  total.bidders_connected += part.bidders_connected;
  total.bidders_dropped += part.bidders_dropped;
  total.bidders_closed_by_server += part.bidders_closed_by_server;
  for (const auto& [code, count] : part.rejected_by_code) total.rejected_by_code[code] += count;
  total.ack_latency_us.merge(part.ack_latency_us);
  for (const auto& [holder, points] : part.login_points) total.login_points[holder] += points;
  total.bidding_seconds = std::max(total.bidding_seconds, part.bidding_seconds);

  if (total.lots.empty()) total.lots.resize(part.lots.size());
  for (size_t i = 0; i < part.lots.size(); ++i) {
    LotTally& lot = total.lots[i];
    const LotTally& add = part.lots[i];
    lot.accepted += add.accepted;
    lot.intents_accepted += add.intents_accepted;
    lot.unanswered += add.unanswered;
    lot.high = std::max(lot.high, add.high);
    if (add.dutch_winner != UINT32_MAX) {
      lot.dutch_winner = add.dutch_winner;
      lot.dutch_price = add.dutch_price;
    }
  }
}

// Counts what is still unanswered on open connections, then closes every socket.
void close_all(Worker& worker) {
  worker.timer.cancel();
  for (auto& peer : worker.peers) {
    if (peer->state == PeerState::closed) continue;
    for (const Pending& bid : peer->pending) ++worker.stats.lots[bid.lot].unanswered;
    worker.stats.bids_unanswered_live += peer->pending.size();
    peer->pending.clear();
    if (peer->role == Role::bidder && peer->state == PeerState::ready) ++worker.stats.bidders_connected;
    peer->state = PeerState::closed;
    boost::system::error_code ignored;
    peer->socket.close(ignored);
  }
  worker.io.stop();
}

}  // namespace

LoadStats Load::finish() {
  for (auto& worker : impl_->workers) {
    if (!worker->thread.joinable()) continue;
    asio::post(worker->io, [w = worker.get()] { close_all(*w); });
    worker->thread.join();
  }

  LoadStats total;
  total.lots.resize(impl_->plan.lots.size());
  total.screens.resize(impl_->plan.options.screens);
  for (auto& worker : impl_->workers) {
    merge_into(total, worker->stats);
    for (uint32_t s = 0; s < total.screens.size(); ++s) {
      if (s % impl_->workers.size() == worker->id) total.screens[s] = std::move(worker->stats.screens[s]);
    }
  }
  total.bidders_connected += total.bidders_dropped + total.bidders_closed_by_server;
  total.late_start_ms = impl_->late_start_ms;
  return total;
}

}  // namespace jubian::roadshow
