// jubian-roadshow: plays a roadshow against a running jubiand and checks the outcome.
//
//   jubian-roadshow --write-config tokens.toml [sizes]     # token file for jubiand --config
//   jubian-roadshow --plan-digest [sizes] [--seed N]       # fingerprint of the seeded plan
//   jubian-roadshow --port N --admin-token A --trader-token T --screen-token S [sizes]
//
// Exit status: 0 when every check passed, 1 when a check failed, 2 on a usage or
// connection error.

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tools/roadshow/load.hpp"
#include "tools/roadshow/plan.hpp"
#include "tools/roadshow/report.hpp"
#include "tools/roadshow/setup.hpp"

namespace {

using namespace jubian;
using namespace jubian::roadshow;
using Clock = std::chrono::steady_clock;

constexpr int kExitFailed = 1;
constexpr int kExitError = 2;
constexpr auto kConnectTimeout = std::chrono::seconds(120);
constexpr double kLeadSafety = 1.5;     // margin on the estimated qualification time
constexpr double kLeadMinimumS = 1.0;
constexpr size_t kFileDescriptorsSpare = 64;

// Raises the soft open-file limit to the hard one; returns false when that is still too few.
bool raise_file_limit(size_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed;
}

void write_config(const std::string& file, const Options& options) {
  std::ofstream out(file);
  out << "# Tokens for a roadshow written by jubian-roadshow --write-config; pass to jubiand --config.\n";
  out << fmt::format("[[tokens]]\ntoken = \"{}\"\nrole = \"admin\"\nname = \"roadshow-admin\"\n\n", options.admin_token);
  out << fmt::format("[[tokens]]\ntoken = \"{}\"\nrole = \"market_data\"\nname = \"roadshow-screen\"\n\n", options.screen_token);
  out << fmt::format("[[tokens]]\ntoken = \"{}\"\nrole = \"trader\"\nname = \"roadshow-trader\"\naccounts = [", options.trader_token);
  const auto accounts = trader_accounts(options);
  for (size_t i = 0; i < accounts.size(); ++i) out << (i == 0 ? "" : ", ") << accounts[i].value;
  out << "]\n";
  if (!out) throw std::runtime_error("cannot write " + file);
}

// Prints one progress line a second to stderr until stopped.
class ProgressPrinter {
 public:
  ProgressPrinter(const Progress& progress, uint64_t planned) : progress_(progress), planned_(planned) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ProgressPrinter() {
    stop_ = true;
    thread_.join();
  }
  void set_phase(const char* phase) { phase_.store(phase); }

 private:
  void loop() {
    uint64_t last_acked = 0;
    while (!stop_) {
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const uint64_t acked = progress_.acked.load();
      std::fprintf(stderr, "roadshow: phase=%s connected=%llu sent=%llu/%llu acked=%llu accepted=%llu acked_per_s=%llu results_seen=%llu\n",
                   phase_.load(), static_cast<unsigned long long>(progress_.connected.load()),
                   static_cast<unsigned long long>(progress_.sent.load()), static_cast<unsigned long long>(planned_),
                   static_cast<unsigned long long>(acked), static_cast<unsigned long long>(progress_.accepted.load()),
                   static_cast<unsigned long long>(acked - last_acked),
                   static_cast<unsigned long long>(progress_.results_seen.load()));
      last_acked = acked;
    }
  }

  const Progress& progress_;
  uint64_t planned_;
  std::atomic<const char*> phase_{"setup"};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int play(const Options& options) {
  if (!raise_file_limit(options.bidders + options.screens + kFileDescriptorsSpare)) {
    fmt::print(stderr, "jubian-roadshow: the open-file limit is below the {} sockets needed; raise it with ulimit -n\n",
               options.bidders + options.screens + kFileDescriptorsSpare);
    return kExitError;
  }
  const Plan plan = make_plan(options);
  Progress progress;
  ProgressPrinter printer(progress, plan.schedule.size());

  Sessions sessions;
  SetupResult setup;
  open_sessions(sessions, options);
  register_accounts(sessions, plan, setup);
  const double rate = setup.seconds > 0 ? static_cast<double>(setup.commands) / setup.seconds : 1e4;

  printer.set_phase("connect");
  Load load(plan, progress);
  std::string error;
  if (!load.connect(kConnectTimeout, error)) {
    fmt::print(stderr, "jubian-roadshow: {}\n", error);
    return kExitError;
  }

  // Lots open once their bidders are qualified: the lead is the qualification count at
  // the rate that registration reached, with a margin.
  printer.set_phase("list");
  uint64_t qualifications = 0;
  for (const LotPlan& lot : plan.lots) qualifications += lot.bidders.size();
  const double lead_s = kLeadMinimumS + kLeadSafety * static_cast<double>(qualifications + plan.lots.size()) / rate;
  const auto since_reply = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - setup.last_reply_at);
  const TimeNs start_ns = setup.last_time_ns + since_reply.count() + static_cast<TimeNs>(lead_s * 1e9);
  list_lots(sessions, plan, start_ns, setup);
  const auto start = setup.last_reply_at + std::chrono::nanoseconds(start_ns - setup.last_time_ns);

