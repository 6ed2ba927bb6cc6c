#include "api/protocol_doc.hpp"

#include <fmt/format.h>

#include <array>
#include <iterator>
#include <type_traits>

#include "engine/core/command.hpp"

namespace jubian::api {
namespace {

std::string_view access_name(Access access) {
  switch (access) {
    case Access::trader: return "trader";
    case Access::admin: return "admin";
    case Access::market_data: return "market_data";
    case Access::system: return "system";
  }
  return "unknown";
}

template <class I>
std::string integer_type() {
  return fmt::format("{}{}", std::is_signed_v<I> ? "i" : "u", sizeof(I) * 8);
}

// The wire type of one field as the codec writes it ("u64", "i32", "u64[4]", ...).
template <class T>
std::string wire_type() {
  if constexpr (codec::is_strong<T>::value) {
    return integer_type<decltype(T::value)>();
  } else if constexpr (std::is_enum_v<T>) {
    return integer_type<std::underlying_type_t<T>>();
  } else if constexpr (codec::is_word_array<T>::value) {
    return fmt::format("{}[{}]", wire_type<typename T::value_type>(), std::tuple_size_v<T>);
  } else {
    return integer_type<T>();
  }
}

struct Row {
  std::string name;
  std::string type;
  size_t offset = 0;
  size_t bytes = 0;
};

// Collects (name, type, offset, size) of each field in wire order.
struct LayoutVisitor {
  std::vector<Row> rows;
  size_t offset = 0;

  template <class T>
  void operator()(const char* name, const T& field) {
    codec::SizeCounter counter;
    counter(name, field);
    rows.push_back({name, wire_type<T>(), offset, counter.bytes});
    offset += counter.bytes;
  }
};

template <class T>
LayoutVisitor layout_of() {
  LayoutVisitor visitor;
  visitor("actor", AccountId{});
  visitor("request_id", RequestId{});
  T body{};
  body.visit(visitor);
  return visitor;
}

template <class T>
void append_table(std::string& out, Language language) {
  const auto visitor = layout_of<T>();
  const bool zh = language == Language::zh;
  fmt::format_to(std::back_inserter(out), "#### `{}` (type 0x{:04X})\n\n", T::kName, T::kType);
  const auto* summary = zh ? "权限: `{}` · 记入日志: {} · 正文 {} 字节\n\n" : "access: `{}` · journaled: {} · body {} bytes\n\n";
  const auto* journaled = T::kJournaled ? (zh ? "是" : "yes") : (zh ? "否" : "no");
  fmt::format_to(std::back_inserter(out), fmt::runtime(summary), access_name(T::kAccess), journaled, visitor.offset);
  out += zh ? "| 偏移 | 字段 | 类型 | 字节 |\n|---:|---|---|---:|\n" : "| offset | field | type | bytes |\n|---:|---|---|---:|\n";
  for (const auto& row : visitor.rows)
    fmt::format_to(std::back_inserter(out), "| {} | `{}` | {} | {} |\n", row.offset, row.name, row.type, row.bytes);
  out += "\n";
}

}  // namespace

std::string command_tables_markdown(Language language) {
  std::string out;
  for_each_command([&](auto sample) { append_table<decltype(sample)>(out, language); });
  return out;
}

std::string command_fields_summary(std::string_view command_name) {
  std::string out;
  for_each_command([&](auto sample) {
    using T = decltype(sample);
    if (T::kName != command_name) return;
    const auto visitor = layout_of<T>();
    for (const auto& row : visitor.rows) {
      if (!out.empty()) out += ' ';
      out += row.name + ":" + row.type;
    }
  });
  return out;
}

}  // namespace jubian::api
