// jubian-wal: inspects a journal directory without changing it.
//
//   jubian-wal verify DIR             checks CRCs, sequence continuity and the hash chain
//   jubian-wal dump DIR [--from SEQ]  prints one line per record with its decoded command
//   jubian-wal stats DIR              prints segment, record and batch counts and ranges
//
// Exit status: 0 when the journal is valid (a torn tail, which recovery cuts, counts as
// valid), 1 when it is damaged or cannot be read, and CLI11's codes for bad arguments.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <type_traits>

#include "engine/common/log.hpp"
#include "engine/core/command.hpp"
#include "engine/journal/codes.hpp"
#include "engine/journal/journal.hpp"

namespace {

using jubian::journal::Journal;
using jubian::journal::JournalError;

constexpr int kExitDamaged = 1;
constexpr int64_t kNsPerSecond = 1'000'000'000;

// Formats nanoseconds since the epoch as ISO-8601 UTC with nanoseconds.
std::string iso_utc(jubian::TimeNs time_ns) {
  int64_t seconds = time_ns / kNsPerSecond;
  int64_t nanos = time_ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    seconds -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec, nanos);
}

std::string code_text(jubian::ResultCode code) {
  return fmt::format("{}({})", jubian::journal::code_name(code), jubian::code_number(code));
}

// Appends " name=value" for each field of a command body.
class FieldPrinter {
 public:
  explicit FieldPrinter(std::string& out) : out_(out) {}

  template <class T>
  void operator()(const char* name, const T& field) {
    out_ += fmt::format(" {}=", name);
    print(field);
  }

 private:
  template <class T>
  void print(const T& field) {
    if constexpr (jubian::codec::is_strong<T>::value) {
      print(field.value);
    } else if constexpr (std::is_enum_v<T>) {
      print(static_cast<std::underlying_type_t<T>>(field));
    } else if constexpr (jubian::codec::is_word_array<T>::value) {
      out_ += '[';
      for (size_t i = 0; i < field.size(); ++i) {
        if (i > 0) out_ += ',';
        print(field[i]);
      }
      out_ += ']';
    } else {
      static_assert(std::is_integral_v<T>, "command fields are integers, enums, strong ids or arrays");
      out_ += std::to_string(+field);
    }
  }

  std::string& out_;
};

std::string describe_record(const jubian::journal::RecordView& record) {
  std::string line = fmt::format("seq={} time={}", record.seq, iso_utc(record.time_ns));
  jubian::Command command;
  const auto result = jubian::decode_command(record.type, record.payload, command);
  if (result != jubian::ResultCode::ok) {
    line += fmt::format(" type=0x{:04x} payload_bytes={} decode_error={}", record.type, record.payload.size(),
                        jubian::result_code_name(result));
    return line;
  }
  line += fmt::format(" command={} actor={} request_id={}", command.name(), command.actor.value, command.request_id.value);
  FieldPrinter printer(line);
  std::visit(
      [&](auto& body) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(body)>, std::monostate>) body.visit(printer);
      },
      command.body);
  return line;
}

void print_position(const Journal::VerifyReport& report) {
  std::printf("journal damaged: %s segment=%s offset=%llu seq=%llu code=%s\n", report.error.c_str(),
              report.segment.c_str(), static_cast<unsigned long long>(report.offset),
              static_cast<unsigned long long>(report.seq), code_text(report.code).c_str());
}

int run_verify(const std::string& dir) {
  const auto report = Journal::verify(dir);
  if (!report.ok) {
    print_position(report);
    return kExitDamaged;
  }
  std::printf("journal ok: records=%llu batches=%llu last_seq=%llu final_hash=%s\n",
              static_cast<unsigned long long>(report.records), static_cast<unsigned long long>(report.batches),
              static_cast<unsigned long long>(report.last_seq), jubian::to_hex(report.final_hash).c_str());
  if (report.torn_tail) {
    std::printf("torn tail: segment=%s offset=%llu seq=%llu reason=\"%s\" (never acknowledged; recovery cuts it)\n",
                report.segment.c_str(), static_cast<unsigned long long>(report.offset),
                static_cast<unsigned long long>(report.seq), report.error.c_str());
  }
  return 0;
}

int run_dump(const std::string& dir, jubian::Seq from) {
  jubian::journal::Options options;
  options.dir = dir;
  options.read_only = true;
  Journal journal(options);
  journal.replay(from > 0 ? from - 1 : 0, [](const jubian::journal::RecordView& record, const jubian::journal::BatchInfo&) {
    std::puts(describe_record(record).c_str());
  });
  return 0;
}

int run_stats(const std::string& dir) {
  const auto report = Journal::verify(dir);
  const double per_batch = report.batches > 0 ? static_cast<double>(report.records) / static_cast<double>(report.batches) : 0;
  std::printf("segments=%llu records=%llu batches=%llu bytes=%llu records_per_batch=%.1f\n",
              static_cast<unsigned long long>(report.segments), static_cast<unsigned long long>(report.records),
              static_cast<unsigned long long>(report.batches), static_cast<unsigned long long>(report.bytes), per_batch);
  if (report.records > 0) {
    std::printf("first_seq=%llu first_time=%s\nlast_seq=%llu last_time=%s\n",
                static_cast<unsigned long long>(report.first_seq), iso_utc(report.first_time_ns).c_str(),
                static_cast<unsigned long long>(report.last_seq), iso_utc(report.last_time_ns).c_str());
  }
  if (!report.ok) {
    print_position(report);
    return kExitDamaged;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Inspects a Jubian journal directory without changing it."};
  app.require_subcommand(1);
  std::string dir;
  std::string log_level = "warn";
  jubian::Seq from = 0;
  app.add_option("--log-level", log_level, "Log level of the journal's messages on stderr (info, warn, error)");

  auto* verify = app.add_subcommand("verify", "Check every CRC32C, sequence continuity and the whole hash chain");
  verify->add_option("DIR", dir, "Journal directory")->required()->check(CLI::ExistingDirectory);
  auto* dump = app.add_subcommand("dump", "Print one line per record: seq, time (UTC), command and its fields");
  dump->add_option("DIR", dir, "Journal directory")->required()->check(CLI::ExistingDirectory);
  dump->add_option("--from", from, "First sequence number to print");
  auto* stats = app.add_subcommand("stats", "Print segments, records, batches, bytes and the sequence and time range");
  stats->add_option("DIR", dir, "Journal directory")->required()->check(CLI::ExistingDirectory);
  // TODO: `voucher DIR TRADE_ID` (trade voucher with journal position and chain hash) is not written yet.
  CLI11_PARSE(app, argc, argv);
  jubian::set_log_level(log_level);

  try {
    if (verify->parsed()) return run_verify(dir);
    if (dump->parsed()) return run_dump(dir, from);
    if (stats->parsed()) return run_stats(dir);
  } catch (const JournalError& error) {
    std::fprintf(stderr, "jubian-wal: %s (code %s)\n", error.what(), code_text(error.code).c_str());
    return kExitDamaged;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "jubian-wal: %s\n", error.what());
    return kExitDamaged;
  }
  return 0;
}
