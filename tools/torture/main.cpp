// jubian-torture: crashes the engine on purpose and checks that nothing acknowledged is
// lost, nothing unacknowledged is half-applied, and recovery equals a fresh replay.
//
//   jubian-torture --mode server --kills 50 --seed 7      SIGKILL jubiand under TCP load
//   jubian-torture --mode kill-points --kill-points 20    crash inside the journal writer
//   jubian-torture --mode soak --soak-minutes 30          memory of one long-running jubiand
//
// Prints one summary line per mode; exits 1 when a check fails.

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "engine/common/log.hpp"
#include "tools/torture/checks.hpp"
#include "tools/torture/modes.hpp"

namespace {

namespace fs = std::filesystem;
using namespace jubian::torture;

constexpr int kExitCheckFailed = 1;
constexpr int kExitError = 2;

void print_totals(const char* mode, const RunOptions& options, const RunTotals& totals) {
  fmt::print("torture_done: mode={} seed={} kills={} acknowledged={} retried_pending={} retried_answered={} "
             "journal_records={} seconds={:.1f}\n",
             mode, options.workload.seed, totals.kills, totals.acknowledged, totals.retried_pending,
             totals.retried_answered, totals.journal_records, totals.seconds);
}

// Finds a sibling program in the directory of this one, where CMake puts every binary.
fs::path sibling(const char* argv0, const char* name) {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) self = argv0;
  return self.parent_path() / name;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"jubian-torture: kills the engine at random moments and checks every acknowledged command survives"};
  RunOptions options;
  std::string mode = "server";
  const fs::path source = JUBIAN_SOURCE_DIR;
  options.work_dir = fs::temp_directory_path() / fmt::format("jubian-torture-{}", ::getpid());
  options.jubiand = sibling(argv[0], "jubiand");
  options.jubian_wal = sibling(argv[0], "jubian-wal");
  options.rules_file = source / "config" / "rules.toml";
  options.categories_file = source / "config" / "categories.tsv";
  bool keep = false;

  app.add_option("--mode", mode, "server, kill-points, both or soak")
      ->check(CLI::IsMember({"server", "kill-points", "both", "soak"}));
  app.add_option("--seed", options.workload.seed, "Seed of the command stream and of the kill times");
  app.add_option("--kills", options.kills, "server mode: SIGKILLs of jubiand")->check(CLI::Range(1, 100'000));
  app.add_option("--kill-points", options.kill_points, "kill-points mode: crashes at an fdatasync call")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--kill-after-min-ms", options.kill_after_min_ms, "Earliest kill, ms after the load starts");
  app.add_option("--kill-after-max-ms", options.kill_after_max_ms, "Latest kill, ms after the load starts");
  app.add_option("--accounts", options.workload.accounts, "User accounts in the workload")->check(CLI::Range(2, 256));
  app.add_option("--window", options.window, "Commands in flight per round trip")->check(CLI::Range(1, 4096));
  app.add_option("--soak-minutes", options.soak_minutes, "soak mode: minutes of load")->check(CLI::Range(1, 10'000));
  app.add_option("--work-dir", options.work_dir, "Directory for the data and jubiand.log (emptied first)");
  app.add_option("--jubiand", options.jubiand, "The jubiand binary (default: beside this program)");
  app.add_option("--jubian-wal", options.jubian_wal, "The jubian-wal binary (default: beside this program)");
  app.add_option("--rules", options.rules_file, "Award rule table");
  app.add_option("--categories", options.categories_file, "Market categories");
  app.add_flag("--keep", keep, "Keep the work directory after a successful run");
  CLI11_PARSE(app, argc, argv);

  if (options.kill_after_max_ms < options.kill_after_min_ms) {
    fmt::print(stderr, "jubian-torture: --kill-after-max-ms must be at least --kill-after-min-ms\n");
    return kExitError;
  }
  if (mode == "soak" && options.soak_minutes == 0) {
    fmt::print(stderr, "jubian-torture: soak mode needs --soak-minutes\n");
    return kExitError;
  }

  try {
    const auto reset_work_dir = [&] {
      fs::remove_all(options.work_dir);
      fs::create_directories(options.work_dir);
    };
    if (mode == "kill-points" || mode == "both") {
      reset_work_dir();
      print_totals("kill-points", options, run_kill_points(options));
    }
    if (mode == "server" || mode == "both") {
      reset_work_dir();
      print_totals("server", options, run_server_kills(options));
    }
    if (mode == "soak") {
      reset_work_dir();
      print_totals("soak", options, run_soak(options));
    }
  } catch (const CheckFailed& failure) {
    fmt::print(stderr, "torture_failed: {} (work dir kept: {})\n", failure.what(), options.work_dir.string());
    return kExitCheckFailed;
  } catch (const std::exception& error) {
    fmt::print(stderr, "torture_error: {} (work dir kept: {})\n", error.what(), options.work_dir.string());
    return kExitError;
  }

  if (!keep) fs::remove_all(options.work_dir);
  return 0;
}
