// The sequenced pipeline end to end in one process: producers submit through session
// ports, the journal makes commands durable, the engine applies them, and a restart
// recovers the same state. No sockets here; tests/gateway covers TCP.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <numeric>
#include <thread>

#include "engine/core/engine.hpp"
#include "engine/journal/journal.hpp"
#include "engine/ledger/codes.hpp"
#include "engine/pipeline/pipeline.hpp"

namespace jubian {
namespace {

namespace fs = std::filesystem;
using pipeline::Pipeline;
using pipeline::Response;
using pipeline::SessionPort;

constexpr AccountId kOperator{16};

fs::path config_file(const char* name) { return fs::path(JUBIAN_SOURCE_DIR) / "config" / name; }

// Every pipeline test runs in both threading modes: fused (stage_threads 0, the default)
// and staged (a sequencer, stage threads and a responder).
class PipelineTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = fs::temp_directory_path() / ("jubian-pipeline-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `staged_threads` applies in staged mode only; fused mode always has one engine thread.
  pipeline::Options options(uint32_t ledger_shards = 1, uint32_t staged_threads = 1) const {
    const uint32_t stage_threads = GetParam() == 0 ? 0 : staged_threads;
    pipeline::Options o;
    o.data_dir = dir_;
    o.rules_file = config_file("rules.toml");
    o.categories_file = config_file("categories.tsv");
    o.ledger_shards = ledger_shards;
    o.stage_threads = stage_threads;
    o.segment_bytes = 1 << 20;
    o.tick_interval_ms = 0;
    return o;
  }

  fs::path dir_;
};

// Submits commands through one port and collects their responses in submission order.
class Client {
 public:
  explicit Client(Pipeline& pipeline) : pipeline_(pipeline), port_(1 << 16) {}
  ~Client() { (void)port_.wait_released(std::chrono::seconds(5)); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Reply call(Command command) {
    EXPECT_TRUE(pipeline_.submit(&port_, std::move(command)));
    return next().reply;
  }

  void send(Command command) { ASSERT_TRUE(pipeline_.submit(&port_, std::move(command))); }

  Response next() {
    Response response;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!port_.responses.pop(response)) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no response within 30 s";
        return Response{};
      }
      std::this_thread::yield();
    }
    return response;
  }

 private:
  Pipeline& pipeline_;
  SessionPort port_;
};

Command admin(uint64_t request, CommandBody body) { return Command{kOperator, RequestId{request}, std::move(body)}; }

Command register_unit(uint64_t account, uint64_t request) {
  return admin(request, ledger::RegisterUnit{AccountId{account}, ledger::UnitKind::enterprise});
}

Command award_contract(uint64_t recipient, PriceFen base_fen, uint64_t request) {
  ledger::Award award;
  award.rule = ledger::RuleId::contract_rnd;
  award.recipient = AccountId{recipient};
  award.base_fen = base_fen;
  award.reference = request;
  return admin(request, award);
}

Command spend(uint64_t account, Points amount, uint64_t request) {
  ledger::Spend body;
  body.amount = amount;
  body.use = ledger::UseCode::service;
  body.reference = request;
  return Command{AccountId{account}, RequestId{request}, body};
}

