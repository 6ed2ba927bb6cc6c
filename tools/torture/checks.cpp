#include "tools/torture/checks.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>

#include "engine/core/engine.hpp"
#include "engine/journal/journal.hpp"
#include "engine/ledger/codes.hpp"
#include "engine/ledger/commands.hpp"

namespace jubian::torture {

namespace fs = std::filesystem;

namespace {

std::string describe(const Reply& reply) {
  return fmt::format("code={} seq={} values=[{},{},{},{}]", result_code_name(reply.code), reply.seq, reply.values[0],
                     reply.values[1], reply.values[2], reply.values[3]);
}

bool same_reply(const Reply& a, const Reply& b) {
  return a.code == b.code && a.seq == b.seq && a.time_ns == b.time_ns && a.values == b.values;
}

}  // namespace

Digest query_state_hash(Target& target, Seq& seq) {
  const Reply reply = target.call(Command{kOperator, RequestId{}, system::StateHashQuery{}});
  if (reply.code != ResultCode::ok) throw CheckFailed("state_hash failed: " + describe(reply));
  seq = reply.seq;
  return digest_from_words(reply.values);
}

void resolve_pending(Workload& workload, Target& target, CheckCounts& counts) {
  const std::vector<Command> pending = workload.pending();
  const std::vector<Reply> replies = target.call_all(pending);
  for (size_t i = 0; i < pending.size(); ++i) {
    if (replies[i].code == ResultCode::request_conflict)
      throw CheckFailed(fmt::format("retry of unanswered request {} ({}) conflicts with a different body",
                                    pending[i].request_id.value, pending[i].name()));
    workload.acknowledge(pending[i].request_id, replies[i]);
    ++counts.retried_pending;
  }
}

void check_retries(Workload& workload, Target& target, size_t count, CheckCounts& counts) {
  const std::vector<Command> sample = workload.sample_answered(count);
  const std::vector<Reply> replies = target.call_all(sample);
  for (size_t i = 0; i < sample.size(); ++i) {
    const Reply* original = workload.answered_reply(sample[i].request_id);
    if (original == nullptr) continue;
    if (!same_reply(replies[i], *original))
      throw CheckFailed(fmt::format("retry of acknowledged request {} ({}) returned {}, original reply {}",
                                    sample[i].request_id.value, sample[i].name(), describe(replies[i]),
                                    describe(*original)));
    ++counts.retried_answered;
  }
}

void check_ledger(const Workload& workload, Target& target) {
  for (const AccountId account : workload.account_ids()) {
    const Reply report = target.call(Command{account, RequestId{}, ledger::AccountReport{}});
    if (!workload.registered(account)) {
      if (report.code != ledger::account_unknown)
        throw CheckFailed(fmt::format("account {} was never registered, yet account_report returns {}", account.value,
                                      describe(report)));
      continue;
    }
    if (report.code != ResultCode::ok)
      throw CheckFailed(fmt::format("account_report of {} failed: {}", account.value, describe(report)));
    if (report.values[0] != workload.balance(account))
      throw CheckFailed(fmt::format("account {} has balance {} points, expected {} from the acknowledged commands", account.value,
                                    report.values[0], workload.balance(account)));
  }

  ledger::RuleTotals totals;
  totals.from_ns = 0;
  totals.to_ns = INT64_MAX;
  const Reply reply = target.call(Command{kOperator, RequestId{}, totals});
  if (reply.code != ResultCode::ok) throw CheckFailed("rule_totals failed: " + describe(reply));
  if (reply.values[0] != workload.awarded_total())
    throw CheckFailed(fmt::format("rule_totals reports {} points awarded, expected {} from the acknowledged commands",
                                  reply.values[0], workload.awarded_total()));
}

Replayed replay_journal(const fs::path& data_dir, const fs::path& rules_file, const fs::path& categories_file) {
  EngineConfig config;
  config.rules_file = rules_file;
  config.categories_file = categories_file;
  Engine engine(config);
  Replayed replayed;

  const fs::path journal_dir = data_dir / "journal";
  if (!fs::exists(journal_dir)) {
    replayed.hash = engine.state_hash();
    return replayed;
  }
  if (auto snapshot = journal::Journal::load_latest_snapshot(journal_dir)) {
    if (!engine.load(snapshot->state)) throw CheckFailed("snapshot does not decode: " + snapshot->path.string());
    replayed.snapshot_seq = snapshot->seq;
    replayed.last_seq = snapshot->seq;
  }

  journal::Options options;
  options.dir = journal_dir;
  options.read_only = true;
  journal::Journal journal(options);
  Slot slot;
  journal.replay(replayed.snapshot_seq, [&](const journal::RecordView& record, const journal::BatchInfo&) {
    slot.reset(engine.unit_count());
    if (decode_command(record.type, record.payload, slot.command) != ResultCode::ok)
      throw CheckFailed(fmt::format("journal record seq={} type={} does not decode", record.seq, record.type));
    slot.stamp = Stamp{record.seq, record.time_ns};
    engine.apply(slot);
    replayed.last_seq = record.seq;
    ++replayed.records;
  });
  replayed.hash = engine.state_hash();
  return replayed;
}

void run_wal_verify(const fs::path& wal_program, const fs::path& data_dir) {
  const std::string command = fmt::format("'{}' verify '{}' 2>&1", wal_program.string(), (data_dir / "journal").string());
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw CheckFailed("cannot run " + command);

  std::string output;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw CheckFailed(fmt::format("jubian-wal verify failed (status {}): {}", status, output));
}

}  // namespace jubian::torture
