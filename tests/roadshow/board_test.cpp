// Loads the live board in headless Chromium after a small roadshow and checks the prices
// it shows against the engine's final lot states.

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "daemon.hpp"

namespace {

using namespace roadshow_test;

const std::vector<std::string> kSizes = {"--bidders", "200", "--lots", "10", "--bids", "5000", "--screens", "2",
                                         "--duration-s", "5", "--seed", "3"};
constexpr int kDumpAttempts = 10;

// Finds chromium, installing the Debian package when it is missing; empty when neither works.
std::string find_chromium() {
  if (std::system("command -v chromium > /dev/null 2>&1") == 0) return "chromium";
  std::fprintf(stderr, "chromium is missing; running apt-get install -y chromium\n");
  if (std::system("apt-get install -y chromium > /dev/null 2>&1") != 0) return "";
  return std::system("command -v chromium > /dev/null 2>&1") == 0 ? "chromium" : "";
}

struct Row {
  std::string result;
  int64_t price_fen = 0;
};

// The rows of the page: every <tr> with data-lot, data-price-fen and data-result attributes.
std::map<uint64_t, Row> parse_rows(const std::string& dom) {
  std::map<uint64_t, Row> rows;
  const std::regex tr(R"re(<tr[^>]*data-lot="(\d+)"[^>]*>)re");
  const std::regex price(R"re(data-price-fen="(-?\d+)")re");
  const std::regex result(R"re(data-result="(\w+)")re");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), tr); it != std::sregex_iterator(); ++it) {
    const std::string tag = (*it)[0];
    std::smatch match;
    Row row;
    if (std::regex_search(tag, match, price)) row.price_fen = std::stoll(match[1]);
    if (std::regex_search(tag, match, result)) row.result = match[1];
    rows[std::stoull((*it)[1])] = row;
  }
  return rows;
}

std::string dump_dom(const std::string& chromium, const TempDir& dir, const std::string& url, const std::string& name) {
  std::string dom;
  run({"/usr/bin/env", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
       "--disable-component-update", "--disable-sync", "--no-first-run",
       "--user-data-dir=" + (dir.path() / ("chromium-" + name)).string(), "--dump-dom", url},
      dir.path(), name, dom);
  return dom;
}

bool all_finished(const std::map<uint64_t, Row>& rows, size_t lots) {
  if (rows.size() != lots) return false;
  for (const auto& [lot, row] : rows)
    if (row.result == "none") return false;
  return true;
}

TEST(Board, PageShowsFinalPrices) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "Chromium is not installed and apt-get install chromium failed; the board page is not checked";

  TempDir dir;
  std::string output;
  auto write = roadshow_args(0, kSizes);
  write.insert(write.end(), {"--write-config", (dir.path() / "tokens.toml").string()});
  ASSERT_EQ(run(write, dir.path(), "write-config", output), 0);
  Daemon daemon(dir.path());
  const uint16_t port = daemon.start(dir.path() / "tokens.toml");
  ASSERT_NE(port, 0) << daemon.errors();

  Server board(dir.path(), "board");
  const uint16_t board_port = board.start({kBinDir + "/jubian-board", "--jubiand-port", std::to_string(port), "--token",
                                           kScreenToken, "--category", "101", "--port", "0"});
  ASSERT_NE(board_port, 0) << board.errors();

  auto play = roadshow_args(port, kSizes);
  play.push_back("--json");
  ASSERT_EQ(run(play, dir.path(), "roadshow", output), 0) << read_file(dir.path() / "roadshow.err");
  const auto report = nlohmann::json::parse(output);
  const size_t lots = report["lot_results"].size();
  ASSERT_EQ(lots, 10u);

  // The board refreshes every lot once a second, so the last results may need a moment.
  const std::string url = "http://127.0.0.1:" + std::to_string(board_port) + "/";
  std::map<uint64_t, Row> rows;
  std::string dom;
  for (int attempt = 0; attempt < kDumpAttempts && !all_finished(rows, lots); ++attempt) {
    dom = dump_dom(chromium, dir, url, "dom-" + std::to_string(attempt));
    rows = parse_rows(dom);
  }
  ASSERT_EQ(rows.size(), lots) << dom.substr(0, 2000);
  EXPECT_NE(dom.find("路演实时看板"), std::string::npos);

  for (const auto& lot : report["lot_results"]) {
    const uint64_t id = lot["lot"];
    ASSERT_TRUE(rows.contains(id)) << "lot " << id << " is not on the page";
    EXPECT_EQ(rows[id].result, lot["result"].get<std::string>()) << "lot " << id;
    if (lot["result"] == "sold") {
      EXPECT_EQ(rows[id].price_fen, lot["final_price_fen"].get<int64_t>()) << "lot " << id;
    }
  }

  const std::string english = dump_dom(chromium, dir, url + "?lang=en", "dom-en");
  EXPECT_NE(english.find("Roadshow live board"), std::string::npos);
  EXPECT_EQ(board.stop(), 0) << board.errors();
  EXPECT_EQ(daemon.stop(), 0) << daemon.errors();
}

}  // namespace
