// The protocol documents list exactly the command layouts this build encodes.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/protocol_doc.hpp"

namespace jubian::api {
namespace {

// The text between the markers, without the blank line after the first marker.
std::string generated_section(const std::string& path) {
  std::ifstream file(path);
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const auto begin = text.find(kTablesBegin);
  const auto end = text.find(kTablesEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) return "<markers missing in " + path + ">";
  const auto start = begin + kTablesBegin.size() + 2;  // the marker's newline and the blank line
  return text.substr(start, end - start);
}

TEST(ProtocolDoc, EnglishTablesCurrent) {
  EXPECT_EQ(generated_section(JUBIAN_SOURCE_DIR "/docs/protocol.md"), command_tables_markdown(Language::en))
      << "regenerate the section with: jubian protocol-tables --lang en";
}

TEST(ProtocolDoc, ChineseTablesCurrent) {
  EXPECT_EQ(generated_section(JUBIAN_SOURCE_DIR "/docs/protocol.zh-CN.md"), command_tables_markdown(Language::zh))
      << "regenerate the section with: jubian protocol-tables --lang zh";
}

TEST(ProtocolDoc, FieldSummaryListsEnvelopeFirst) {
  EXPECT_EQ(command_fields_summary("state_hash"), "actor:u64 request_id:u64");
  EXPECT_EQ(command_fields_summary("no_such_command"), "");
}

}  // namespace
}  // namespace jubian::api
