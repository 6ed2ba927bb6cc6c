#pragma once
// One pipelined gateway connection driven by a single-threaded Boost.Asio loop, for the
// load tools in bench/. Many streams share one io_context, so the client spends its CPU
// on frames instead of on thread switches.
//
// Closed loop (depth > 0): keeps `depth` commands in flight until `total` have responses.
// Open loop (interval > 0): command i is due at start + i * interval and is sent as soon
// as it is due (at most `in_flight_max` unanswered). Its latency counts from the due
// time, so a server that stalls cannot hide the queue that builds up behind it.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "api/protocol.hpp"

namespace jubian::bench {

class LoadStream {
 public:
  using Clock = std::chrono::steady_clock;
  using MakeCommand = std::function<Command(uint64_t i)>;  // the i-th command, with a request id

  struct Settings {
    std::string token;
    uint64_t total = 0;                  // commands to send
    uint32_t depth = 0;                  // closed loop: unanswered commands
    Clock::duration interval{};          // open loop: time between commands
    uint32_t in_flight_max = 1024;       // the server's per-session limit
  };

  LoadStream(boost::asio::io_context& io, Settings settings, MakeCommand make)
      : settings_(std::move(settings)), make_(std::move(make)), socket_(io), timer_(io), decoder_(1u << 20),
        buffer_(64 * 1024) {}

  void start(const boost::asio::ip::tcp::endpoint& endpoint, Clock::time_point open_loop_start) {
    socket_.connect(endpoint);
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
    start_ = open_loop_start;
    protocol::append_login(out_, 1, settings_.token);
    write();
    read();
  }

  uint64_t answered() const { return answered_; }
  uint64_t rejected() const { return rejected_; }
  const std::vector<double>& latencies_us() const { return latencies_us_; }
  bool failed() const { return failed_; }

 private:
  bool open_loop() const { return settings_.interval.count() > 0; }
  Clock::time_point due_time(uint64_t i) const { return start_ + settings_.interval * static_cast<int64_t>(i); }

  void send_one() {
    const uint64_t i = next_++;
    const Command command = make_(i);
    protocol::append_command(out_, command);
    if (open_loop()) due_.push_back({command.request_id.value, due_time(i)});
    ++in_flight_;
  }

  void refill() {
    if (open_loop()) return send_due();
    while (in_flight_ < settings_.depth && next_ < settings_.total) send_one();
    write();
  }

  void send_due() {
    const auto now = Clock::now();
    while (next_ < settings_.total && in_flight_ < settings_.in_flight_max && due_time(next_) <= now)
      send_one();
    write();
    if (next_ >= settings_.total || timer_armed_) return;
    timer_armed_ = true;
    timer_.expires_at(std::max(due_time(next_), now));
    timer_.async_wait([this](const boost::system::error_code& error) {
      timer_armed_ = false;
      if (!error && logged_in_) send_due();
    });
  }

  void write() {
    if (writing_active_ || out_.empty()) return;
    writing_active_ = true;
    writing_.swap(out_);
    boost::asio::async_write(socket_, boost::asio::buffer(writing_), [this](const boost::system::error_code& error, size_t) {
      writing_active_ = false;
      writing_.clear();
      if (error) failed_ = true;
      else write();
    });
  }

  void read() {
    socket_.async_read_some(boost::asio::buffer(buffer_), [this](const boost::system::error_code& error, size_t bytes) {
      if (error) {
        failed_ = !done();
        timer_.cancel();
        return;
      }
      std::span<const uint8_t> input(buffer_.data(), bytes);
      while (auto frame = decoder_.next(input)) on_frame(*frame);
      if (done()) {
        timer_.cancel();
        socket_.close();
        return;
      }
      read();
    });
  }

  void on_frame(const protocol::Frame& frame) {
    const auto type = static_cast<protocol::MessageType>(frame.header.type);
    if (type == protocol::MessageType::login_reply) {
      logged_in_ = true;
      return refill();
    }
    if (type == protocol::MessageType::status) {
      failed_ = true;  // the server closes the session after a status without a request
      return;
    }
    if (type != protocol::MessageType::response) return;
    protocol::ResponseMessage response;
    if (!protocol::decode_response(frame.body, frame.header.flags, response)) return;
    --in_flight_;
    ++answered_;
    if (response.reply.code != ResultCode::ok) ++rejected_;
    if (open_loop()) record_latency(response.request_id.value);
    refill();
  }

  // A session's responses arrive in the order of its commands, so the match is at the front.
  void record_latency(uint64_t request_id) {
    const auto now = Clock::now();
    for (auto it = due_.begin(); it != due_.end(); ++it) {
      if (it->request_id != request_id) continue;
      latencies_us_.push_back(std::chrono::duration<double, std::micro>(now - it->due).count());
      due_.erase(it);
      return;
    }
  }

  bool done() const { return next_ >= settings_.total && in_flight_ == 0; }

  struct Due {
    uint64_t request_id;
    Clock::time_point due;
  };

  Settings settings_;
  MakeCommand make_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  protocol::FrameDecoder decoder_;
  std::vector<uint8_t> buffer_, out_, writing_;
  bool writing_active_ = false;
  bool timer_armed_ = false;
  bool logged_in_ = false;
  bool failed_ = false;
  Clock::time_point start_;
  uint64_t next_ = 0;
  uint32_t in_flight_ = 0;
  uint64_t answered_ = 0;
  uint64_t rejected_ = 0;
  std::deque<Due> due_;
  std::vector<double> latencies_us_;
};

}  // namespace jubian::bench
