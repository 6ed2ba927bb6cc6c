#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/core/command.hpp"
#include "engine/journal/codes.hpp"
#include "engine/journal/journal.hpp"

namespace jubian::journal {
namespace {

namespace fs = std::filesystem;

constexpr TimeNs kNoonUtcNs = 1'780'315'200'000'000'000;  // 2026-06-01T12:00:00Z

// Collects the field names of a command struct in wire order.
struct FieldNames {
  std::vector<std::string> names;
  template <class T>
  void operator()(const char* name, const T&) {
    names.emplace_back(name);
  }
};

std::string run_and_capture(const std::string& arguments) {
  const std::string command = std::string(JUBIAN_BIN_DIR "/jubian-wal ") + arguments + " 2>/dev/null";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  while (size_t read = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, read);
  ::pclose(pipe);
  return output;
}

class WalToolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/jubian-wal-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(WalToolTest, DumpPrintsCommandsByName) {
  // The first registered command that has fields, so the dump has names to print.
  Command with_fields{AccountId{7}, RequestId{11}, {}};
  FieldNames names;
  for_each_command([&](auto sample) {
    if (!names.names.empty()) return;
    sample.visit(names);
    if (!names.names.empty()) with_fields.body = sample;
  });
  ASSERT_FALSE(names.names.empty());

  {
    Options options;
    options.dir = dir_;
    options.segment_bytes = 1 << 20;
    Journal journal(options);
    journal.start();
    std::vector<uint8_t> payload;
    encode_command(Command{AccountId{0}, RequestId{5}, system::Tick{}}, payload);
    journal.append(system::Tick::kType, 1, kNoonUtcNs, payload);
    payload.clear();
    encode_command(with_fields, payload);
    journal.append(with_fields.type(), 2, kNoonUtcNs + 1, payload);
    journal.append(0xFFFF, 3, kNoonUtcNs + 2, payload);
    journal.commit();
  }

  const auto dump = run_and_capture("dump " + dir_.string());
  EXPECT_NE(dump.find("seq=1 time=2026-06-01T12:00:00.000000000Z command=tick actor=0 request_id=5"), std::string::npos)
      << dump;
  EXPECT_NE(dump.find("seq=2 time=2026-06-01T12:00:00.000000001Z command=" + std::string(with_fields.name())),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find(" " + names.names.front() + "="), std::string::npos) << dump;
  EXPECT_NE(dump.find("seq=3"), std::string::npos) << dump;
  EXPECT_NE(dump.find("decode_error=unknown_command"), std::string::npos) << dump;

  const auto from_two = run_and_capture("dump " + dir_.string() + " --from 2");
  EXPECT_EQ(from_two.find("seq=1 "), std::string::npos) << from_two;
  EXPECT_NE(from_two.find("seq=2 "), std::string::npos) << from_two;

  const auto stats = run_and_capture("stats " + dir_.string());
  EXPECT_NE(stats.find("records=3 batches=1"), std::string::npos) << stats;
  EXPECT_NE(stats.find("last_seq=3 last_time=2026-06-01T12:00:00.000000002Z"), std::string::npos) << stats;

  const auto verify = run_and_capture("verify " + dir_.string());
  EXPECT_NE(verify.find("journal ok: records=3 batches=1 last_seq=3 final_hash="), std::string::npos) << verify;
}

TEST(JournalCodes, NamesResolveThroughRegistry) {
  EXPECT_EQ(result_code_name(record_damaged), "record_damaged");
  EXPECT_EQ(result_code_name(chain_mismatch), "chain_mismatch");
  EXPECT_EQ(result_code_name(snapshot_damaged), "snapshot_damaged");
  EXPECT_EQ(code_number(io_failed), 505);
}

}  // namespace
}  // namespace jubian::journal