TEST_P(PipelineTest, AcknowledgedCommandsSurviveRestart) {
  Digest before{};
  {
    Pipeline pipeline(options());
    Client client(pipeline);
    for (uint64_t account = 100; account < 110; ++account) {
      const Reply reply = client.call(register_unit(account, account));
      EXPECT_EQ(reply.code, ResultCode::ok) << result_code_name(reply.code);
      EXPECT_GT(reply.seq, 0u);
    }
    EXPECT_EQ(client.call(award_contract(100, 1'000'000'00, 500)).code, ResultCode::ok);
    pipeline.stop();
    before = pipeline.state_hash_after_stop();
  }
  Pipeline reopened(options());
  EXPECT_EQ(reopened.recovery().state_hash, before);
  EXPECT_EQ(reopened.recovery().last_seq, 11u);
}

TEST_P(PipelineTest, SecondPipelineOnSameDataDirIsRejected) {
  Pipeline first(options());
  EXPECT_THROW(Pipeline second(options()), std::runtime_error);
}

TEST_P(PipelineTest, RecoveryWithoutSnapshotReplaysWholeJournal) {
  Digest before{};
  {
    auto o = options();
    o.snapshot_at_stop = false;
    Pipeline pipeline(o);
    Client client(pipeline);
    for (uint64_t account = 100; account < 140; ++account) client.send(register_unit(account, account));
    for (int i = 0; i < 40; ++i) EXPECT_EQ(client.next().reply.code, ResultCode::ok);
    pipeline.stop();
    before = pipeline.state_hash_after_stop();
  }
  Pipeline reopened(options());
  EXPECT_EQ(reopened.recovery().snapshot_seq, 0u);
  EXPECT_EQ(reopened.recovery().records_replayed, 40u);
  EXPECT_EQ(reopened.recovery().state_hash, before);
}

TEST_P(PipelineTest, RetriedRequestReturnsOriginalReplyAlsoAfterRestart) {
  Reply original;
  {
    Pipeline pipeline(options());
    Client client(pipeline);
    ASSERT_EQ(client.call(register_unit(100, 1)).code, ResultCode::ok);
    original = client.call(award_contract(100, 50'000'00, 2));
    ASSERT_EQ(original.code, ResultCode::ok);
    const Reply retried = client.call(award_contract(100, 50'000'00, 2));
    EXPECT_EQ(retried.seq, original.seq);
    EXPECT_EQ(retried.values, original.values);
    EXPECT_EQ(client.call(award_contract(100, 60'000'00, 2)).code, ResultCode::request_conflict);
  }
  Pipeline reopened(options());
  Client client(reopened);
  const Reply after_restart = client.call(award_contract(100, 50'000'00, 2));
  EXPECT_EQ(after_restart.seq, original.seq);
  EXPECT_EQ(after_restart.values, original.values);
  EXPECT_EQ(client.call(award_contract(100, 60'000'00, 2)).code, ResultCode::request_conflict);
}

TEST_P(PipelineTest, RejectedCommandsReplayToSameRejection) {
  Digest before{};
  {
    Pipeline pipeline(options());
    Client client(pipeline);
    EXPECT_EQ(client.call(spend(999, 10, 1)).code, ledger::account_unknown);
    EXPECT_EQ(client.call(register_unit(100, 2)).code, ResultCode::ok);
    EXPECT_EQ(client.call(register_unit(100, 3)).code, ledger::account_exists);
    EXPECT_EQ(client.call(spend(100, 1'000'000, 4)).code, ledger::insufficient_balance);
    pipeline.stop();
    before = pipeline.state_hash_after_stop();
  }
  for (const auto& entry : fs::directory_iterator(dir_ / "journal"))
    if (entry.path().extension() == ".snap") fs::remove(entry.path());
  Pipeline reopened(options());
  EXPECT_EQ(reopened.recovery().snapshot_seq, 0u);
  EXPECT_EQ(reopened.recovery().records_replayed, 4u);
  EXPECT_EQ(reopened.recovery().state_hash, before);
}

// Several producers spend from one unit's balance at once; the ledger must accept
// exactly as many spends as the balance covers, whatever the interleaving.
TEST_P(PipelineTest, ConcurrentSpendsNeverOverdraw) {
  Pipeline pipeline(options(2, 2));
  Client setup(pipeline);
  ASSERT_EQ(setup.call(register_unit(100, 1)).code, ResultCode::ok);  // 5,000 register points
  ASSERT_EQ(setup.call(award_contract(100, 1'000'000'00, 2)).code, ResultCode::ok);  // + 50,000

  constexpr int kProducers = 4;
  constexpr int kSpendsEach = 200;
  constexpr Points kSpend = 100;
  std::atomic<int> accepted{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      Client client(pipeline);
      for (int i = 0; i < kSpendsEach; ++i) client.send(spend(100, kSpend, 1000 + p * kSpendsEach + i));
      for (int i = 0; i < kSpendsEach; ++i) {
        const Response response = client.next();
        if (response.reply.code == ResultCode::ok) ++accepted;
        else EXPECT_EQ(response.reply.code, ledger::insufficient_balance);
      }
    });
  }
  for (auto& producer : producers) producer.join();
  EXPECT_EQ(accepted.load(), 55'000 / kSpend);

  ledger::AccountReport report;
  const Reply balance = setup.call(Command{AccountId{100}, RequestId{0}, report});
  EXPECT_EQ(balance.code, ResultCode::ok);
}

// Only the newest request_window keys are remembered: an older request id is new again.
TEST(RequestWindow, ForgetsOldestKeyFirst) {
  EngineConfig config;
  config.rules_file = config_file("rules.toml");
  config.categories_file = config_file("categories.tsv");
  config.request_window = 2;
  Engine engine(config);
  Slot slot;
  Seq seq = 0;
  auto run = [&](Command command) {
    slot.reset(engine.unit_count());
    slot.command = std::move(command);
    slot.stamp = Stamp{++seq, 1'800'000'000'000'000'000};
    engine.apply(slot);
    return slot.reply;
  };
  ASSERT_EQ(run(register_unit(100, 1)).code, ResultCode::ok);
  const Reply first = run(award_contract(100, 10'000'00, 2));
  ASSERT_EQ(first.code, ResultCode::ok);
  EXPECT_EQ(run(award_contract(100, 10'000'00, 2)).seq, first.seq);  // still remembered
  ASSERT_EQ(run(award_contract(100, 10'000'00, 3)).code, ResultCode::ok);
  ASSERT_EQ(run(award_contract(100, 10'000'00, 4)).code, ResultCode::ok);
  const Reply again = run(award_contract(100, 10'000'00, 2));  // key 2 was evicted by 3 and 4
  EXPECT_EQ(again.code, ResultCode::ok);
  EXPECT_NE(again.seq, first.seq);
}

// One journal replayed by engines with 1, 2 and 4 ledger shards ends in one state hash.
TEST_P(PipelineTest, ReplayGivesSameHashForAnyShardCount) {
  {
    Pipeline pipeline(options());
    Client client(pipeline);
    std::mt19937_64 random(7);
    uint64_t request = 1;
    for (uint64_t account = 100; account < 164; ++account) client.send(register_unit(account, request++));
    for (int i = 0; i < 2000; ++i) {
      const uint64_t account = 100 + random() % 64;
      if (random() % 3 == 0) client.send(spend(account, 1 + random() % 3000, request++));
      else client.send(award_contract(account, static_cast<PriceFen>(random() % 10'000'000), request++));
    }
    for (uint64_t i = 1; i < request; ++i) client.next();
  }

  std::vector<Digest> hashes;
  for (uint32_t shards : {1u, 2u, 4u}) {
    EngineConfig config;
    config.rules_file = config_file("rules.toml");
    config.categories_file = config_file("categories.tsv");
    config.ledger_shards = shards;
    Engine engine(config);
    journal::Options journal_options;
    journal_options.dir = dir_ / "journal";
    journal_options.read_only = true;
    journal::Journal journal(journal_options);
    Slot slot;
    journal.replay(0, [&](const journal::RecordView& record, const journal::BatchInfo&) {
      slot.reset(engine.unit_count());
      ASSERT_EQ(decode_command(record.type, record.payload, slot.command), ResultCode::ok);
      slot.stamp = Stamp{record.seq, record.time_ns};
      engine.apply(slot);
    });
    hashes.push_back(engine.state_hash());
  }
  EXPECT_EQ(hashes[0], hashes[1]);
  EXPECT_EQ(hashes[0], hashes[2]);
}

}  // namespace
// A ring far smaller than the load: the sequencer must wait for slots to be freed (in
// fused mode it frees them itself), and every command still gets its response in order.
TEST_P(PipelineTest, SmallRingAnswersEveryCommand) {
  auto o = options();
  o.ring_slots = 8;
  Pipeline pipeline(o);
  Client client(pipeline);
  ASSERT_EQ(client.call(register_unit(100, 1)).code, ResultCode::ok);
  constexpr uint64_t kAwards = 2000;
  for (uint64_t request = 2; request < 2 + kAwards; ++request) client.send(award_contract(100, 1'000'00, request));
  Seq previous = 0;
  for (uint64_t i = 0; i < kAwards; ++i) {
    const Response response = client.next();
    EXPECT_EQ(response.request_id.value, 2 + i);
    EXPECT_EQ(response.reply.code, ResultCode::ok);
    EXPECT_GT(response.reply.seq, previous);
    previous = response.reply.seq;
  }
}

// A retry inside one batch, and a retry long after, both get the original reply.
TEST_P(PipelineTest, RetryInSameBatchGetsOriginalReply) {
  Pipeline pipeline(options());
  Client client(pipeline);
  ASSERT_EQ(client.call(register_unit(100, 1)).code, ResultCode::ok);
  client.send(award_contract(100, 1'000'00, 2));
  client.send(award_contract(100, 1'000'00, 2));
  const Response first = client.next();
  const Response retry = client.next();
  ASSERT_EQ(first.reply.code, ResultCode::ok);
  EXPECT_EQ(retry.reply.seq, first.reply.seq);
  EXPECT_EQ(retry.reply.values, first.reply.values);
  for (uint64_t request = 3; request < 500; ++request) client.send(award_contract(100, 1'000'00, request));
  for (uint64_t request = 3; request < 500; ++request) client.next();
  EXPECT_EQ(client.call(award_contract(100, 1'000'00, 2)).seq, first.reply.seq);
}

// A batch of one session's commands is applied in order, like the same commands one by one.
TEST_P(PipelineTest, SubmitBatchKeepsOrder) {
  Pipeline pipeline(options());
  SessionPort port(1 << 12);
  std::vector<Command> batch;
  batch.push_back(register_unit(100, 1));
  for (uint64_t request = 2; request < 100; ++request) batch.push_back(award_contract(100, 1'000'00, request));
  ASSERT_TRUE(pipeline.submit_batch(&port, batch));
  Seq previous = 0;
  for (uint64_t request = 1; request < 100; ++request) {
    Response response;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!port.responses.pop(response)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no response within 30 s";
      std::this_thread::yield();
    }
    EXPECT_EQ(response.request_id.value, request);
    EXPECT_EQ(response.reply.code, ResultCode::ok);
    EXPECT_GT(response.reply.seq, previous);
    previous = response.reply.seq;
  }
  EXPECT_TRUE(port.wait_released(std::chrono::seconds(30)));
  // Each response pushed to a session counts once in the acknowledgement latency.
  const LatencyHistogram::Snapshot latency = pipeline.ack_latency();
  EXPECT_EQ(latency.count, 99u);
  EXPECT_EQ(std::accumulate(latency.buckets.begin(), latency.buckets.end(), uint64_t{0}), 99u);
  EXPECT_GT(latency.sum_ns, 0u);
}

// A quarterly redemption settlement writes its payout CSV to DATA/payouts/ before the
// response leaves. The last quarter of the previous year has always ended.
TEST_P(PipelineTest, RedemptionSettleWritesPayoutFile) {
  const auto now = std::chrono::system_clock::now();
  const int32_t year = static_cast<int32_t>(std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now)).year()) - 1;
  Pipeline pipeline(options());
  Client client(pipeline);
  const Reply settled = client.call(admin(1, ledger::RedemptionSettle{year, 4}));
  ASSERT_EQ(settled.code, ResultCode::ok);

  const fs::path file = dir_ / "payouts" / ("redemption-" + std::to_string(year) + "-Q4-seq" + std::to_string(settled.seq) + ".csv");
  ASSERT_TRUE(fs::exists(file)) << file;
  std::ifstream in(file);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "year,quarter,request_seq,unit,payee,payee_kind,points,yuan");
}

INSTANTIATE_TEST_SUITE_P(Mode, PipelineTest, ::testing::Values(0u, 1u),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return std::string(info.param == 0 ? "fused" : "staged");
                         });

}  // namespace jubian
