#pragma once
// Little-endian field codec shared by the journal payloads and the wire protocol.
//
// A message struct lists its fields once, in wire order, through a visitor:
//
//   struct Example {
//     static constexpr CommandType kType = ...;
//     AccountId account; PriceFen price; uint8_t mode;
//     template <class V> void visit(V& v) { v("account", account); v("price", price); v("mode", mode); }
//
// The names serve the CLI, the journal dump, JSON output and the protocol document, so
// one list drives the wire layout and everything that prints it.
//   };
//
// Grammar of an encoded body (no padding, no alignment):
//   body  := field*
//   field := u8 | u16 | u32 | u64 | i8 | i16 | i32 | i64   little-endian two's complement
//          | strong-id                                     encoded as its representation
//          | enum                                          encoded as its underlying type
//          | bytes[N]  (std::array<uint8_t, N>)             N raw bytes
//          | words[N]  (std::array<uint64_t, N>)            N u64 fields
// A decoder never reads past the span it is given and reports a short body as false.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "engine/common/types.hpp"

namespace jubian::codec {

template <class T>
struct is_strong : std::false_type {};
template <class Tag, class Rep>
struct is_strong<Strong<Tag, Rep>> : std::true_type {};

template <class T>
struct is_word_array : std::false_type {};
template <class E, size_t N>
struct is_word_array<std::array<E, N>> : std::true_type {};

// Appends fields to a caller-owned buffer.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

  template <class T>
  void operator()(const char*, const T& field) { write(field); }

 private:
  template <class T>
  void write(const T& field) {
    if constexpr (is_strong<T>::value) {
      put(field.value);
    } else if constexpr (std::is_enum_v<T>) {
      put(static_cast<std::underlying_type_t<T>>(field));
    } else if constexpr (is_word_array<T>::value) {
      for (const auto& element : field) write(element);
    } else {
      static_assert(std::is_integral_v<T>, "codec fields are integers, enums, strong ids or arrays");
      put(field);
    }
  }

  template <class I>
  void put(I value) {
    using U = std::make_unsigned_t<I>;
    U bits = static_cast<U>(value);
    for (size_t i = 0; i < sizeof(U); ++i) {
      out_.push_back(static_cast<uint8_t>(bits & 0xFFu));
      if constexpr (sizeof(U) > 1) bits = static_cast<U>(bits >> 8);
    }
  }

  std::vector<uint8_t>& out_;
};

// Reads fields from a span; ok() turns false on the first field that does not fit.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}

  template <class T>
  void operator()(const char*, T& field) { read(field); }

  bool ok() const { return ok_; }
  size_t consumed() const { return offset_; }
  bool at_end() const { return offset_ == in_.size(); }

 private:
  template <class T>
  void read(T& field) {
    if constexpr (is_strong<T>::value) {
      get(field.value);
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> raw{};
      get(raw);
      field = static_cast<T>(raw);
    } else if constexpr (is_word_array<T>::value) {
      for (auto& element : field) read(element);
    } else {
      static_assert(std::is_integral_v<T>, "codec fields are integers, enums, strong ids or arrays");
      get(field);
    }
  }

  template <class I>
  void get(I& value) {
    using U = std::make_unsigned_t<I>;
    if (!ok_ || in_.size() - offset_ < sizeof(U)) {
      ok_ = false;
      value = 0;
      return;
    }
    U bits = 0;
    for (size_t i = 0; i < sizeof(U); ++i) bits |= static_cast<U>(static_cast<U>(in_[offset_ + i]) << (8 * i));
    offset_ += sizeof(U);
    value = static_cast<I>(bits);
  }

  std::span<const uint8_t> in_;
  size_t offset_ = 0;
  bool ok_ = true;
};

// Counts the encoded size of a message without writing it.
class SizeCounter {
 public:
  template <class T>
  void operator()(const char*, const T& field) {
    if constexpr (is_strong<T>::value) {
      bytes += sizeof(field.value);
    } else if constexpr (is_word_array<T>::value) {
      bytes += sizeof(typename T::value_type) * field.size();
    } else {
      bytes += sizeof(T);
    }
  }
  size_t bytes = 0;
};

template <class Message>
void encode(const Message& message, std::vector<uint8_t>& out) {
  Writer writer(out);
  // visit() is non-const so that one field list serves decoding too; Writer only reads.
  const_cast<Message&>(message).visit(writer);
}

// Decodes a whole body: false when it is short or has bytes left over.
template <class Message>
[[nodiscard]] bool decode(std::span<const uint8_t> in, Message& message) {
  Reader reader(in);
  message.visit(reader);
  return reader.ok() && reader.at_end();
}

template <class Message>
size_t encoded_size() {
  SizeCounter counter;
  Message message{};
  message.visit(counter);
  return counter.bytes;
}

}  // namespace jubian::codec