  printer.set_phase("bidding");
  load.run(start, std::chrono::milliseconds(static_cast<int64_t>(options.settle_timeout_s * 1000)));
  printer.set_phase("checking");
  const LoadStats stats = load.finish();
  Sessions checks;
  checks.next_request = sessions.next_request;
  reopen_sessions(checks, options);
  const CheckResult check = check_final_state(checks, plan, setup, stats);
  printer.set_phase("done");

  const Report report{&plan, &setup, &stats, &check};
  std::string text;
  if (options.json) text = format_json(report);
  else if (options.lang == "both") text = format_text(report, "zh") + "\n" + format_text(report, "en");
  else text = format_text(report, options.lang);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!options.report_json.empty()) {
    std::ofstream out(options.report_json);
    out << format_json(report) << '\n';
    if (!out) std::fprintf(stderr, "jubian-roadshow: cannot write the JSON report to %s\n", options.report_json.c_str());
  }
  return report.passed() ? 0 : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jubian-roadshow: plays a live roadshow (bidders, screens, lots in every format) against jubiand and checks it"};
  Options options;
  std::string config_file;
  app.add_option("--host", options.host, "jubiand address (default: 127.0.0.1)");
  app.add_option("--port", options.port, "jubiand port");
  app.add_option("--admin-token", options.admin_token, "Token with the admin role")->required();
  app.add_option("--trader-token", options.trader_token, "Token with the trader role listing every roadshow account")->required();
  app.add_option("--screen-token", options.screen_token, "Token with the market_data role, for screens")->required();
  app.add_option("--bidders", options.bidders, "Bidder connections, one account each")->check(CLI::Range(2u, 60'000u));
  app.add_option("--lots", options.lots, "Concurrent lots")->check(CLI::Range(1u, 4'000u));
  app.add_option("--bids", options.bids, "Bids to send in total");
  app.add_option("--screens", options.screens, "Screen connections, each subscribed to every lot")->check(CLI::Range(0u, 1'000u));
  app.add_option("--duration-s", options.duration_s, "Length of the lots' bidding window in seconds")->check(CLI::Range(2.0, 3600.0));
  app.add_option("--burst-share", options.burst_share, "Share of bids sent in the last fifth of each lot's window (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", options.seed, "Seed of the plan: the same seed and sizes send the same bids at the same offsets");
  app.add_option("--lots-per-bidder", options.lots_per_bidder, "Lots each bidder is qualified for")->check(CLI::Range(1u, 4'000u));
  app.add_option("--threads", options.threads, "Load threads")->check(CLI::Range(1u, 64u));
  app.add_option("--drop-bidders", options.drop_bidders, "Bidders that close their socket mid-burst");
  app.add_option("--stalled-screens", options.stalled_screens, "Screens that subscribe and then stop reading");
  app.add_option("--settle-timeout-s", options.settle_timeout_s, "Seconds to wait for answers and results after the last bid");
  app.add_option("--reconnect-timeout-s", options.reconnect_timeout_s,
                 "Seconds to retry connecting for the final checks, for a run whose server is restarted mid-run; "
                 "such a run checks only the bids");
  app.add_option("--lang", options.lang, "Report language: zh (default), en, or both (Chinese, then English)")
      ->check(CLI::IsMember({"zh", "en", "both"}));
  app.add_option("--report-json", options.report_json, "Also write the report as JSON to this file");
  app.add_flag("--json", options.json, "Print the report as JSON");
  app.add_option("--write-config", config_file, "Write a jubiand token file for these sizes and tokens, then exit");
  bool digest_only = false;
  app.add_flag("--plan-digest", digest_only, "Print a fingerprint of the seeded plan (lots, qualifications, bid schedule), then exit");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!config_file.empty()) {
      write_config(config_file, options);
      return 0;
    }
    if (digest_only) {
      fmt::print("{}\n", plan_digest(make_plan(options)));
      return 0;
    }
    if (options.port == 0) {
      fmt::print(stderr, "jubian-roadshow: --port is required to play a roadshow\n");
      return kExitError;
    }
    return play(options);
  } catch (const std::exception& error) {
    fmt::print(stderr, "jubian-roadshow: failed: {}\n", error.what());
    return kExitError;
  }
}
