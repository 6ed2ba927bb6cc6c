// cmake-link: Threads::Threads
// Plays small roadshows against a real jubiand and checks the JSON report.

#include <fcntl.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "daemon.hpp"

namespace {

using namespace roadshow_test;

const std::vector<std::string> kSmallRoadshow = {"--bidders", "200", "--lots", "10", "--bids", "5000", "--screens",
                                                 "4", "--duration-s", "6", "--seed", "7", "--json"};

// Writes the token file, starts jubiand and plays one roadshow with the given sizes.
nlohmann::json play(const TempDir& dir, const std::vector<std::string>& sizes, int& exit_code) {
  std::string ignored;
  const auto tokens = dir.path() / "tokens.toml";
  auto write = roadshow_args(0, sizes);
  write.push_back("--write-config");
  write.push_back(tokens.string());
  EXPECT_EQ(run(write, dir.path(), "write-config", ignored), 0);

  Daemon daemon(dir.path());
  const uint16_t port = daemon.start(tokens);
  EXPECT_NE(port, 0) << daemon.errors();
  if (port == 0) return {};

  std::string output;
  exit_code = run(roadshow_args(port, sizes), dir.path(), "roadshow", output);
  EXPECT_EQ(daemon.stop(), 0) << daemon.errors();
  if (output.empty()) {
    ADD_FAILURE() << "no report; stderr: " << read_file(dir.path() / "roadshow.err");
    return {};
  }
  return nlohmann::json::parse(output);
}

TEST(Roadshow, SmallRoadshowPassesEveryCheck) {
  TempDir dir;
  int exit_code = -1;
  const auto report = play(dir, kSmallRoadshow, exit_code);
  ASSERT_FALSE(report.is_null());

  EXPECT_EQ(exit_code, 0) << report.dump(2);
  EXPECT_EQ(report["bids_sent"], 5000);
  EXPECT_EQ(report["bids_acked"], 5000);
  EXPECT_EQ(report["bids_lost"], 0);
  EXPECT_EQ(report["screens_missing_final"], 0);
  EXPECT_EQ(report["ledger_mismatches"], 0);
  EXPECT_EQ(report["price_mismatches"], 0);
  EXPECT_GT(report["bids_accepted"].get<uint64_t>(), 0u);
  EXPECT_EQ(report["lots_open"], 0);
  EXPECT_GT(report["ledger_accounts_checked"].get<uint64_t>(), 0u);
  EXPECT_GT(report["ack_latency_us"]["p99"].get<uint64_t>(), 0u);
}

TEST(Roadshow, DroppedBiddersAndStalledScreenAreAccountedFor) {
  TempDir dir;
  auto sizes = kSmallRoadshow;
  sizes.insert(sizes.end(), {"--drop-bidders", "10", "--stalled-screens", "1"});
  int exit_code = -1;
  const auto report = play(dir, sizes, exit_code);
  ASSERT_FALSE(report.is_null());

  EXPECT_EQ(exit_code, 0) << report.dump(2);
  EXPECT_EQ(report["bidders_dropped"], 10);
  EXPECT_EQ(report["bids_lost"], 0);
  EXPECT_EQ(report["screens_missing_final"], 0);
  EXPECT_EQ(report["ledger_mismatches"], 0);
  const uint64_t accounted = report["bids_acked"].get<uint64_t>() + report["bids_unanswered_dropped"].get<uint64_t>();
  EXPECT_EQ(accounted, report["bids_sent"].get<uint64_t>());
  EXPECT_EQ(report["bids_sent"].get<uint64_t>() + report["bids_not_sent_dropped"].get<uint64_t>(), 5000u);
}

// Reads the last "acked=N" that the roadshow's progress lines printed.
uint64_t acked_so_far(const std::filesystem::path& progress) {
  const std::string text = read_file(progress);
  const auto at = text.rfind("acked=");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + 6));
}

TEST(Roadshow, CrashMidBurstLosesNoAcknowledgedBid) {
  TempDir dir;
  std::string ignored;
  const std::vector<std::string> sizes = {"--bidders", "200", "--lots", "10", "--bids", "20000", "--screens", "2",
                                          "--duration-s", "8", "--seed", "5"};
  auto write = roadshow_args(0, sizes);
  write.insert(write.end(), {"--write-config", (dir.path() / "tokens.toml").string()});
  ASSERT_EQ(run(write, dir.path(), "write-config", ignored), 0);
  Daemon daemon(dir.path());
  const uint16_t port = daemon.start(dir.path() / "tokens.toml");
  ASSERT_NE(port, 0) << daemon.errors();

  auto play = roadshow_args(port, sizes);
  play.insert(play.end(), {"--json", "--reconnect-timeout-s", "60"});
  const pid_t roadshow = spawn(play, dir.path() / "roadshow.out", dir.path() / "roadshow.err");
  ASSERT_GT(roadshow, 0);

  // Kill jubiand once a few thousand bids are acknowledged, then restart it on the same
  // data directory and port; the roadshow's checks reconnect to it.
  for (int i = 0; i < 600 && acked_so_far(dir.path() / "roadshow.err") < 3000; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GE(acked_so_far(dir.path() / "roadshow.err"), 3000u) << read_file(dir.path() / "roadshow.err");
  daemon.crash();
  ASSERT_EQ(daemon.start(dir.path() / "tokens.toml", port), port) << daemon.errors();

  const int exit_code = wait_exit(roadshow);
  const std::string output = read_file(dir.path() / "roadshow.out");
  ASSERT_FALSE(output.empty()) << read_file(dir.path() / "roadshow.err");
  const auto report = nlohmann::json::parse(output);
  EXPECT_EQ(exit_code, 0) << report.dump(2);
  EXPECT_EQ(report["bids_lost"], 0);
  EXPECT_EQ(report["price_mismatches"], 0);
  EXPECT_EQ(report["bidders_closed_by_server"], 200);
  EXPECT_GE(report["bids_accepted"].get<uint64_t>(), 1u);
  EXPECT_GT(report["bids_not_sent_dropped"].get<uint64_t>(), 0u);
  EXPECT_EQ(daemon.stop(), 0) << daemon.errors();
}

TEST(Roadshow, SameSeedSendsSamePlan) {
  TempDir dir;
  const std::vector<std::string> sizes = {"--bidders", "500", "--lots", "20", "--bids", "20000", "--plan-digest"};
  std::string first, again, other;
  auto seeded = [&](const char* seed) {
    auto args = roadshow_args(0, sizes);
    args.insert(args.end(), {"--seed", seed});
    return args;
  };
  ASSERT_EQ(run(seeded("11"), dir.path(), "first", first), 0);
  ASSERT_EQ(run(seeded("11"), dir.path(), "again", again), 0);
  ASSERT_EQ(run(seeded("12"), dir.path(), "other", other), 0);
  EXPECT_EQ(first.size(), 17u) << first;
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
}

TEST(Roadshow, MissingPortIsRejected) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(run(roadshow_args(0, {"--bidders", "10"}), dir.path(), "noport", output), 2);
  EXPECT_NE(read_file(dir.path() / "noport.err").find("--port is required"), std::string::npos);
}

}  // namespace
