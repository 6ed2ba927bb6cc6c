// The gateway in-process against a fake pipeline, driven over loopback TCP by the client
// library and by raw bytes: login, roles, limits, bad input and subscriptions. Every
// test also checks that a second, well-behaved client is still served.

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <optional>
#include <thread>

#include "api/client.hpp"
#include "api/codes.hpp"
#include "engine/core/system_commands.hpp"
#include "tests/gateway/fake_sink.hpp"

namespace jubian::server {
namespace {

using api::Client;
using api::ClientError;
using protocol::SubscriptionKind;

using FakeSink = jubian::testing::FakeSink;

constexpr const char* kTraderToken = "trader-token";
constexpr const char* kMarketToken = "market-token";
constexpr const char* kAdminToken = "admin-token";
constexpr uint64_t kTraderAccount = 1001;

// The first registered command with the given access, or nullopt.
std::optional<Command> sample_command(Access access, uint64_t actor) {
  std::optional<Command> found;
  for_each_command([&](auto sample) {
    if (!found && decltype(sample)::kAccess == access) found = Command{AccountId{actor}, RequestId{0}, sample};
  });
  return found;
}

Command state_hash() { return Command{AccountId{0}, RequestId{0}, system::StateHashQuery{}}; }

class GatewayServer : public ::testing::Test {
 protected:
  void start(Limits limits = {}) {
    TokenTable tokens;
    Grant trader;
    trader.role = protocol::Role::trader;
    trader.accounts = {AccountId{kTraderAccount}};
    tokens.add(kTraderToken, trader);
    Grant market;
    market.role = protocol::Role::market_data;
    tokens.add(kMarketToken, market);
    Grant admin;
    admin.role = protocol::Role::admin;
    tokens.add(kAdminToken, admin);

    ServerOptions options;
    options.io_threads = 2;
    options.metrics_port = 0;
    options.limits = limits;
    server_.emplace(options, std::move(tokens), sink_);
    server_->start();
  }

  void TearDown() override {
    sink_.stop();
    if (server_) server_->stop();
  }

  std::unique_ptr<Client> connect(const char* token = nullptr) {
    api::ClientOptions options;
    options.timeout = std::chrono::milliseconds(3000);
    auto client = std::make_unique<Client>(options);
    client->connect("127.0.0.1", server_->port());
    if (token != nullptr) client->login(token);
    return client;
  }

  // Asserts that a fresh client still logs in and gets an answer.
  void expect_others_served() {
    auto other = connect(kMarketToken);
    EXPECT_EQ(other->call(state_hash()).reply.code, ResultCode::ok);
  }

  // Reads until the server closes the connection and returns the code it gave.
  static ResultCode closing_code(Client& client) {
    try {
      for (;;) client.heartbeat();
    } catch (const ClientError& error) {
      return error.code();
    }
  }

