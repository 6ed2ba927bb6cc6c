#include "tools/roadshow/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/common/result.hpp"

namespace jubian::roadshow {

// A bid is lost when the engine acknowledged it as accepted and the final state does not
// show it, or when it got no response on a connection that stayed open.
uint64_t Report::bids_lost() const { return check->bids_missing + load->bids_unanswered_live; }

double Report::bids_per_second() const {
  return load->bidding_seconds > 0 ? static_cast<double>(load->bids_acked) / load->bidding_seconds : 0;
}

// A run that expects a restart (reconnect_timeout_s > 0) loses its screens and the
// winners they saw, so only the bid checks apply to it.
bool Report::passed() const {
  const bool bids_ok = bids_lost() == 0 && check->price_mismatches == 0 && load->bids_sent > 0;
  if (plan->options.reconnect_timeout_s > 0) return bids_ok;
  return bids_ok && check->screens_missing_final == 0 && check->screens_disconnected == 0 && !check->ledger_skipped &&
         check->ledger_mismatches == 0;
}

std::string format_json(const Report& report) {
  const LoadStats& load = *report.load;
  const CheckResult& check = *report.check;
  const Options& options = report.plan->options;

  nlohmann::json rejected = nlohmann::json::object();
  for (const auto& [code, count] : load.rejected_by_code) rejected[std::string(result_code_name(ResultCode{code}))] = count;
  nlohmann::json json = {
      {"passed", report.passed()},
      {"seed", options.seed},
      {"bidders", options.bidders},
      {"lots", options.lots},
      {"screens", options.screens},
      {"duration_s", options.duration_s},
      {"setup_commands", report.setup->commands},
      {"setup_seconds", report.setup->seconds},
      {"bids_planned", report.plan->schedule.size()},
      {"bids_sent", load.bids_sent},
      {"bids_acked", load.bids_acked},
      {"bids_accepted", load.bids_accepted},
      {"bids_rejected", rejected},
      {"bids_lost", report.bids_lost()},
      {"bids_unanswered_dropped", load.bids_unanswered_dropped},
      {"bids_not_sent_dropped", load.bids_not_sent_dropped},
      {"bids_per_second", report.bids_per_second()},
      {"bidding_seconds", load.bidding_seconds},
      {"late_start_ms", load.late_start_ms},
      {"ack_latency_us",
       {{"p50", load.ack_latency_us.percentile(0.50)},
        {"p99", load.ack_latency_us.percentile(0.99)},
        {"p999", load.ack_latency_us.percentile(0.999)},
        {"max", load.ack_latency_us.max()}}},
      {"bidders_connected", load.bidders_connected},
      {"bidders_dropped", load.bidders_dropped},
      {"bidders_closed_by_server", load.bidders_closed_by_server},
      {"lots_sold", check.lots_sold},
      {"lots_no_sale", check.lots_no_sale},
      {"lots_open", check.lots_open},
      {"price_mismatches", check.price_mismatches},
      {"screens_missing_final", check.screens_missing_final},
      {"screens_disconnected", check.screens_disconnected},
      {"ledger_skipped", check.ledger_skipped},
      {"ledger_accounts_checked", check.ledger_accounts_checked},
      {"ledger_mismatches", check.ledger_mismatches},
      {"notes", check.notes},
      {"setup_errors", report.setup->errors},
  };
  nlohmann::json lots = nlohmann::json::array();
  for (size_t i = 0; i < check.lots.size(); ++i) {
    const LotFinal& lot = check.lots[i];
    lots.push_back({{"lot", report.plan->lots[i].lot.value}, {"format", lot.format}, {"result", lot.result},
                    {"bids", lot.bids}, {"final_price_fen", lot.final_price}, {"trade", lot.trade}});
  }
  json["lot_results"] = std::move(lots);
  uint64_t stalled_conflations = 0;
  for (const ScreenRecord& screen : load.screens) stalled_conflations += screen.conflated_notices;
  json["screen_conflated_notices"] = stalled_conflations;
  return json.dump(2) + "\n";
}

namespace {

struct Labels {
  const char* title;
  const char* bids;
  const char* sent;
  const char* acked;
  const char* accepted;
  const char* lost;
  const char* dropped;
  const char* rate;
  const char* latency;
  const char* lots;
  const char* sold;
  const char* no_sale;
  const char* open;
  const char* screens;
  const char* ledger;
  const char* verdict_ok;
  const char* verdict_failed;
  const char* rejected;
};

constexpr Labels kChinese = {"路演压测报告", "出价", "已发送", "已确认", "已接受", "丢失", "连接断开未获应答",
                             "吞吐(出价/秒)", "确认延迟(微秒)", "拍品", "成交", "流拍", "未结束",
                             "大屏缺少最终价", "积分账户核对不符", "结论: 全部核对通过", "结论: 核对未通过",
                             "被拒出价(按原因)"};
constexpr Labels kEnglish = {"Roadshow report", "bids", "sent", "acknowledged", "accepted", "lost",
                             "unanswered, connection dropped", "throughput (bids/s)", "ack latency (us)", "lots", "sold",
                             "no sale", "open", "screens missing a final price", "ledger accounts not matching the policy",
                             "verdict: every check passed", "verdict: checks failed", "rejected bids (by reason)"};

}  // namespace

std::string format_text(const Report& report, const std::string& lang) {
  const Labels& l = lang == "en" ? kEnglish : kChinese;
  const LoadStats& load = *report.load;
  const CheckResult& check = *report.check;
  const Options& options = report.plan->options;

  std::string out = fmt::format("{}  seed={} bidders={} lots={} screens={} duration_s={}\n", l.title, options.seed,
                                options.bidders, options.lots, options.screens, options.duration_s);
  out += fmt::format("{}: {} {}, {} {}, {} {}, {} {}, {} {}\n", l.bids, l.sent, load.bids_sent, l.acked, load.bids_acked,
                     l.accepted, load.bids_accepted, l.lost, report.bids_lost(), l.dropped, load.bids_unanswered_dropped);
  out += fmt::format("{}: {:.0f}\n", l.rate, report.bids_per_second());
  out += fmt::format("{}: p50={} p99={} p999={} max={}\n", l.latency, load.ack_latency_us.percentile(0.5),
                     load.ack_latency_us.percentile(0.99), load.ack_latency_us.percentile(0.999), load.ack_latency_us.max());
  out += fmt::format("{}:", l.rejected);
  for (const auto& [code, count] : load.rejected_by_code) out += fmt::format(" {}={}", result_code_name(ResultCode{code}), count);
  out += "\n";
  out += fmt::format("{}: {} {}, {} {}, {} {}\n", l.lots, l.sold, check.lots_sold, l.no_sale, check.lots_no_sale, l.open,
                     check.lots_open);
  out += fmt::format("{}: {}\n", l.screens, check.screens_missing_final);
  out += fmt::format("{}: {} / {}\n", l.ledger, check.ledger_mismatches, check.ledger_accounts_checked);
  for (const std::string& line : check.notes) out += "  " + line + "\n";
  for (const std::string& line : report.setup->errors) out += "  " + line + "\n";
  out += fmt::format("{}\n", report.passed() ? l.verdict_ok : l.verdict_failed);
  return out;
}

}  // namespace jubian::roadshow
