// jubian-wal: inspects a journal directory without changing it.
//
//   jubian-wal verify DIR             checks CRCs, sequence continuity and the hash chain
//   jubian-wal dump DIR [--from SEQ]  prints one line per record with its decoded command
//   jubian-wal stats DIR              prints segment, record and batch counts and ranges
//   jubian-wal voucher DIR TRADE_ID   prints a trade voucher (交易凭证) proven by the journal
//
// DIR is a journal directory or a data directory that contains one (DIR/journal).
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
#include "engine/core/engine.hpp"
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

// Prints every record up to the end of the valid data; a damaged journal is printed up
// to the damage, which is then reported.
int run_dump(const std::string& dir, jubian::Seq from) {
  jubian::journal::Options options;
  options.dir = dir;
  options.read_only = true;
  options.truncate_damaged = true;
  Journal journal(options);
  journal.replay(from > 0 ? from - 1 : 0, [](const jubian::journal::RecordView& record, const jubian::journal::BatchInfo&) {
    std::puts(describe_record(record).c_str());
  });

  const auto report = Journal::verify(dir);
  if (report.ok) return 0;
  std::fflush(stdout);
  print_position(report);
  return kExitDamaged;
}

int run_stats(const std::string& dir) {
  const auto report = Journal::verify(dir);
  const double per_batch = report.batches > 0 ? static_cast<double>(report.records) / static_cast<double>(report.batches) : 0;
  std::printf("segments=%llu segments_unused=%llu records=%llu batches=%llu bytes=%llu records_per_batch=%.1f\n",
              static_cast<unsigned long long>(report.segments), static_cast<unsigned long long>(report.segments_unused),
              static_cast<unsigned long long>(report.records),
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

// Accepts a data directory as well as the journal directory inside it.
std::string journal_dir(const std::string& dir) {
  const std::filesystem::path nested = std::filesystem::path(dir) / "journal";
  return std::filesystem::is_directory(nested) ? nested.string() : dir;
}

// The rule table and category list the engine ran with: the copies the server keeps in
// the data directory, else the repository's config/ files.
std::filesystem::path config_file(const std::string& dir, const char* name) {
  const std::filesystem::path journal = journal_dir(dir);
  const std::filesystem::path kept = journal.parent_path() / "config" / name;
  if (std::filesystem::exists(kept)) return kept;
  return std::filesystem::path("config") / name;
}

const char* discovery_name(jubian::PriceDiscovery discovery, bool zh) {
  switch (discovery) {
    case jubian::PriceDiscovery::matching: return zh ? "撮合成交" : "matching";
    case jubian::PriceDiscovery::listing: return zh ? "挂牌交易" : "listing";
    case jubian::PriceDiscovery::auction: return zh ? "拍卖（英式竞价）" : "auction (English)";
    case jubian::PriceDiscovery::inquiry: return zh ? "询价" : "inquiry";
    case jubian::PriceDiscovery::agreement: return zh ? "协议定价（已公示）" : "agreement (after public notice)";
    case jubian::PriceDiscovery::dutch: return zh ? "拍卖（荷式降价）" : "auction (Dutch)";
    case jubian::PriceDiscovery::sealed: return zh ? "拍卖（密封报价）" : "auction (sealed bids)";
  }
  return "unknown";
}

const char* mode_name(uint8_t mode, bool zh) {
  switch (mode) {
    case jubian::mode_transfer: return zh ? "转让" : "transfer";
    case jubian::mode_license: return zh ? "许可" : "license";
    case jubian::mode_equity: return zh ? "作价入股" : "equity";
    default: return "unknown";
  }
}

std::string yuan(jubian::PriceFen fen) { return fmt::format("{}.{:02}", fen / 100, fen % 100); }

// Replays the journal up to the trade's command, takes the trade from the engine's
// output, and prints it with the batch (segment, offset, chain hash) that recorded it.
// The whole chain is verified first, so the printed hash is proven by the journal.
int run_voucher(const std::string& dir, uint64_t trade_id, const std::string& lang) {
  const auto report = Journal::verify(journal_dir(dir));
  if (!report.ok) {
    print_position(report);
    return kExitDamaged;
  }
  const bool zh = lang != "en";
  const jubian::Seq trade_seq = trade_id >> 16;

  jubian::EngineConfig config;
  config.rules_file = config_file(dir, "rules.toml");
  config.categories_file = config_file(dir, "categories.tsv");
  jubian::Engine engine(config);
  jubian::journal::Options options;
  options.dir = journal_dir(dir);
  options.read_only = true;
  Journal journal(options);

  std::optional<jubian::Trade> found;
  jubian::journal::BatchInfo batch{};
  jubian::Slot slot;
  journal.replay(0, [&](const jubian::journal::RecordView& record, const jubian::journal::BatchInfo& info) {
    if (found || record.seq > trade_seq) return;
    slot.reset(engine.unit_count());
    if (jubian::decode_command(record.type, record.payload, slot.command) != jubian::ResultCode::ok) return;
    slot.stamp = jubian::Stamp{record.seq, record.time_ns};
    engine.apply(slot);
    for (const auto& output : slot.outputs)
      for (const auto& trade : output.trades)
        if (trade.id.value == trade_id) {
          found = trade;
          batch = info;
        }
  });
  if (!found) {
    std::fprintf(stderr, "jubian-wal: trade %llu not found in the journal (its command would be seq %llu)\n",
                 static_cast<unsigned long long>(trade_id), static_cast<unsigned long long>(trade_seq));
    return kExitDamaged;
  }

  const auto& t = *found;
  std::printf("%s\n", zh ? "交易凭证 (trade voucher)" : "Trade voucher (交易凭证)");
  std::printf("%s: %llu\n", zh ? "交易编号" : "trade id", static_cast<unsigned long long>(t.id.value));
  std::printf("%s: %llu  %s: %llu\n", zh ? "买方" : "buyer", static_cast<unsigned long long>(t.buyer.value),
              zh ? "卖方" : "seller", static_cast<unsigned long long>(t.seller.value));
  std::printf("%s: %llu  %s: %llu\n", zh ? "买方经纪人" : "buyer broker", static_cast<unsigned long long>(t.buyer_broker.value),
              zh ? "卖方经纪人" : "seller broker", static_cast<unsigned long long>(t.seller_broker.value));
  std::printf("%s: %llu  %s: %llu  %s: %u\n", zh ? "需求挂牌" : "demand listing",
              static_cast<unsigned long long>(t.buy_listing.value), zh ? "成果挂牌/标的" : "supply listing or lot",
              static_cast<unsigned long long>(t.sell_listing.value), zh ? "类别" : "category", t.category.value);
  std::printf("%s: %s  %s: %s\n", zh ? "交易方式" : "mode", mode_name(t.mode, zh), zh ? "定价方式" : "price discovery",
              discovery_name(t.discovery, zh));
  std::printf("%s: %s  %s: %lld  %s: %s\n", zh ? "单价（元）" : "price (yuan)", yuan(t.price).c_str(),
              zh ? "数量" : "quantity", static_cast<long long>(t.quantity), zh ? "金额（元）" : "amount (yuan)",
              yuan(t.amount).c_str());
  std::printf("%s: %llu  %s: %s\n", zh ? "日志序号" : "sequence", static_cast<unsigned long long>(t.seq),
              zh ? "时间" : "time", iso_utc(t.time_ns).c_str());
  std::printf("%s: %s offset=%llu seq=%llu..%llu\n", zh ? "日志位置" : "journal position", batch.segment.c_str(),
              static_cast<unsigned long long>(batch.offset), static_cast<unsigned long long>(batch.first_seq),
              static_cast<unsigned long long>(batch.last_seq));
  std::printf("%s: %s\n", zh ? "批次链哈希" : "batch chain hash", jubian::to_hex(batch.chain_hash).c_str());
  std::printf("%s\n", zh ? "校验：日志哈希链完整，凭证与日志记录一致" : "verified: the journal's hash chain is intact and the voucher matches its record");
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
  uint64_t trade_id = 0;
  std::string lang = "zh";
  auto* voucher = app.add_subcommand("voucher", "Print a trade voucher and verify it against the journal");
  voucher->add_option("DIR", dir, "Data or journal directory")->required()->check(CLI::ExistingDirectory);
  voucher->add_option("TRADE_ID", trade_id, "Trade id as printed in trade events and replies")->required();
  voucher->add_option("--lang", lang, "Language of the voucher: zh (default) or en")->check(CLI::IsMember({"zh", "en"}));
  CLI11_PARSE(app, argc, argv);
  dir = journal_dir(dir);
  jubian::set_log_level(log_level);

  try {
    if (verify->parsed()) return run_verify(dir);
    if (dump->parsed()) return run_dump(dir, from);
    if (stats->parsed()) return run_stats(dir);
    if (voucher->parsed()) return run_voucher(dir, trade_id, lang);
  } catch (const JournalError& error) {
    std::fprintf(stderr, "jubian-wal: %s (code %s)\n", error.what(), code_text(error.code).c_str());
    return kExitDamaged;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "jubian-wal: %s\n", error.what());
    return kExitDamaged;
  }
  return 0;
}
