// jubian: the operator CLI. Sends any registered command by name, watches event
// streams, and prints the protocol's command tables.
//
//   jubian [--host H] [--port P] [--token T] [--json] [--lang zh|en] <command> field=value ...
//   jubian watch lot=ID category=ID account=ID [--count N]
//   jubian commands
//   jubian protocol-tables [--lang zh|en]
//
// Exit codes: 0 the command succeeded (or was a duplicate of one that did), 1 it was
// rejected with a result code, 2 invalid usage, 3 connection or protocol failure.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <csignal>
#include <iostream>

#include "api/client.hpp"
#include "api/command_text.hpp"
#include "api/protocol_doc.hpp"
#include "engine/core/command.hpp"

namespace {

using namespace jubian;
using api::Language;

constexpr int kExitOk = 0;
constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConnection = 3;

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;
  std::string token;
  bool json = false;
  std::string lang = "zh";
  int64_t timeout_ms = 5000;
  int64_t count = 0;
  std::string verb;
  std::vector<std::string> arguments;

  Language language() const { return lang == "en" ? Language::en : Language::zh; }
};

volatile std::sig_atomic_t interrupted = 0;

std::unique_ptr<api::Client> connect(const Settings& settings) {
  api::ClientOptions options;
  options.timeout = std::chrono::milliseconds(settings.timeout_ms);
  auto client = std::make_unique<api::Client>(options);
  client->connect(settings.host, settings.port);
  if (settings.token.empty()) throw api::ClientError("no token: pass --token or set JUBIAN_TOKEN");
  client->login(settings.token);
  return client;
}

int list_commands() {
  for_each_command([](auto sample) {
    using T = decltype(sample);
    if (T::kAccess == Access::system) return;
    fmt::print("{:<22} {}\n", T::kName, api::command_fields_summary(T::kName));
  });
  return kExitOk;
}

int send_command(const Settings& settings) {
  Command command;
  if (auto problem = api::build_command(settings.verb, settings.arguments, command)) {
    fmt::print(stderr, "jubian: {}\n", *problem);
    return kExitUsage;
  }
  auto client = connect(settings);
  const auto response = client->call(std::move(command));
  if (settings.json) fmt::print("{}\n", api::response_json(response, settings.language()).dump());
  else fmt::print("{}\n", api::format_response(response, settings.language()));
  const auto code = response.reply.code;
  return code == ResultCode::ok || code == ResultCode::duplicate_request ? kExitOk : kExitRejected;
}

std::optional<protocol::Subscription> parse_subscription(std::string_view argument) {
  const auto equals = argument.find('=');
  if (equals == std::string_view::npos) return std::nullopt;
  const auto kind = argument.substr(0, equals);
  uint64_t key = 0;
  const auto text = argument.substr(equals + 1);
  if (std::from_chars(text.data(), text.data() + text.size(), key).ec != std::errc{} || key == 0) return std::nullopt;
  if (kind == "lot") return protocol::Subscription{protocol::SubscriptionKind::lot, key};
  if (kind == "category") return protocol::Subscription{protocol::SubscriptionKind::category, key};
  if (kind == "account") return protocol::Subscription{protocol::SubscriptionKind::account, key};
  return std::nullopt;
}

void print_incoming(const api::Incoming& message, const Settings& settings) {
  const bool zh = settings.language() == Language::zh;
  if (const auto* event = std::get_if<Event>(&message)) {
    if (settings.json) fmt::print("{}\n", api::event_json(*event).dump());
    else fmt::print("{}\n", api::format_event(*event));
  } else if (const auto* notice = std::get_if<protocol::ConflatedNotice>(&message)) {
    if (settings.json)
      fmt::print("{}\n", nlohmann::json{{"conflated", {{"events_replaced", notice->events_replaced}, {"latest_count", notice->latest_count}}}}.dump());
    else
      fmt::print(fmt::runtime(zh ? "已合并: 替换 {} 条事件, 随后 {} 条为最新状态\n" : "conflated: {} events replaced, the next {} are latest state\n"),
                 notice->events_replaced, notice->latest_count);
  } else if (const auto* status = std::get_if<protocol::Status>(&message)) {
    fmt::print(stderr, "{}: {} {}\n", zh ? "服务器" : "server", api::result_message(status->code, settings.language()), status->text);
  }
}

int watch(const Settings& settings) {
  std::vector<protocol::Subscription> subscriptions;
  for (const auto& argument : settings.arguments) {
    const auto subscription = parse_subscription(argument);
    if (!subscription) {
      fmt::print(stderr, "jubian: invalid watch target '{}': expected lot=ID, category=ID or account=ID\n", argument);
      return kExitUsage;
    }
    subscriptions.push_back(*subscription);
  }
  if (subscriptions.empty()) {
    fmt::print(stderr, "jubian: watch needs at least one of lot=ID, category=ID, account=ID\n");
    return kExitUsage;
  }

  auto client = connect(settings);
  for (const auto& subscription : subscriptions) {
    const auto code = client->subscribe(subscription.kind, subscription.key);
    if (code != ResultCode::ok) {
      fmt::print(stderr, "jubian: subscribe {}={}: {} [{}]\n", protocol::subscription_kind_name(subscription.kind),
                 subscription.key, api::result_message(code, settings.language()), result_code_name(code));
      return kExitRejected;
    }
  }

  std::signal(SIGINT, [](int) { interrupted = 1; });
  int64_t events = 0;
  while (interrupted == 0 && (settings.count == 0 || events < settings.count)) {
    auto message = client->receive(std::chrono::milliseconds(200));
    if (!message) continue;
    print_incoming(*message, settings);
    std::fflush(stdout);
    if (std::holds_alternative<Event>(*message)) ++events;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"jubian: send commands to a jubiand server and watch its event streams"};
  app.add_option("--host", settings.host, "Server address (default: 127.0.0.1)");
  app.add_option("--port", settings.port, "Server port (default: 7400)");
  app.add_option("--token", settings.token, "Access token; prefer JUBIAN_TOKEN, which ps does not show")
      ->envname("JUBIAN_TOKEN");
  app.add_flag("--json", settings.json, "Print JSON, one object a line");
  app.add_option("--lang", settings.lang, "Language of result messages: zh or en (default: zh)")
      ->check(CLI::IsMember({"zh", "en"}));
  app.add_option("--timeout-ms", settings.timeout_ms, "Connect and response timeout in ms (default: 5000)")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}));
  app.add_option("--count", settings.count, "watch: stop after this many events (default: run until Ctrl-C)");
  app.add_option("command", settings.verb, "A command name (see `jubian commands`), watch, commands or protocol-tables")
      ->required();
  app.add_option("fields", settings.arguments, "field=value pairs; actor=ID and request_id=N set the envelope");
  CLI11_PARSE(app, argc, argv);

  try {
    if (settings.verb == "commands") return list_commands();
    if (settings.verb == "protocol-tables") {
      fmt::print("{}", api::command_tables_markdown(settings.language()));
      return kExitOk;
    }
    if (settings.verb == "watch") return watch(settings);
    return send_command(settings);
  } catch (const api::ClientError& error) {
    fmt::print(stderr, "jubian: {}\n", error.what());
    return kExitConnection;
  }
}