  FakeSink sink_;
  std::optional<Server> server_;
};

TEST_F(GatewayServer, LoginReturnsRoleAndAccounts) {
  start();
  auto client = connect();
  const auto reply = client->login(kTraderToken);
  EXPECT_EQ(reply.role, protocol::Role::trader);
  ASSERT_EQ(reply.accounts.size(), 1u);
  EXPECT_EQ(reply.accounts[0].value, kTraderAccount);
}

TEST_F(GatewayServer, StateHashAnsweredForEveryRole) {
  start();
  for (const char* token : {kTraderToken, kMarketToken, kAdminToken}) {
    auto client = connect(token);
    const auto response = client->call(state_hash());
    EXPECT_EQ(response.reply.code, ResultCode::ok) << token;
    EXPECT_EQ(response.command_type, system::StateHashQuery::kType);
  }
}

TEST_F(GatewayServer, UnknownTokenClosesSession) {
  start();
  auto client = connect();
  try {
    client->login("not-a-token");
    FAIL() << "login with an unknown token succeeded";
  } catch (const ClientError& error) {
    EXPECT_EQ(error.code(), gateway::token_invalid);
  }
  EXPECT_EQ(closing_code(*client), gateway::token_invalid);
  expect_others_served();
}

TEST_F(GatewayServer, CommandBeforeLoginClosesSession) {
  start();
  auto client = connect();
  client->send(state_hash());
  EXPECT_EQ(closing_code(*client), gateway::not_logged_in);
  EXPECT_EQ(sink_.answered(), 0u);
  expect_others_served();
}

TEST_F(GatewayServer, AdminCommandOutsideRoleRejected) {
  start();
  const auto admin_command = sample_command(Access::admin, 0);
  if (!admin_command) GTEST_SKIP() << "no admin command registered";
  auto market = connect(kMarketToken);
  EXPECT_EQ(market->call(*admin_command).reply.code, gateway::role_forbidden);
  EXPECT_EQ(market->call(state_hash()).reply.code, ResultCode::ok) << "the session goes on";

  auto admin = connect(kAdminToken);
  EXPECT_EQ(admin->call(*admin_command).reply.code, ResultCode::ok);
}

TEST_F(GatewayServer, TraderActsOnlyForListedAccounts) {
  start();
  const auto own = sample_command(Access::trader, kTraderAccount);
  if (!own) GTEST_SKIP() << "no trader command registered yet";
  auto trader = connect(kTraderToken);
  EXPECT_EQ(trader->call(*own).reply.code, ResultCode::ok);
  auto foreign = *sample_command(Access::trader, kTraderAccount + 1);
  EXPECT_EQ(trader->call(foreign).reply.code, gateway::actor_forbidden);
}

TEST_F(GatewayServer, SystemCommandNeverAccepted) {
  start();
  auto admin = connect(kAdminToken);
  const auto tick = sample_command(Access::system, 0);
  ASSERT_TRUE(tick.has_value());
  EXPECT_EQ(admin->call(*tick).reply.code, gateway::role_forbidden);
  EXPECT_EQ(sink_.answered(), 0u);
}

TEST_F(GatewayServer, RequestIdMismatchRejected) {
  start();
  auto client = connect(kMarketToken);
  std::vector<uint8_t> frame;
  protocol::append_command(frame, Command{AccountId{0}, RequestId{77}, system::StateHashQuery{}});
  frame[12] = 78;  // the header's request id, low byte
  client->send_raw(frame);
  EXPECT_EQ(client->await(78).reply.code, gateway::request_id_mismatch);
}

TEST_F(GatewayServer, UnknownCommandTypeAnswered) {
  start();
  auto client = connect(kMarketToken);
  std::vector<uint8_t> frame;
  protocol::append_command(frame, Command{AccountId{0}, RequestId{5}, system::StateHashQuery{}});
  frame[4] = 0xBC;  // type 0x7EBC: a command number no build has
  frame[5] = 0x7E;
  client->send_raw(frame);
  EXPECT_EQ(client->await(5).reply.code, ResultCode::unknown_command);
  EXPECT_EQ(client->call(state_hash()).reply.code, ResultCode::ok);
}

TEST_F(GatewayServer, PipelinedCommandsAllAnswered) {
  start();
  auto client = connect(kMarketToken);
  // A window below the server's in-flight limit (1024 by default).
  constexpr size_t kWindow = 512;
  std::deque<uint64_t> in_flight;
  for (int i = 0; i < 5000; ++i) {
    if (in_flight.size() == kWindow) {
      EXPECT_EQ(client->await(in_flight.front()).request_id.value, in_flight.front());
      in_flight.pop_front();
    }
    in_flight.push_back(client->send(state_hash()));
  }
  for (const uint64_t id : in_flight) EXPECT_EQ(client->await(id).request_id.value, id);
  EXPECT_EQ(sink_.answered(), 5000u);
}

TEST_F(GatewayServer, InFlightLimitClosesOnlyOffender) {
  Limits limits;
  limits.in_flight_max = 8;
  start(limits);
  auto client = connect(kMarketToken);
  sink_.hold(true);
  for (int i = 0; i < 20; ++i) client->send(state_hash());
  client->flush();
  EXPECT_EQ(closing_code(*client), gateway::in_flight_exceeded);
  sink_.hold(false);
  expect_others_served();
}

TEST_F(GatewayServer, OversizedFrameClosesOnlyOffender) {
  start();
  auto client = connect(kMarketToken);
  std::vector<uint8_t> header;
  protocol::Header fields;
  fields.type = system::StateHashQuery::kType;
  fields.body_bytes = 1u << 31;
  codec::encode(fields, header);
  client->send_raw(header);
  EXPECT_EQ(closing_code(*client), gateway::frame_too_large);
  expect_others_served();
}

TEST_F(GatewayServer, GarbageAfterLoginClosesOnlyOffender) {
  start();
  auto client = connect(kMarketToken);
  const std::vector<uint8_t> garbage(64, 0x5A);
  client->send_raw(garbage);
  EXPECT_EQ(closing_code(*client), gateway::frame_magic_invalid);
  expect_others_served();
}

TEST_F(GatewayServer, LoginTimeoutClosesSession) {
  Limits limits;
  limits.login_timeout_ms = 100;
  start(limits);
  auto client = connect();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(closing_code(*client), gateway::login_timed_out);
}

TEST_F(GatewayServer, ConnectionLimitRefusesExtra) {
  Limits limits;
  limits.connections_max = 2;
  start(limits);
  auto first = connect(kMarketToken);
  auto second = connect(kMarketToken);
  auto third = connect();
  EXPECT_EQ(closing_code(*third), gateway::connections_exhausted);
  EXPECT_EQ(first->call(state_hash()).reply.code, ResultCode::ok);
}

TEST_F(GatewayServer, DisconnectMidFrameAppliesNothing) {
  start();
  {
    auto client = connect(kMarketToken);
    std::vector<uint8_t> frame;
    protocol::append_command(frame, Command{AccountId{0}, RequestId{9}, system::StateHashQuery{}});
    frame.resize(frame.size() - 3);
    client->send_raw(frame);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(sink_.answered(), 0u);
  expect_others_served();
}

TEST_F(GatewayServer, ByteByByteStreamIsServed) {
  start();
  auto client = connect();
  std::vector<uint8_t> stream;
  protocol::append_login(stream, 1, kMarketToken);
  for (uint64_t id = 10; id < 13; ++id)
    protocol::append_command(stream, Command{AccountId{0}, RequestId{id}, system::StateHashQuery{}});
  for (const uint8_t byte : stream) client->send_raw(std::span<const uint8_t>(&byte, 1));
  for (uint64_t id = 10; id < 13; ++id) EXPECT_EQ(client->await(id).reply.code, ResultCode::ok);
}

TEST_F(GatewayServer, RefusingPipelineAnswersUnavailable) {
  start();
  auto client = connect(kMarketToken);
  sink_.refuse(true);
  EXPECT_EQ(client->call(state_hash()).reply.code, gateway::server_unavailable);
}

TEST_F(GatewayServer, HeartbeatEchoedBeforeLogin) {
  start();
  auto client = connect();
  EXPECT_NO_THROW(client->heartbeat());
}

TEST_F(GatewayServer, SubscribedEventsDelivered) {
  start();
  auto screen = connect(kMarketToken);
  ASSERT_EQ(screen->subscribe(SubscriptionKind::lot, 7), ResultCode::ok);
  ASSERT_EQ(screen->subscribe(SubscriptionKind::category, 101), ResultCode::ok);

  Event bid;
  bid.type = EventType::lot_bid;
  bid.lot = LotId{7};
  bid.category = CategoryId{101};
  bid.price = 5000;
  bid.seq = 3;
  Event other = bid;
  other.lot = LotId{8};
  other.category = CategoryId{102};
  const Event events[] = {bid, other};
  server_->on_events(events);

  auto first = screen->receive(std::chrono::milliseconds(1000));
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(std::holds_alternative<Event>(*first));
  EXPECT_EQ(std::get<Event>(*first).price, 5000);
  EXPECT_FALSE(screen->receive(std::chrono::milliseconds(100)).has_value()) << "once, and nothing for lot 8";

  EXPECT_EQ(screen->unsubscribe(SubscriptionKind::lot, 7), ResultCode::ok);
  EXPECT_EQ(screen->unsubscribe(SubscriptionKind::lot, 7), gateway::subscription_not_found);
}

TEST_F(GatewayServer, AccountSubscriptionFollowsRole) {
  start();
  auto market = connect(kMarketToken);
  EXPECT_EQ(market->subscribe(SubscriptionKind::account, kTraderAccount), gateway::role_forbidden);
  auto trader = connect(kTraderToken);
  EXPECT_EQ(trader->subscribe(SubscriptionKind::account, kTraderAccount), ResultCode::ok);
  EXPECT_EQ(trader->subscribe(SubscriptionKind::account, kTraderAccount + 1), gateway::actor_forbidden);
}

TEST_F(GatewayServer, SlowSubscriberGetsConflatedState) {
  Limits limits;
  limits.event_pending_max = 16;
  limits.conflate_bytes = 4096;
  start(limits);
  auto screen = connect(kMarketToken);
  ASSERT_EQ(screen->subscribe(SubscriptionKind::lot, 7), ResultCode::ok);

  // The screen reads nothing while 200,000 bids arrive in bursts.
  constexpr int kBids = 200'000;
  std::vector<Event> burst(1000);
  for (int i = 0; i < kBids; i += static_cast<int>(burst.size())) {
    for (size_t j = 0; j < burst.size(); ++j) {
      burst[j].type = EventType::lot_bid;
      burst[j].lot = LotId{7};
      burst[j].seq = static_cast<Seq>(i + static_cast<int>(j) + 1);
      burst[j].price = i + static_cast<int64_t>(j);
    }
    server_->on_events(burst);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  int received = 0;
  bool notified = false;
  int64_t last_price = -1;
  while (auto message = screen->receive(std::chrono::milliseconds(500))) {
    if (std::holds_alternative<protocol::ConflatedNotice>(*message)) notified = true;
    if (const auto* event = std::get_if<Event>(&*message)) {
      EXPECT_GT(event->price, last_price) << "never an older bid after a newer one";
      last_price = event->price;
      ++received;
    }
  }
  EXPECT_TRUE(notified);
  EXPECT_LT(received, kBids);
  EXPECT_EQ(last_price, kBids - 1) << "the final state arrives";
  EXPECT_EQ(screen->call(state_hash()).reply.code, ResultCode::ok);
}

TEST_F(GatewayServer, MetricsEndpointServesPrometheusText) {
  start();
  auto client = connect(kMarketToken);
  client->call(state_hash());

  const std::string body = api::fetch_metrics("127.0.0.1", server_->metrics_port());

  EXPECT_NE(body.find("200 OK"), std::string::npos);
  EXPECT_NE(body.find("jubian_sessions_open 1"), std::string::npos) << body;
  EXPECT_NE(body.find("jubian_responses_total{code=\"0\",name=\"ok\"} 1"), std::string::npos) << body;
  EXPECT_NE(body.find("# TYPE jubian_journal_sync_seconds histogram"), std::string::npos) << body;
  EXPECT_NE(body.find("jubian_journal_sync_seconds_bucket{le=\"+Inf\"}"), std::string::npos) << body;
  EXPECT_NE(body.find("# TYPE jubian_ack_seconds histogram"), std::string::npos) << body;
  EXPECT_NE(body.find("jubian_ack_seconds_count 0"), std::string::npos) << body;
}

}  // namespace
}  // namespace jubian::server
