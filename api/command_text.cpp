#include "api/command_text.hpp"

#include <fmt/format.h>

#include <charconv>
#include <type_traits>

#include "api/codes.hpp"
#include "engine/common/time.hpp"

namespace jubian::api {
namespace {

template <class I>
bool parse_integer(std::string_view text, I& value) {
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc{} && end == text.data() + text.size() && !text.empty();
}

// Parses one field's text into the field, by the field's wire type.
template <class T>
bool parse_field(std::string_view text, T& field) {
  if constexpr (codec::is_strong<T>::value) {
    return parse_integer(text, field.value);
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> raw{};
    if (!parse_integer(text, raw)) return false;
    field = static_cast<T>(raw);
    return true;
  } else if constexpr (codec::is_word_array<T>::value) {
    field = T{};
    size_t index = 0;
    while (!text.empty()) {
      if (index == field.size()) return false;
      const auto comma = text.find(',');
      if (!parse_field(text.substr(0, comma), field[index++])) return false;
      text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return true;
  } else {
    return parse_integer(text, field);
  }
}

struct FieldSetter {
  std::string_view name;
  std::string_view text;
  bool found = false;
  bool parsed = false;

  template <class T>
  void operator()(const char* field_name, T& field) {
    if (found || name != field_name) return;
    found = true;
    parsed = parse_field(text, field);
  }
};

struct JsonWriter {
  nlohmann::json& out;

  template <class T>
  void operator()(const char* name, const T& field) {
    if constexpr (codec::is_strong<T>::value) out[name] = field.value;
    else if constexpr (std::is_enum_v<T>) out[name] = static_cast<std::underlying_type_t<T>>(field);
    else if constexpr (codec::is_word_array<T>::value) out[name] = std::vector<typename T::value_type>(field.begin(), field.end());
    else out[name] = field;
  }
};

struct Translation {
  uint16_t code;
  const char* zh;
  const char* en;
};

constexpr Translation kTranslations[] = {
    {0, "成功", "succeeded"},
    {1, "请求格式错误", "malformed request"},
    {2, "未知命令", "unknown command"},
    {3, "重复请求,返回原结果", "duplicate request; the original result is returned"},
    {4, "请求编号已用于不同内容", "request id already used with a different body"},
    {5, "无权执行", "not authorised"},
    {6, "金额无效", "invalid amount"},
    {7, "时间无效", "invalid time"},
    {99, "内部错误", "internal error"},
    {400, "帧头标识无效", "invalid frame magic"},
    {401, "协议版本不受支持", "unsupported protocol version"},
    {402, "帧过大", "frame too large"},
    {404, "消息格式错误", "malformed message"},
    {410, "尚未登录", "not logged in"},
    {411, "令牌无效", "invalid token"},
    {413, "登录超时", "login timed out"},
    {414, "当前角色无权执行该命令", "the session's role may not send this command"},
    {415, "无权代表该账户操作", "the token may not act for this account"},
    {416, "请求编号不一致", "header and envelope request ids differ"},
    {420, "连接数已满", "server at its connection limit"},
    {421, "未完成请求过多", "too many unanswered requests"},
    {422, "接收过慢,连接已关闭", "the client read too slowly and was disconnected"},
    {430, "服务暂不可用(正在停止或日志故障)", "server unavailable: stopping or journal failed"},
};

}  // namespace

std::optional<std::string> build_command(std::string_view command_name, std::span<const std::string> arguments,
                                         Command& command) {
  bool known = false;
  for_each_command([&](auto sample) {
    if (decltype(sample)::kName == command_name) {
      command.body = sample;
      known = true;
    }
  });
  if (!known) return fmt::format("unknown command '{}'; `jubian commands` lists them", command_name);

  for (const auto& argument : arguments) {
    const auto equals = argument.find('=');
    if (equals == std::string::npos) return fmt::format("invalid argument '{}': expected field=value", argument);
    const std::string_view name(argument.data(), equals);
    const std::string_view text = std::string_view(argument).substr(equals + 1);

    FieldSetter setter{name, text};
    setter("actor", command.actor);
    setter("request_id", command.request_id);
    std::visit([&](auto& body) {
      if constexpr (!std::is_same_v<std::decay_t<decltype(body)>, std::monostate>) body.visit(setter);
    }, command.body);

    if (!setter.found)
      return fmt::format("unknown field '{}' for {}; fields: {}", name, command_name, command_fields_summary(command_name));
    if (!setter.parsed) return fmt::format("invalid value '{}' for field {}", text, name);
  }
  return std::nullopt;
}

std::string result_message(ResultCode code, Language language) {
  for (const auto& translation : kTranslations) {
    if (translation.code == code_number(code)) return language == Language::zh ? translation.zh : translation.en;
  }
  return std::string(result_code_name(code));
}

std::string event_type_name(EventType type) {
  switch (type) {
    case EventType::listing_added: return "listing_added";
    case EventType::listing_changed: return "listing_changed";
    case EventType::listing_removed: return "listing_removed";
    case EventType::trade: return "trade";
    case EventType::proposal: return "proposal";
    case EventType::broker_claim: return "broker_claim";
    case EventType::lot_created: return "lot_created";
    case EventType::lot_bid: return "lot_bid";
    case EventType::lot_phase: return "lot_phase";
    case EventType::lot_extended: return "lot_extended";
    case EventType::lot_countdown: return "lot_countdown";
    case EventType::lot_result: return "lot_result";
    case EventType::account_changed: return "account_changed";
    case EventType::award: return "award";
  }
  return std::to_string(static_cast<uint16_t>(type));
}

std::string format_time_cst(TimeNs time_ns) {
  const auto date = cst::civil_date(time_ns);
  const int64_t local = time_ns + cst::kOffsetNs - cst::day_number(time_ns) * cst::kNsPerDay;
  const int64_t seconds = local / cst::kNsPerSecond;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+08:00", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), seconds / 3600,
                     seconds / 60 % 60, seconds % 60, local % cst::kNsPerSecond / 1'000'000);
}

std::string format_response(const protocol::ResponseMessage& response, Language language) {
  const auto& reply = response.reply;
  std::string text = fmt::format("{} [{} {}] {} request_id={} seq={} time={} values={},{},{},{}",
                                 result_message(reply.code, language), result_code_name(reply.code),
                                 code_number(reply.code), command_name(response.command_type),
                                 response.request_id.value, reply.seq, format_time_cst(reply.time_ns),
                                 reply.values[0], reply.values[1], reply.values[2], reply.values[3]);
  if (response.flags & protocol::kFlagAsyncAck) text += language == Language::zh ? " (异步确认)" : " (async ack)";
  if (!response.detail.empty()) text += "\n" + response.detail;
  return text;
}

nlohmann::json response_json(const protocol::ResponseMessage& response, Language language) {
  const auto& reply = response.reply;
  return nlohmann::json{
      {"command", command_name(response.command_type)},
      {"request_id", response.request_id.value},
      {"code", code_number(reply.code)},
      {"name", result_code_name(reply.code)},
      {"message", result_message(reply.code, language)},
      {"seq", reply.seq},
      {"time_ns", reply.time_ns},
      {"time", format_time_cst(reply.time_ns)},
      {"values", reply.values},
      {"async_ack", (response.flags & protocol::kFlagAsyncAck) != 0},
      {"detail", response.detail},
  };
}

std::string format_event(const Event& event) {
  std::string text = "event " + event_type_name(event.type);
  auto copy = event;
  const auto append = [&](const char* name, const auto& field) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, EventType>) return;
    else if constexpr (codec::is_strong<T>::value) fmt::format_to(std::back_inserter(text), " {}={}", name, field.value);
    else fmt::format_to(std::back_inserter(text), " {}={}", name, field);
  };
  copy.visit(append);
  return text;
}

nlohmann::json event_json(const Event& event) {
  nlohmann::json out;
  JsonWriter writer{out};
  auto copy = event;
  copy.visit(writer);
  out["type_name"] = event_type_name(event.type);
  return out;
}

}  // namespace jubian::api
