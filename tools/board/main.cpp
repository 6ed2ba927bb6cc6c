// jubian-board: the live roadshow board. Connects to jubiand as a market-data client,
// follows every lot of the given categories (and lot ids), and serves on 127.0.0.1 a
// page and a WebSocket stream with each lot's price, masked leader, countdown and result.
//
// Prints one line to stdout once it serves:
//   listening: address=127.0.0.1 port=N

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "api/client.hpp"
#include "engine/common/log.hpp"
#include "tools/board/state.hpp"
#include "tools/board/web.hpp"

namespace {

using namespace jubian;
using namespace std::chrono_literals;

constexpr auto kPollInterval = 1s;         // lot_status refresh of every known lot
constexpr auto kReceiveSlice = 100ms;
constexpr auto kReconnectDelay = 1s;
constexpr uint64_t kReconnectsLoggedEvery = 30;

struct FeedOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string token;
  std::vector<uint32_t> categories;
  std::vector<uint64_t> lots;
};

// Follows jubiand until `stop` is set: subscribes, applies events, polls lot_status.
class Feed {
 public:
  Feed(FeedOptions options, board::BoardState& state) : options_(std::move(options)), state_(state) {}

  void run(const std::atomic<bool>& stop) {
    uint64_t failures = 0;
    while (!stop) {
      try {
        follow(stop);
      } catch (const std::exception& error) {
        if (failures++ % kReconnectsLoggedEvery == 0)
          logger("board")->warn("feed_failed: host={} port={} failures={} error={}", options_.host, options_.port, failures,
                                error.what());
        std::this_thread::sleep_for(kReconnectDelay);
      }
    }
  }

 private:
  void follow(const std::atomic<bool>& stop) {
    api::Client client;
    client.connect(options_.host, options_.port);
    client.login(options_.token);
    subscribed_.clear();
    for (const uint32_t category : options_.categories)
      check(client.subscribe(protocol::SubscriptionKind::category, category), "category", category);
    for (const uint64_t lot : options_.lots) follow_lot(client, lot);
    for (const uint64_t lot : state_.lots()) follow_lot(client, lot);
    logger("board")->info("feed_connected: host={} port={} lots={}", options_.host, options_.port, subscribed_.size());

    auto next_poll = std::chrono::steady_clock::now();
    while (!stop) {
      if (std::chrono::steady_clock::now() >= next_poll) {
        poll(client);
        next_poll = std::chrono::steady_clock::now() + kPollInterval;
      }
      auto incoming = client.receive(kReceiveSlice);
      if (!incoming) continue;
      if (const auto* event = std::get_if<Event>(&*incoming)) {
        state_.apply(*event);
        if (event->lot.value != 0 && !subscribed_.contains(event->lot.value)) follow_lot(client, event->lot.value);
      }
    }
  }

  // Subscribes to one lot, so that its events do not conflate with other lots' events.
  void follow_lot(api::Client& client, uint64_t lot) {
    if (!subscribed_.insert(lot).second) return;
    check(client.subscribe(protocol::SubscriptionKind::lot, lot), "lot", lot);
    refresh(client, lot);
  }

  void poll(api::Client& client) {
    for (const uint64_t lot : subscribed_) refresh(client, lot);
  }

  void refresh(api::Client& client, uint64_t lot) {
    const auto response = client.call(Command{AccountId{}, RequestId{0}, auction::LotStatus{LotId{lot}}});
    if (response.reply.code == ResultCode::ok) state_.apply_status(response.detail, response.reply.time_ns);
  }

  static void check(ResultCode code, const char* kind, uint64_t key) {
    if (code != ResultCode::ok)
      throw std::runtime_error(fmt::format("subscription to {} {} rejected: code={}", kind, key, code_number(code)));
  }

  FeedOptions options_;
  board::BoardState& state_;
  std::set<uint64_t> subscribed_;
};

// Parses "FIRST-LAST" or a single lot id into `lots`.
std::optional<std::string> parse_lot_range(const std::string& text, std::vector<uint64_t>& lots) {
  const auto dash = text.find('-');
  try {
    const uint64_t first = std::stoull(text.substr(0, dash));
    const uint64_t last = dash == std::string::npos ? first : std::stoull(text.substr(dash + 1));
    if (first == 0 || last < first || last - first > 100'000) return "expected FIRST-LAST with 0 < FIRST <= LAST";
    for (uint64_t lot = first; lot <= last; ++lot) lots.push_back(lot);
    return std::nullopt;
  } catch (const std::exception&) {
    return "expected FIRST-LAST, e.g. 500001-500200";
  }
}

std::string read_page(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the page " + file + "; pass --page tools/board/index.html");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jubian-board: the live roadshow board, served on 127.0.0.1 over HTTP and WebSocket"};
  FeedOptions feed;
  board::WebOptions web;
  std::vector<std::string> lot_ranges;
  std::string page_file = JUBIAN_BOARD_PAGE;
  app.add_option("--jubiand-host", feed.host, "jubiand address (default: 127.0.0.1)");
  app.add_option("--jubiand-port", feed.port, "jubiand port")->required();
  app.add_option("--token", feed.token, "Token with the market_data (or admin) role")->required();
  app.add_option("--category", feed.categories, "Category whose lots the board follows as they are created (repeatable)");
  app.add_option("--lots", lot_ranges, "Lot ids to follow from the start, as FIRST-LAST or one id (repeatable)");
  app.add_option("--port", web.port, "Port of the page on 127.0.0.1; 0 lets the kernel choose");
  app.add_option("--page", page_file, "The board's HTML file (default: tools/board/index.html of the source tree)");
  CLI11_PARSE(app, argc, argv);

  for (const std::string& range : lot_ranges) {
    if (auto problem = parse_lot_range(range, feed.lots)) {
      fmt::print(stderr, "jubian-board: invalid --lots '{}': {}\n", range, *problem);
      return 2;
    }
  }
  if (feed.categories.empty() && feed.lots.empty()) {
    fmt::print(stderr, "jubian-board: nothing to follow; give --category or --lots\n");
    return 2;
  }

  try {
    web.page = read_page(page_file);
    board::BoardState state;
    board::WebServer server(web, state);
    server.start();
    fmt::print("listening: address={} port={}\n", web.address, server.port());
    std::fflush(stdout);

    std::atomic<bool> stop{false};
    Feed follower(feed, state);
    std::thread feed_thread([&] { follower.run(stop); });

    boost::asio::io_context signals_io;
    boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) {});
    signals_io.run();

    logger("board")->info("stopping: lots={}", state.lot_count());
    stop = true;
    feed_thread.join();
    server.stop();
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "jubian-board: failed: {}\n", error.what());
    return 1;
  }
}
